"""Removed records: a record taken out moves here as JSON, restorable by an admin for 30 days.

Why not a "deleted" flag: every query of the live tables (all the indicators) would need to leave
flagged rows out, and one that forgot would count them. Instead ``take_out`` moves the record and
its dependent rows (a session's attendance) into ``removed_records`` in the same transaction,
audited with the reason, and ``restore`` puts them back with their own ids and a new version.
A session leaves with its attendance and its totals together, so the attendance totals of the
remaining sessions stay consistent (pilot/records/attendance_totals.py); a restored session's
totals are recounted from its restored marks. Rows older than ``RETENTION`` are purged.

Each record module calls ``take_out`` after its own access check (who may remove what is theirs
to say); restoring is the admin's alone.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope
from pilot.db import WriteConflict, utcnow
from pilot.domain.validation import Checker, Problem
from pilot.records import attendance_totals, audit
from pilot.records._versioned import delete_versioned, expect_version

RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Kind:
    """How one record type is taken out and put back."""

    table: str
    day: str                                   # the column that dates the record (for the list)
    unique: tuple[str, ...]                    # its natural key, checked before a restore
    children: tuple[tuple[str, str], ...] = ()  # (table, column pointing at the record)


# Table and column names come from here only (never from users).
KINDS: dict[str, Kind] = {
    "session": Kind("sessions", "held_on", ("ref",), (("attendance", "session_id"),)),
    "assessment": Kind("assessments", "assessed_on", ("participant_id", "skill", "assessed_on", "source")),
    "employment": Kind("employment", "effective_on", ("participant_id", "effective_on")),
    "feedback": Kind("feedback", "given_on", ("company_id", "given_on")),
    "cost": Kind("costs", "incurred_on", ("ref",)),
    "employer_survey": Kind("employer_surveys", "answered_on", ("company_id", "answered_on")),
    "hire": Kind("hires", "hired_on", ("ref",)),
    "followup": Kind("followups", "contacted_on", ("participant_id", "contacted_on")),
}


class InvalidReason(Exception):
    """The reason is missing, too long or holds an identity code; ``problems`` say which."""

    def __init__(self, problems: list[Problem]):
        super().__init__([p.key for p in problems])
        self.problems = problems


class RestoreExpired(Exception):
    """The removed record is older than the retention period (or already restored or purged)."""


class RestoreClash(Exception):
    """A record with the same key was added after the removal; restoring would duplicate it."""


def check_reason(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The reason of a removal: required free text, no identity code (the Checker's text rule)."""
    c = Checker(values)
    c.text("reason", required=True, max_len=2000)
    return c.clean, c.problems


def _encode(value: Any) -> Any:
    """JSON that keeps the types a restore needs back (dates, timestamps, exact decimals)."""
    if isinstance(value, datetime):
        return {"$ts": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag == "$ts":
            return datetime.fromisoformat(text)
        if tag == "$date":
            return date.fromisoformat(text)
        if tag == "$dec":
            return Decimal(text)
    return value


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _insert(conn: Connection, table: str, row: dict[str, Any]) -> None:
    columns = list(row)  # column names as the database gave them
    conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(columns)}) "
                         f"VALUES ({', '.join(':' + c for c in columns)})"), row)


