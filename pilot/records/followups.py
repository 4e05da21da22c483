"""Follow-ups after exit: someone asked, reached the person or not, and what status they found.

An observation, never an employment row (shared/spec/DATA-FILES.md): the 6-month indicators read
this table only (pilot/indicators.py). One row per participant and contacted_on. Who may write
is who may write the participant's employment rows (an editor whose scope shows the participant);
every write is audited, versioned (pilot/records/_versioned.py) and removable with a reason
(pilot/records/removed.py). Notes pass the Checker's text rule: no identity code is stored.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_editor
from pilot.db import WriteConflict
from pilot.domain import followups as rules
from pilot.domain.validation import Problem
from pilot.records import audit, removed
from pilot.records._scope import bound
from pilot.records._versioned import DuplicateRecord, expect_version, update_versioned

FIELDS = ("contacted_on", "reached", "status", "weekly_hours", "subsidised", "source", "notes")
_COLUMNS = "id, participant_id, " + ", ".join(FIELDS) + ", created_by, version"


class InvalidFollowup(Exception):
    """The values break a rule of the follow-up; ``problems`` say which (one per field)."""

    def __init__(self, problems: list[Problem]):
        super().__init__([p.key for p in problems])
        self.problems = problems


def _participant(conn: Connection, actor: Scope, participant_id: int) -> dict[str, Any]:
    from pilot.records import participants
    found = participants.get_participant(conn, actor, participant_id)
    if found is None:
        raise LookupError(participant_id)
    return found


def check(values: dict[str, Any], exited_on: date | None, lang: str | None = None
          ) -> tuple[dict[str, Any], list[Problem]]:
    """The form's or the import's values against the rules, the participant's exit included
    (a participant who has not exited has no follow-up yet)."""
    clean, problems = rules.check_followup(values, lang, exited_on)
    if exited_on is None:
        problems.append(Problem("contacted_on", "error.followup_not_exited"))
    return clean, problems


def add(conn: Connection, actor: Scope, participant_id: int, values: dict[str, Any]) -> int:
    """Record a follow-up; returns its id. A second one on the same day is a DuplicateRecord."""
    require_editor(actor)
    person = _participant(conn, actor, participant_id)
    clean, problems = check(values, person.get("exited_on"))
    if problems:
        raise InvalidFollowup(problems)
    row = {f: clean.get(f) for f in FIELDS}
    taken = conn.execute(sa.text(
        "SELECT COUNT(*) FROM followups WHERE participant_id = :p AND contacted_on = :d"),
        {"p": participant_id, "d": row["contacted_on"]}).scalar_one()
    if taken:
        raise DuplicateRecord("followup")
    new_id = int(conn.execute(sa.text(
        "INSERT INTO followups (participant_id, contacted_on, reached, status, weekly_hours, subsidised, "
        "source, notes, created_by) VALUES (:participant_id, :contacted_on, :reached, :status, "
        ":weekly_hours, :subsidised, :source, :notes, :created_by) RETURNING id"),
        {**row, "participant_id": participant_id, "created_by": actor.username}).scalar_one())
    audit.record(conn, actor, "create", "followup", new_id, after={"participant_id": participant_id, **row})
    return new_id


def _own(conn: Connection, actor: Scope, row_id: int) -> dict[str, Any]:
    """The row as stored, once the actor may edit it (a vanished one is a conflict)."""
    require_editor(actor)
    found = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM followups WHERE id = :id"), {"id": row_id}).first()
    if found is None:
        raise WriteConflict(f"followups {row_id} is gone")
    person = _participant(conn, actor, found.participant_id)
    return {**dict(found._mapping), "exited_on": person.get("exited_on"), "company_id": person.get("company_id")}


def edit(conn: Connection, actor: Scope, row_id: int, version: int, values: dict[str, Any]) -> int:
    """Correct a follow-up seen at ``version`` (fields not given stay); returns the new version."""
    before = _own(conn, actor, row_id)
    expect_version("followups", row_id, before["version"], version)
    merged = {f: values[f] if f in values else before[f] for f in FIELDS}
    clean, problems = check(merged, before["exited_on"])
    if problems:
        raise InvalidFollowup(problems)
    changes = {f: clean[f] for f in FIELDS if clean.get(f) != before[f]}
    if "contacted_on" in changes:
        taken = conn.execute(sa.text(
            "SELECT COUNT(*) FROM followups WHERE participant_id = :p AND contacted_on = :d AND id <> :id"),
            {"p": before["participant_id"], "d": changes["contacted_on"], "id": row_id}).scalar_one()
        if taken:
            raise DuplicateRecord("followup")
    new_version = update_versioned(conn, "followups", row_id, version, changes)
    old, new = audit.changed({f: before[f] for f in FIELDS}, changes)
    audit.record(conn, actor, "update", "followup", row_id, before=old, after=new)
    return new_version


def remove(conn: Connection, actor: Scope, row_id: int, version: int, reason: str) -> int:
    """Take a follow-up out with a reason (restorable by an admin, pilot/records/removed.py)."""
    before = _own(conn, actor, row_id)
    return removed.take_out(conn, actor, "followup", row_id, version, reason, before["company_id"])


def for_participant(conn: Connection, scope: Scope, participant_id: int) -> list[dict[str, Any]]:
    """A participant's follow-ups, oldest first, with id and version (empty outside the scope)."""
    from pilot.records import participants
    if participants.get_participant(conn, scope, participant_id) is None:
        return []
    rows = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM followups WHERE participant_id = :p "
                                "ORDER BY contacted_on"), {"p": participant_id})
    return [dict(r._mapping) for r in rows]


