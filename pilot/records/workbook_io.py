"""The SQL of the pilot workbook (shared/spec/DATA-FILES.md): sheet rows by natural key, and
bulk writes for the import.

Rows are read per sheet in one query each, with the natural keys resolved (a participant's
company is its ``business_id``, its coach the username), so the import can compare a file with the
database and the export writes the same columns. Writes pass whole columns as arrays and
``UNNEST`` them: one statement per table, never one per row (100 000 rows import in seconds; a
plain executemany takes about a millisecond per row on DuckDB). ``UNNEST`` of several arrays in a
SELECT list zips them on DuckDB and PostgreSQL alike.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import SYSTEM, Scope
from pilot.db import utcnow
from pilot.records._scope import bound, company_condition, participant_condition
from pilot.records._versioned import STAMPED
from pilot.records.audit import _json

# The SELECT of each sheet: the sheet's columns by natural key, plus ids the import needs.
# {company} and {participant} are replaced by scope conditions built from fixed fragments.
_SHEET_SQL: dict[str, tuple[str, str]] = {
    "companies": (
        "SELECT c.business_id, c.name, c.industry, c.size_class, c.joined_on, c.left_on, "
        "c.contact_name, c.contact_email, c.id{flag} FROM companies c WHERE {company}",
        "c.business_id"),
    "participants": (
        "SELECT p.code, c.business_id, p.enrolled_on, p.exited_on, p.first_language, p.job_title, "
        "p.occupation_code, p.share_with_employer, u.username AS coach, {display_name} AS display_name, "
        "p.id{flag} FROM participants p JOIN companies c ON c.id = p.company_id "
        "LEFT JOIN users u ON u.id = p.coach_id WHERE {participant}",
        "p.code"),
    "sessions": (
        "SELECT s.ref, c.business_id, s.held_on, s.minutes, s.kind, s.mode, u.username AS coach, "
        "s.topics, s.notes, s.id{flag} FROM sessions s JOIN companies c ON c.id = s.company_id "
        "LEFT JOIN users u ON u.id = s.coach_id WHERE {company}",
        "s.ref"),
    "attendance": (
        "SELECT s.ref AS session_ref, p.code AS participant_code, a.status, a.id, s.id AS session_id{flag} "
        "FROM attendance a "
        "JOIN sessions s ON s.id = a.session_id JOIN participants p ON p.id = a.participant_id "
        "WHERE {company} AND {participant}",
        "s.ref, p.code"),
    "adaptations": (
        "SELECT d.ref, c.business_id, p.code AS participant_code, d.type, d.description, d.proposed_on, "
        "d.agreed_on, d.in_use_on, d.evaluated_on, d.dropped_on, d.effect, d.owner, d.id{flag} "
        "FROM adaptations d JOIN companies c ON c.id = d.company_id "
        "LEFT JOIN participants p ON p.id = d.participant_id WHERE {company}",
        "d.ref"),
    "assessments": (
        "SELECT p.code AS participant_code, a.skill, a.assessed_on, a.source, a.level, a.id{flag} "
        "FROM assessments a JOIN participants p ON p.id = a.participant_id WHERE {participant}",
        "p.code, a.skill, a.assessed_on, a.source"),
    "employment": (
        "SELECT p.code AS participant_code, e.effective_on, e.status, e.weekly_hours, e.subsidised, "
        "e.employer_business_id, e.id, p.id AS participant_id{flag} "
        "FROM employment e JOIN participants p ON p.id = e.participant_id "
        "WHERE {participant}",
        "p.code, e.effective_on"),
    "feedback": (
        "SELECT c.business_id, f.given_on, f.score, f.comment, f.id{flag} FROM feedback f "
        "JOIN companies c ON c.id = f.company_id WHERE {company}",
        "c.business_id, f.given_on"),
    "costs": (
        "SELECT k.ref, k.incurred_on, k.category, k.amount_eur, k.description, c.business_id, k.id{flag} "
        "FROM costs k LEFT JOIN companies c ON c.id = k.company_id WHERE {company}",
        "k.ref"),
    "employer_surveys": (
        "SELECT c.business_id, y.answered_on, y.readiness, y.planned_hires_12m, y.comment, y.id{flag} "
        "FROM employer_surveys y JOIN companies c ON c.id = y.company_id WHERE {company}",
        "c.business_id, y.answered_on"),
    "hires": (
        "SELECT h.ref, c.business_id, h.hired_on, h.contract, h.weekly_hours, p.code AS participant_code, "
        "h.occupation_code, h.id{flag} FROM hires h JOIN companies c ON c.id = h.company_id "
        "LEFT JOIN participants p ON p.id = h.participant_id WHERE {company}",
        "h.ref"),
    "followups": (
        "SELECT p.code AS participant_code, f.contacted_on, f.reached, f.status, f.weekly_hours, f.subsidised, "
        "f.source, f.notes, f.id{flag} FROM followups f JOIN participants p ON p.id = f.participant_id "
        "WHERE {participant}",
        "p.code, f.contacted_on"),
}
# The company column each sheet is scoped by (attendance: the session's company).
_COMPANY_COLUMN = {"companies": "c.id", "participants": "p.company_id", "sessions": "s.company_id",
                   "attendance": "s.company_id", "adaptations": "d.company_id",
                   "assessments": "p.company_id", "employment": "p.company_id",
                   "feedback": "f.company_id", "costs": "k.company_id",
                   "employer_surveys": "y.company_id", "hires": "h.company_id", "followups": "p.company_id"}

# Column types for the array casts (explicit, so an all-NULL column still has a type).
_V, _D, _B, _I, _BOOL = "VARCHAR", "DATE", "BIGINT", "INTEGER", "BOOLEAN"
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "companies": {"business_id": _V, "name": _V, "industry": _V, "size_class": _V, "joined_on": _D,
                  "left_on": _D, "contact_name": _V, "contact_email": _V},
    "participants": {"code": _V, "company_id": _B, "enrolled_on": _D, "exited_on": _D,
                     "first_language": _V, "job_title": _V, "occupation_code": _V,
                     "share_with_employer": _BOOL, "coach_id": _B, "display_name": _V},
    "sessions": {"ref": _V, "company_id": _B, "held_on": _D, "minutes": _I, "kind": _V, "mode": _V,
                 "coach_id": _B, "topics": _V, "notes": _V,
                 # A new session's totals of marks, counted from the file's marks (pilot.workbook._write).
                 "attendance_present": _I, "attendance_absent": _I, "attendance_excused": _I},
    "attendance": {"session_id": _B, "participant_id": _B, "status": _V},
    "adaptations": {"ref": _V, "company_id": _B, "participant_id": _B, "type": _V, "description": _V,
                    "proposed_on": _D, "agreed_on": _D, "in_use_on": _D, "evaluated_on": _D,
                    "dropped_on": _D, "effect": _I, "owner": _V},
    "assessments": {"participant_id": _B, "skill": _V, "assessed_on": _D, "source": _V, "level": _V},
    "employment": {"participant_id": _B, "effective_on": _D, "status": _V,
                   "weekly_hours": "DECIMAL(4, 1)", "subsidised": _BOOL, "employer_business_id": _V},
    "feedback": {"company_id": _B, "given_on": _D, "score": _I, "comment": _V},
    "costs": {"ref": _V, "incurred_on": _D, "category": _V, "amount_eur": "DECIMAL(12, 2)",
              "description": _V, "company_id": _B},
    "employer_surveys": {"company_id": _B, "answered_on": _D, "readiness": _I, "planned_hires_12m": _I,
                         "comment": _V},
    "hires": {"ref": _V, "company_id": _B, "hired_on": _D, "contract": _V, "weekly_hours": "DECIMAL(4, 1)",
              "participant_id": _B, "occupation_code": _V},
    "followups": {"participant_id": _B, "contacted_on": _D, "reached": _BOOL, "status": _V,
                  "weekly_hours": "DECIMAL(4, 1)", "subsidised": _BOOL, "source": _V, "notes": _V},
}
_VERSIONED = STAMPED  # every versioned table (pilot/records/_versioned.py)


# The one-column key an import narrows each sheet's stored rows by (attendance: its session).
KEY_FILTER = {"companies": "c.business_id", "participants": "p.code", "sessions": "s.ref",
              "attendance": "s.ref", "adaptations": "d.ref", "assessments": "p.code",
              "employment": "p.code", "feedback": "c.business_id", "costs": "k.ref",
              "employer_surveys": "c.business_id", "hires": "h.ref", "followups": "p.code"}
_IN_KEYS = " AND {column} IN (SELECT UNNEST(CAST(:keys AS VARCHAR[])))"
KEY_CHUNK = 50_000
"""Keys bound per look-up: a million keys bound at once cost DuckDB about a kilobyte each."""


def _by_chunks(conn: Connection, clause: Any, params: dict[str, Any], keys: Sequence[str]) -> list[Any]:
    """The rows of ``clause`` for all ``keys`` (bound as :keys), KEY_CHUNK keys per statement.

    Each statement's rows are fetched at once: iterating a result fetches one row per call through
    the driver's cursor wrapper, some 5 to 15 microseconds a row (a second per 100 000 rows)."""
    keys = list(keys)
    out: list[Any] = []
    for start in range(0, len(keys), KEY_CHUNK):
        out.extend(conn.execute(clause, {**params, "keys": keys[start:start + KEY_CHUNK]}).fetchall())
    return out


