"""The bench's browser phase: what a person waits for in a real Chromium, not only the page script.

The app runs as its own process (``streamlit run app.py``, as in production) against the bench
database on a free port, and Debian's Chromium drives it through Playwright:

- ``cold_start_s``: from starting the app process to the first page served (HTTP 200 on "/") and
  its sign-in form visible in the browser;
- sign-in to the start page (bench-services, whose start page is the services dashboard: a
  returning user's browser, signed out before each run, plus ``browser_signin_new_browser_s`` for
  a browser that never loaded the app), the
  services dashboard, the employer page (bench-employer), a participant page and saving a session
  (bench-coach): each PILOT_BENCH_BROWSER_RUNS times (7), as p50 and p95 in seconds, after one
  first load kept apart as ``browser_<measure>_first_s`` (the server imports and warms what the
  page needs on its first showing after the start: part of a cold start, not of every load).

A load counts from the navigation (or the click) until Streamlit's script run is over and nothing
is left to draw: the app's script state is not "running", no status widget, skeleton or stale
element is left, the page's own marker (its title, or the saved message) is visible, and every
visible plotly chart has drawn its SVG, all of it unchanged for STABLE_MS. The end is the moment
that state began, so the stability window is not counted.

The bench accounts get a random password for this run only (the generated data has none).
Playwright is imported only here, when the phase runs (it is a development dependency).
"""
from __future__ import annotations

import math
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pilot import auth, db, i18n
from pilot.config import ROOT
from pilot.records import benchdata, users

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run"]
STABLE_MS = 400
LOAD_TIMEOUT_MS = 180_000
ACCOUNTS = ("bench-services", "bench-employer", "bench-coach")
# key -> what is measured; each gives browser_<key>_p50_s and browser_<key>_p95_s
MEASURES = ("signin", "dashboard", "employer", "participant", "save")
TARGETS: dict[str, tuple[float, str]] = {
    "browser_signin_p95_s": (1.5, "max"),
    "browser_dashboard_p95_s": (1.5, "max"),
    "browser_employer_p95_s": (1.0, "max"),
    "browser_participant_p95_s": (1.0, "max"),
    "browser_save_p95_s": (0.5, "max"),
}
_QUANTILES = tuple(f"browser_{m}_{q}_s" for m in MEASURES for q in ("p50", "p95"))
ROWS = ("cold_start_s", *_QUANTILES[:2], "browser_signin_new_browser_s", *_QUANTILES[2:])

# Resolves with Date.now() at the moment the page became finished and stayed so for ``stable`` ms.
_FINISHED_JS = """
async ({css, text, stable, timeout}) => {
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const state = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') === 'running') return null;
    if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"], '
                               + '[data-stale="true"]')) return null;
    const marks = [...document.querySelectorAll(css)].filter(
        (e) => visible(e) && (!text || e.textContent.includes(text)));
    if (!marks.length) return null;
    const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible);
    if (charts.some((c) => !c.querySelector('.main-svg'))) return null;
    return String(charts.length) + ':' + document.querySelectorAll('.js-plotly-plot .main-svg').length;
  };
  const began = Date.now();
  let since = null, last = null;
  while (Date.now() - began < timeout) {
    const now = state();
    if (now === null) { since = null; }
    else if (now !== last || since === null) { since = Date.now(); }
    last = now;
    if (since !== null && Date.now() - since >= stable) return since;
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  throw new Error('the page did not finish within ' + timeout + ' ms');
}
"""


def runs() -> int:
    return max(1, int(os.environ.get("PILOT_BENCH_BROWSER_RUNS", "7")))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 7 loads is the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status
    except OSError:
        return None


@contextmanager
def app_process(db_url: str, log_path: Path, timeout: float = 120) -> Iterator[tuple[str, float]]:
    """Run the app on ``db_url``; yield its base URL and the moment (perf_counter) it was started,
    once "/" answers 200. The server's output goes to ``log_path``."""
    port = _free_port()
    env = {**os.environ, "PILOT_DB": db_url}
    with open(log_path, "w", encoding="utf-8") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while _status(base + "/") != 200:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start (see {log_path})")
                time.sleep(0.05)
            yield base, started
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _finished(page: Any, css: str, text: str | None = None) -> float:
    """Wait until the page is finished (see the module doc); the moment it was, in epoch ms."""
    return float(page.evaluate(_FINISHED_JS, {"css": css, "text": text, "stable": STABLE_MS,
                                              "timeout": LOAD_TIMEOUT_MS}))


def _timed_load(page: Any, url: str, css: str, text: str | None = None) -> float:
    """Seconds from navigating to ``url`` until the page is finished."""
    began = time.time() * 1000
    page.goto(url, wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_MS)
    return (_finished(page, css, text) - began) / 1000


def _sign_in(page: Any, base: str, username: str, password: str, next_path: str) -> float:
    """Sign in through the /account/login form; the epoch ms the submit was clicked."""
    page.goto(f"{base}/account/login?{urlencode({'lang': 'en', 'next': next_path})}", timeout=LOAD_TIMEOUT_MS)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    began = time.time() * 1000
    page.click("button[type=submit]")
    return began


