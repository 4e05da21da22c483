"""Sessions (coaching visits) and their attendance: log, edit with a reason when old, read."""
from __future__ import annotations

import functools
import secrets
import string
import threading
import weakref
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pilot import db
from pilot.access import Scope, require_company, require_editor
from pilot.db import WriteConflict, utcnow
from pilot.domain import dates
from pilot.domain.attendance import attendance_rate, needs_reason
from pilot.domain.identifiers import refuse_hetu
from pilot.records import attendance_totals, audit, removed
from pilot.records._scope import bound, company_condition
from pilot.records._versioned import expect_version, update_versioned

FIELDS = ("held_on", "minutes", "kind", "mode", "topics", "notes")
_COLUMNS = ("s.id, s.ref, s.company_id, c.name AS company_name, s.held_on, s.minutes, s.kind, s.mode, "
            "s.coach_id, u.username AS coach, s.topics, s.notes, s.version")
_FROM = "sessions s JOIN companies c ON c.id = s.company_id LEFT JOIN users u ON u.id = s.coach_id"


class ReasonRequired(Exception):
    """An old session is changed only with a reason, kept in the audit trail."""


def new_ref(held_on: date) -> str:
    """A unique key for a session logged in the app: S-<yyyymmdd>-<random6>."""
    alphabet = string.ascii_lowercase + string.digits
    return f"S-{held_on:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def booking_defaults(conn: Connection, scope: Scope, company_id: int, on: date) -> list[dict[str, Any]]:
    """The company's participants active on the day: who a new session is pre-filled with."""
    cond, params = company_condition(scope, "p.company_id")
    params.update(company_id=company_id, on=on)
    sql = ("SELECT p.id, p.code, p.display_name FROM participants p WHERE p.company_id = :company_id "
           "AND p.enrolled_on <= :on AND (p.exited_on IS NULL OR p.exited_on > :on) "
           f"AND p.anonymised_at IS NULL AND {cond} ORDER BY p.code")
    rows = [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]
    if not scope.sees_names:
        for row in rows:
            row["display_name"] = None
    return rows


def _check_booked(conn: Connection, company_id: int, booked: dict[int, str]) -> None:
    if not booked:
        return
    params = {"ids": list(booked), "company_id": company_id}
    n = conn.execute(bound("SELECT COUNT(*) FROM participants WHERE id IN :ids AND company_id = :company_id",
                           params), params).scalar_one()
    if n != len(booked):
        raise ValueError("a booked participant is not at the session's company")


@dataclass(frozen=True)
class NewSession:
    """One session to log: who logs it, at which company, its fields and its booked marks."""
    actor: Scope
    company_id: int
    values: dict[str, Any]
    booked: dict[int, str]


# The columns of a new session, with their SQL types (the marks and audit rows go in as arrays).
_SESSION_ARRAYS = (("ref", "VARCHAR"), ("company_id", "BIGINT"), ("held_on", "DATE"), ("minutes", "INTEGER"),
                   ("kind", "VARCHAR"), ("mode", "VARCHAR"), ("coach_id", "BIGINT"), ("topics", "VARCHAR"),
                   ("notes", "VARCHAR"), ("attendance_present", "INTEGER"), ("attendance_absent", "INTEGER"),
                   ("attendance_excused", "INTEGER"))


@functools.lru_cache(maxsize=None)
def _insert_sessions(count: int) -> sa.TextClause:
    """The sessions' INSERT for ``count`` rows: a VALUES list (DuckDB plans it ~1 ms cheaper than
    arrays for a lone save), one text per group size so SQLAlchemy compiles each size once."""
    columns = [c for c, _ in _SESSION_ARRAYS]
    rows = ", ".join("(" + ", ".join(f":{c}_{i}" for c in columns) + ")" for i in range(count))
    return sa.text(f"INSERT INTO sessions ({', '.join(columns)}) VALUES {rows} RETURNING id, ref")


# Every booked mark of the batch, kept only where the participant belongs to that session's company.
_INSERT_MARKS = sa.text(
    "INSERT INTO attendance (session_id, participant_id, status) "
    "SELECT m.s, m.p, m.st FROM (SELECT UNNEST(CAST(:s AS BIGINT[])) AS s, UNNEST(CAST(:p AS BIGINT[])) AS p, "
    "UNNEST(CAST(:st AS VARCHAR[])) AS st, UNNEST(CAST(:c AS BIGINT[])) AS c) m "
    "JOIN participants x ON x.id = m.p AND x.company_id = m.c RETURNING session_id")
