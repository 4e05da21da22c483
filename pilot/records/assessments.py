"""Language assessments: one level per skill, source and date; self-assessments kept apart."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_editor
from pilot.db import WriteConflict
from pilot.records import audit, participants, removed
from pilot.records._versioned import DuplicateRecord, expect_version, update_versioned

FIELDS = ("skill", "level", "source", "assessed_on")


def _require_visible(conn: Connection, scope: Scope, participant_id: int) -> None:
    if participants.get_participant(conn, scope, participant_id) is None:
        raise LookupError(participant_id)


def record_assessment(conn: Connection, actor: Scope, participant_id: int, values: dict[str, Any]) -> int:
    """Add an assessment. One with the same skill, date and source already there (another coach
    recorded it first, perhaps at this very moment) is a conflict: the user reloads and edits it."""
    require_editor(actor)
    _require_visible(conn, actor, participant_id)
    row = {f: values.get(f) for f in FIELDS}
    row["participant_id"] = participant_id
    taken = conn.execute(sa.text(
        "SELECT id FROM assessments WHERE participant_id = :participant_id AND skill = :skill "
        "AND assessed_on = :assessed_on AND source = :source"), row).first()
    if taken is not None:
        raise WriteConflict(f"assessment {taken.id} has the same key")
    # Two inserts racing past this check collide on the UNIQUE key; run_in_transaction retries
    # the loser, whose retry then finds the winner's row above.
    new_id = int(conn.execute(sa.text(
        "INSERT INTO assessments (participant_id, skill, assessed_on, source, level) "
        "VALUES (:participant_id, :skill, :assessed_on, :source, :level) RETURNING id"), row).scalar_one())
    audit.record(conn, actor, "create", "assessment", new_id, after=row)
    return new_id


def _own(conn: Connection, actor: Scope, assessment_id: int) -> dict[str, Any]:
    """The assessment as stored, once the actor may edit it (a vanished one is a conflict)."""
    require_editor(actor)
    found = conn.execute(sa.text(
        "SELECT id, participant_id, skill, level, source, assessed_on, version FROM assessments WHERE id = :id"),
        {"id": assessment_id}).first()
    if found is None:
        raise WriteConflict(f"assessment {assessment_id} is gone")
    _require_visible(conn, actor, found.participant_id)
    return dict(found._mapping)


def edit_assessment(conn: Connection, actor: Scope, assessment_id: int, version: int,
                    values: dict[str, Any]) -> int:
    """Correct an assessment seen at ``version``; returns the new version (audited)."""
    before = _own(conn, actor, assessment_id)
    expect_version("assessments", assessment_id, before["version"], version)
    changes = {f: values[f] for f in FIELDS if f in values and values[f] != before[f]}
    key = {**{f: before[f] for f in ("skill", "source", "assessed_on")}, **changes}
    taken = conn.execute(sa.text(
        "SELECT COUNT(*) FROM assessments WHERE participant_id = :p AND skill = :skill "
        "AND assessed_on = :assessed_on AND source = :source AND id <> :id"),
        {"p": before["participant_id"], "skill": key["skill"], "assessed_on": key["assessed_on"],
         "source": key["source"], "id": assessment_id}).scalar_one()
    if taken:
        raise DuplicateRecord("assessment")
    new_version = update_versioned(conn, "assessments", assessment_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "assessment", assessment_id, before=old, after=new)
    return new_version


def remove_assessment(conn: Connection, actor: Scope, assessment_id: int, version: int, reason: str) -> int:
    """Take an assessment out with a reason (restorable by an admin, pilot/records/removed.py)."""
    before = _own(conn, actor, assessment_id)
    company = conn.execute(sa.text("SELECT company_id FROM participants WHERE id = :p"),
                           {"p": before["participant_id"]}).scalar_one()
    return removed.take_out(conn, actor, "assessment", assessment_id, version, reason, company)


def for_participant(conn: Connection, scope: Scope, participant_id: int) -> list[dict[str, Any]]:
    """A participant's assessments, newest first, so the latest is at the top of the page's list
    (empty when outside the scope)."""
    if participants.get_participant(conn, scope, participant_id) is None:
        return []
    rows = conn.execute(sa.text(
        "SELECT id, skill, level, source, assessed_on, version FROM assessments WHERE participant_id = :p "
        "ORDER BY assessed_on DESC, skill, source"), {"p": participant_id})
    return [dict(r._mapping) for r in rows]
