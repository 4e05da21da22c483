"""Participants: enrolment (with the employment row at enrolment), edits, exit, caseload lists."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_company, require_editor
from pilot.domain import dates
from pilot.records import audit, employment
from pilot.records._scope import bound, like_pattern, participant_condition
from pilot.records._versioned import update_versioned

FIELDS = ("code", "enrolled_on", "exited_on", "first_language", "job_title", "occupation_code",
          "share_with_employer", "display_name", "notes")
EDITABLE = ("first_language", "job_title", "occupation_code", "share_with_employer",
            "display_name", "notes", "coach_id", "enrolled_on")


def _columns(scope: Scope) -> str:
    # Display names and notes never leave the coach's and admin's views (services see codes only).
    personal = "p.display_name, p.notes" if scope.sees_names else "NULL AS display_name, NULL AS notes"
    return ("p.id, p.code, p.company_id, c.name AS company_name, c.business_id, p.enrolled_on, "
            "p.exited_on, p.first_language, p.job_title, p.occupation_code, p.share_with_employer, "
            f"p.coach_id, u.username AS coach, {personal}, p.version")


def _visible(scope: Scope) -> tuple[str, dict[str, Any]]:
    cond, params = participant_condition(scope, "p.company_id", "p.coach_id")
    if scope.role == "employer":
        cond += " AND p.share_with_employer = TRUE"
    return cond, params


def _caseload(scope: Scope, company_id: int | None, status: str | None, as_of: date | None,
              search: str | None) -> tuple[str, dict[str, Any]]:
    """The caseload's filters (company, status as of a date, search): one WHERE for the list and its count."""
    cond, params = _matching(scope, search)
    where = [cond]
    params["as_of"] = as_of or dates.today()  # the pilot's day (Helsinki), not the server's UTC date
    if company_id is not None:
        where.append("p.company_id = :company_id")
        params["company_id"] = company_id
    if status == "active":
        where.append("(p.exited_on IS NULL OR p.exited_on > :as_of)")
    elif status == "exited":
        where.append("p.exited_on <= :as_of")
    return " AND ".join(where), params


