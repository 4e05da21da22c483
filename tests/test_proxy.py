"""Behind a real reverse proxy (issue 18, part 3): Debian's nginx runs the repository's
deploy/nginx/pilot.conf (TLS with a certificate made here, the WebSocket upgrade of
/_stcore/stream, sticky sessions on the session cookie) in front of two app replicas on one
PostgreSQL. A record saved on one replica is read through the proxy; the first admin, made with
the going-live commands (`pilot user add --role admin --password-stdin`), signs in through the
proxy and enrols the second factor; the sign-in cookie is Secure there (X-Forwarded-Proto from
the trusted proxy) and not on the replica's plain HTTP; a Host outside PILOT_ALLOWED_HOSTS is
refused through the proxy too. Needs nginx, openssl, Chromium and PILOT_REPLICAS_PG or
PILOT_TEST_PG; skipped without them, except in CI (CI=true), where it must run."""
from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pilot import auth
from tests.helpers_app import PYTHON, ROOT, free_port, launch_chromium, login, start_app
from tests.test_replicas import PASSWORD, shared_pg  # noqa: F401 (a fixture)
from tests.test_browser_work import wait_for_app

NGINX = os.environ.get("PILOT_NGINX", "/usr/sbin/nginx")
CONF = ROOT / "deploy" / "nginx" / "pilot.conf"
ADMIN, ADMIN_PASSWORD = "it-admin", "first-admin-password-1"


def require_nginx() -> None:
    missing = [name for name, ok in (("nginx", os.access(NGINX, os.X_OK)), ("openssl", shutil.which("openssl")))
               if not ok]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the proxy test must run in CI: {', '.join(missing)} missing (.ci/run installs them)")
        pytest.skip(f"{', '.join(missing)} not installed")


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "localhost.pem", folder / "localhost.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def site_config(replicas: list[str], https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx/pilot.conf with this machine's names, ports and certificate; every replacement
    must hit, so the test runs the repository's file and not a copy of its own."""
    text = CONF.read_text(encoding="utf-8")
    replacements = [
        ("/etc/ssl/certs/pilot.example.fi.pem", str(cert)), ("/etc/ssl/private/pilot.example.fi.key", str(key)),
        ("pilot.example.fi", "localhost"),
        ("127.0.0.1:8501", replicas[0].removeprefix("http://")), ("127.0.0.1:8502", replicas[1].removeprefix("http://")),
        ("listen [::]:443 ssl;", ""), ("listen [::]:80;", ""),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"), ("listen 80;", f"listen 127.0.0.1:{http_port};"),
    ]
    for old, new in replacements:
        assert old in text, f"{CONF} no longer has {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture
def proxy(shared_pg, tmp_path: Path) -> Iterator[dict]:  # noqa: F811
    require_nginx()
    # The first admin, as README's "Going live" makes it: the password from stdin, never an argument.
    env = {**os.environ, "PILOT_DB": shared_pg["url"], "PILOT_LANG": "en"}
    made = subprocess.run([PYTHON, "-m", "pilot", "user", "add", ADMIN, "--role", "admin", "--password-stdin"],
                          cwd=ROOT, env=env, input=ADMIN_PASSWORD + "\n", capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    cert, key = self_signed(tmp_path)
    https_port, http_port = free_port(), free_port()
    # The replicas run as deploy/systemd/pilot@.service runs them: demo mode off, the Host allow-list.
    app_env = {"PILOT_ALLOWED_HOSTS": "localhost,127.0.0.1", "PILOT_DEMO_MODE": "0"}
    with start_app(shared_pg["url"], extra_env=app_env, log_path=tmp_path / "a.log") as first, \
            start_app(shared_pg["url"], extra_env=app_env, log_path=tmp_path / "b.log") as second:
        (tmp_path / "pilot.conf").write_text(site_config([first, second], https_port, http_port, cert, key))
        (tmp_path / "nginx.conf").write_text(f"""
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log info;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {tmp_path}/nginx-access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/pilot.conf;
}}
""")
        checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                    break
                except OSError:
                    assert nginx.poll() is None and time.time() < deadline, \
                        (tmp_path / "nginx-error.log").read_text()
                    time.sleep(0.2)
            yield {"https": f"https://localhost:{https_port}", "http": f"http://localhost:{http_port}",
                   "first": first, "second": second, "folder": tmp_path, "https_port": https_port}
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


def fetch(url: str, host: str | None = None) -> tuple[int, dict]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_two_replicas_behind_nginx_with_tls(proxy, shared_pg) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    # Plain HTTP is sent to HTTPS; a Host the app does not serve is refused through the proxy too.
    status, headers = fetch(proxy["http"] + "/account/login")
    assert status == 301 and headers["Location"].startswith("https://localhost")
    assert fetch(proxy["https"] + "/api/health")[0] == 200
    assert fetch(proxy["https"] + "/account/login", host="evil.example")[0] == 400

    with sync_playwright() as p:
        browser = launch_chromium(p)
        # A coach saves a session on the first replica, over its own plain HTTP.
        direct = browser.new_context(viewport={"width": 1280, "height": 900})
        page = direct.new_page()
        login(page, proxy["first"], "coach-rep", PASSWORD, lang="en", next_path="/log-session?lang=en")
        page.goto(proxy["first"] + "/log-session?lang=en")
        wait_for_app(page)
        page.get_by_text("Coaching hours at this company in all: 0").wait_for(timeout=15000)
        page.get_by_role("button", name="Save the session").click()
        wait_for_app(page)
        page.get_by_text("2 booked").first.wait_for(timeout=15000)
        cookie = next(c for c in direct.cookies() if c["name"] == auth.COOKIE_NAME)
        assert cookie["secure"] is False, "plain HTTP: the cookie cannot be Secure"

        # Through nginx over TLS: the same coach reads that session (the page's WebSocket runs
        # through the proxy's upgrade); the cookie is Secure and HttpOnly.
        tls = browser.new_context(viewport={"width": 1280, "height": 900}, ignore_https_errors=True)
        page = tls.new_page()
        login(page, proxy["https"], "coach-rep", PASSWORD, lang="en", next_path="/log-session?lang=en")
        page.goto(proxy["https"] + "/log-session?lang=en")
        wait_for_app(page)
        page.get_by_text("Coaching hours at this company in all: 1").wait_for(timeout=15000)
        cookie = next(c for c in tls.cookies() if c["name"] == auth.COOKIE_NAME)
        assert cookie["secure"] is True and cookie["httpOnly"] is True

        # The first admin signs in through the proxy and enrols the second factor.
        import pyotp
        admin = browser.new_context(viewport={"width": 1280, "height": 900}, ignore_https_errors=True).new_page()
        admin.goto(proxy["https"] + "/account/login?lang=en")
        admin.fill("#username", ADMIN)
        admin.fill("#password", ADMIN_PASSWORD)
        admin.click("button[type=submit]")
        admin.wait_for_selector("#totp-secret", timeout=30000)
        secret = admin.inner_text("#totp-secret").strip()
        admin.fill("#code", pyotp.TOTP(secret).now())
        admin.click("button[type=submit]")
        admin.wait_for_selector("#recovery-codes", timeout=30000)
        admin.click("text=Continue to the app")
        wait_for_app(admin)
        admin.wait_for_selector("[data-testid=stSidebar]", timeout=30000)
        assert admin.url.startswith(proxy["https"])
        browser.close()

    # nginx passed the WebSockets on (101 Switching Protocols in its access log).
    access = (proxy["folder"] / "nginx-access.log").read_text()
    assert '"GET /_stcore/stream HTTP/1.1" 101' in access
