"""Employment: dated changes of a participant's status; "current" is a query over them."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope
from pilot.records import audit

FIELDS = ("effective_on", "status", "weekly_hours", "subsidised", "employer_business_id")


def record_change(conn: Connection, actor: Scope, participant_id: int, values: dict[str, Any]) -> None:
    """Add the row for a date, or replace the one already on that date (audited)."""
    row = {f: values.get(f) for f in FIELDS}
    row["participant_id"] = participant_id
    before = conn.execute(sa.text(
        "SELECT id, effective_on, status, weekly_hours, subsidised, employer_business_id FROM employment "
        "WHERE participant_id = :participant_id AND effective_on = :effective_on"), row).first()
    if before is None:
        conn.execute(sa.text(
            "INSERT INTO employment (participant_id, effective_on, status, weekly_hours, subsidised, "
            "employer_business_id) VALUES (:participant_id, :effective_on, :status, :weekly_hours, "
            ":subsidised, :employer_business_id)"), row)
        audit.record(conn, actor, "create", "employment", participant_id, after=row)
    else:
        conn.execute(sa.text(
            "UPDATE employment SET status = :status, weekly_hours = :weekly_hours, "
            "subsidised = :subsidised, employer_business_id = :employer_business_id "
            "WHERE id = :id"), {**row, "id": before.id})
        old = dict(before._mapping)
        old.pop("id")
        audit.record(conn, actor, "update", "employment", participant_id, before=old, after=row)


def history(conn: Connection, participant_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "SELECT effective_on, status, weekly_hours, subsidised, employer_business_id FROM employment "
        "WHERE participant_id = :p ORDER BY effective_on"), {"p": participant_id})
    return [dict(r._mapping) for r in rows]


def status_at(conn: Connection, participant_id: int, on: date) -> dict[str, Any] | None:
    """The row in force on a date (latest effective_on <= date), or None (= unknown)."""
    row = conn.execute(sa.text(
        "SELECT effective_on, status, weekly_hours, subsidised, employer_business_id FROM employment "
        "WHERE participant_id = :p AND effective_on <= :d ORDER BY effective_on DESC LIMIT 1"),
        {"p": participant_id, "d": on}).first()
    return dict(row._mapping) if row else None