def list_participants(conn: Connection, scope: Scope, company_id: int | None = None,
                      status: str | None = None, as_of: date | None = None,
                      search: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The caseload: participants in the scope, by company and status (active / exited) as of a date,
    by code; with ``limit``, only the first that many (count_participants tells how many match)."""
    cond, params = _caseload(scope, company_id, status, as_of, search)
    sql = (f"SELECT {_columns(scope)} FROM participants p JOIN companies c ON c.id = p.company_id "
           f"LEFT JOIN users u ON u.id = p.coach_id WHERE {cond} ORDER BY p.code, p.id")
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]


def count_participants(conn: Connection, scope: Scope, company_id: int | None = None,
                       status: str | None = None, as_of: date | None = None,
                       search: str | None = None) -> int:
    """How many participants list_participants finds with the same filters, without reading them."""
    cond, params = _caseload(scope, company_id, status, as_of, search)
    return int(conn.execute(bound(f"SELECT COUNT(*) FROM participants p WHERE {cond}", params),
                            params).scalar_one())


def get_participant(conn: Connection, scope: Scope, participant_id: int) -> dict[str, Any] | None:
    cond, params = _visible(scope)
    params["id"] = participant_id
    sql = (f"SELECT {_columns(scope)} FROM participants p JOIN companies c ON c.id = p.company_id "
           f"LEFT JOIN users u ON u.id = p.coach_id WHERE p.id = :id AND {cond}")
    row = conn.execute(bound(sql, params), params).first()
    return dict(row._mapping) if row else None


def _matching(scope: Scope, search: str | None) -> tuple[str, dict[str, Any]]:
    """The scope's participants whose code (or name, where the role sees names) holds ``search``."""
    cond, params = _visible(scope)
    if search and search.strip():
        name = " OR LOWER(p.display_name) LIKE :q ESCAPE '!'" if scope.sees_names else ""
        cond += f" AND (LOWER(p.code) LIKE :q ESCAPE '!'{name})"
        params["q"] = like_pattern(search)
    return cond, params


def count_choices(conn: Connection, scope: Scope, search: str | None = None) -> int:
    """How many participants a picker of the scope holds (matching ``search``), without reading them."""
    cond, params = _matching(scope, search)
    return int(conn.execute(bound(f"SELECT COUNT(*) FROM participants p WHERE {cond}", params), params).scalar_one())


def participant_choices(conn: Connection, scope: Scope, search: str | None = None, chosen: int | None = None,
                        limit: int = 200, company: bool = False) -> list[dict[str, Any]]:
    """A picker's participants: at most ``limit`` of the scope by code, matching ``search`` (code,
    or name where the role sees names), with ``chosen`` first when it is in the scope but not among
    them, so the picker still shows the person open. Rows have id, code and display_name (and
    company_name with ``company``)."""
    shown = "p.display_name" if scope.sees_names else "NULL AS display_name"
    source = "participants p"
    if company:
        shown += ", c.name AS company_name"
        source = "participants p JOIN companies c ON c.id = p.company_id"
    cond, params = _matching(scope, search)
    params["limit"] = limit
    rows = [dict(r._mapping) for r in conn.execute(bound(
        f"SELECT p.id, p.code, {shown} FROM {source} WHERE {cond} ORDER BY p.code LIMIT :limit",
        params), params)]
    if chosen is not None and chosen not in {r["id"] for r in rows}:
        cond, params = _visible(scope)
        params["id"] = chosen
        row = conn.execute(bound(f"SELECT p.id, p.code, {shown} FROM {source} WHERE p.id = :id AND {cond}",
                                 params), params).first()
        if row is not None:
            rows.insert(0, dict(row._mapping))
    return rows


def id_by_code(conn: Connection, code: str) -> int | None:
    row = conn.execute(sa.text("SELECT id FROM participants WHERE code = :c"), {"c": code}).first()
    return int(row.id) if row else None


# Codes are unique through participant_codes (migration 010), not an index on participants.code: an
# index there would stop anonymisation from changing a code in one transaction on DuckDB.
def claim_code(conn: Connection, participant_id: int, code: str) -> None:
    """Hold ``code`` for the participant (a duplicate fails here, and the transaction with it)."""
    conn.execute(sa.text("DELETE FROM participant_codes WHERE participant_id = :p"), {"p": participant_id})
    conn.execute(sa.text("INSERT INTO participant_codes (code, participant_id) VALUES (:c, :p)"),
                 {"c": code, "p": participant_id})


def claim_new_codes(conn: Connection) -> None:
    """Hold the codes of participants written in bulk (demo, import, benchmark) in one statement."""
    conn.execute(sa.text("INSERT INTO participant_codes (code, participant_id) SELECT p.code, p.id "
                         "FROM participants p WHERE NOT EXISTS "
                         "(SELECT 1 FROM participant_codes pc WHERE pc.participant_id = p.id)"))


def enrol(conn: Connection, actor: Scope, values: dict[str, Any], company_id: int,
          coach_id: int | None, start: dict[str, Any]) -> int:
    """Insert a participant and the employment row at enrolment (``start``: status, hours...)."""
    require_editor(actor)
    require_company(actor, company_id)
    row = {f: values.get(f) for f in FIELDS}
    row.update(company_id=company_id, coach_id=coach_id, exited_on=None,
               share_with_employer=bool(row.get("share_with_employer")))
    new_id = conn.execute(sa.text(
        "INSERT INTO participants (code, company_id, enrolled_on, exited_on, first_language, job_title, "
        "occupation_code, share_with_employer, coach_id, display_name, notes) VALUES (:code, "
        ":company_id, :enrolled_on, :exited_on, :first_language, :job_title, :occupation_code, "
        ":share_with_employer, :coach_id, :display_name, :notes) RETURNING id"), row).scalar_one()
    claim_code(conn, int(new_id), row["code"])
    audit.record(conn, actor, "create", "participant", new_id, after=row)
    employment.record_change(conn, actor, int(new_id), {**start, "effective_on": row["enrolled_on"]})
    return int(new_id)


def update_participant(conn: Connection, actor: Scope, participant_id: int, version: int,
                       values: dict[str, Any]) -> int:
    require_editor(actor)
    before = get_participant(conn, actor, participant_id)
    if before is None:
        raise LookupError(participant_id)
    changes = {f: values[f] for f in EDITABLE if f in values}
    new_version = update_versioned(conn, "participants", participant_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "participant", participant_id, before=old, after=new)
    return new_version


def exit_participant(conn: Connection, actor: Scope, participant_id: int, version: int,
                     exited_on: date, status_at_exit: dict[str, Any]) -> int:
    """Record the exit date and the employment status at exit as a dated employment row."""
    require_editor(actor)
    before = get_participant(conn, actor, participant_id)
    if before is None:
        raise LookupError(participant_id)
    new_version = update_versioned(conn, "participants", participant_id, version, {"exited_on": exited_on})
    audit.record(conn, actor, "update", "participant", participant_id,
                 before={"exited_on": before["exited_on"]}, after={"exited_on": exited_on})
    employment.record_change(conn, actor, participant_id, {**status_at_exit, "effective_on": exited_on})
    return new_version
