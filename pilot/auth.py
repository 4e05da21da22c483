"""Signing in: argon2 password hashes, a growing delay per username and client address after
repeated failures, a second factor (TOTP, RFC 6238, with single-use recovery codes), login sessions.

A login session is a random token kept in the browser's HttpOnly cookie; the database keeps only
its SHA-256 (pilot/records/login_sessions.py). Pages validate the token on every run, so a logout,
a disabled account or an idle timeout takes effect at once. Nothing here imports streamlit: the
HTTP routes (pilot/web.py), the CLI and the pages all use these functions.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from pilot import db, navigation
from pilot.access import Scope
from pilot.config import settings
from pilot.domain.codes import ROLES
from pilot.records import audit, login_sessions, sign_in, users

COOKIE_NAME = "pilot_session"
CHALLENGE_COOKIE = "pilot_challenge"
TOTP_ISSUER = "Kielituki pilot"
# The demo admin's TOTP secret (pilot/demo.py data, README): only `python -m pilot init --demo` uses it.
DEMO_TOTP_SECRET = "KIELITUKIDEMOADMIN234567ABCDEFGH"
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
    """``token`` is set when a login session was opened; then ``role`` is the account's role and
    ``next_path`` where the browser goes (the role's start page for "/": ``after_sign_in``).
    Otherwise ``reason`` says why not:

    - ``invalid``: wrong username or password (or code): the same for every account, known or not;
    - ``throttled``: this client failed too often for this username; ``retry_at`` says when it
      may try again (other clients are not affected);
    - ``second_factor``: the password was right and a code is needed; ``challenge`` is the token
      for the challenge cookie and ``purpose`` is ``verify`` or ``enrol``;
    - ``expired``: the second-factor challenge is unknown, too old or used up: sign in again.
    """

    token: str | None
    reason: str | None = None
    user_id: int | None = None
    retry_at: datetime | None = None
    challenge: str | None = None
    purpose: str | None = None
    recovery_codes: tuple[str, ...] = ()
    next_path: str = "/"
    role: str | None = None

    @property
    def ok(self) -> bool:
        return self.token is not None

    def retry_seconds(self, now: datetime | None = None) -> int:
        if self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - (now or db.utcnow())).total_seconds()))


UNKNOWN_ACTOR = "unknown user"  # the audit actor of a failed attempt: never the typed text
CHALLENGE_MINUTES = 5
CHALLENGE_TRIES = 5
RECOVERY_CODES = 10
TOTP_STEP = 30
# Pairs that stopped failing a day ago start again from zero (and their rows are removed).
THROTTLE_MEMORY = timedelta(days=1)


def throttle_delay(failures: int) -> timedelta:
    """How long a client must wait after ``failures`` failed attempts for one username.

    The first ``lockout_attempts`` mistakes cost nothing; then the wait doubles from
    ``throttle_seconds`` with every further failure, up to ``lockout_minutes``.
    """
    cfg = settings()
    if failures < cfg.lockout_attempts:
        return timedelta(0)
    seconds = cfg.throttle_seconds * 2 ** min(failures - cfg.lockout_attempts, 30)
    return timedelta(seconds=min(seconds, cfg.lockout_minutes * 60))


def _throttle_key(username: str) -> str:
    """The typed username as a SHA-256 digest: whatever was typed (an identity code, say) is never
    stored, while the same name still meets the same counter."""
    return hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()


def throttled_until(conn: Connection, username: str, client: str, now: datetime) -> datetime | None:
    """When this client may try this username again, or None when it may try now."""
    row = sign_in.throttle_row(conn, _throttle_key(username), client[:64])
    if row is None or now - row["last_failure_at"] > THROTTLE_MEMORY:
        return None
    until = row["last_failure_at"] + throttle_delay(int(row["failures"]))
    return until if until > now else None


def _count_failure(conn: Connection, username: str, client: str, now: datetime) -> None:
    key, client = _throttle_key(username), client[:64]
    row = sign_in.throttle_row(conn, key, client)
    failures = 1 if row is None or now - row["last_failure_at"] > THROTTLE_MEMORY else int(row["failures"]) + 1
    sign_in.set_throttle(conn, key, client, failures, now)
    sign_in.forget_old_throttles(conn, now - THROTTLE_MEMORY)


def login(conn: Connection, username: str, password: str, now: datetime | None = None,
          client: str = "-", next_path: str = "/") -> LoginResult:
    """Check a password; open a login session, or a second-factor challenge when one is needed.

    Failures are counted per typed username *and* client address (``client``): after
    ``lockout_attempts`` of them that client waits a growing delay before it may try that
    username again, while the account's owner on any other client still signs in. An unknown
    username, a disabled account and a wrong password do the same work (one argon2 verification,
    against a dummy hash when there is no account) and get the same answer, ``invalid``.
    """
    now = now or db.utcnow()
    username = (username or "").strip()[:64]
    client = (client or "-")[:64]
    wait = throttled_until(conn, username, client, now)
    account = users.credentials(conn, username) if username else None
    usable = account is not None and not account["disabled"] and bool(account["password_hash"])
    actor = account["username"] if usable else UNKNOWN_ACTOR
    if wait is not None:
        audit.record(conn, actor, "denied", "login", account["id"] if usable else None, reason="throttled")
        return LoginResult(None, "throttled", retry_at=wait)
    if not verify_password(account["password_hash"] if usable else None, password) or not usable:
        _count_failure(conn, username, client, now)
        audit.record(conn, actor, "denied", "login", account["id"] if usable else None, reason="invalid")
        return LoginResult(None, "invalid")
    if _hasher.check_needs_rehash(account["password_hash"]):
        users.set_password_hash(conn, account["id"], hash_password(password))
    purpose = second_factor_needed(conn, account)
    if purpose:
        token = secrets.token_urlsafe(32)
        sign_in.drop_old_challenges(conn, now - timedelta(minutes=CHALLENGE_MINUTES))
        sign_in.create_challenge(conn, token_hash(token), account["id"], purpose, safe_next(next_path), client, now)
        if purpose == "enrol":
            sign_in.start_totp(conn, account["id"], pyotp.random_base32(), now)
        return LoginResult(None, "second_factor", account["id"], challenge=token, purpose=purpose,
                           next_path=safe_next(next_path))
    return _signed_in(conn, account, client, now, next_path)


def _signed_in(conn: Connection, account: dict[str, Any], client: str, now: datetime, next_path: str,
               reason: str | None = None, recovery_codes: tuple[str, ...] = ()) -> LoginResult:
    sign_in.clear_throttle(conn, _throttle_key(account["username"]), client)
    token = open_session(conn, account["id"], now)
    audit.record(conn, account["username"], "login", "user", account["id"], reason=reason)
    return LoginResult(token, None, account["id"], recovery_codes=recovery_codes,
                       next_path=after_sign_in(next_path, account["role"]), role=account["role"])


# --- the second factor: TOTP (RFC 6238) with single-use recovery codes ---------------------------

def totp_required_roles(conn: Connection) -> set[str]:
    return sign_in.totp_roles(conn)


def second_factor_needed(conn: Connection, account: dict[str, Any]) -> str | None:
    """``verify`` when the account has a confirmed TOTP secret, ``enrol`` when its role requires
    one and it has none yet, else None."""
    row = sign_in.totp(conn, account["id"])
    if row is not None and row["confirmed_at"] is not None:
        return "verify"
    if account["role"] in sign_in.totp_roles(conn):
        return "enrol"
    return None


def _step(now: datetime) -> int:
    return int(now.replace(tzinfo=timezone.utc).timestamp()) // TOTP_STEP


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose code this is (the one before and after count too, for clock drift)."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    otp = pyotp.TOTP(secret)
    for step in (_step(now) - 1, _step(now), _step(now) + 1):
        if hmac.compare_digest(otp.at(step * TOTP_STEP), code):
            return step
    return None


def _recovery_hash(code: str) -> str | None:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != 16:
        return None
    return hashlib.sha256(cleaned.encode("ascii", "replace")).hexdigest()


def _new_recovery_codes(conn: Connection, user_id: int, now: datetime) -> tuple[str, ...]:
    codes = tuple(base64.b32encode(secrets.token_bytes(10)).decode("ascii") for _ in range(RECOVERY_CODES))
    sign_in.replace_recovery_codes(conn, user_id, [_recovery_hash(c) or "" for c in codes], now)
    return tuple("-".join(c[i:i + 4] for i in range(0, 16, 4)) for c in codes)


def challenge_info(conn: Connection, challenge: str | None, client: str = "-",
                   now: datetime | None = None) -> dict[str, Any] | None:
    """The pending challenge behind a challenge cookie (purpose, username, next path and, while
    enrolling, the new secret and its otpauth URI), or None when it is unknown or expired."""
    if not challenge:
        return None
    now = now or db.utcnow()
    row = sign_in.challenge(conn, token_hash(challenge))
    if row is None or row["client"] != client[:64] or now - row["created_at"] > timedelta(minutes=CHALLENGE_MINUTES):
        return None
    account = users.get_by_id(conn, row["user_id"])
    if account is None or account["disabled"]:
        return None
    info = {"purpose": row["purpose"], "username": account["username"], "next_path": row["next_path"]}
    if row["purpose"] == "enrol":
        secret_row = sign_in.totp(conn, account["id"])
        if secret_row is None or secret_row["confirmed_at"] is not None:
            return None
        info["secret"] = secret_row["secret"]
        info["uri"] = pyotp.TOTP(secret_row["secret"]).provisioning_uri(name=account["username"],
                                                                        issuer_name=TOTP_ISSUER)
    return info


def second_factor(conn: Connection, challenge: str | None, code: str, now: datetime | None = None,
                  client: str = "-") -> LoginResult:
    """Finish a sign-in with a TOTP code (or, when verifying, a recovery code).

    A code is good once (its step is recorded); a recovery code is spent. Wrong codes count as
    failed attempts of the same username and client as wrong passwords, and after
    ``CHALLENGE_TRIES`` of them the challenge is gone: sign in again with the password.
    While enrolling, the first right code confirms the new secret and ten recovery codes are made
    (returned once, kept only as hashes).
    """
    now = now or db.utcnow()
    client = (client or "-")[:64]
    info = challenge_info(conn, challenge, client, now)
    if info is None:
        return LoginResult(None, "expired")
    hashed = token_hash(challenge or "")
    row = sign_in.challenge(conn, hashed)
    account = users.credentials(conn, info["username"])
    wait = throttled_until(conn, account["username"], client, now)
    if wait is not None:
        audit.record(conn, account["username"], "denied", "login", account["id"], reason="throttled")
        return LoginResult(None, "throttled", account["id"], retry_at=wait)
    secret = sign_in.totp(conn, account["id"])
    step = _matching_step(secret["secret"], code or "", now) if secret else None
    reason, codes = None, ()
    if info["purpose"] == "enrol":
        if step is not None:
            sign_in.confirm_totp(conn, account["id"], step, now)
            codes = _new_recovery_codes(conn, account["id"], now)
            audit.record(conn, account["username"], "create", "totp", account["id"])
            reason = "totp_enrolled"
    elif step is not None and sign_in.use_totp_step(conn, account["id"], step):
        reason = "totp"
    elif step is None and (rhash := _recovery_hash(code or "")) and sign_in.use_recovery_code(
            conn, account["id"], rhash, now):
        reason = "recovery_code"
    if reason is None:
        _count_failure(conn, account["username"], client, now)
        sign_in.count_challenge_failure(conn, hashed)
        audit.record(conn, account["username"], "denied", "login", account["id"], reason="second_factor")
        if int(row["failures"]) + 1 >= CHALLENGE_TRIES:
            sign_in.drop_challenge(conn, hashed)
            return LoginResult(None, "expired", account["id"])
        return LoginResult(None, "invalid", account["id"], challenge=challenge, purpose=info["purpose"])
    sign_in.drop_challenge(conn, hashed)
    return _signed_in(conn, account, client, now, info["next_path"], reason, codes)


def reset_totp(conn: Connection, actor: Scope | str, user_id: int) -> bool:
    """Forget an account's second factor (a lost phone): its sessions end, and it enrols again at
    the next sign-in when its role requires a second factor. Audited; True when there was one."""
    removed = sign_in.delete_totp(conn, user_id) > 0
    login_sessions.revoke_all_for_user(conn, user_id, db.utcnow())
    audit.record(conn, actor, "delete", "totp", user_id)
    return removed


def set_totp_roles(conn: Connection, actor: Scope | str, roles: set[str] | list[str]) -> None:
    """Which roles must sign in with a second factor (audited)."""
    wanted = set(roles) & set(ROLES)
    before = sign_in.totp_roles(conn)
    if wanted == before:
        return
    sign_in.set_totp_roles(conn, wanted)
    audit.record(conn, actor, "update", "totp_roles", None, before={"roles": sorted(before)},
                 after={"roles": sorted(wanted)})


def totp_enrolled(conn: Connection) -> set[int]:
    """The ids of accounts with a confirmed second factor (for the admin's user list)."""
    return sign_in.confirmed_totp_users(conn)


def enrol_totp(conn: Connection, user_id: int, secret: str, now: datetime | None = None) -> None:
    """Give an account a confirmed TOTP secret directly (the demo admin's known secret)."""
    now = now or db.utcnow()
    sign_in.start_totp(conn, user_id, secret, now)
    sign_in.confirm_totp(conn, user_id, _step(now) - 2, now)


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


def sso_account(conn: Connection, email: str) -> dict[str, Any] | None:
    """The enabled account a single sign-on email belongs to, or None."""
    user = users.get_by_email(conn, email) if email else None
    return user if user is not None and not user["disabled"] else None


def scope_for_token(conn: Connection, token: str | None) -> Scope | None:
    """The caller's scope from a session token, computed from the database each time (so a role
    change, a new company binding or a caseload reassignment holds at once)."""
    user = session_user(conn, token)
    return users.scope_for(conn, user) if user else None


def check_password_rules(password: str) -> str | None:
    """An i18n key when the password is too weak, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "auth.password_too_short"
    from pilot import demo
    if password == demo.DEMO_PASSWORD:  # public in the README: never a real account's password
        return "golive.password_is_demo"
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
                # Admin accounts need a second factor: the demo admin gets the known secret of the
                # README, so `make run` and the tests can sign in as admin.
                if account["role"] in sign_in.totp_roles(conn) and sign_in.totp(conn, account["id"]) is None:
                    enrol_totp(conn, account["id"], DEMO_TOTP_SECRET)
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


def after_sign_in(target: str | None, role: str | None) -> str:
    """Where a browser goes once signed in: a safe ``target`` (a deep link), except that the app's
    root becomes the role's start page at once (one redirect, not "/" and then a switch)."""
    return navigation.landing(safe_next(target), role)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site (never //evil.example or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
