"""User accounts: roles and the companies each account is bound to."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope
from pilot.db import utcnow
from pilot.domain.identifiers import refuse_hetu
from pilot.records import audit, login_sessions
from pilot.records._versioned import expect_version, update_versioned

_COLUMNS = "id, username, display_name, email, role, whole_pilot, disabled, failed_logins, " \
           "locked_until, version"


def create_user(conn: Connection, username: str, role: str, display_name: str | None = None,
                password_hash: str | None = None, whole_pilot: bool = False,
                email: str | None = None, company_ids: list[int] | None = None) -> int:
    refuse_hetu(username, display_name, email)  # every account is made here: forms, CLI, demo
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


def sees_whole_pilot(user: dict[str, Any]) -> bool:
    """Whether the account sees the whole pilot: services and admin always, a coach when flagged
    (an employer never: the flag means nothing for that role)."""
    return user["role"] in ("services", "admin") or (user["role"] == "coach" and bool(user.get("whole_pilot")))


def scope_for(conn: Connection, user: dict[str, Any]) -> Scope:
    """The caller's scope from the account: whole pilot for services/admin and whole-pilot coaches."""
    role = user["role"]
    if sees_whole_pilot(user):
        return Scope(username=user["username"], role=role, user_id=user["id"])
    ids = frozenset(company_ids(conn, user["id"]))
    # Only the bound companies: a coach's caseload participant in another company is reached through
    # Scope.coach_user_id (records/_scope.participant_condition), never by widening to that company,
    # whose sessions, adaptations and feedback stay out of reach.
    coach = user["id"] if role == "coach" else None
    return Scope(username=user["username"], role=role, user_id=user["id"], company_ids=ids,
                 coach_user_id=coach)


# --- accounts: sign-in bookkeeping (pilot/auth.py) and the admin's user screen -----------------

def credentials(conn: Connection, username: str) -> dict[str, Any] | None:
    """The fields sign-in needs, including the password hash (never shown anywhere)."""
    row = conn.execute(sa.text(
        "SELECT id, username, role, password_hash, disabled, failed_logins, locked_until "
        "FROM users WHERE username = :u"), {"u": username}).first()
    return dict(row._mapping) if row else None


def enabled_password_hashes(conn: Connection) -> list[tuple[str, str]]:
    """(username, password hash) of every enabled account with a password (pilot/golive.py checks
    none of them is the demo password before a production start)."""
    return [(r.username, r.password_hash) for r in conn.execute(sa.text(
        "SELECT username, password_hash FROM users WHERE password_hash IS NOT NULL AND NOT disabled "
        "ORDER BY username"))]


def get_by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    """The account of a single sign-on user (emails compared case-insensitively)."""
    row = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM users WHERE LOWER(email) = :e ORDER BY id"),
                       {"e": email.strip().lower()}).first()
    return dict(row._mapping) if row else None


def set_password_hash(conn: Connection, user_id: int, password_hash: str | None) -> None:
    conn.execute(sa.text("UPDATE users SET password_hash = :h, failed_logins = 0, locked_until = NULL, "
                         "version = version + 1 WHERE id = :i"), {"h": password_hash, "i": user_id})