def sheet_rows(conn: Connection, sheet: str, scope: Scope,
               keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """All rows of a sheet visible to ``scope``, in a stable order (the key columns).

    With ``keys``, only the rows whose KEY_FILTER column is one of them: an import compares a
    file with the rows it names, not with a national database of ten million sessions."""
    return _rows(conn, sheet, scope, keys, flag=None)


def stored_rows(conn: Connection, sheet: str, actor: Scope, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The stored rows an import names, whoever may see them, each with ``in_scope``: whether the
    actor's scope covers the row, decided in SQL by the same conditions every read applies.

    The import compares a file row with its stored row only when ``in_scope`` is true; a row
    outside is an error that never shows or compares the stored values."""
    return _rows(conn, sheet, SYSTEM, keys, flag=actor)


def _scope_sql(sheet: str, scope: Scope, template: str) -> tuple[str, dict[str, Any]]:
    """The sheet's scope condition (``template`` names {company} and {participant}) and its binds."""
    company, params = company_condition(scope, _COMPANY_COLUMN[sheet])
    participant, p_params = participant_condition(scope, "p.company_id", "p.coach_id")
    if scope.role == "employer":
        participant += " AND p.share_with_employer = TRUE"
    # participant_condition reuses the company bind name; its values are the same scope.
    params.update(p_params)
    return template.format(company=company, participant=participant), params


def _rows(conn: Connection, sheet: str, scope: Scope, keys: Sequence[str] | None,
          flag: Scope | None) -> list[dict[str, Any]]:
    if keys is not None and not keys:
        return []
    sql, order = _SHEET_SQL[sheet]
    select, _, template = sql.rpartition(" WHERE ")
    where, params = _scope_sql(sheet, scope, template)
    in_scope = ""
    if flag is not None:
        condition, flag_params = _scope_sql(sheet, flag, template)
        in_scope = f", CASE WHEN {condition} THEN TRUE ELSE FALSE END AS in_scope"
        params.update(flag_params)  # ``scope`` here is the whole pilot: its condition has no binds
    display = "p.display_name" if scope.sees_names else "NULL"
    text = f"{select.format(flag=in_scope, display_name=display)} WHERE {where}"
    if keys is not None:
        text += _IN_KEYS.format(column=KEY_FILTER[sheet])
    clause = bound(text + f" ORDER BY {order}", params)  # scope lists expand into IN lists; keys: one array
    if keys is None:
        return [dict(r._mapping) for r in conn.execute(clause, params)]
    return [dict(r._mapping) for r in _by_chunks(conn, clause, params, keys)]  # in key order per chunk


def user_ids(conn: Connection) -> dict[str, int]:
    """Username -> user id (coach columns name accounts by username)."""
    return {r.username: int(r.id) for r in conn.execute(sa.text("SELECT id, username FROM users"))}


def ids_by_key(conn: Connection, table: str, keys: Sequence[str] | None = None) -> dict[str, int]:
    """Natural key -> id for companies (business_id), participants (code) and sessions (ref);
    with ``keys``, for those keys only."""
    key = {"companies": "business_id", "participants": "code", "sessions": "ref"}[table]
    if keys is None:
        return {str(r[0]): int(r[1]) for r in conn.execute(sa.text(f"SELECT {key}, id FROM {table}")).fetchall()}
    if not keys:
        return {}
    sql = f"SELECT {key}, id FROM {table} WHERE 1 = 1" + _IN_KEYS.format(column=key)
    return {str(r[0]): int(r[1]) for r in _by_chunks(conn, sa.text(sql), {}, keys)}


_IN_IDS = " IN (SELECT UNNEST(CAST(:ids AS BIGINT[])))"


def referenced_participant_ids(conn: Connection, among: Sequence[int]) -> set[int]:
    """Those of ``among`` that other rows point at (DuckDB cannot change their foreign-key columns)."""
    if not among:
        return set()
    rows = conn.execute(sa.text(
        f"SELECT participant_id FROM attendance WHERE participant_id {_IN_IDS} "
        f"UNION SELECT participant_id FROM assessments WHERE participant_id {_IN_IDS} "
        f"UNION SELECT participant_id FROM employment WHERE participant_id {_IN_IDS} "
        f"UNION SELECT participant_id FROM adaptations WHERE participant_id {_IN_IDS} "
        f"UNION SELECT participant_id FROM hires WHERE participant_id {_IN_IDS} "
        f"UNION SELECT participant_id FROM followups WHERE participant_id {_IN_IDS}"), {"ids": list(among)})
    return {int(r[0]) for r in rows}


def referenced_session_ids(conn: Connection, among: Sequence[int]) -> set[int]:
    """Those of ``among`` that attendance rows point at."""
    if not among:
        return set()
    return {int(r[0]) for r in conn.execute(sa.text(
        f"SELECT DISTINCT session_id FROM attendance WHERE session_id {_IN_IDS}"), {"ids": list(among)})}


def _arrays(table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """``UNNEST(CAST(:c AS type[])) AS c, ...`` and the column arrays as binds."""
    types = {**COLUMN_TYPES[table], "id": _B}
    select = ", ".join(f"UNNEST(CAST(:a_{c} AS {types[c]}[])) AS {c}" for c in columns)
    return select, {f"a_{c}": [row.get(c) for row in rows] for c in columns}


_AUDIT_COLUMNS = ("occurred_at", "actor", "action", "entity", "entity_id", "before_json", "after_json")


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bool:
    """PostgreSQL: stream rows (value sequences in ``columns`` order) into ``table`` with COPY, on
    the connection's own transaction; True when written. DuckDB answers False (its UNNEST of
    bound arrays is already one columnar statement). COPY parses no SQL and binds no arrays: the
    100 000-row import spent most of its write time building and binding UNNEST arrays there.
    ``table`` and ``columns`` come from this module's fixed lists, never from input."""
    if conn.dialect.name != "postgresql":
        return False
    driver = conn.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return True


def insert_rows(conn: Connection, table: str, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (dicts with the table's columns) in one statement."""
    if not rows:
        return 0
    columns = list(COLUMN_TYPES[table])
    if not copy_rows(conn, table, columns, ([row.get(c) for c in columns] for row in rows)):
        select, params = _arrays(table, columns, rows)
        conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select}"), params)
    if table == "participants":
        from pilot.records import participants  # codes are held in participant_codes (migration 010)
        participants.claim_new_codes(conn)
    return len(rows)


def update_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> int:
    """Set ``columns`` of the rows with the given ids (each row a dict with ``id``), one statement.

    Only the columns that changed are set: DuckDB refuses to set a foreign-key or indexed column
    of a row that other rows reference, even to its old value.
    """
    if not rows or not columns:
        return 0
    for column in columns:
        if column not in COLUMN_TYPES[table]:
            raise ValueError(column)
    select, params = _arrays(table, ["id", *columns], rows)
    assignments = [f"{c} = v.{c}" for c in columns]
    if table in _VERSIONED:
        assignments += [f"version = {table}.version + 1", "updated_at = :now"]
        params["now"] = utcnow()
    conn.execute(sa.text(f"UPDATE {table} SET {', '.join(assignments)} FROM (SELECT {select}) v "
                         f"WHERE {table}.id = v.id"), params)
    return len(rows)


def audit_rows(conn: Connection, actor: str, action: str, entity: str,
               entries: Sequence[tuple[str, dict | None, dict | None]]) -> None:
    """Audit rows (entity id, before, after) in one statement, as ``audit.record`` writes them."""
    if not entries:
        return
    at = utcnow()
    if copy_rows(conn, "audit_log", _AUDIT_COLUMNS,
                 ((at, actor, action, entity, e[0], _json(e[1]), _json(e[2])) for e in entries)):
        return
    params = {"at": [at] * len(entries), "actor": [actor] * len(entries),
              "action": [action] * len(entries), "entity": [entity] * len(entries),
              "entity_id": [e[0] for e in entries], "before": [_json(e[1]) for e in entries],
              "after": [_json(e[2]) for e in entries]}
    conn.execute(sa.text(
        "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, before_json, after_json) "
        "SELECT UNNEST(CAST(:at AS TIMESTAMP[])), UNNEST(CAST(:actor AS VARCHAR[])), "
        "UNNEST(CAST(:action AS VARCHAR[])), UNNEST(CAST(:entity AS VARCHAR[])), "
        "UNNEST(CAST(:entity_id AS VARCHAR[])), UNNEST(CAST(:before AS VARCHAR[])), "
        "UNNEST(CAST(:after AS VARCHAR[]))"), params)


# What an app write logs (pilot/records/*: entity id = the row's id, a cost's ref, an employment
# row's participant id, a session's id for its attendance); the import logs ``import`` by natural key.
_APP_ACTIONS = ("create", "update", "delete", "anonymise")


def changes_since(conn: Connection, since: datetime, app_entity: str, app_ids: Sequence[str],
                  import_entity: str, import_keys: Sequence[str], importer: str) -> dict[tuple[str, str], tuple[datetime, str]]:
    """The latest change after ``since`` of each record, from the audit log: app writes by entity
    id, and imports by another user than ``importer`` by natural key. Maps ("app", entity id) and
    ("import", key) to (when, who)."""
    if not app_ids and not import_keys:
        return {}
    actions = ", ".join(f"'{a}'" for a in _APP_ACTIONS)  # fixed literals, never input
    statement = sa.text(
        "SELECT entity_id, occurred_at, actor, action FROM audit_log WHERE occurred_at > :since AND ("
        f"(entity = :app_entity AND action IN ({actions}) "
        "AND entity_id IN (SELECT UNNEST(CAST(:app_ids AS VARCHAR[])))) OR "
        "(entity = :import_entity AND action = 'import' AND actor <> :importer "
        "AND entity_id IN (SELECT UNNEST(CAST(:import_keys AS VARCHAR[]))))) ORDER BY occurred_at, id")
    # Each id once, KEY_CHUNK of each kind per statement: every id's rows come from one statement.
    apps, imports = sorted(set(app_ids)), sorted(set(import_keys))
    found: dict[tuple[str, str], tuple[datetime, str]] = {}
    for start in range(0, max(len(apps), len(imports)), KEY_CHUNK):
        rows = conn.execute(statement, {
            "since": since, "app_entity": app_entity, "app_ids": apps[start:start + KEY_CHUNK],
            "import_entity": import_entity, "import_keys": imports[start:start + KEY_CHUNK],
            "importer": importer})
        found.update({("import" if r.action == "import" else "app", r.entity_id): (r.occurred_at, r.actor)
                      for r in rows})  # in time order: the latest wins
    return found
