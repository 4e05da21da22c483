"""Validation of the coach's working-day records: sessions, assessments, adaptations, notes.

Like ``validation``: rules return Problem(field, i18n key, params), never English exceptions.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pilot.domain import codes
from pilot.domain.quotes import check_mark
from pilot.domain.validation import Checker, Problem

# The order an adaptation moves in; 'dropped' may follow any stage but evaluated.
STAGE_ORDER = ("proposed", "agreed", "in_use", "evaluated")
STAGE_DATE = {"proposed": "proposed_on", "agreed": "agreed_on", "in_use": "in_use_on",
              "evaluated": "evaluated_on", "dropped": "dropped_on"}


def check_session(values: dict[str, Any], lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """A session from a form (``lang`` reads typed minutes in the user's locale); never in the future."""
    c = Checker(values, lang)
    c.date("held_on", required=True)
    c.not_future("held_on")
    c.integer("minutes", 5, 480, required=True)
    c.choice("kind", codes.SESSION_KINDS, required=True)
    c.choice("mode", codes.MODES, required=True)
    c.text("topics", max_len=2000)
    c.text("notes", max_len=4000)
    return c.clean, c.problems


def check_attendance(booked: dict[int, str | None]) -> list[Problem]:
    """Every booked participant has present / absent / excused."""
    if any(status not in codes.ATTENDANCE for status in booked.values()):
        return [Problem("attendance", "work.error.attendance")]
    return []


def check_assessment(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values)
    c.choice("skill", codes.SKILLS, required=True)
    c.level("level")
    c.choice("source", codes.SOURCES, required=True)
    c.date("assessed_on", required=True)
    return c.clean, c.problems


def check_adaptation(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values)
    c.choice("type", codes.ADAPTATION_TYPES, required=True)
    c.text("description", required=True, max_len=2000)
    c.text("owner", max_len=200)
    c.date("proposed_on", required=True)
    return c.clean, c.problems


def current_stage(row: dict[str, Any]) -> str:
    """The stage reached so far, whatever the dates (a board shows every step entered)."""
    if row.get("dropped_on"):
        return "dropped"
    for stage in reversed(STAGE_ORDER):
        if row.get(STAGE_DATE[stage]):
            return stage
    return "proposed"


def next_stages(row: dict[str, Any]) -> tuple[str, ...]:
    """Where an adaptation can go from its current stage: the next step, or dropped."""
    stage = current_stage(row)
    if stage in ("evaluated", "dropped"):
        return ()
    return (STAGE_ORDER[STAGE_ORDER.index(stage) + 1], "dropped")


def check_move(row: dict[str, Any], stage: str, on: date | None, effect: Any,
               lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Moving an adaptation to ``stage`` on ``on``: allowed step, date order, effect to evaluate."""
    problems: list[Problem] = []
    if stage not in next_stages(row):
        problems.append(Problem("stage", "work.error.stage_step"))
        return {}, problems
    c = Checker({"on": on, "effect": effect}, lang)
    day = c.date("on", required=True)
    rating = c.integer("effect", 1, 5, required=stage == "evaluated")
    problems += c.problems
    if stage == "evaluated" and rating is None and not any(p.field == "effect" for p in problems):
        problems.append(Problem("effect", "error.required"))
    previous = row.get(STAGE_DATE[current_stage(row)])
    if day is not None and previous is not None and day < previous:
        problems.append(Problem("on", "work.error.stage_date"))
    changes: dict[str, Any] = {STAGE_DATE[stage]: day}
    if stage == "evaluated":
        changes["effect"] = rating
    return changes, problems


def previous_stage(row: dict[str, Any]) -> str | None:
    """Where one step back takes an adaptation: the stage it was at before its latest step, or
    None for a proposal (there is nothing before it)."""
    stage = current_stage(row)
    if stage == "proposed":
        return None
    return current_stage({**row, STAGE_DATE[stage]: None})


def check_step_back(row: dict[str, Any], reason: Any) -> tuple[dict[str, Any], list[Problem]]:
    """One step back (a move recorded by mistake): the latest step's date is cleared, and with
    evaluated its effect too (DATA-FILES.md: an effect exactly when evaluated_on is set). The
    reason is required; it goes to the audit log."""
    problems: list[Problem] = []
    c = Checker({"reason": reason})
    text = c.text("reason", required=True, max_len=500)
    problems += c.problems
    stage = current_stage(row)
    if previous_stage(row) is None:
        problems.append(Problem("stage", "work17.error.no_step_back"))
        return {}, problems
    changes: dict[str, Any] = {STAGE_DATE[stage]: None}
    if stage == "evaluated":
        changes["effect"] = None
    return ({**changes, "reason": text} if not problems else changes), problems


def check_note(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values)
    c.date("noted_on", required=True)
    c.text("body", required=True, max_len=4000)
    check_mark(c, "body")  # may be quoted in the report: then a theme is required
    return c.clean, c.problems