def _prepare_accounts(db_url: str) -> dict[str, Any]:
    """A fresh random password for the bench accounts; the ids the pages need."""
    password = secrets.token_urlsafe(18)
    hashed = auth.hash_password(password)
    engine = db.make_engine(db_url)
    try:
        with db.transaction(engine) as conn:
            for username in ACCOUNTS:
                account = users.get_by_username(conn, username)
                if account is None:
                    raise LookupError(username)
                users.set_password_hash(conn, account["id"], hashed)
        company = benchdata.busy_company_ids(engine, 1, benchdata.AS_OF)[0]
        participant = benchdata.active_participants(engine, company, benchdata.AS_OF)[0]
    finally:
        engine.dispose()
    return {"password": password, "participant": participant}


def _measure_in_browser(base: str, started: float, setup: dict[str, Any], n: int,
                        say: Callable[[str], None]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    title = lambda key: i18n.t(key, "en")  # noqa: E731
    h1 = "h1"
    password = setup["password"]
    timings: dict[str, list[float]] = {m: [] for m in MEASURES}
    figures: dict[str, Any] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def context() -> Any:
                return browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")

            first = context()
            page = first.new_page()
            page.goto(f"{base}/?lang=en", wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_MS)
            page.wait_for_selector("input[name=username]", state="visible", timeout=LOAD_TIMEOUT_MS)
            figures["cold_start_s"] = time.perf_counter() - started
            first.close()

            say("browser: sign-in to the start page")
            dashboard_title = title("outcomes.dashboard.title")

            def sign_in_once(page: Any) -> float:
                began = _sign_in(page, base, "bench-services", password, "/?lang=en")
                page.wait_for_url(lambda url: "/account/" not in url, timeout=LOAD_TIMEOUT_MS)
                return (_finished(page, h1, dashboard_title) - began) / 1000

            # The first sign-in after the start, and one in a browser that never saw the app (empty
            # HTTP cache: Streamlit's scripts are fetched too) are reported apart; the runs are a
            # returning user's: the same browser, signed out (its cookies cleared) before each.
            ctx = context()
            timings["signin"].append(sign_in_once(ctx.new_page()))
            ctx.close()
            ctx = context()
            figures["browser_signin_new_browser_s"] = sign_in_once(ctx.new_page())
            page = ctx.pages[0]
            for _ in range(n):
                ctx.clear_cookies()
                timings["signin"].append(sign_in_once(page))
            ctx.close()

            def signed_in(username: str, path: str, css: str, text: str) -> tuple[Any, Any]:
                ctx = context()
                page = ctx.new_page()
                _sign_in(page, base, username, password, path)
                page.wait_for_url(lambda url: "/account/" not in url, timeout=LOAD_TIMEOUT_MS)
                _finished(page, css, text)
                return ctx, page

            loads = (("dashboard", "bench-services", "/dashboard?lang=en", dashboard_title),
                     ("employer", "bench-employer", "/employer?lang=en", title("outcomes.employer.title")),
                     ("participant", "bench-coach",
                      f"/participant?{urlencode({'participant': setup['participant'], 'lang': 'en'})}",
                      title("work.participant.title")))
            for key, username, path, marker in loads:
                say(f"browser: {key}")
                ctx, page = signed_in(username, path, h1, marker)
                for _ in range(n + 1):
                    timings[key].append(_timed_load(page, base + path, h1, marker))
                ctx.close()

            say("browser: saving a session")
            log_path = "/log-session?lang=en"
            ctx, page = signed_in("bench-coach", log_path, h1, title("work.log.title"))
            saved = title("work.log.saved").split("{", 1)[0].strip()
            for _ in range(n + 1):
                page.goto(base + log_path, wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_MS)
                _finished(page, h1, title("work.log.title"))
                button = page.get_by_role("button", name=title("work.log.save"))
                began = time.time() * 1000
                button.click()
                timings["save"].append((_finished(page, '[data-testid="stAlert"]', saved) - began) / 1000)
            ctx.close()
        finally:
            browser.close()
    for key, (first, *seconds) in timings.items():
        figures[f"browser_{key}_first_s"] = first  # the server's first showing (its imports, caches)
        figures[f"browser_{key}_p50_s"] = statistics.median(seconds)
        figures[f"browser_{key}_p95_s"] = percentile(seconds, 0.95)
        figures[f"browser_{key}_runs_s"] = seconds
    return figures


def measure(db_url: str, say: Callable[[str], None] = print, n: int | None = None) -> dict[str, Any]:
    """The browser phase on a prepared bench database that no other process holds open.

    A failure (no Chromium, a page that never finishes) is returned as ``browser_error`` with every
    figure None: a finding of the run, not its end."""
    n = n or runs()
    figures: dict[str, Any] = {key: None for key in ROWS}
    figures["browser_runs"] = n
    try:
        setup = _prepare_accounts(db_url)
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "app.log"
            try:
                with app_process(db_url, log) as (base, started):
                    figures.update(_measure_in_browser(base, started, setup, n, say))
            except Exception:
                figures["browser_app_log"] = log.read_text(encoding="utf-8", errors="replace")[-2000:] \
                    if log.exists() else ""
                raise
    except Exception as exc:  # a finding, like a page that does not render in AppTest
        figures["browser_error"] = f"{type(exc).__name__}: {exc}"[:500]
    finally:
        engine = db.make_engine(db_url)
        try:
            benchdata.remove_measurement_rows(engine)
        finally:
            engine.dispose()
    return figures
