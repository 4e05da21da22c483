"""Reusable helpers for tests that drive the app signed in (AppTest and a real browser).

- ``prepare_demo_db(path)``: a DuckDB file with the demo data and demo passwords (``python -m pilot init --demo``).
- ``start_app(db_path)``: runs ``streamlit run app.py`` on a free port; yields the base URL.
- ``login(page, base_url, username, password)``: signs a Playwright page in through the real form.
- ``app_as(username, db_path)``: an AppTest of streamlit_app.py signed in as that account, through a
  real login session (see pilot/ui/session.py for why AppTest passes the token in session_state).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
DEMO_PASSWORD = "demo-password"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]


def prepare_demo_db(path: Path) -> Path:
    """Create the demo database (all five demo accounts can sign in with DEMO_PASSWORD)."""
    env = {**os.environ, "PILOT_DB": str(path)}
    subprocess.run([PYTHON, "-m", "pilot", "init", "--demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def start_app(db_path: Path | str, extra_env: dict[str, str] | None = None, timeout: float = 60,
              log_path: Path | None = None) -> Iterator[str]:
    """Run the app (app.py: Streamlit plus the /account routes) on ``db_path`` (a DuckDB file or a
    postgresql:// URL); yield its base URL. The server's output goes to ``log_path``.

    The port is free when picked, not when Streamlit binds it: another xdist worker's server may
    take it in between. Then this server exits ("Port ... is not available") while the other one
    answers the health check, so the URL is handed back only once this process has said it serves
    that port, and a taken port is tried again with another one."""
    env = {**os.environ, "PILOT_DB": str(db_path), "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    log_file = Path(log_path or Path(db_path).with_suffix(".app.log"))
    deadline = time.time() + timeout
    for _attempt in range(5):
        port = free_port()
        log = open(log_file, "w")
        proc = subprocess.Popen(
            [PYTHON, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            if _serves(proc, base, log_file, deadline):
                yield base
                return
        finally:
            _stop(proc)
            log.close()
    raise RuntimeError(f"the app did not start on a free port: see {log_file}")


def _serves(proc: subprocess.Popen, base: str, log_file: Path, deadline: float) -> bool:
    """True once ``proc`` itself serves ``base`` (it printed the URL and the health check answers);
    False when it exited first (its port was taken)."""
    while True:
        if proc.poll() is not None:
            if "is not available" in log_file.read_text(errors="replace"):  # Streamlit's words
                return False
            raise RuntimeError(f"the app did not start: see {log_file}")
        if base in log_file.read_text(errors="replace"):
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200 and proc.poll() is None:
                        return True
            except OSError:
                pass
        if time.time() > deadline:
            raise RuntimeError(f"the app did not start: see {log_file}")
        time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def launch_chromium(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)


# The last TOTP step each (app, account) used: the server takes a code once, so a second sign-in
# within the same 30 seconds uses the next step's code (accepted for clock drift) or waits.
_USED_STEPS: dict[tuple[str, str], int] = {}


def totp_code(base_url: str, username: str, secret: str | None = None) -> str:
    """A TOTP code for ``username`` on the app at ``base_url`` that the server has not seen yet
    (the demo admin's secret by default, pilot.auth.DEMO_TOTP_SECRET)."""
    import pyotp

    from pilot import auth
    otp = pyotp.TOTP(secret or auth.DEMO_TOTP_SECRET)
    key = (base_url, username)
    while True:
        now = int(time.time()) // 30
        for step in (now, now + 1):
            if step > _USED_STEPS.get(key, -1):
                _USED_STEPS[key] = step
                return otp.at(step * 30)
        time.sleep(1)


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD, lang: str = "en",
          next_path: str = "/", totp_secret: str | None = None) -> None:
    """Sign in through the real HTML form of /account/login (and, for an account with a second
    factor such as the demo admin, the code form of /account/totp); wait for the app to render."""
    from urllib.parse import urlencode
    page.goto(f"{base_url}/account/login?{urlencode({'lang': lang, 'next': next_path})}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=stSidebar], #code", timeout=30000)
    if page.locator("#code").count():
        page.fill("#code", totp_code(base_url, username, totp_secret))
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=stSidebar]", timeout=30000)


def app_as(username: str, db_path: Path | str, timeout: float = 30):  # type: ignore[no-untyped-def]
    """An AppTest of streamlit_app.py signed in as ``username`` (a real login session row).

    Sets PILOT_DB for the process, clears Streamlit's resource cache (the engine is cached per
    URL), opens a login session directly in the database, and hands its token to the app the way
    the AppTest hook in pilot/ui/session.py reads it. Call ``.run()`` on the result.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from pilot import auth, db
    from pilot.records import users
    os.environ["PILOT_DB"] = str(db_path)
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = db.shared_engine(str(db_path))
    with db.transaction(engine) as conn:
        token = auth.open_session(conn, users.get_by_username(conn, username)["id"])
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
    at.session_state["_apptest_login_token"] = token
    return at


def each_section(at, key: str = "view", sections=None):  # type: ignore[no-untyped-def]
    """Open every section of a page that draws one section at a time (the dashboard's segmented
    control, pilot.ui.outcomes.section_picker; ``sections``: another page's list, such as
    EMPLOYER_SECTIONS); yield the AppTest after each section's run."""
    from pilot.ui.outcomes import DASHBOARD_SECTIONS
    for option, _ in sections or DASHBOARD_SECTIONS:
        at.segmented_control(key=key).set_value(option).run()
        assert not at.exception, at.exception
        yield at
