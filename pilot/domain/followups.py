"""The 6-month follow-up, pure (shared/spec/INDICATORS.md "The 6-month follow-up").

A follow-up is an observation after exit: someone asked, on ``contacted_on``, and either reached
the person (with the status found) or did not. It is never an employment row. The window of a
participant is exited_on + 5 months .. exited_on + 8 months (calendar months, clamped), both days
included; the measured follow-up is the reached one in the window nearest exited_on + 6 months,
a tie going to the later one. pilot/indicators.py says the same in SQL; this is the one Python
statement of it (My week, the timeline and the tests' cross-check use it).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from pilot.domain import codes
from pilot.domain.dates import add_months
from pilot.domain.validation import Checker, Problem

SOURCES = codes.FOLLOWUP_SOURCES
WINDOW_START_MONTHS = 5
TARGET_MONTHS = 6
WINDOW_END_MONTHS = 8


def window(exited_on: date) -> tuple[date, date]:
    """First and last day (both included) of the follow-up window."""
    return add_months(exited_on, WINDOW_START_MONTHS), add_months(exited_on, WINDOW_END_MONTHS)


def target(exited_on: date) -> date:
    return add_months(exited_on, TARGET_MONTHS)


def measured(exited_on: date, followups: Iterable[dict[str, Any]], as_of: date) -> dict[str, Any] | None:
    """The participant's 6-month follow-up as of ``as_of``, or None (not reached in the window)."""
    start, end = window(exited_on)
    aim = target(exited_on)
    best = None
    for f in followups:
        day = f["contacted_on"]
        if not f["reached"] or day < start or day > end or day > as_of:
            continue
        key = (abs((day - aim).days), -day.toordinal())
        if best is None or key < best[0]:
            best = (key, f)
    return None if best is None else best[1]


def state(exited_on: date, followups: Iterable[dict[str, Any]], today: date) -> str:
    """``done`` (a reached follow-up in the window), ``waiting`` (the window has not begun),
    ``due`` (the window is open) or ``overdue`` (the window has ended without one)."""
    start, end = window(exited_on)
    if any(f["reached"] and start <= f["contacted_on"] <= min(today, end) for f in followups):
        return "done"
    if today < start:
        return "waiting"
    return "due" if today <= end else "overdue"


def check_followup(values: dict[str, Any], lang: str | None = None,
                   exited_on: date | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """A follow-up from a form or a workbook row (DATA-FILES.md ``followups``). Notes go through the
    Checker's text rule (no identity code). ``exited_on`` checks contacted_on >= the exit."""
    c = Checker(values, lang)
    followup_fields(c, exited_on)
    return c.clean, c.problems


def followup_fields(c: Checker, exited_on: date | None = None,
                    labels: dict[str, dict[str, str]] | None = None) -> None:
    """The rules of one follow-up on a Checker (the form's and the workbook's): ``labels`` lets an
    import take code labels in any language (per code list)."""
    labels = labels or {}
    day = c.date("contacted_on", required=True)
    reached = c.boolean("reached")
    if reached is None and not any(p.field == "reached" for p in c.problems):
        c.fail("reached", "error.required")
    status = c.choice("status", codes.EMPLOYMENT_STATUSES, labels=labels.get("employment_status"))
    hours = c.decimal("weekly_hours", Decimal(0), Decimal(60), 1)
    subsidised = c.boolean("subsidised")
    c.choice("source", SOURCES, required=True, labels=labels.get("followup_source"))
    c.text("notes", max_len=4000)
    if reached is True and status is None and not any(p.field == "status" for p in c.problems):
        c.fail("status", "error.required")
    if reached is False:
        for name, value in (("status", status), ("weekly_hours", hours), ("subsidised", subsidised)):
            if value is not None:
                c.fail(name, "error.followup_not_reached")
    if subsidised and status is not None and status not in codes.EMPLOYED:
        c.fail("subsidised", "error.subsidised_status")
    if day is not None and exited_on is not None and day < exited_on:
        c.fail("contacted_on", "error.followup_before_exit")
