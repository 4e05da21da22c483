"""Sign-in bookkeeping beside the users table (migration 008): failed attempts per username and
client address, the second factor (TOTP secret, recovery codes, which roles need it) and the
short-lived challenge between a correct password and the second factor. pilot/auth.py holds the
rules; this module only reads and writes the rows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# --- failed attempts per (username, client) ------------------------------------------------------


def throttle_row(conn: Connection, username: str, client: str) -> dict[str, Any] | None:
    row = conn.execute(sa.text("SELECT failures, last_failure_at FROM login_throttle "
                               "WHERE username = :u AND client = :c"), {"u": username, "c": client}).first()
    return dict(row._mapping) if row else None


def set_throttle(conn: Connection, username: str, client: str, failures: int, at: datetime) -> None:
    conn.execute(sa.text(
        "INSERT INTO login_throttle (username, client, failures, last_failure_at) VALUES (:u, :c, :f, :at) "
        "ON CONFLICT (username, client) DO UPDATE SET failures = EXCLUDED.failures, "
        "last_failure_at = EXCLUDED.last_failure_at"), {"u": username, "c": client, "f": failures, "at": at})


def clear_throttle(conn: Connection, username: str, client: str) -> None:
    conn.execute(sa.text("DELETE FROM login_throttle WHERE username = :u AND client = :c"),
                 {"u": username, "c": client})


def forget_old_throttles(conn: Connection, before: datetime) -> None:
    """Rows of pairs that stopped failing long ago (guessed usernames would otherwise pile up)."""
    conn.execute(sa.text("DELETE FROM login_throttle WHERE last_failure_at < :b"), {"b": before})


# --- which roles need a second factor -------------------------------------------------------------


def totp_roles(conn: Connection) -> set[str]:
    return {r.role for r in conn.execute(sa.text("SELECT role FROM totp_roles WHERE required = TRUE"))}


def set_totp_roles(conn: Connection, roles: set[str]) -> None:
    conn.execute(sa.text("DELETE FROM totp_roles"))
    for role in sorted(roles):
        conn.execute(sa.text("INSERT INTO totp_roles (role, required) VALUES (:r, TRUE)"), {"r": role})


# --- the TOTP secret of an account ------------------------------------------------------------------


def totp(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(sa.text("SELECT user_id, secret, created_at, confirmed_at, last_step FROM user_totp "
                               "WHERE user_id = :u"), {"u": user_id}).first()
    return dict(row._mapping) if row else None


def confirmed_totp_users(conn: Connection) -> set[int]:
    return {int(r.user_id) for r in conn.execute(sa.text(
        "SELECT user_id FROM user_totp WHERE confirmed_at IS NOT NULL"))}


def start_totp(conn: Connection, user_id: int, secret: str, now: datetime) -> None:
    """A new, unconfirmed secret (replaces any earlier one)."""
    delete_totp(conn, user_id)
    conn.execute(sa.text("INSERT INTO user_totp (user_id, secret, created_at) VALUES (:u, :s, :now)"),
                 {"u": user_id, "s": secret, "now": now})


def confirm_totp(conn: Connection, user_id: int, step: int, now: datetime) -> None:
    conn.execute(sa.text("UPDATE user_totp SET confirmed_at = :now, last_step = :step WHERE user_id = :u"),
                 {"u": user_id, "step": step, "now": now})


def use_totp_step(conn: Connection, user_id: int, step: int) -> bool:
    """Record an accepted code's step; False when that step (or a later one) was already used.
    The condition sits in the UPDATE, so two simultaneous uses of one code cannot both pass."""
    done = conn.execute(sa.text("UPDATE user_totp SET last_step = :step WHERE user_id = :u "
                                "AND (last_step IS NULL OR last_step < :step)"), {"u": user_id, "step": step})
    return done.rowcount == 1


def delete_totp(conn: Connection, user_id: int) -> int:
    """Forget the secret and the recovery codes of an account; the number of secrets removed."""
    conn.execute(sa.text("DELETE FROM totp_recovery_codes WHERE user_id = :u"), {"u": user_id})
    return conn.execute(sa.text("DELETE FROM user_totp WHERE user_id = :u"), {"u": user_id}).rowcount


# --- recovery codes ---------------------------------------------------------------------------------


def replace_recovery_codes(conn: Connection, user_id: int, code_hashes: list[str], now: datetime) -> None:
    conn.execute(sa.text("DELETE FROM totp_recovery_codes WHERE user_id = :u"), {"u": user_id})
    for code_hash in code_hashes:
        conn.execute(sa.text("INSERT INTO totp_recovery_codes (code_hash, user_id, created_at) "
                             "VALUES (:h, :u, :now)"), {"h": code_hash, "u": user_id, "now": now})


def use_recovery_code(conn: Connection, user_id: int, code_hash: str, now: datetime) -> bool:
    """Spend one unused code of this account; False when there is none with this hash."""
    done = conn.execute(sa.text("UPDATE totp_recovery_codes SET used_at = :now WHERE code_hash = :h "
                                "AND user_id = :u AND used_at IS NULL"),
                        {"h": code_hash, "u": user_id, "now": now})
    return done.rowcount == 1


def unused_recovery_codes(conn: Connection, user_id: int) -> int:
    return int(conn.execute(sa.text("SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = :u "
                                    "AND used_at IS NULL"), {"u": user_id}).scalar_one())


# --- the challenge between password and second factor ---------------------------------------------


def create_challenge(conn: Connection, token_hash: str, user_id: int, purpose: str, next_path: str,
                     client: str, now: datetime) -> None:
    conn.execute(sa.text("DELETE FROM login_challenges WHERE user_id = :u AND client = :c"),
                 {"u": user_id, "c": client})
    conn.execute(sa.text(
        "INSERT INTO login_challenges (token_hash, user_id, purpose, next_path, client, created_at, failures) "
        "VALUES (:h, :u, :p, :n, :c, :now, 0)"),
        {"h": token_hash, "u": user_id, "p": purpose, "n": next_path[:512], "c": client, "now": now})


def challenge(conn: Connection, token_hash: str) -> dict[str, Any] | None:
    row = conn.execute(sa.text("SELECT token_hash, user_id, purpose, next_path, client, created_at, failures "
                               "FROM login_challenges WHERE token_hash = :h"), {"h": token_hash}).first()
    return dict(row._mapping) if row else None


def count_challenge_failure(conn: Connection, token_hash: str) -> None:
    conn.execute(sa.text("UPDATE login_challenges SET failures = failures + 1 WHERE token_hash = :h"),
                 {"h": token_hash})


def drop_challenge(conn: Connection, token_hash: str) -> None:
    conn.execute(sa.text("DELETE FROM login_challenges WHERE token_hash = :h"), {"h": token_hash})


def drop_old_challenges(conn: Connection, before: datetime) -> None:
    conn.execute(sa.text("DELETE FROM login_challenges WHERE created_at < :b"), {"b": before})
