"""Data protection: a participant's own data export, anonymisation, and the retention list.

Anonymisation erases what identifies the person (display name, notes, job title, timeline notes,
the free text of adaptations made for them) and replaces the code by a random one, but keeps every date,
status, level and attendance row, so the pilot's indicators stay exactly the same. The audit log
is rewritten for that person only: its rows keep who did what and when, without the erased values
or the old code (a name kept in the log would undo the anonymisation).
"""
from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pilot.access import AccessDenied, Scope, can_edit_records
from pilot.db import run_in_transaction, utcnow
from pilot.domain.dates import add_months
from pilot.domain.identifiers import refuse_hetu
from pilot.records import attendance_totals, audit
from pilot.records._scope import bound, participant_condition

ERASED = "-"  # adaptations.description is NOT NULL: the erased text becomes a dash


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def _participant(conn: Connection, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    cond, params = participant_condition(scope, "p.company_id", "p.coach_id")
    params["id"] = participant_id
    sql = ("SELECT p.id, p.code, p.display_name, p.notes, p.job_title, p.occupation_code, p.first_language, "
           "p.enrolled_on, p.exited_on, p.share_with_employer, p.anonymised_at, c.business_id, "
           "c.name AS company_name, u.username AS coach FROM participants p "
           "JOIN companies c ON c.id = p.company_id LEFT JOIN users u ON u.id = p.coach_id "
           f"WHERE p.id = :id AND {cond}")
    row = conn.execute(bound(sql, params), params).first()
    return dict(row._mapping) if row else None


def export_participant(conn: Connection, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    """Everything the pilot holds about one participant (the data subject's copy), or None when
    the participant is outside the caller's scope. Coaches and admins only; the export is audited."""
    if not can_edit_records(scope):
        raise AccessDenied(scope.role)
    person = _participant(conn, scope, participant_id)
    if person is None:
        return None
    p = {"p": participant_id}
    data = {
        "participant": person,
        "employment": _rows(conn, "SELECT effective_on, status, weekly_hours, subsidised, employer_business_id "
                                  "FROM employment WHERE participant_id = :p ORDER BY effective_on", p),
        "assessments": _rows(conn, "SELECT assessed_on, skill, source, level FROM assessments "
                                   "WHERE participant_id = :p ORDER BY assessed_on, skill", p),
        "attendance": _rows(conn, "SELECT s.held_on, s.kind, s.mode, s.minutes, a.status FROM attendance a "
                                  "JOIN sessions s ON s.id = a.session_id WHERE a.participant_id = :p "
                                  "ORDER BY s.held_on", p),
        "adaptations": _rows(conn, "SELECT type, description, proposed_on, agreed_on, in_use_on, evaluated_on, "
                                   "dropped_on, effect, owner FROM adaptations WHERE participant_id = :p "
                                   "ORDER BY proposed_on", p),
    }
    if _has_table(conn, "participant_notes"):
        data["notes"] = _rows(conn, "SELECT noted_on, body, author FROM participant_notes WHERE participant_id = :p "
                                    "ORDER BY noted_on, id", p)
    audit.record(conn, scope, "export", "participant", participant_id)
    return data


def as_json(data: dict[str, Any]) -> str:
    """The export as JSON text (dates as ISO strings, decimals as strings)."""
    return audit._json(data) or "{}"


# Tables whose rows hang on a participant and are kept (aggregate indicators read them).
CHILD_TABLES = ("attendance", "assessments", "employment", "adaptations")


def _children(conn: Connection, participant_id: int) -> dict[str, list[dict[str, Any]]]:
    return {table: _rows(conn, f"SELECT * FROM {table} WHERE participant_id = :p ORDER BY id",
                         {"p": participant_id}) for table in CHILD_TABLES}


def _put_back(conn: Connection, children: dict[str, list[dict[str, Any]]]) -> None:
    for table, rows in children.items():
        for row in rows:
            # Column names come from the table's own SELECT *, never from user input.
            columns = list(row)
            conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(columns)}) "
                                 f"VALUES ({', '.join(':' + c for c in columns)})"), row)
    attendance_totals.refresh(conn, attendance_totals.by_session(children["attendance"]))


# Values in audit rows that identify a participant: erased, or (codes) replaced by the new code.
_PERSONAL_TEXT = ("display_name", "notes", "job_title", "body", "description")
_CODES = ("code", "participant_code")
_KEYED_BY_CODE = ("participant", "attendance", "assessment", "employment")


