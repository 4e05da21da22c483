"""Signing in: argon2 password hashes, lockout after repeated wrong passwords, login sessions.

A login session is a random token kept in the browser's HttpOnly cookie; the database keeps only
its SHA-256 (pilot/records/login_sessions.py). Pages validate the token on every run, so a logout,
a disabled account or an idle timeout takes effect at once. Nothing here imports streamlit: the
HTTP routes (pilot/web.py), the CLI and the pages all use these functions.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from pilot import db
from pilot.access import Scope
from pilot.config import settings
from pilot.records import audit, login_sessions, users

COOKIE_NAME = "pilot_session"
MIN_PASSWORD_LENGTH = 10
# Writing last_seen_at on every page run would turn each click into a write; once a minute keeps
# the idle timeout accurate to the minute.
TOUCH_EVERY = timedelta(seconds=60)

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash with its parameters and salt (the only form a password is stored in)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        _safe_verify(_DUMMY_HASH, password)
        return False
    return _safe_verify(password_hash, password)


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """SHA-256 of a session token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoginResult:
    """``token`` is set on success; otherwise ``reason`` is one of invalid / locked."""

    token: str | None
    reason: str | None = None
    user_id: int | None = None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.token is not None


def login(conn: Connection, username: str, password: str, now: datetime | None = None) -> LoginResult:
    """Check a password and open a login session.

    Unknown user, disabled account and wrong password give the same answer ("invalid"), so the
    form does not reveal which accounts exist. ``lockout_attempts`` wrong passwords in a row lock
    the account for ``lockout_minutes``; while locked even the right password is refused.
    """
    cfg = settings()
    now = now or db.utcnow()
    username = (username or "").strip()
    account = users.credentials(conn, username) if username else None
    if account is None or account["disabled"]:
        verify_password(None, password)
        audit.record(conn, "unknown user", "denied", "login", None, reason="invalid")  # never the typed text
        return LoginResult(None, "invalid")
    if account["locked_until"] is not None and account["locked_until"] > now:
        audit.record(conn, username, "denied", "login", account["id"], reason="locked")
        return LoginResult(None, "locked", account["id"], account["locked_until"])
    if not verify_password(account["password_hash"], password):
        failed = int(account["failed_logins"] or 0) + 1
        # An expired lock starts a new count.
        if account["locked_until"] is not None and account["locked_until"] <= now:
            failed = 1
        locked_until = now + timedelta(minutes=cfg.lockout_minutes) if failed >= cfg.lockout_attempts else None
        users.record_failed_login(conn, account["id"], failed, locked_until)
        audit.record(conn, username, "denied", "login", account["id"],
                     reason="locked" if locked_until else "invalid")
        if locked_until:
            return LoginResult(None, "locked", account["id"], locked_until)
        return LoginResult(None, "invalid", account["id"])
    if _hasher.check_needs_rehash(account["password_hash"]):
        users.set_password_hash(conn, account["id"], hash_password(password))
    users.reset_failed_logins(conn, account["id"])
    token = open_session(conn, account["id"], now)
    audit.record(conn, username, "login", "user", account["id"])
    return LoginResult(token, None, account["id"])


def open_session(conn: Connection, user_id: int, now: datetime | None = None) -> str:
    """Start a login session for an account already identified; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    login_sessions.create(conn, token_hash(token), user_id, now or db.utcnow())
    return token


def session_user(conn: Connection, token: str | None, now: datetime | None = None) -> dict[str, Any] | None:
    """The account behind a session token, or None when the session is unknown, revoked, idle for
    longer than ``session_idle_hours``, or its account is disabled. Read-only: see ``touch``."""
    if not token:
        return None
    now = now or db.utcnow()
    row = login_sessions.get(conn, token_hash(token))
    if row is None or row["revoked_at"] is not None:
        return None
    if now - row["last_seen_at"] > timedelta(hours=settings().session_idle_hours):
        return None
    user = users.get_by_id(conn, row["user_id"])
    if user is None or user["disabled"]:
        return None
    user["last_seen_at"] = row["last_seen_at"]
    return user


def needs_touch(user: dict[str, Any], now: datetime | None = None) -> bool:
    return (now or db.utcnow()) - user["last_seen_at"] >= TOUCH_EVERY


def touch(conn: Connection, token: str, now: datetime | None = None) -> None:
    """Mark the session as used now (the idle timeout counts from here)."""
    login_sessions.touch(conn, token_hash(token), now or db.utcnow())


def logout(conn: Connection, token: str | None, now: datetime | None = None) -> bool:
    """Revoke a session (audited). True when an open session was ended."""
    if not token:
        return False
    now = now or db.utcnow()
    hashed = token_hash(token)
    row = login_sessions.get(conn, hashed)
    if row is None or not login_sessions.revoke(conn, hashed, now):
        return False
    user = users.get_by_id(conn, row["user_id"])
    audit.record(conn, user["username"] if user else "-", "logout", "user", row["user_id"])
    return True


def scope_for_token(conn: Connection, token: str | None) -> Scope | None:
    """The caller's scope from a session token, computed from the database each time (so a role
    change, a new company binding or a caseload reassignment holds at once)."""
    user = session_user(conn, token)
    return users.scope_for(conn, user) if user else None


def check_password_rules(password: str) -> str | None:
    """An i18n key when the password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "auth.password_too_short"
    return None


def set_password(conn: Connection, username: str, password: str, actor: Scope | str = "system") -> None:
    """Store a new password hash; the account's open sessions end (audited without the hash)."""
    account = users.credentials(conn, username)
    if account is None:
        raise LookupError(username)
    users.set_password_hash(conn, account["id"], hash_password(password))
    login_sessions.revoke_all_for_user(conn, account["id"], db.utcnow())
    audit.record(conn, actor, "update", "user", account["id"], after={"password": "changed"})


def set_demo_passwords(engine: Engine, password: str | None = None) -> int:
    """Give the demo accounts that have no password the demo password (pilot/demo.py)."""
    from pilot import demo
    password = password or demo.DEMO_PASSWORD
    hashed = hash_password(password)  # one hash for all: argon2 is slow on purpose
    done = 0
    with db.transaction(engine) as conn:
        for spec in demo.DEMO_USERS:
            account = users.credentials(conn, spec["username"])
            if account is not None and not account["password_hash"]:
                users.set_password_hash(conn, account["id"], hashed)
                done += 1
    return done


def same_origin(headers: dict[str, str] | Any, scheme: str = "http") -> bool:
    """A state-changing POST must come from our own pages: its Origin (or, without one, its
    Referer) must name the host the request was sent to. A missing pair is refused too."""
    host = headers.get("host")
    source = headers.get("origin") or headers.get("referer")
    if not host or not source or source == "null":
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site (never //evil.example or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