def of_participants(conn: Connection, ids: list[int], until: date | None = None) -> dict[int, list[dict[str, Any]]]:
    """Follow-ups of the given participants (already scoped by the caller), per participant."""
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    params: dict[str, Any] = {"ids": list(ids)}
    sql = f"SELECT {_COLUMNS} FROM followups WHERE participant_id IN :ids"
    if until is not None:
        sql += " AND contacted_on <= :until"
        params["until"] = until
    for r in conn.execute(bound(sql + " ORDER BY contacted_on", params), params):
        out[int(r.participant_id)].append(dict(r._mapping))
    return out


def employment_offer(conn: Connection, scope: Scope, followup_id: int) -> dict[str, Any] | None:
    """After a reached follow-up whose status differs from the employment row in force on its day:
    the employment change to offer (dated contacted_on), with ``last_status`` (None = unknown).
    None when there is nothing to offer (not reached, the same status, a row already on that day)."""
    from pilot.records import employment
    found = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM followups WHERE id = :id"), {"id": followup_id}).first()
    if found is None or not found.reached or found.status is None:
        return None
    if _participant_or_none(conn, scope, found.participant_id) is None:
        return None
    last = employment.status_at(conn, found.participant_id, found.contacted_on)
    if last is not None and (last["status"] == found.status or last["effective_on"] == found.contacted_on):
        return None
    return {"participant_id": int(found.participant_id), "effective_on": found.contacted_on,
            "status": found.status, "weekly_hours": found.weekly_hours, "subsidised": found.subsidised,
            "last_status": None if last is None else last["status"]}


def add_employment_change(conn: Connection, actor: Scope, followup_id: int) -> bool:
    """Write the offered employment row (dated contacted_on, the follow-up's status and hours);
    False when there is nothing to add any more. The follow-up itself stays an observation."""
    from pilot.records import employment
    require_editor(actor)
    offer = employment_offer(conn, actor, followup_id)
    if offer is None:
        return False
    employment.record_change(conn, actor, offer["participant_id"], {
        "effective_on": offer["effective_on"], "status": offer["status"],
        "weekly_hours": offer["weekly_hours"], "subsidised": offer["subsidised"]})
    return True


def _participant_or_none(conn: Connection, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    from pilot.records import participants
    return participants.get_participant(conn, scope, participant_id)
