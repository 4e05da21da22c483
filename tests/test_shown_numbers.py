"""Tables draw decimals in the reader's format and a missing value blank, and keep numbers sortable."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd

from pilot.ui.safe import shown_numbers


def _drawn(styled, column: str) -> list[str]:
    body = styled._translate(False, False)["body"]
    index = list(styled.data.columns).index(column) + 1  # the first cell of a row is its index
    return [row[index]["display_value"] for row in body]


def test_decimals_in_finnish_and_swedish_keep_their_numbers() -> None:
    frame = pd.DataFrame({"hours": [6.8, 89318.18, 3.0], "who": ["a", "b", "c"]})
    for lang in ("fi", "sv"):
        styled = shown_numbers(frame, lang)
        assert [s.replace("\xa0", " ") for s in _drawn(styled, "hours")] == ["6,8", "89 318,18", "3"]
        assert styled.data["hours"].tolist() == [6.8, 89318.18, 3.0]  # still numbers: sorts by value
    assert _drawn(shown_numbers(frame, "en"), "hours") == ["6.8", "89,318.18", "3"]


def test_decimal_objects_and_missing_values() -> None:
    frame = pd.DataFrame({"cost": [Decimal("12.5"), Decimal("7")], "change": [1.5, None]})
    shown = shown_numbers(frame, "fi")
    assert _drawn(shown, "cost") == ["12,5", "7"]
    # Streamlit draws a missing number as "None" whatever a Styler says: such a column is text
    assert shown.data["change"].tolist() == ["1,5", ""]


def test_a_table_without_decimals_is_left_as_it_is() -> None:
    frame = pd.DataFrame({"n": [1, 2], "who": ["a", "b"]})
    out = shown_numbers(frame, "fi")
    assert isinstance(out, pd.DataFrame) and out["n"].tolist() == [1, 2]
