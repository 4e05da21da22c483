"""HTTP that holds, against the real app (app.py under `streamlit run`): the Host allow-list on
every route, Streamlit's own included; the security headers on every kind of response; logout
only by a same-origin POST; /media/*, /_stcore/metrics and /_stcore/host-config only with a login
session; and the growing delay per username and client address (clients on other loopback
addresses, 127.0.0.2 and up, stand for other machines)."""
from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest

from pilot import auth
from tests.helpers_app import DEMO_PASSWORD, prepare_demo_db, start_app

SECURITY = {"content-security-policy": "frame-ancestors 'none'", "x-content-type-options": "nosniff",
            "referrer-policy": "same-origin"}


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("http_security")
    with start_app(prepare_demo_db(folder / "pilot.duckdb")) as base:
        yield base


class Reply:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.cookies = response.headers.get_all("set-cookie") or []
        self.body = response.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str | None:
        for c in self.cookies:
            if c.startswith(f"{name}="):
                return c.split(";")[0].split("=", 1)[1].strip('"')
        return None


def request(base: str, method: str, path: str, *, host: str | None = None, headers: dict | None = None,
            form: dict | None = None, source: str = "127.0.0.1") -> Reply:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    sent = {"Host": parts.netloc if host is None else host, **(headers or {})}
    body = None
    if form is not None:
        body = urlencode(form)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=sent)
        return Reply(conn.getresponse())
    finally:
        conn.close()


def same_origin(base: str, cookie: str | None = None) -> dict:
    headers = {"Origin": base}
    if cookie:
        headers["Cookie"] = f"{auth.COOKIE_NAME}={cookie}"
    return headers


def sign_in(base: str, username: str = "coach", source: str = "127.0.0.1") -> str:
    reply = request(base, "POST", "/account/login", headers=same_origin(base), source=source,
                    form={"username": username, "password": DEMO_PASSWORD, "ui_lang": "en", "next": "/"})
    assert reply.status == 303, reply.body[:300]
    token = reply.cookie(auth.COOKIE_NAME)
    assert token
    return token


ANY_ROUTE = ["/", "/participants?lang=en", "/_stcore/health", "/_stcore/host-config", "/_stcore/metrics",
             "/media/abc.csv", "/account/login", "/api/health", "/static/favicon.png", "/favicon.png"]


@pytest.mark.parametrize("path", ANY_ROUTE)
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8501", "127.0.0.1.evil.example", ""])
def test_a_host_outside_the_allow_list_gets_400_everywhere(app, path, host) -> None:
    reply = request(app, "GET", path, host=host)
    assert reply.status == 400, (path, host, reply.status)
    assert all(reply.headers.get(k) == v for k, v in SECURITY.items())
    assert "<html" not in reply.body and "Streamlit" not in reply.body


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_the_localhost_names_are_allowed(app, host) -> None:
    port = urlsplit(app).port
    assert request(app, "GET", "/_stcore/health", host=f"{host}:{port}").status == 200
    assert request(app, "GET", "/account/login", host=host).status == 200


def test_a_login_post_with_a_foreign_host_is_refused_before_it_is_read(app) -> None:
    reply = request(app, "POST", "/account/login", host="evil.example", headers={"Origin": "http://evil.example"},
                    form={"username": "coach", "password": DEMO_PASSWORD})
    assert reply.status == 400 and reply.cookie(auth.COOKIE_NAME) is None


def test_security_headers_on_every_kind_of_response(app) -> None:
    token = sign_in(app)
    cookie = same_origin(app, token)
    kinds = {
        "page, signed in": request(app, "GET", "/?lang=en", headers=cookie),
        "page, signed out (redirect)": request(app, "GET", "/participants"),
        "sign-in form": request(app, "GET", "/account/login?lang=fi"),
        "login refused": request(app, "POST", "/account/login", headers=same_origin(app), source="127.0.0.9",
                                 form={"username": "coach", "password": "wrong"}),
        "health": request(app, "GET", "/_stcore/health"),
        "host-config, signed in": request(app, "GET", "/_stcore/host-config", headers=cookie),
        "host-config, refused": request(app, "GET", "/_stcore/host-config"),
        "json route": request(app, "GET", "/api/health"),
        "static asset": request(app, "GET", "/favicon.png"),
        "not found": request(app, "GET", "/_stcore/nothing-here"),
        "method not allowed": request(app, "GET", "/account/logout"),
    }
    statuses = {name: r.status for name, r in kinds.items()}
    assert statuses["page, signed in"] == 200 and statuses["page, signed out (redirect)"] == 303
    assert statuses["static asset"] == 200 and statuses["host-config, refused"] == 401
    for name, reply in kinds.items():
        missing = {k: reply.headers.get(k) for k, v in SECURITY.items() if reply.headers.get(k) != v}
        assert not missing, (name, missing)


def test_a_page_without_a_session_goes_to_the_sign_in_form_and_comes_back(app) -> None:
    reply = request(app, "GET", "/participants?lang=sv")
    assert reply.status == 303
    assert reply.headers["location"] == "/account/login?" + urlencode({"lang": "sv", "next": "/participants?lang=sv"})


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/host-config", "/media/0123456789abcdef.csv"])
def test_session_only_paths(app, path) -> None:
    refused = request(app, "GET", path)
    assert refused.status == 401 and "Kirjaudu ensin" in refused.body
    forged = request(app, "GET", path, headers={"Cookie": f"{auth.COOKIE_NAME}=made-up"})
    assert forged.status == 401
    allowed = request(app, "GET", path, headers=same_origin(app, sign_in(app)))
    # with a session the request reaches Streamlit: metrics and host-config answer, and an
    # unknown media file is Streamlit's own 404 (a real file is fetched in the browser test)
    assert allowed.status == (404 if path.startswith("/media/") else 200)


