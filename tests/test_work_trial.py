"""Work-trial limits: 6 months with one employer, 12 months in all; never employment."""
from __future__ import annotations

from datetime import date

import pytest

from pilot.domain import codes
from pilot.domain.work_trial import months_used, warnings

X, Y = "0101263-6", "1927400-1"


def row(day, status="work_trial", employer=X):
    return {"effective_on": day, "status": status, "employer_business_id": employer}


@pytest.mark.parametrize("rows, as_of, expected", [
    # five months with one employer: nothing to say yet
    ([row(date(2024, 1, 15))], date(2024, 6, 10), []),
    # within a month of the 6-month limit and still running: warned ahead, with the day
    ([row(date(2024, 1, 15))], date(2024, 6, 20), [("employer", X, False, date(2024, 7, 14))]),
    # the seventh month with one employer
    ([row(date(2024, 1, 15))], date(2024, 7, 20), [("employer", X, True, date(2024, 7, 14))]),
    # ended after exactly six months: fine
    ([row(date(2024, 1, 15)), row(date(2024, 7, 15), "fixed_term")], date(2024, 12, 1), []),
    # two periods with one employer add up past six months
    ([row(date(2024, 1, 1)), row(date(2024, 4, 1), "unemployed"), row(date(2024, 6, 1)),
      row(date(2024, 10, 1), "unemployed")], date(2024, 12, 1), [("employer", X, True, date(2024, 8, 31))]),
    # 5 + 5 + 3 months with three employers: over 12 in all, no employer over 6
    ([row(date(2023, 1, 1)), row(date(2023, 6, 1), employer=Y), row(date(2023, 11, 1), employer="2617416-4"),
      row(date(2024, 2, 1), "permanent")], date(2024, 6, 1), [("total", None, True, date(2024, 1, 1))]),
    # rows after the reference date are not yet counted
    ([row(date(2025, 1, 1))], date(2024, 12, 1), []),
    # no work trial at all
    ([row(date(2024, 1, 1), "permanent")], date(2025, 6, 1), []),
])
def test_warnings(rows, as_of, expected):
    got = [(w.scope, w.employer, w.passed, w.limit_on) for w in warnings(rows, as_of)]
    assert got == expected


def test_months_used_and_keys():
    rows = [row(date(2024, 1, 1)), row(date(2024, 7, 31))]  # same employer, second row continues
    used = months_used(rows, date(2024, 8, 31))
    assert used == {X: 8.0}
    assert {w.key for w in warnings(rows, date(2024, 8, 31))} == {"work.trial.employer_passed"}


@pytest.mark.parametrize("status, employed", [("work_trial", False), ("permanent", True), ("fixed_term", True),
                                              ("apprenticeship", True), ("training", False), (None, False)])
def test_work_trial_is_never_employment(status, employed):
    assert codes.is_employed(status) is employed
