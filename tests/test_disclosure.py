"""Disclosure control (pilot/disclosure.py, INDICATORS.md D1-D4) as rules in tables, and the
services dashboard narrowed to one person's first language showing only a sentence."""
from __future__ import annotations

from typing import Any

import pytest

from pilot import disclosure
from pilot.disclosure import HIDDEN_TEXT, SMALL_TEXT, View, protect

from tests.test_pages_outcomes import open_page, page_text, pilot, scalar  # noqa: F401 (fixture)


@pytest.mark.parametrize("value, shown", [(0, 0), (1, SMALL_TEXT), (4, SMALL_TEXT), (5, 5), (40, 40)])
def test_d1_counts(value: int, shown: Any) -> None:
    v = View()
    v.count("n", value)
    v.cells["hours"] = 2.5  # hours, euros: not counts, shown as they are
    assert protect(v, exact=False) == {"n": shown, "hours": 2.5}
    assert protect(v, exact=True) == {"n": value, "hours": 2.5}


@pytest.mark.parametrize("numerator, denominator, people, shown", [
    (4, 7, True, None),      # the issue: 4 of 7 shown as 57,1 % gave the hidden 4 back
    (0, 7, True, 0.0),
    (5, 7, True, 5 / 7),
    (3, 4, True, None),      # denominator under 5
    (3, 10, False, 0.3),     # a share of marks, a mean: only its own denominator counts
    (3, 4, False, None),
])
def test_d2_rates(numerator: int, denominator: int, people: bool, shown: float | None) -> None:
    v = View()
    v.rate("rate", numerator / denominator, denominator, numerator if people else None)
    assert protect(v, exact=False)["rate"] == shown


def test_d2_a_rate_is_null_when_a_count_it_is_made_of_is_hidden() -> None:
    v = View()
    v.count("exited", 12)
    v.count("employed", 9)
    v.count("other", 3)
    v.tie("exited", "employed", "other")
    v.rate("rate", 0.75, 12, 9, ("employed", "exited"))
    shown = protect(v, exact=False)
    assert shown["other"] == SMALL_TEXT and shown["employed"] == HIDDEN_TEXT and shown["rate"] is None


def test_d3_the_monthly_identity_hides_one_more() -> None:
    """The issue's CSV: active 13 -> 17 with 0 exits gave the hidden 4 new ones back."""
    v = View()
    v.count("active_may", 13)
    v.count("new_june", 4)
    v.count("exited_june", 0)
    v.count("active_june", 17)
    v.tie("active_june", "active_may", "new_june", minus=("exited_june",))
    shown = protect(v, exact=False)
    assert shown["new_june"] == SMALL_TEXT
    # one more hidden: the smallest other non-zero one
    assert shown["active_may"] == HIDDEN_TEXT and shown["active_june"] == 17 and shown["exited_june"] == 0


def test_d3_cascades_until_no_relation_has_one_hidden_cell() -> None:
    v = View()
    for name, value in (("total", 20), ("a", 2), ("b", 6), ("c", 12), ("b1", 3), ("b2", 3)):
        v.count(name, value)
    v.tie("total", "a", "b", "c")
    v.tie("b", "b1", "b2")
    shown = protect(v, exact=False)
    for group in v.identities:
        assert sum(1 for c in group if disclosure.is_hidden(shown[c])) != 1


def test_d3_no_cell_is_pinned_by_what_the_markers_say() -> None:
    """6 = "<5" + "x": "x" is 0 or at least 5, so it must be 5 and "<5" must be 1. Hide more."""
    v = View()
    for name, value in (("total", 6), ("a", 1), ("b", 5), ("elsewhere", 40)):
        v.count(name, value)
    v.tie("total", "a", "b")
    shown = protect(v, exact=False)
    assert shown["a"] == SMALL_TEXT and shown["b"] == HIDDEN_TEXT and shown["total"] == HIDDEN_TEXT


@pytest.mark.parametrize("sizes, blank", [([], False), ([7, 30], False), ([1, 36], True), ([36, 2], True),
                                           ([0, 40], False), ([5, 5], False)])
def test_d4_narrowed_groups(sizes: list[int], blank: bool) -> None:
    assert disclosure.narrowed_too_small(sizes) is blank


def test_services_dashboard_narrowed_to_one_person_shows_only_a_sentence(pilot) -> None:  # noqa: F811
    """The issue: a first language held by one person showed that person's months, attendance,
    hours and gains. Now the page says the selection is too small and shows nothing else."""
    (language,) = [r[0] for r in scalar(pilot, "SELECT first_language FROM participants GROUP BY 1 "
                                                "HAVING COUNT(*) = 1 ORDER BY 1 LIMIT 1")]
    at = open_page(pilot, "pages/dashboard.py", "services")
    at.selectbox(key="dash_language").select(language).run()
    assert not at.exception
    text = page_text(at)
    assert "too small to show" in text
    assert not at.metric and not at.get("plotly_chart") and not at.dataframe
