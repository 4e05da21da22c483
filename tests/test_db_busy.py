"""A busy database is said in one sentence (issue 13.14).

- The app takes the DuckDB file when it starts: the command line started next is refused at once
  with one sentence (before any browser has asked the app for anything).
- While another process (a command-line import) holds the file, POST /account/login and every
  page say that the database is busy: 503 and a translated sentence, never a 500 or a traceback.
"""
from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from pilot import auth, db, i18n
from pilot.records import users
from tests.helpers_app import DEMO_PASSWORD, PYTHON, ROOT, app_as, prepare_demo_db, start_app

HOLDER = """
import sys
from pilot import db
engine = db.make_engine(sys.argv[1])
conn = engine.connect()
print("held", flush=True)
sys.stdin.readline()
"""


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_demo_db(tmp_path_factory.mktemp("busy") / "pilot.duckdb")


def _cli(db_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PILOT_DB": str(db_path), "PILOT_LANG": "en"}
    return subprocess.run([PYTHON, "-m", "pilot", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def _post_login(base: str, lang: str) -> tuple[int, str]:
    data = urlencode({"username": "coach", "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(f"{base}/account/login?lang={lang}", data=data, method="POST",
                                     headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_app_takes_the_file_at_start_and_the_cli_is_refused(demo_db: Path, tmp_path: Path) -> None:
    with start_app(demo_db, log_path=tmp_path / "app.log"):  # only /_stcore/health was asked
        done = _cli(demo_db, "import", str(tmp_path / "missing.xlsx"), "--dry-run")
        indicators = _cli(demo_db, "indicators")
    for result in (done, indicators):
        assert result.returncode != 0
        assert "Traceback" not in result.stderr + result.stdout
        assert i18n.t("cli.busy", "en") in result.stderr + result.stdout


def _get(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_login_while_the_cli_holds_the_file_says_busy(demo_db: Path, tmp_path: Path, lang: str) -> None:
    engine = db.make_engine(str(demo_db))
    with db.transaction(engine) as conn:  # a browser signed in before the command line took the file
        token = auth.open_session(conn, users.get_by_username(conn, "coach")["id"])
    engine.dispose()
    holder = subprocess.Popen([PYTHON, "-c", HOLDER, str(demo_db)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with start_app(demo_db, log_path=tmp_path / "app.log") as base:
            status, body = _post_login(base, lang)
            assert status == 503
            assert i18n.t("error.busy", lang) in body
            assert "Traceback" not in body and "Could not set lock" not in body
            status, body = _get(f"{base}/participants?lang={lang}", f"{auth.COOKIE_NAME}={token}")
            assert status == 503 and i18n.t("error.busy", lang) in body  # the sign-in guard's check
        log = (tmp_path / "app.log").read_text()
        assert "Traceback" not in log
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)


def test_a_page_while_another_process_holds_the_file_says_busy(demo_db: Path) -> None:
    at = app_as("coach", demo_db)  # signs in while the file is free
    db.dispose_shared()
    holder = subprocess.Popen([PYTHON, "-c", HOLDER, str(demo_db)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        import streamlit as st
        st.cache_resource.clear()
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == [i18n.t("error.busy", "fi")]
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    st.cache_resource.clear()
    at.run()  # the file is free again: the page works
    assert not at.exception and not at.error
    db.dispose_shared()