def test_logout_only_by_a_same_origin_post(app) -> None:
    token = sign_in(app)
    cookie = {"Cookie": f"{auth.COOKIE_NAME}={token}"}
    assert request(app, "GET", "/account/logout?lang=en", headers=cookie).status == 405
    cross = request(app, "POST", "/account/logout", headers={**cookie, "Origin": "https://evil.example"},
                    form={"ui_lang": "en"})
    assert cross.status == 403
    no_origin = request(app, "POST", "/account/logout", headers=cookie, form={"ui_lang": "en"})
    assert no_origin.status == 403
    assert request(app, "GET", "/_stcore/host-config", headers=cookie).status == 200  # still signed in
    done = request(app, "POST", "/account/logout", headers=same_origin(app, token), form={"ui_lang": "en"})
    assert done.status == 303 and done.headers["location"] == "/account/login?lang=en"
    assert request(app, "GET", "/_stcore/host-config", headers=cookie).status == 401


def _challenge_code(app: str, source: str, username: str = "admin") -> tuple[str, Reply]:
    reply = request(app, "POST", "/account/login", headers=same_origin(app), source=source,
                    form={"username": username, "password": DEMO_PASSWORD, "ui_lang": "en", "next": "/admin-users"})
    return reply.cookie(auth.CHALLENGE_COOKIE) or "", reply


def test_a_strangers_guesses_delay_only_the_stranger(app) -> None:
    stranger, owner, other = "127.0.0.2", "127.0.0.3", "127.0.0.4"
    form = {"username": "admin", "password": "guess", "ui_lang": "en"}
    answers = [request(app, "POST", "/account/login", headers=same_origin(app), form=form, source=stranger)
               for _ in range(5)]
    assert [a.status for a in answers] == [401] * 5
    # the sixth try from the stranger, even with the right password, must wait (and is told how long)
    right = request(app, "POST", "/account/login", headers=same_origin(app), source=stranger,
                    form={**form, "password": DEMO_PASSWORD})
    # 30 seconds from the fifth failure, counted down while the machine is busy
    assert right.status == 429 and 25 <= int(right.headers["retry-after"]) <= 30
    assert f"Too many failed attempts from this device. Wait {right.headers['retry-after']} seconds" in right.body
    assert right.cookie(auth.CHALLENGE_COOKIE) is None and right.cookie(auth.COOKIE_NAME) is None
    # the owner, on another machine, gets to the second factor at once and signs in
    challenge, reply = _challenge_code(app, owner)
    assert reply.status == 303 and reply.headers["location"] == "/account/totp?lang=en" and challenge
    page = request(app, "GET", "/account/totp?lang=en", source=owner,
                   headers={"Cookie": f"{auth.CHALLENGE_COOKIE}={challenge}"})
    assert page.status == 200 and 'id="code"' in page.body
    done = request(app, "POST", "/account/totp", source=owner,
                   headers={"Origin": app, "Cookie": f"{auth.CHALLENGE_COOKIE}={challenge}"},
                   form={"code": pyotp.TOTP(auth.DEMO_TOTP_SECRET).now(), "ui_lang": "en"})
    assert done.status == 303 and done.headers["location"] == "/admin-users?lang=en"
    assert done.cookie(auth.COOKIE_NAME)
    # an unknown username answers exactly like a known one, and is delayed the same way
    ghost = {**form, "username": "no-such-user"}
    ghost_answers = [request(app, "POST", "/account/login", headers=same_origin(app), form=ghost, source=other)
                     for _ in range(6)]
    assert [a.status for a in ghost_answers] == [401] * 5 + [429]
    message = re.compile(r'<p class="error" role="alert">(.*?)</p>')
    assert message.findall(ghost_answers[0].body) == message.findall(answers[0].body)
    seconds = re.compile(r"\d+")  # both wait the same delay, counted from their own last failure
    assert [seconds.sub("N", m) for m in message.findall(ghost_answers[5].body)] == \
        [seconds.sub("N", m) for m in message.findall(right.body)]


def test_a_challenge_cookie_from_another_machine_is_worthless(app) -> None:
    challenge, _ = _challenge_code(app, "127.0.0.5")
    stolen = request(app, "POST", "/account/totp", source="127.0.0.6",
                     headers={"Origin": app, "Cookie": f"{auth.CHALLENGE_COOKIE}={challenge}"},
                     form={"code": pyotp.TOTP(auth.DEMO_TOTP_SECRET).now(), "ui_lang": "en"})
    assert stolen.status == 401 and stolen.cookie(auth.COOKIE_NAME) is None
    assert "Sign in again" in stolen.body


def test_a_websocket_with_a_foreign_host_is_closed(app) -> None:
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    assert request(app, "GET", "/_stcore/stream", host="evil.example", headers=upgrade).status == 403
    assert request(app, "GET", "/_stcore/stream", headers=upgrade).status == 101
