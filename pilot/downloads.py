"""Tables that leave the app (a CSV download, a table's own export): formulas neutralised.

Every CSV a page offers and every table a page draws goes through here, so a company named
``=HYPERLINK(…)`` reaches a spreadsheet as text (pilot/domain/formulas.py), the same way the
workbook export writes it.

A CSV download is for a person's spreadsheet, in their language: a spreadsheet set to Finnish or
Swedish splits columns at ";" and reads "2,5" as a number, so the fi and sv files use both; the
English file keeps "," and ".". All of them start with a byte-order mark so Excel reads UTF-8.
The workbook's CSV (DATA-FILES.md, pilot/workbook.py) is a machine format and does not come here.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import pandas as pd

from pilot import i18n
from pilot.domain.formulas import neutralise

# The column separator and decimal mark a spreadsheet in that language expects.
_SEPARATORS = {"fi": (";", ","), "sv": (";", ","), "en": (",", ".")}
_TAGS = re.compile(r"<[^>]*>")
_NOT_NAME = re.compile(r"[^\w]+")


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers a spreadsheet would not run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def _decimal_comma(value: Any) -> Any:
    """A non-integer number written with a decimal comma ("2,5"); other cells as they are."""
    if isinstance(value, bool) or not isinstance(value, (float, Decimal)):
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value).replace(".", ",")


def csv_bytes(frame: pd.DataFrame, lang: str = "en") -> bytes:
    """The table as a CSV file for Excel and LibreOffice in the user's language: UTF-8 with a
    byte-order mark; ";" and decimal commas in fi and sv, "," and decimal points in en."""
    separator, mark = _SEPARATORS.get(i18n.normalise_lang(lang), _SEPARATORS["en"])
    out = neutralised_frame(frame)  # numbers are not formulas: only text cells are neutralised
    if mark == ",":
        out = out.astype(object).apply(lambda column: column.map(_decimal_comma))
    return out.to_csv(index=False, sep=separator).encode("utf-8-sig")


def csv_file_name(title: str | None, lang: str) -> str:
    """A download's file name from its title in the user's language: "Aktiivisuus kuukausittain"
    -> "aktiivisuus-kuukausittain.csv" (letters of any language kept, no path, no markup)."""
    words = _NOT_NAME.sub("-", _TAGS.sub(" ", title or "")).strip("-_").lower()[:80].strip("-_")
    return f"{words or i18n.t('frictions.csv.table', lang)}.csv"
