"""Employment: dated changes of a participant's status; "current" is a query over them."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_editor
from pilot.db import WriteConflict
from pilot.records import audit, removed
from pilot.records._versioned import DuplicateRecord, expect_version, update_versioned

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
            "subsidised = :subsidised, employer_business_id = :employer_business_id, "
            "version = version + 1 WHERE id = :id"), {**row, "id": before.id})
        old = dict(before._mapping)
        old.pop("id")
        audit.record(conn, actor, "update", "employment", participant_id, before=old, after=row)


def rows_for(conn: Connection, scope: Scope, participant_id: int) -> list[dict[str, Any]]:
    """A participant's rows with id and version, for the edit and remove forms (empty outside the scope)."""
    from pilot.records import participants  # participants writes employment rows too
    if participants.get_participant(conn, scope, participant_id) is None:
        return []
    rows = conn.execute(sa.text(
        "SELECT id, effective_on, status, weekly_hours, subsidised, employer_business_id, version "
        "FROM employment WHERE participant_id = :p ORDER BY effective_on"), {"p": participant_id})
    return [dict(r._mapping) for r in rows]


def _own(conn: Connection, actor: Scope, row_id: int) -> dict[str, Any]:
    """The row as stored, once the actor may edit it (a vanished one is a conflict)."""
    from pilot.records import participants
    require_editor(actor)
    found = conn.execute(sa.text(
        "SELECT e.id, e.participant_id, e.effective_on, e.status, e.weekly_hours, e.subsidised, "
        "e.employer_business_id, e.version, p.company_id FROM employment e "
        "JOIN participants p ON p.id = e.participant_id WHERE e.id = :id"), {"id": row_id}).first()
    if found is None:
        raise WriteConflict(f"employment {row_id} is gone")
    if participants.get_participant(conn, actor, found.participant_id) is None:
        raise LookupError(row_id)
    return dict(found._mapping)


def edit_change(conn: Connection, actor: Scope, row_id: int, version: int, values: dict[str, Any]) -> int:
    """Correct an employment row seen at ``version``; returns the new version (audited)."""
    before = _own(conn, actor, row_id)
    expect_version("employment", row_id, before["version"], version)
    changes = {f: values[f] for f in FIELDS if f in values and values[f] != before[f]}
    if "effective_on" in changes:
        taken = conn.execute(sa.text(
            "SELECT COUNT(*) FROM employment WHERE participant_id = :p AND effective_on = :d AND id <> :id"),
            {"p": before["participant_id"], "d": changes["effective_on"], "id": row_id}).scalar_one()
        if taken:
            raise DuplicateRecord("employment")
    new_version = update_versioned(conn, "employment", row_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "employment", before["participant_id"], before=old, after=new)
    return new_version


def remove_change(conn: Connection, actor: Scope, row_id: int, version: int, reason: str) -> int:
    """Take an employment row out with a reason (restorable by an admin, pilot/records/removed.py)."""
    before = _own(conn, actor, row_id)
    return removed.take_out(conn, actor, "employment", row_id, version, reason, before["company_id"])


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
