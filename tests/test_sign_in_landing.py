"""Signing in lands on the role's start page in one redirect (issue 16): a ``next`` of "/" (or
empty, or the hidden start page) becomes the start page of the account that signed in, with the
query string kept; a ``next`` to a real page is kept (deep links); an unsafe one is still refused.
The HTTP routes are called as ASGI without a server (tests/test_auth.py's ``call``)."""
from __future__ import annotations

import pyotp
import pytest

from pilot import auth, db, navigation
from pilot.records import sign_in, users
from tests.test_auth import call

PASSWORD = "correct horse battery"
SAME = {"origin": "http://app.example"}
ACCOUNTS = {"celia": "coach", "sami": "services", "emil": "employer", "root": "admin"}
HASH = auth.hash_password(PASSWORD)  # argon2 is slow on purpose: one hash serves every account


@pytest.fixture
def served(engine):
    with db.transaction(engine) as conn:
        for name, role in ACCOUNTS.items():
            users.create_user(conn, name, role, password_hash=HASH)
        auth.enrol_totp(conn, users.get_by_username(conn, "root")["id"], auth.DEMO_TOTP_SECRET)
    db.dispose_shared()
    yield engine
    db.dispose_shared()


def sign_in_as(username: str, next_path: str | None = "/", lang: str = "en") -> tuple[int, dict]:
    form = {"username": username, "password": PASSWORD, "ui_lang": lang}
    if next_path is not None:
        form["next"] = next_path
    status, headers, _ = call("POST", "/account/login", form, SAME)
    return status, headers


def challenge_cookie(headers: dict) -> str:
    value = next(c for c in headers["set-cookie"] if c.startswith(auth.CHALLENGE_COOKIE))
    return value.split(";")[0]


def send_code(cookie: str, code: str, lang: str = "en") -> tuple[int, dict, str]:
    return call("POST", "/account/totp", {"code": code, "ui_lang": lang}, {"cookie": cookie, **SAME})


@pytest.mark.parametrize("role, path", [
    ("services", "/dashboard"), ("coach", "/my-week"), ("admin", "/companies"), ("employer", "/employer"),
])
def test_start_path_of_each_role(role, path) -> None:
    assert navigation.start_path(role) == path


def test_a_role_without_pages_starts_at_the_root() -> None:
    assert navigation.start_path("nobody") == "/"


@pytest.mark.parametrize("username, next_path, lang, location", [
    ("sami", "/", "en", "/dashboard?lang=en"),
    ("sami", None, "sv", "/dashboard?lang=sv"),
    ("sami", "", "fi", "/dashboard?lang=fi"),
    ("celia", "/", "fi", "/my-week?lang=fi"),
    ("emil", "/", "sv", "/employer?lang=sv"),
    ("sami", "/start", "en", "/dashboard?lang=en"),
    ("sami", "/?lang=sv", "en", "/dashboard?lang=sv"),
    ("sami", "/?year=2025&lang=sv", "en", "/dashboard?year=2025&lang=sv"),
    # a deep link goes where it pointed
    ("celia", "/participant?participant=3", "en", "/participant?participant=3&lang=en"),
    ("sami", "/what-works?lang=sv", "en", "/what-works?lang=sv"),
    # no open redirect: another site's address lands on the start page
    ("sami", "https://evil.example/", "en", "/dashboard?lang=en"),
    ("celia", "//evil.example/x", "en", "/my-week?lang=en"),
])
def test_password_sign_in_lands_on_the_start_page(served, username, next_path, lang, location) -> None:
    status, headers = sign_in_as(username, next_path, lang)
    assert status == 303
    assert headers["location"] == [location]
    assert any(c.startswith(auth.COOKIE_NAME + "=") for c in headers["set-cookie"])


def test_the_result_of_a_sign_in_holds_the_role_and_the_landing(served) -> None:
    result = db.run_in_transaction(served, lambda c: auth.login(c, "sami", PASSWORD, next_path="/"))
    assert result.ok and result.role == "services" and result.next_path == "/dashboard"


def test_totp_sign_in_lands_on_the_start_page(served) -> None:
    status, headers = sign_in_as("root", "/", "sv")
    assert status == 303 and headers["location"][0].startswith("/account/totp")
    code = pyotp.TOTP(auth.DEMO_TOTP_SECRET).now()
    status, headers, _ = send_code(challenge_cookie(headers), code, "sv")
    assert status == 303
    assert headers["location"] == ["/companies?lang=sv"]


def test_totp_sign_in_keeps_a_deep_link(served) -> None:
    _, headers = sign_in_as("root", "/admin-users?lang=en", "en")
    code = pyotp.TOTP(auth.DEMO_TOTP_SECRET).now()
    status, headers, _ = send_code(challenge_cookie(headers), code)
    assert status == 303 and headers["location"] == ["/admin-users?lang=en"]


def test_recovery_codes_continue_to_the_start_page(served) -> None:
    """A role that must enrol sees its recovery codes once; their continue link is the start page."""
    with db.transaction(served) as conn:
        sign_in.set_totp_roles(conn, {"admin", "services"})
    _, headers = sign_in_as("sami", "/", "en")
    cookie = challenge_cookie(headers)
    with served.connect() as conn:
        secret = sign_in.totp(conn, users.get_by_username(conn, "sami")["id"])["secret"]
    status, headers, body = send_code(cookie, pyotp.TOTP(secret).now())
    assert status == 200 and 'id="recovery-codes"' in body
    assert 'href="/dashboard?lang=en"' in body


@pytest.mark.parametrize("query, location", [
    ("lang=sv", "/my-week?lang=sv"),
    ("lang=en&next=/", "/my-week?lang=en"),
    ("lang=en&next=/search", "/search?lang=en"),
])
def test_a_signed_in_visit_of_the_form_goes_to_the_start_page(served, query, location) -> None:
    _, headers = sign_in_as("celia", "/", "en")
    token = next(c for c in headers["set-cookie"] if c.startswith(auth.COOKIE_NAME + "=")).split(";")[0]
    status, headers, _ = call("GET", f"/account/login?{query}", headers={"cookie": token})
    assert status == 303 and headers["location"] == [location]


def test_the_served_app_does_not_collect_garbage_after_every_script_run() -> None:
    """Streamlit's default ``runner.postScriptGC`` runs gc.collect(2) after each script run while
    holding the GIL (0.1-0.9 s per run at city size on a busy machine): the start page's last
    messages waited for it. The app's own config, as Streamlit reads it from the app folder,
    turns it off."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    read = ("from streamlit import config; config.get_config_options(force_reparse=True); "
            "print(config.get_option('runner.postScriptGC'))")
    out = subprocess.run([sys.executable, "-c", read], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