def take_out(conn: Connection, actor: Scope, entity: str, row_id: int, version: int, reason: str,
             company_id: int | None = None, now: datetime | None = None) -> int:
    """Move a record (at ``version``) and its dependent rows into removed_records; returns its id.

    The caller has checked that ``actor`` may remove it. A record changed or removed by someone
    else since it was shown raises WriteConflict.
    """
    kind = KINDS[entity]
    clean, problems = check_reason({"reason": reason})
    if problems:
        raise InvalidReason(problems)
    now = now or utcnow()
    found = _rows(conn, f"SELECT * FROM {kind.table} WHERE id = :id", {"id": row_id})
    if not found:
        raise WriteConflict(f"{kind.table} {row_id} is gone")
    row = found[0]
    expect_version(kind.table, row_id, row.get("version"), version)
    children = {table: _rows(conn, f"SELECT * FROM {table} WHERE {column} = :id ORDER BY id", {"id": row_id})
                for table, column in kind.children}
    for table, column in kind.children:
        conn.execute(sa.text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": row_id})
    delete_versioned(conn, kind.table, row_id, version)
    payload = json.dumps({"row": {k: _encode(v) for k, v in row.items()},
                          "children": {t: [{k: _encode(v) for k, v in r.items()} for r in rows]
                                       for t, rows in children.items()}}, ensure_ascii=False)
    removed_id = int(conn.execute(sa.text(
        "INSERT INTO removed_records (entity, entity_id, company_id, payload, reason, removed_by, removed_at) "
        "VALUES (:e, :i, :c, :p, :r, :by, :at) RETURNING id"),
        {"e": entity, "i": row_id, "c": company_id, "p": payload, "r": clean["reason"],
         "by": actor.username, "at": now}).scalar_one())
    before = {**row, **{t: rows for t, rows in children.items()}}
    audit.record(conn, actor, "delete", entity, row_id, before=before, reason=clean["reason"])
    purge(conn, now)
    return removed_id


def restore(conn: Connection, actor: Scope, removed_id: int, now: datetime | None = None) -> tuple[str, int]:
    """Put a removed record and its dependent rows back (admin, within the retention period).

    Returns (entity, id). The record comes back with its own id and the next version, so a form
    still holding the old version cannot overwrite it unseen.
    """
    if actor.role != "admin":
        raise AccessDenied(actor.role)
    now = now or utcnow()
    found = conn.execute(sa.text(
        "SELECT entity, entity_id, payload, reason, removed_at FROM removed_records WHERE id = :id"),
        {"id": removed_id}).first()
    if found is None or found.removed_at < now - RETENTION:
        raise RestoreExpired(removed_id)
    kind = KINDS[found.entity]
    payload = json.loads(found.payload)
    row = {k: _decode(v) for k, v in payload["row"].items()}
    key = " AND ".join(f"{c} = :{c}" for c in kind.unique)
    clash = conn.execute(sa.text(f"SELECT COUNT(*) FROM {kind.table} WHERE ({key}) OR id = :id"),
                         {**{c: row[c] for c in kind.unique}, "id": row["id"]}).scalar_one()
    if clash:
        raise RestoreClash(removed_id)
    row["version"] = int(row.get("version") or 1) + 1
    _insert(conn, kind.table, row)
    for table, _column in kind.children:
        for child in payload["children"].get(table, []):
            _insert(conn, table, {k: _decode(v) for k, v in child.items()})
    if found.entity == "session":
        attendance_totals.refresh(conn, [row["id"]])
    conn.execute(sa.text("DELETE FROM removed_records WHERE id = :id"), {"id": removed_id})
    audit.record(conn, actor, "create", found.entity, row["id"], after={**row, "restored_from": removed_id},
                 reason=found.reason)
    return found.entity, int(row["id"])


def purge(conn: Connection, now: datetime | None = None) -> int:
    """Delete removed records older than the retention period; returns how many went."""
    cutoff = (now or utcnow()) - RETENTION
    gone = conn.execute(sa.text("DELETE FROM removed_records WHERE removed_at < :cutoff"),
                        {"cutoff": cutoff}).rowcount
    if gone:
        audit.record(conn, "system", "delete", "removed_records", None, after={"purged": gone})
    return int(gone or 0)


def list_removed(conn: Connection, actor: Scope, now: datetime | None = None) -> list[dict[str, Any]]:
    """The records removed within the retention period, newest first (admin only), each with its
    day, company and the days left to restore it."""
    if actor.role != "admin":
        raise AccessDenied(actor.role)
    now = now or utcnow()
    rows = _rows(conn, "SELECT r.id, r.entity, r.entity_id, r.payload, r.reason, r.removed_by, r.removed_at, "
                       "c.name AS company_name FROM removed_records r LEFT JOIN companies c ON c.id = r.company_id "
                       "WHERE r.removed_at >= :cutoff ORDER BY r.removed_at DESC, r.id DESC",
                 {"cutoff": now - RETENTION})
    for row in rows:
        payload = json.loads(row.pop("payload"))
        row["day"] = _decode(payload["row"].get(KINDS[row["entity"]].day))
        row["days_left"] = max(0, (row["removed_at"] + RETENTION - now).days)
    return rows


def about_participant(conn: Connection, participant_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The removed records (still restorable) that hold rows about one participant: their own
    assessments and employment rows, and sessions they were marked on. For the data subject's
    copy (pilot/records/privacy.py); each item is the entity, the removal and the rows as stored."""
    now = now or utcnow()
    rows = _rows(conn, "SELECT id, entity, entity_id, payload, reason, removed_at FROM removed_records "
                       "WHERE removed_at >= :cutoff ORDER BY removed_at, id", {"cutoff": now - RETENTION})
    found = []
    for row in rows:
        payload = json.loads(row.pop("payload"))
        record = {k: _decode(v) for k, v in payload["row"].items()}
        marks = [{k: _decode(v) for k, v in r.items()} for r in payload["children"].get("attendance", [])]
        mine = [m for m in marks if m.get("participant_id") == participant_id]
        if record.get("participant_id") == participant_id or mine:
            found.append({**row, "record": record, "attendance": mine})
    return found
