"""Language assessments: one level per skill, source and date; self-assessments kept apart."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_editor
from pilot.records import audit, participants

FIELDS = ("skill", "level", "source", "assessed_on")


def _require_visible(conn: Connection, scope: Scope, participant_id: int) -> None:
    if participants.get_participant(conn, scope, participant_id) is None:
        raise LookupError(participant_id)


def record_assessment(conn: Connection, actor: Scope, participant_id: int, values: dict[str, Any]) -> int:
    """Add an assessment, or replace the level of the one with the same skill, date and source."""
    require_editor(actor)
    _require_visible(conn, actor, participant_id)
    row = {f: values.get(f) for f in FIELDS}
    row["participant_id"] = participant_id
    before = conn.execute(sa.text(
        "SELECT id, level FROM assessments WHERE participant_id = :participant_id AND skill = :skill "
        "AND assessed_on = :assessed_on AND source = :source"), row).first()
    if before is None:
        new_id = int(conn.execute(sa.text(
            "INSERT INTO assessments (participant_id, skill, assessed_on, source, level) "
            "VALUES (:participant_id, :skill, :assessed_on, :source, :level) RETURNING id"), row).scalar_one())
        audit.record(conn, actor, "create", "assessment", new_id, after=row)
        return new_id
    conn.execute(sa.text("UPDATE assessments SET level = :level WHERE id = :id"),
                 {"level": row["level"], "id": before.id})
    audit.record(conn, actor, "update", "assessment", before.id, before={"level": before.level},
                 after={"level": row["level"]})
    return int(before.id)


def for_participant(conn: Connection, scope: Scope, participant_id: int) -> list[dict[str, Any]]:
    """A participant's assessments in date order (empty when outside the scope)."""
    if participants.get_participant(conn, scope, participant_id) is None:
        return []
    rows = conn.execute(sa.text(
        "SELECT id, skill, level, source, assessed_on FROM assessments WHERE participant_id = :p "
        "ORDER BY assessed_on, skill, source"), {"p": participant_id})
    return [dict(r._mapping) for r in rows]
