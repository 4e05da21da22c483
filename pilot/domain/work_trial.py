"""Work-trial limits (työkokeilu): at most 6 months with one employer and 12 months in all.

Pure: takes a participant's dated employment rows and a reference date, returns warnings. A work
trial row lasts from its ``effective_on`` until the next row's date (any status), or until the
reference date when it is the last row. A work trial is never employment (``codes.is_employed``).

Months are calendar months from the first day of work trial, so a single unbroken trial from
15.1. reaches 6 months on 15.7.; trials split into several periods add up their days against the
same calendar limit measured from the first of them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pilot.domain.dates import add_months

EMPLOYER_LIMIT_MONTHS = 6
TOTAL_LIMIT_MONTHS = 12
# A running trial is warned about this many days before it would pass a limit.
WARN_AHEAD_DAYS = 31
_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Period:
    employer: str | None
    start: date
    end: date  # exclusive
    open: bool  # the last row: still running on the reference date

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 0)


@dataclass(frozen=True)
class Warning:
    """``scope`` is 'employer' (with the employer's business ID) or 'total'."""

    scope: str
    employer: str | None
    months_used: float
    limit_months: int
    limit_on: date  # the day the limit is reached at the current pace
    passed: bool

    @property
    def key(self) -> str:
        return f"work.trial.{self.scope}_{'passed' if self.passed else 'near'}"


def periods(rows: Iterable[Mapping[str, Any]], as_of: date) -> list[Period]:
    """Work-trial periods from employment rows (any order), cut at the reference date."""
    ordered = sorted((r for r in rows if r["effective_on"] <= as_of), key=lambda r: r["effective_on"])
    out = []
    for i, row in enumerate(ordered):
        if row["status"] != "work_trial":
            continue
        last = i == len(ordered) - 1
        end = as_of + timedelta(days=1) if last else ordered[i + 1]["effective_on"]
        out.append(Period(row.get("employer_business_id") or None, row["effective_on"], end, last))
    return out


def _check(group: list[Period], scope: str, employer: str | None, limit: int) -> Warning | None:
    first = group[0].start
    limit_days = (add_months(first, limit) - first).days
    used = sum(p.days for p in group)
    running = group[-1].open
    remaining = limit_days - used
    if used > limit_days:
        passed = True
    elif running and remaining <= WARN_AHEAD_DAYS:
        passed = False
    else:
        return None
    # The running period's last counted day is as_of (end is exclusive), so the limit day follows.
    limit_on = group[-1].end - timedelta(days=1) + timedelta(days=remaining) if running else \
        group[-1].end - timedelta(days=used - limit_days)
    return Warning(scope, employer, round(used / _DAYS_PER_MONTH, 1), limit, limit_on, passed)


def warnings(rows: Iterable[Mapping[str, Any]], as_of: date) -> list[Warning]:
    """Warnings for limits passed, or about to be passed by a running trial, as of a date."""
    found = periods(rows, as_of)
    out: list[Warning] = []
    by_employer: dict[str | None, list[Period]] = {}
    for p in found:
        by_employer.setdefault(p.employer, []).append(p)
    for employer, group in by_employer.items():
        w = _check(group, "employer", employer, EMPLOYER_LIMIT_MONTHS)
        if w:
            out.append(w)
    if found:
        w = _check(found, "total", None, TOTAL_LIMIT_MONTHS)
        if w:
            out.append(w)
    return out


def months_used(rows: Iterable[Mapping[str, Any]], as_of: date) -> dict[str | None, float]:
    """Months of work trial per employer (None = employer not recorded), for display."""
    days: dict[str | None, int] = {}
    for p in periods(rows, as_of):
        days[p.employer] = days.get(p.employer, 0) + p.days
    return {employer: round(n / _DAYS_PER_MONTH, 1) for employer, n in days.items()}