def last_sign_ins(conn: Connection) -> dict[int, Any]:
    """When each account last signed in (naive UTC): its newest login session, or its newest
    single sign-on login in the audit log; accounts that never signed in are left out."""
    latest: dict[int, Any] = {}
    for r in conn.execute(sa.text("SELECT user_id, MAX(created_at) AS at FROM login_sessions GROUP BY user_id")):
        latest[int(r.user_id)] = r.at
    for r in conn.execute(sa.text(
            "SELECT u.id, MAX(a.occurred_at) AS at FROM audit_log a JOIN users u ON u.username = a.actor "
            "WHERE a.action = 'login' AND a.reason = 'sso' GROUP BY u.id")):
        if r.at is not None and (int(r.id) not in latest or r.at > latest[int(r.id)]):
            latest[int(r.id)] = r.at
    return latest


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every account with the business IDs of the companies it is bound to and when it last
    signed in (``last_sign_in``, naive UTC or None)."""
    rows = [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT {_COLUMNS} FROM users ORDER BY username"))]
    signed_in = last_sign_ins(conn)
    bindings: dict[int, list[str]] = {}
    for r in conn.execute(sa.text("SELECT uc.user_id, c.business_id FROM user_companies uc "
                                  "JOIN companies c ON c.id = uc.company_id ORDER BY c.business_id")):
        bindings.setdefault(int(r.user_id), []).append(r.business_id)
    for row in rows:
        row["companies"] = bindings.get(int(row["id"]), [])
        row["last_sign_in"] = signed_in.get(int(row["id"]))
    return rows


def add_user(conn: Connection, actor: Scope | str, username: str, role: str,
             company_ids: list[int] | None = None, password_hash: str | None = None,
             display_name: str | None = None, email: str | None = None, whole_pilot: bool = False) -> int:
    """Create an account (audited; the password hash never goes into the log)."""
    new_id = create_user(conn, username, role, display_name=display_name, password_hash=password_hash,
                         whole_pilot=whole_pilot, email=email, company_ids=company_ids)
    audit.record(conn, actor, "create", "user", new_id,
                 after={"username": username, "role": role, "companies": sorted(company_ids or []),
                        "whole_pilot": whole_pilot, "email": email})
    return new_id


ACCOUNT_FIELDS = ("role", "whole_pilot", "disabled", "display_name", "email")


def update_account(conn: Connection, actor: Scope | str, user_id: int, version: int,
                   changes: dict[str, Any]) -> int:
    """Change role, whole-pilot access, disabled flag, name or email of the account as seen at
    ``version`` (audited); returns the new version. Someone else's change since: WriteConflict.

    Open sign-ins of the account end when its role changes or it is disabled, so the change holds
    at once instead of at the user's next sign-in.
    """
    before = get_by_id(conn, user_id)
    if before is None:
        raise LookupError(user_id)
    expect_version("users", user_id, before["version"], version)
    values = {k: v for k, v in changes.items() if k in ACCOUNT_FIELDS and before.get(k) != v}
    if not values:
        return version
    refuse_hetu(values)
    new_version = update_versioned(conn, "users", user_id, version, values)  # keys from ACCOUNT_FIELDS only
    old, new = audit.changed(before, values)
    audit.record(conn, actor, "update", "user", user_id, before=old, after=new)
    if "role" in values or values.get("disabled"):
        login_sessions.revoke_all_for_user(conn, user_id, utcnow())
    return new_version


def set_companies(conn: Connection, actor: Scope | str, user_id: int, company_ids_: list[int]) -> None:
    """Bind an account to exactly these companies (audited)."""
    before = company_ids(conn, user_id)
    wanted = sorted(set(company_ids_))
    if before == wanted:
        return
    conn.execute(sa.text("DELETE FROM user_companies WHERE user_id = :u"), {"u": user_id})
    for cid in wanted:
        bind_company(conn, user_id, cid)
    audit.record(conn, actor, "update", "user", user_id, before={"companies": before},
                 after={"companies": wanted})


def caseload(conn: Connection, coach_id: int) -> list[dict[str, Any]]:
    """The participants on a coach's caseload (for the admin's reassignment screen)."""
    rows = conn.execute(sa.text(
        "SELECT p.id, p.code, p.display_name, c.name AS company_name, p.exited_on, p.version "
        "FROM participants p JOIN companies c ON c.id = p.company_id WHERE p.coach_id = :u ORDER BY p.code"),
        {"u": coach_id})
    return [dict(r._mapping) for r in rows]


def reassign_caseload(conn: Connection, actor: Scope, participant_ids: list[int], to_coach_id: int,
                      reason: str) -> int:
    """Move participants to another coach, with a reason (audited per participant).

    Scopes are computed from the database on every page run, so the old coach loses access at once.
    """
    if actor.role != "admin":
        raise AccessDenied(actor.role)
    if not reason or not reason.strip():
        raise ValueError("reason")
    target = get_by_id(conn, to_coach_id)
    if target is None or target["role"] != "coach" or target["disabled"]:
        raise ValueError("coach")
    moved = 0
    for pid in participant_ids:
        row = conn.execute(sa.text("SELECT coach_id FROM participants WHERE id = :p"), {"p": pid}).first()
        if row is None or row.coach_id == to_coach_id:
            continue
        conn.execute(sa.text("UPDATE participants SET coach_id = :c, version = version + 1, "
                             "updated_at = :now WHERE id = :p"), {"c": to_coach_id, "p": pid, "now": utcnow()})
        audit.record(conn, actor, "update", "participant", pid, before={"coach_id": row.coach_id},
                     after={"coach_id": to_coach_id}, reason=reason.strip())
        moved += 1
    return moved