_INSERT_AUDIT = sa.text(
    "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, after_json) "
    "SELECT :at, a.actor, 'create', 'session', a.entity_id, a.after_json FROM (SELECT "
    "UNNEST(CAST(:actor AS VARCHAR[])) AS actor, UNNEST(CAST(:entity_id AS VARCHAR[])) AS entity_id, "
    "UNNEST(CAST(:after_json AS VARCHAR[])) AS after_json) a")


def log_sessions(conn: Connection, saves: list[NewSession]) -> list[int]:
    """Insert sessions with their attendance and audit rows: three statements for the whole list
    (the sessions, every mark, every audit row), whatever its length. A statement costs DuckDB
    about 1.4 ms of CPU however few rows it writes, so saves that arrive together are written
    together (log_session_together). Each save is checked as log_session checks it; a booked
    participant of another company refuses the whole list (ValueError)."""
    if not saves:
        return []
    rows, afters = [], []
    for save in saves:
        require_editor(save.actor)
        require_company(save.actor, save.company_id)
        row = {f: save.values.get(f) for f in FIELDS}
        row.update(company_id=save.company_id, coach_id=save.actor.user_id,
                   ref=save.values.get("ref") or new_ref(row["held_on"]))
        # As audit.record does, every text of the new row is searched for an identity code (the
        # marks are participant ids and status codes, which the attendance table's CHECK holds).
        refuse_hetu(None, row)
        afters.append(audit._json({**row, "attendance": {str(k): v for k, v in save.booked.items()}}))
        rows.append({**row, **attendance_totals.counts(save.booked.values())})
    written = conn.execute(_insert_sessions(len(rows)), {f"{c}_{i}": row[c] for i, row in enumerate(rows)
                                                          for c, _ in _SESSION_ARRAYS}).fetchall()
    by_ref = {r.ref: int(r.id) for r in written}
    ids = [by_ref[row["ref"]] for row in rows]
    marks = [(sid, save.company_id, pid, status) for sid, save in zip(ids, saves)
             for pid, status in save.booked.items()]
    if marks:
        kept = conn.execute(_INSERT_MARKS, {"s": [m[0] for m in marks], "c": [m[1] for m in marks],
                                            "p": [m[2] for m in marks], "st": [m[3] for m in marks]}).fetchall()
        if len(kept) != len(marks):
            raise ValueError("a booked participant is not at the session's company")
    conn.execute(_INSERT_AUDIT, {"at": utcnow(), "actor": [save.actor.username for save in saves],
                                 "entity_id": [str(sid) for sid in ids], "after_json": afters})
    return ids


def log_session(conn: Connection, actor: Scope, company_id: int, values: dict[str, Any],
                booked: dict[int, str]) -> int:
    """Insert a session and one attendance row per booked participant (checked values)."""
    return log_sessions(conn, [NewSession(actor, company_id, values, booked)])[0]


class _Waiting:
    """A save waiting in a group: it is done (``result`` or ``error``) or asked to lead the next."""

    def __init__(self, save: NewSession):
        self.save, self.result, self.error = save, None, None
        self.lead = False
        self.ready = threading.Event()


class _Group:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.queue: list[_Waiting] = []
        self.leading = False


GROUP_LIMIT = 64  # saves per group: the statements' binds stay far under PostgreSQL's 65 535
_groups: weakref.WeakKeyDictionary[Engine, _Group] = weakref.WeakKeyDictionary()
_groups_lock = threading.Lock()


def log_session_together(engine: Engine, actor: Scope, company_id: int, values: dict[str, Any],
                         booked: dict[int, str], attempts: int = 8) -> int:
    """log_session in a transaction of its own, committed together with the saves of this process
    that arrive while an earlier group is being written (group commit): one transaction and three
    statements per group instead of per save. Each save gets its own answer: when a group fails,
    its saves are written one by one, so only a faulty save raises (its own error)."""
    with _groups_lock:
        group = _groups.setdefault(engine, _Group())
    me = _Waiting(NewSession(actor, company_id, values, booked))
    with group.lock:
        group.queue.append(me)
        lead = not group.leading
        group.leading = True
    if not lead:
        me.ready.wait()
        lead = me.lead
    if lead:
        _lead(engine, group, attempts)
    if me.error is not None:
        raise me.error
    assert me.result is not None
    return me.result


