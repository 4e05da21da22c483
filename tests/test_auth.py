"""Signing in: password hashes, lockout, login sessions (idle timeout, logout), the HTTP routes."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from pilot import auth, db, web
from pilot.records import login_sessions, users

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(engine):
    """Three accounts: an active coach with a password, a disabled one, one without a password."""
    with db.transaction(engine) as conn:
        users.create_user(conn, "anna", "coach", password_hash=auth.hash_password(PASSWORD))
        users.create_user(conn, "gone", "coach", password_hash=auth.hash_password(PASSWORD))
        gone = users.get_by_username(conn, "gone")
        users.update_account(conn, "test", gone["id"], gone["version"], {"disabled": True})
        users.create_user(conn, "nopass", "employer")
    return engine


def do_login(engine, username: str, password: str, now=None) -> auth.LoginResult:
    return db.run_in_transaction(engine, lambda c: auth.login(c, username, password, now))


@pytest.mark.parametrize("password, other, expected", [
    ("secret-password-1", "secret-password-1", True),
    ("secret-password-1", "secret-password-2", False),
    ("secret-password-1", "", False),
    ("åäö-ünïcode-passwörd", "åäö-ünïcode-passwörd", True),
])
def test_hash_and_verify(password: str, other: str, expected: bool) -> None:
    hashed = auth.hash_password(password)
    assert hashed.startswith("$argon2id$") and password not in hashed
    assert auth.verify_password(hashed, other) is expected


@pytest.mark.parametrize("stored", [None, "", "not-a-hash"])
def test_verify_refuses_missing_or_broken_hash(stored) -> None:
    assert auth.verify_password(stored, "anything") is False


@pytest.mark.parametrize("username, password, ok, reason", [
    ("anna", PASSWORD, True, None),
    ("anna", "wrong password", False, "invalid"),
    ("  anna ", PASSWORD, True, None),
    ("nobody", PASSWORD, False, "invalid"),
    ("gone", PASSWORD, False, "invalid"),        # disabled: same answer as a wrong password
    ("nopass", "", False, "invalid"),
    ("", "", False, "invalid"),
])
def test_login_outcomes(accounts, username: str, password: str, ok: bool, reason) -> None:
    result = do_login(accounts, username, password)
    assert result.ok is ok and result.reason == reason
    with accounts.connect() as conn:
        action = conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")).scalar_one()
    assert action == ("login" if ok else "denied")


def test_only_the_token_hash_is_stored(accounts) -> None:
    result = do_login(accounts, "anna", PASSWORD)
    with accounts.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM login_sessions")).scalars().all()
    assert stored == [auth.token_hash(result.token)] and result.token not in stored
    assert len(stored[0]) == 64


# The delay after repeated failures (per username and client) is in tests/test_sign_in_security.py.


@pytest.mark.parametrize("idle_hours_setting, idle_for, valid", [
    (None, timedelta(hours=7, minutes=59), True),
    (None, timedelta(hours=8, minutes=1), False),
    ("1", timedelta(minutes=59), True),
    ("1", timedelta(minutes=61), False),
])
def test_idle_sessions_expire(accounts, monkeypatch, idle_hours_setting, idle_for, valid) -> None:
    if idle_hours_setting:
        monkeypatch.setenv("PILOT_SESSION_IDLE_HOURS", idle_hours_setting)
    start = db.utcnow()
    token = do_login(accounts, "anna", PASSWORD, start).token
    with accounts.connect() as conn:
        assert (auth.session_user(conn, token, start + idle_for) is not None) is valid


def test_use_keeps_a_session_alive(accounts) -> None:
    start = db.utcnow()
    token = do_login(accounts, "anna", PASSWORD, start).token
    db.run_in_transaction(accounts, lambda c: auth.touch(c, token, start + timedelta(hours=7)))
    with accounts.connect() as conn:
        assert auth.session_user(conn, token, start + timedelta(hours=14)) is not None


@pytest.mark.parametrize("after", ["logout", "disable", "role_change", "password_change", "nothing"])
def test_session_ends(accounts, after: str) -> None:
    token = do_login(accounts, "anna", PASSWORD).token

    def act(conn):
        uid = users.get_by_username(conn, "anna")["id"]
        if after == "logout":
            assert auth.logout(conn, token)
        elif after == "disable":
            users.update_account(conn, "admin", uid, users.get_by_id(conn, uid)["version"], {"disabled": True})
        elif after == "role_change":
            users.update_account(conn, "admin", uid, users.get_by_id(conn, uid)["version"], {"role": "services"})
        elif after == "password_change":
            auth.set_password(conn, "anna", "a brand new password")
    db.run_in_transaction(accounts, act)
    with accounts.connect() as conn:
        assert (auth.session_user(conn, token) is None) is (after != "nothing")


@pytest.mark.parametrize("token", [None, "", "made-up-token"])
def test_unknown_tokens_give_nothing(accounts, token) -> None:
    with accounts.connect() as conn:
        assert auth.session_user(conn, token) is None
        assert auth.scope_for_token(conn, token) is None


@pytest.mark.parametrize("headers, same", [
    ({"host": "app.example:8501", "origin": "http://app.example:8501"}, True),
    ({"host": "app.example", "origin": "https://app.example"}, True),
    ({"host": "app.example", "referer": "https://app.example/account/login?lang=sv"}, True),
    ({"host": "app.example", "origin": "https://evil.example"}, False),
    ({"host": "app.example", "origin": "https://app.example.evil.example"}, False),
    ({"host": "app.example", "referer": "https://evil.example/app.example"}, False),
    ({"host": "app.example", "origin": "null"}, False),
    ({"host": "app.example"}, False),
    ({"origin": "https://app.example"}, False),
])
def test_same_origin(headers, same: bool) -> None:
    assert auth.same_origin(headers) is same


@pytest.mark.parametrize("target, expected", [
    ("/participants?lang=sv", "/participants?lang=sv"),
    ("/", "/"),
    (None, "/"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("participants", "/"),
])
def test_safe_next(target, expected) -> None:
    assert auth.safe_next(target) == expected


def test_demo_passwords(engine) -> None:
    from pilot import demo
    demo.load(engine)
    assert auth.set_demo_passwords(engine) == len(demo.DEMO_USERS)
    assert auth.set_demo_passwords(engine) == 0  # only accounts without a password
    for spec in demo.DEMO_USERS:
        result = do_login(engine, spec["username"], demo.DEMO_PASSWORD)
        # the demo admin's role needs a second factor: the password leads to the code step
        assert result.ok if spec["role"] != "admin" else result.reason == "second_factor"


# --- the HTTP routes, called as ASGI without a server ------------------------------------------

def call(method: str, path: str, form: dict | None = None, headers: dict | None = None) -> tuple[int, dict, str]:
    from starlette.applications import Starlette
    app = Starlette(routes=web.routes())
    body = urlencode(form or {}).encode()
    path, _, query = path.partition("?")
    raw = [(b"host", b"app.example")] + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if form is not None:
        raw.append((b"content-type", b"application/x-www-form-urlencoded"))
    scope = {"type": "http", "method": method, "path": path, "query_string": query.encode(), "headers": raw,
             "scheme": "http", "server": ("app.example", 80), "client": ("127.0.0.1", 1), "root_path": "",
             "http_version": "1.1"}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    out_headers: dict[str, list[str]] = {}
    for k, v in start["headers"]:
        out_headers.setdefault(k.decode().lower(), []).append(v.decode())
    text = b"".join(m.get("body", b"") for m in sent[1:]).decode()
    return start["status"], out_headers, text


@pytest.fixture
def served(accounts):
    db.dispose_shared()
    yield accounts
    db.dispose_shared()


SAME = {"origin": "http://app.example"}


@pytest.mark.parametrize("lang, text", [("fi", "Kirjaudu"), ("sv", "Logga in"), ("en", "Sign in")])
def test_login_page_in_each_language(served, lang, text) -> None:
    status, headers, body = call("GET", f"/account/login?lang={lang}")
    assert status == 200 and text in body and f'lang="{lang}"' in body
    assert headers["cache-control"] == ["no-store"]


@pytest.mark.parametrize("form, headers, status, cookie", [
    ({"username": "anna", "password": PASSWORD, "ui_lang": "sv", "next": "/participants"}, SAME, 303, True),
    ({"username": "anna", "password": "wrong"}, SAME, 401, False),
    ({"username": "anna", "password": PASSWORD}, {"origin": "https://evil.example"}, 403, False),
    ({"username": "anna", "password": PASSWORD}, {}, 403, False),
    ({"username": "anna", "password": PASSWORD, "next": "https://evil.example/"}, SAME, 303, True),
])
def test_login_route(served, form, headers, status, cookie) -> None:
    got, out, body = call("POST", "/account/login", form, headers)
    assert got == status
    cookies = out.get("set-cookie", [])
    assert bool(cookies) is cookie
    if cookie:
        assert "HttpOnly" in cookies[0] and "SameSite=lax" in cookies[0] and "Path=/" in cookies[0]
        location = out["location"][0]
        assert location.startswith("/") and not location.startswith("//")
        assert "lang=" in location


def test_login_route_keeps_language_and_page(served) -> None:
    _, out, _ = call("POST", "/account/login", {"username": "anna", "password": PASSWORD, "ui_lang": "sv",
                                                "next": "/participants"}, SAME)
    assert out["location"] == ["/participants?lang=sv"]


def test_throttled_client_message(served) -> None:
    for _ in range(6):
        status, headers, body = call("POST", "/account/login", {"username": "anna", "password": "nope",
                                                                "ui_lang": "en"}, SAME)
    assert status == 429 and "Too many failed attempts from this device. Wait" in body
    assert 25 <= int(headers["retry-after"][0]) <= 30


def test_logout_route_revokes_and_clears(served) -> None:
    _, out, _ = call("POST", "/account/login", {"username": "anna", "password": PASSWORD}, SAME)
    token = out["set-cookie"][0].split(";")[0].split("=", 1)[1]
    status, _, _ = call("GET", "/account/logout?lang=en", headers={"cookie": f"{auth.COOKIE_NAME}={token}"})
    assert status == 405  # a link or an image on another site cannot sign anyone out
    with served.connect() as conn:
        assert auth.session_user(conn, token) is not None
    status, out, _ = call("POST", "/account/logout?lang=en", {}, {"cookie": f"{auth.COOKIE_NAME}={token}", **SAME})
    assert status == 303 and out["location"] == ["/account/login?lang=en"]
    assert 'Max-Age=0' in out["set-cookie"][0] or "expires=" in out["set-cookie"][0].lower()
    with served.connect() as conn:
        assert auth.session_user(conn, token) is None
        assert login_sessions.open_count(conn, users.get_by_username(conn, "anna")["id"]) == 0


def test_cross_site_logout_post_is_refused(served) -> None:
    _, out, _ = call("POST", "/account/login", {"username": "anna", "password": PASSWORD}, SAME)
    token = out["set-cookie"][0].split(";")[0].split("=", 1)[1]
    status, _, _ = call("POST", "/account/logout", {}, {"cookie": f"{auth.COOKIE_NAME}={token}",
                                                        "origin": "https://evil.example"})
    assert status == 403
    with served.connect() as conn:
        assert auth.session_user(conn, token) is not None
