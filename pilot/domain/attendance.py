"""Attendance and the session edit window: pure rules used by records and screens."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

# Editing a session older than this asks for a reason (kept in the audit trail).
EDIT_WINDOW_DAYS = 7


def attendance_rate(statuses: Iterable[str]) -> float | None:
    """present / (present + absent); excused is left out; None when nobody counts."""
    values = list(statuses)
    present = values.count("present")
    counted = present + values.count("absent")
    return round(present / counted, 3) if counted else None


def needs_reason(held_on: date, today: date) -> bool:
    """A session held more than EDIT_WINDOW_DAYS days ago is edited only with a reason."""
    return held_on < today - timedelta(days=EDIT_WINDOW_DAYS)