def _lead(engine: Engine, group: _Group, attempts: int) -> None:
    """Write every save waiting now as one group, then hand the lead to the first save that came
    meanwhile (or leave it free)."""
    with group.lock:
        batch, group.queue = group.queue[:GROUP_LIMIT], group.queue[GROUP_LIMIT:]
    try:
        _write_group(engine, batch, attempts)
    finally:
        with group.lock:
            if group.queue:
                group.queue[0].lead = True
                group.queue[0].ready.set()
            else:
                group.leading = False
        for waiting in batch:
            if waiting.result is None and waiting.error is None:
                waiting.error = RuntimeError("the session was not written")
            waiting.ready.set()


def _write_group(engine: Engine, batch: list[_Waiting], attempts: int) -> None:
    try:
        ids = db.run_in_transaction(engine, lambda conn: log_sessions(conn, [w.save for w in batch]),
                                    attempts=attempts)
        for waiting, sid in zip(batch, ids):
            waiting.result = sid
        return
    except Exception as exc:
        if len(batch) == 1:
            batch[0].error = exc
            return
    for waiting in batch:  # one faulty save must not cost the others theirs
        try:
            waiting.result = db.run_in_transaction(engine, lambda conn: log_sessions(conn, [waiting.save])[0],
                                                   attempts=attempts)
        except Exception as exc:
            waiting.error = exc


def get_session(conn: Connection, scope: Scope, session_id: int) -> dict[str, Any] | None:
    cond, params = company_condition(scope, "s.company_id")
    params["id"] = session_id
    row = conn.execute(bound(f"SELECT {_COLUMNS} FROM {_FROM} WHERE s.id = :id AND {cond}", params),
                       params).first()
    return dict(row._mapping) if row else None


def attendance(conn: Connection, session_id: int) -> dict[int, str]:
    rows = conn.execute(sa.text("SELECT participant_id, status FROM attendance WHERE session_id = :s"),
                        {"s": session_id})
    return {int(r.participant_id): r.status for r in rows}


def update_session(conn: Connection, actor: Scope, session_id: int, version: int, values: dict[str, Any],
                   booked: dict[int, str], today: date, reason: str | None = None) -> int:
    """Change a session and its attendance. Older than the edit window: a reason is required."""
    require_editor(actor)
    before = _own(conn, actor, session_id)
    expect_version("sessions", session_id, before["version"], version)
    old_day = before["held_on"]
    new_day = values.get("held_on", old_day)
    if (needs_reason(old_day, today) or needs_reason(new_day, today)) and not (reason or "").strip():
        raise ReasonRequired(session_id)
    _check_booked(conn, before["company_id"], booked)
    # Only the columns that really change: setting even an unchanged value of an indexed column
    # makes DuckDB rewrite the row, which its foreign keys refuse.
    changes = {f: values[f] for f in FIELDS if f in values and values[f] != before[f]}
    new_version = update_versioned(conn, "sessions", session_id, version, changes)
    old_booked = attendance(conn, session_id)
    for pid, status in booked.items():
        if pid not in old_booked:
            conn.execute(sa.text("INSERT INTO attendance (session_id, participant_id, status) "
                                 "VALUES (:s, :p, :st)"), {"s": session_id, "p": pid, "st": status})
        elif old_booked[pid] != status:
            # Only the status changes: the (session, participant) key stays put.
            conn.execute(sa.text("UPDATE attendance SET status = :st WHERE session_id = :s AND participant_id = :p"),
                         {"s": session_id, "p": pid, "st": status})
    for pid in set(old_booked) - set(booked):
        conn.execute(sa.text("DELETE FROM attendance WHERE session_id = :s AND participant_id = :p"),
                     {"s": session_id, "p": pid})
    if old_booked != booked:
        attendance_totals.refresh(conn, [session_id])
    old, new = audit.changed(before, changes)
    if old_booked != booked:
        old["attendance"] = {str(k): v for k, v in sorted(old_booked.items())}
        new["attendance"] = {str(k): v for k, v in sorted(booked.items())}
    audit.record(conn, actor, "update", "session", session_id, before=old, after=new,
                 reason=(reason or "").strip() or None)
    return new_version


