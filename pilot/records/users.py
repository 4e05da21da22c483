"""User accounts: roles and the companies each account is bound to."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope

_COLUMNS = "id, username, display_name, email, role, whole_pilot, disabled, failed_logins, " \
           "locked_until, version"


def create_user(conn: Connection, username: str, role: str, display_name: str | None = None,
                password_hash: str | None = None, whole_pilot: bool = False,
                email: str | None = None, company_ids: list[int] | None = None) -> int:
    new_id = conn.execute(sa.text(
        "INSERT INTO users (username, display_name, email, role, password_hash, whole_pilot) "
        "VALUES (:u, :d, :e, :r, :h, :w) RETURNING id"),
        {"u": username, "d": display_name, "e": email, "r": role, "h": password_hash,
         "w": whole_pilot}).scalar_one()
    for cid in company_ids or []:
        bind_company(conn, int(new_id), cid)
    return int(new_id)


def bind_company(conn: Connection, user_id: int, company_id: int) -> None:
    exists = conn.execute(sa.text("SELECT COUNT(*) FROM user_companies WHERE user_id = :u AND company_id = :c"),
                          {"u": user_id, "c": company_id}).scalar_one()
    if not exists:
        conn.execute(sa.text("INSERT INTO user_companies (user_id, company_id) VALUES (:u, :c)"),
                     {"u": user_id, "c": company_id})


def get_by_username(conn: Connection, username: str) -> dict[str, Any] | None:
    row = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM users WHERE username = :u"), {"u": username}).first()
    return dict(row._mapping) if row else None


def get_by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM users WHERE id = :i"), {"i": user_id}).first()
    return dict(row._mapping) if row else None


def company_ids(conn: Connection, user_id: int) -> list[int]:
    rows = conn.execute(sa.text("SELECT company_id FROM user_companies WHERE user_id = :u ORDER BY company_id"),
                        {"u": user_id})
    return [int(r.company_id) for r in rows]


def coaches(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(sa.text(
        "SELECT id, username, display_name FROM users WHERE role = 'coach' AND disabled = FALSE "
        "ORDER BY username"))
    return [dict(r._mapping) for r in rows]


def ids_by_username(conn: Connection) -> dict[str, int]:
    return {r.username: int(r.id) for r in conn.execute(sa.text("SELECT id, username FROM users"))}


def scope_for(conn: Connection, user: dict[str, Any]) -> Scope:
    """The caller's scope from the account: whole pilot for services/admin and whole-pilot coaches."""
    role = user["role"]
    if role in ("services", "admin") or (role == "coach" and user.get("whole_pilot")):
        return Scope(username=user["username"], role=role, user_id=user["id"])
    ids = frozenset(company_ids(conn, user["id"]))
    coach = user["id"] if role == "coach" else None
    if coach is not None:
        # A coach also reaches the companies of the participants on their caseload.
        rows = conn.execute(sa.text("SELECT DISTINCT company_id FROM participants WHERE coach_id = :u"),
                            {"u": coach})
        ids = ids | {int(r.company_id) for r in rows}
    return Scope(username=user["username"], role=role, user_id=user["id"], company_ids=ids,
                 coach_user_id=coach)
