"""Companies: the pilot workplaces, identified by their Y-tunnus."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_company, require_editor
from pilot.domain import dates
from pilot.records import audit
from pilot.records._scope import bound, company_condition, like_pattern
from pilot.records._versioned import update_versioned

FIELDS = ("business_id", "name", "industry", "size_class", "joined_on", "left_on", "contact_name",
          "contact_email")
_COLUMNS = "c.id, c.business_id, c.name, c.industry, c.size_class, c.joined_on, c.left_on, " \
           "c.contact_name, c.contact_email, c.version"


def list_companies(conn: Connection, scope: Scope, search: str | None = None,
                   as_of: date | None = None) -> list[dict[str, Any]]:
    """Companies in the scope with their active and total participants, searched by name or ID."""
    cond, params = company_condition(scope, "c.id")
    params["as_of"] = as_of or dates.today()  # the pilot's day (Helsinki), not the server's UTC date
    where = [cond]
    if search:
        where.append("(LOWER(c.name) LIKE :q OR c.business_id LIKE :q)")
        params["q"] = f"%{search.strip().lower()}%"
    sql = (f"SELECT {_COLUMNS}, "
           "COUNT(p.id) AS participants, "
           "SUM(CASE WHEN p.id IS NOT NULL AND p.enrolled_on <= :as_of "
           "    AND (p.exited_on IS NULL OR p.exited_on > :as_of) THEN 1 ELSE 0 END) AS active "
           "FROM companies c LEFT JOIN participants p ON p.company_id = c.id "
           f"WHERE {' AND '.join(where)} "
           f"GROUP BY {_COLUMNS} ORDER BY c.name")
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]


def get_company(conn: Connection, scope: Scope, company_id: int) -> dict[str, Any] | None:
    cond, params = company_condition(scope, "c.id")
    params["id"] = company_id
    row = conn.execute(bound(f"SELECT {_COLUMNS} FROM companies c WHERE c.id = :id AND {cond}", params),
                       params).first()
    return dict(row._mapping) if row else None


def find_by_business_id(conn: Connection, scope: Scope, business_id: str) -> dict[str, Any] | None:
    cond, params = company_condition(scope, "c.id")
    params["bid"] = business_id
    row = conn.execute(bound(f"SELECT {_COLUMNS} FROM companies c WHERE c.business_id = :bid AND {cond}",
                             params), params).first()
    return dict(row._mapping) if row else None


def business_id_exists(conn: Connection, business_id: str) -> bool:
    """Whether any company has the ID (used to open it instead of failing on a duplicate)."""
    return conn.execute(sa.text("SELECT COUNT(*) FROM companies WHERE business_id = :b"),
                        {"b": business_id}).scalar_one() > 0


def create_company(conn: Connection, actor: Scope, values: dict[str, Any]) -> int:
    """Insert a validated company; the caller checked the values with domain.validation."""
    require_editor(actor)
    row = {f: values.get(f) for f in FIELDS}
    new_id = conn.execute(sa.text(
        "INSERT INTO companies (business_id, name, industry, size_class, joined_on, left_on, "
        "contact_name, contact_email) VALUES (:business_id, :name, :industry, :size_class, "
        ":joined_on, :left_on, :contact_name, :contact_email) RETURNING id"), row).scalar_one()
    audit.record(conn, actor, "create", "company", new_id, after=row)
    return int(new_id)


def update_company(conn: Connection, actor: Scope, company_id: int, version: int,
                   values: dict[str, Any]) -> int:
    """Change a company's fields (not its Y-tunnus: other records point at it)."""
    require_editor(actor)
    require_company(actor, company_id)
    before = get_company(conn, actor, company_id)
    if before is None:
        raise LookupError(company_id)
    changes = {f: values[f] for f in FIELDS if f in values and f != "business_id"}
    new_version = update_versioned(conn, "companies", company_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "company", company_id, before=old, after=new)
    return new_version


def _matching(scope: Scope, search: str | None) -> tuple[str, dict[str, Any]]:
    """The scope's companies whose name or Y-tunnus holds ``search``."""
    cond, params = company_condition(scope, "id")
    if search and search.strip():
        cond += " AND (LOWER(name) LIKE :q ESCAPE '!' OR LOWER(business_id) LIKE :q ESCAPE '!')"
        params["q"] = like_pattern(search)
    return cond, params


def count_choices(conn: Connection, scope: Scope, search: str | None = None) -> int:
    """How many companies a picker of the scope holds (matching ``search``), without reading them."""
    cond, params = _matching(scope, search)
    return int(conn.execute(bound(f"SELECT COUNT(*) FROM companies WHERE {cond}", params), params).scalar_one())


def company_choices(conn: Connection, scope: Scope, search: str | None = None,
                    chosen: int | Sequence[int] | None = None, limit: int | None = None) -> list[tuple[int, str]]:
    """(id, 'name (Y-tunnus)') for pickers, in the scope, by name: with ``limit``, at most that
    many matching ``search`` (name or Y-tunnus), with the ``chosen`` one (or ones, of a
    multiselect) first when in the scope but not among them (the picker still shows them chosen)."""
    cond, params = _matching(scope, search)
    sql = f"SELECT id, name, business_id FROM companies WHERE {cond} ORDER BY name, id"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    rows = [(int(r.id), f"{r.name} ({r.business_id})") for r in conn.execute(bound(sql, params), params)]
    wanted = [chosen] if isinstance(chosen, int) else list(chosen or ())
    listed = {cid for cid, _ in rows}
    missing = list(dict.fromkeys(int(i) for i in wanted if int(i) not in listed))
    if missing:
        cond, params = company_condition(scope, "id")
        params["chosen_ids"] = missing
        kept = {int(r.id): f"{r.name} ({r.business_id})" for r in conn.execute(bound(
            f"SELECT id, name, business_id FROM companies WHERE id IN :chosen_ids AND {cond}", params), params)}
        rows[:0] = [(cid, kept[cid]) for cid in missing if cid in kept]  # in the order chosen
    return rows
