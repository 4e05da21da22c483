"""The global search of coaches and admins: participants (code or name), companies (name or
Y-tunnus), sessions and adaptations (their ref), each a row that says which record to open.

Every part runs under the caller's scope (pilot/records/_scope.py), the same conditions the list
views use, so a search never finds a record the caller could not open. Employers and employment
services have no search (PILOT.md: an employer sees their own company's progress pages, services
never see individuals): ``search`` refuses them. A henkilötunnus is never searched for nor
logged: the text is refused before any query (pilot.domain.identifiers.refuse_hetu).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope
from pilot.domain.identifiers import refuse_hetu
from pilot.records._scope import bound, company_condition, like_pattern, participant_condition

ROLES = ("coach", "admin")
MIN_LENGTH = 2  # one letter would list half the pilot
LIMIT = 20  # rows per kind of record


def may_search(scope: Scope) -> bool:
    return scope.role in ROLES


def _pattern(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with the user's % and _ taken literally (escape !)."""
    return like_pattern(text)


def _participants(conn: Connection, scope: Scope, q: str, limit: int) -> list[dict[str, Any]]:
    cond, params = participant_condition(scope, "p.company_id", "p.coach_id")
    params.update(q=q, limit=limit)
    name = " OR LOWER(p.display_name) LIKE :q ESCAPE '!'" if scope.sees_names else ""
    shown = "p.display_name" if scope.sees_names else "NULL"
    sql = (f"SELECT p.id, p.code, {shown} AS display_name, c.id AS company_id, c.name AS company_name "
           "FROM participants p JOIN companies c ON c.id = p.company_id "
           f"WHERE {cond} AND (LOWER(p.code) LIKE :q ESCAPE '!'{name}) ORDER BY p.code LIMIT :limit")
    return [{"kind": "participant", "id": r.id, "company_id": r.company_id, "code": r.code,
             "name": r.display_name, "company_name": r.company_name}
            for r in conn.execute(bound(sql, params), params)]


def _companies(conn: Connection, scope: Scope, q: str, limit: int) -> list[dict[str, Any]]:
    cond, params = company_condition(scope, "c.id")
    params.update(q=q, limit=limit)
    sql = ("SELECT c.id, c.name, c.business_id FROM companies c "
           f"WHERE {cond} AND (LOWER(c.name) LIKE :q ESCAPE '!' OR LOWER(c.business_id) LIKE :q ESCAPE '!') "
           "ORDER BY c.name LIMIT :limit")
    return [{"kind": "company", "id": r.id, "company_id": r.id, "code": r.business_id, "name": r.name,
             "company_name": r.name} for r in conn.execute(bound(sql, params), params)]


def _by_ref(conn: Connection, scope: Scope, q: str, limit: int, kind: str, table: str,
            day: str) -> list[dict[str, Any]]:
    cond, params = company_condition(scope, "x.company_id")
    params.update(q=q, limit=limit)
    sql = (f"SELECT x.id, x.ref, x.{day} AS day, c.id AS company_id, c.name AS company_name FROM {table} x "
           f"JOIN companies c ON c.id = x.company_id WHERE {cond} AND LOWER(x.ref) LIKE :q ESCAPE '!' "
           f"ORDER BY x.ref LIMIT :limit")
    return [{"kind": kind, "id": r.id, "company_id": r.company_id, "code": r.ref, "name": None, "day": r.day,
             "company_name": r.company_name} for r in conn.execute(bound(sql, params), params)]


def search(conn: Connection, scope: Scope, text: str | None, limit: int = LIMIT) -> list[dict[str, Any]]:
    """Records in the caller's scope matching ``text``: participants, then companies, sessions and
    adaptations, at most ``limit`` of each. Each row has ``kind``, ``id`` (the record to open),
    ``company_id``, ``code`` (participant code, Y-tunnus or ref), ``name`` and ``company_name``.

    Raises AccessDenied for a role without search and IdentityCodeFound for a text holding a
    henkilötunnus; a text shorter than MIN_LENGTH finds nothing."""
    if not may_search(scope):
        raise AccessDenied(scope.role)
    refuse_hetu(text)
    cleaned = (text or "").strip()
    if len(cleaned) < MIN_LENGTH:
        return []
    q = _pattern(cleaned)
    return (_participants(conn, scope, q, limit) + _companies(conn, scope, q, limit)
            + _by_ref(conn, scope, q, limit, "session", "sessions", "held_on")
            + _by_ref(conn, scope, q, limit, "adaptation", "adaptations", "proposed_on"))
