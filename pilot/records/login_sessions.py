"""Server-side login sessions: one row per signed-in browser, keyed by a SHA-256 of its token.

The random token itself lives only in the browser's HttpOnly cookie; a copy of this table
(a backup, a leaked export) cannot be used to sign in.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def create(conn: Connection, token_hash: str, user_id: int, now: datetime) -> None:
    conn.execute(sa.text(
        "INSERT INTO login_sessions (token_hash, user_id, created_at, last_seen_at) "
        "VALUES (:h, :u, :now, :now)"), {"h": token_hash, "u": user_id, "now": now})


def get(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    row = conn.execute(sa.text(
        "SELECT token_hash, user_id, created_at, last_seen_at, revoked_at FROM login_sessions "
        "WHERE token_hash = :h"), {"h": token_hash}).first()
    return dict(row._mapping) if row else None


def touch(conn: Connection, token_hash: str, now: datetime) -> None:
    conn.execute(sa.text("UPDATE login_sessions SET last_seen_at = :now "
                         "WHERE token_hash = :h AND revoked_at IS NULL"), {"h": token_hash, "now": now})


def revoke(conn: Connection, token_hash: str, now: datetime) -> bool:
    """End one session; True when it was still open."""
    open_ = conn.execute(sa.text("SELECT COUNT(*) FROM login_sessions WHERE token_hash = :h "
                                 "AND revoked_at IS NULL"), {"h": token_hash}).scalar_one()
    if open_:
        conn.execute(sa.text("UPDATE login_sessions SET revoked_at = :now WHERE token_hash = :h"),
                     {"h": token_hash, "now": now})
    return bool(open_)


def revoke_all_for_user(conn: Connection, user_id: int, now: datetime) -> int:
    """End every open session of an account (disabled, role changed, password set)."""
    count = conn.execute(sa.text("SELECT COUNT(*) FROM login_sessions WHERE user_id = :u "
                                 "AND revoked_at IS NULL"), {"u": user_id}).scalar_one()
    if count:
        conn.execute(sa.text("UPDATE login_sessions SET revoked_at = :now "
                             "WHERE user_id = :u AND revoked_at IS NULL"), {"u": user_id, "now": now})
    return int(count)


def open_count(conn: Connection, user_id: int) -> int:
    return int(conn.execute(sa.text("SELECT COUNT(*) FROM login_sessions WHERE user_id = :u "
                                    "AND revoked_at IS NULL"), {"u": user_id}).scalar_one())