def _redact_audit(conn: Connection, participant_id: int, old_code: str, new_code: str,
                  note_ids: list[int], adaptation_ids: list[int]) -> None:
    """Rewrite the audit rows about one participant so they no longer identify them: names, notes,
    job title and free text become ERASED and the old code becomes the new one. Who did what and
    when stays; only the personal values go (the log is otherwise never changed)."""
    ids = {"participant": {str(participant_id)}, "employment": {str(participant_id)},
           "participant_note": {str(i) for i in note_ids}, "adaptation": {str(i) for i in adaptation_ids}}
    # Codes are letters, digits and dashes only, so the code needs no escaping inside LIKE.
    rows = _rows(conn, "SELECT id, entity, entity_id, before_json, after_json FROM audit_log "
                       "WHERE entity_id = :pid OR entity_id LIKE :code OR before_json LIKE :code "
                       "OR after_json LIKE :code", {"pid": str(participant_id), "code": f"%{old_code}%"})
    if note_ids or adaptation_ids:
        params = {"ids": [str(i) for i in (*note_ids, *adaptation_ids)]}
        rows += _rows(conn, "SELECT id, entity, entity_id, before_json, after_json FROM audit_log "
                            "WHERE entity IN ('participant_note', 'adaptation') "
                            "AND entity_id IN (SELECT UNNEST(CAST(:ids AS VARCHAR[])))", params)
    for row in {r["id"]: r for r in rows}.values():
        parts = (row["entity_id"] or "").split("/")
        # An imported row is keyed by the code ("P-001", "S-1/P-001", "P-001/2024-01-01"...).
        by_code = row["entity"] in _KEYED_BY_CODE and old_code in parts
        data = {c: json.loads(row[c]) if row[c] else None for c in ("before_json", "after_json")}
        names_code = any(isinstance(d, dict) and any(d.get(k) == old_code for k in _CODES) for d in data.values())
        if not (by_code or names_code or row["entity_id"] in ids.get(row["entity"], set())):
            continue
        values = {}
        for column, value in data.items():
            if isinstance(value, dict):
                for key in _PERSONAL_TEXT:
                    if value.get(key) not in (None, ""):
                        value[key] = ERASED
                for key in _CODES:
                    if value.get(key) == old_code:
                        value[key] = new_code
            values[column] = audit._json(value)
        entity_id = "/".join(new_code if part == old_code else part for part in parts) if by_code else row["entity_id"]
        conn.execute(sa.text("UPDATE audit_log SET entity_id = :e, before_json = :b, after_json = :a WHERE id = :id"),
                     {"e": entity_id, "b": values["before_json"], "a": values["after_json"], "id": row["id"]})


def anonymise(engine: Engine, actor: Scope, participant_id: int, reason: str) -> str:
    """Erase what identifies a participant and give them a random code; returns the new code.

    Admins only, with a reason. Display name, notes, job title, timeline notes and the free text
    of their adaptations are erased; dates, statuses, levels and attendance stay as they were.
    The audit rows about them keep who did what and when, with those values erased and the old
    code replaced by the new one (see _redact_audit).

    Why two transactions: DuckDB cannot change a UNIQUE column (the code) of a row that other
    rows reference, even when they are deleted earlier in the same transaction. So the first
    transaction erases the personal text and lifts the dependent rows out (keeping them in
    memory); the second changes the code and puts the rows back unchanged. If the second fails,
    the rows are put back under the old code, so nothing is lost.
    """
    if actor.role != "admin":
        raise AccessDenied(actor.role)
    if not reason or not reason.strip():
        raise ValueError("reason")
    refuse_hetu(reason)  # before the first transaction: the audit row comes only in the second

    found: dict[str, Any] = {}

    def erase(conn: Connection) -> dict[str, list[dict[str, Any]]]:
        person = _participant(conn, actor, participant_id)
        if person is None:
            raise LookupError(participant_id)
        found["code"] = person["code"]
        found["notes"] = [r["id"] for r in _rows(conn, "SELECT id FROM participant_notes WHERE participant_id = :p",
                                                 {"p": participant_id})] if _has_table(conn, "participant_notes") else []
        children = _children(conn, participant_id)
        for row in children["adaptations"]:
            row.update(description=ERASED, owner=None)
        now = utcnow()
        conn.execute(sa.text("UPDATE participants SET display_name = NULL, notes = NULL, job_title = NULL, "
                             "anonymised_at = :now, updated_at = :now WHERE id = :p"), {"now": now, "p": participant_id})
        if _has_table(conn, "participant_notes"):
            conn.execute(sa.text("DELETE FROM participant_notes WHERE participant_id = :p"), {"p": participant_id})
        for table in CHILD_TABLES:
            conn.execute(sa.text(f"DELETE FROM {table} WHERE participant_id = :p"), {"p": participant_id})
        attendance_totals.refresh(conn, attendance_totals.by_session(children["attendance"]))
        return children

    children = run_in_transaction(engine, erase)
    new_code = "X-" + secrets.token_hex(5).upper()

    def recode(conn: Connection) -> None:
        conn.execute(sa.text("UPDATE participants SET code = :code, version = version + 1 WHERE id = :p"),
                     {"code": new_code, "p": participant_id})
        _put_back(conn, children)
        _redact_audit(conn, participant_id, found["code"], new_code, found["notes"],
                      [row["id"] for row in children["adaptations"]])
        audit.record(conn, actor, "anonymise", "participant", participant_id, after={"code": new_code},
                     reason=reason.strip())

    try:
        run_in_transaction(engine, recode)
    except Exception:
        run_in_transaction(engine, lambda conn: _put_back(conn, children))
        raise
    return new_code


def _has_table(conn: Connection, name: str) -> bool:
    return name in sa.inspect(conn).get_table_names()


def retention_due(conn: Connection, as_of: date, years: int) -> list[dict[str, Any]]:
    """Participants who exited at least ``years`` ago and are not anonymised yet, oldest first."""
    cutoff = add_months(as_of, -12 * years)
    return _rows(conn, "SELECT p.id, p.code, c.name AS company_name, p.enrolled_on, p.exited_on "
                       "FROM participants p JOIN companies c ON c.id = p.company_id "
                       "WHERE p.exited_on IS NOT NULL AND p.exited_on <= :cutoff AND p.anonymised_at IS NULL "
                       "ORDER BY p.exited_on, p.code", {"cutoff": cutoff})