def _own(conn: Connection, actor: Scope, session_id: int) -> dict[str, Any]:
    """The session as the actor may change it: gone since it was shown is a conflict, outside the
    actor's scope a LookupError."""
    require_editor(actor)
    before = get_session(conn, actor, session_id)
    if before is not None:
        return before
    exists = conn.execute(sa.text("SELECT COUNT(*) FROM sessions WHERE id = :id"), {"id": session_id}).scalar_one()
    if not exists:
        raise WriteConflict(f"session {session_id} is gone")
    raise LookupError(session_id)


def remove_session(conn: Connection, actor: Scope, session_id: int, version: int, reason: str) -> int:
    """Take a session out with its attendance and a reason (restorable by an admin for 30 days).

    The session row leaves with its totals and its marks together, so the totals of the sessions
    left still add up to the attendance rows left."""
    before = _own(conn, actor, session_id)
    return removed.take_out(conn, actor, "session", session_id, version, reason, before["company_id"])


def list_sessions(conn: Connection, scope: Scope, company_id: int | None = None,
                  since: date | None = None, until: date | None = None,
                  coach_id: int | None = None) -> list[dict[str, Any]]:
    """Sessions in the scope, newest first, with counts of booked and present and the rate."""
    cond, params = company_condition(scope, "s.company_id")
    where = [cond]
    filters = {"company_id": "s.company_id = :company_id", "since": "s.held_on >= :since",
               "until": "s.held_on <= :until", "coach_id": "s.coach_id = :coach_id"}
    for name, value in (("company_id", company_id), ("since", since), ("until", until), ("coach_id", coach_id)):
        if value is not None:
            where.append(filters[name])
            params[name] = value
    # The counts are the session's own totals (records/attendance_totals.py).
    sql = (f"SELECT {_COLUMNS}, {attendance_totals.TOTAL} AS booked, s.attendance_present AS present, "
           f"s.attendance_absent AS absent FROM {_FROM} "
           f"WHERE {' AND '.join(where)} ORDER BY s.held_on DESC, s.id DESC")
    rows = [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]
    for row in rows:
        present, absent = int(row["present"] or 0), int(row["absent"] or 0)
        row["present"], row["absent"] = present, absent
        row["attendance_rate"] = attendance_rate(["present"] * present + ["absent"] * absent)
    return rows


def session_attendance_rate(conn: Connection, session_id: int) -> float | None:
    return attendance_rate(attendance(conn, session_id).values())


def company_hours(conn: Connection, scope: Scope, company_id: int, as_of: date | None = None) -> dict[str, float]:
    """Coaching hours (sessions' minutes) and participant hours (present rows) of one company."""
    require_company(scope, company_id)
    # The pilot's day (Helsinki), as the form dates a new session: the server's date.today() (UTC)
    # left a session logged after 22:00 UTC out of the hours shown beside it.
    params = {"c": company_id, "as_of": as_of or dates.today()}
    coaching = conn.execute(sa.text(
        "SELECT COALESCE(SUM(minutes), 0) FROM sessions WHERE company_id = :c AND held_on <= :as_of"),
        params).scalar_one()
    attended = conn.execute(sa.text(
        "SELECT COALESCE(SUM(minutes * attendance_present), 0) FROM sessions "
        "WHERE company_id = :c AND held_on <= :as_of"), params).scalar_one()
    return {"coaching_hours": round(float(coaching) / 60, 1), "participant_hours": round(float(attended) / 60, 1)}


def booked_people(conn: Connection, scope: Scope, session_id: int) -> list[dict[str, Any]]:
    """The participants booked on a session (in scope), with their attendance status."""
    cond, params = company_condition(scope, "s.company_id")
    params["s"] = session_id
    names = "p.display_name" if scope.sees_names else "NULL AS display_name"
    sql = (f"SELECT p.id, p.code, {names}, a.status FROM attendance a JOIN participants p ON p.id = a.participant_id "
           f"JOIN sessions s ON s.id = a.session_id WHERE a.session_id = :s AND {cond} ORDER BY p.code")
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]
