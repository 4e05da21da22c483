"""Going live (issue 18): no demo data or demo password by accident, the start's migration with a
copy first and its refusal of a newer schema, the health route, JSON logs without personal data,
and the Secure cookie only for HTTPS (X-Forwarded-Proto counts only from a trusted proxy)."""
from __future__ import annotations

import io
import json
import logging
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.requests import Request

from pilot import auth, cli, db, demo, golive, i18n, web
from pilot.config import default_db
from tests.helpers_app import PYTHON, ROOT, free_port, prepare_demo_db

NAME, CODE = "Aino Virtanen", "010190-123A"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database (five accounts with the demo password), copied by each test that changes it."""
    return prepare_demo_db(tmp_path_factory.mktemp("golive") / "demo.duckdb")


def copy_of(path: Path, folder: Path) -> Path:
    target = folder / path.name
    shutil.copyfile(path, target)
    return target


def counts(url: str) -> tuple[int, int]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return (conn.execute(sa.text("SELECT COUNT(*) FROM companies")).scalar_one(),
                    conn.execute(sa.text("SELECT COUNT(*) FROM users")).scalar_one())
    finally:
        engine.dispose()


# ---- 1. demo data only in a database made for the demo ----------------------------------------

def make_run_init_line() -> str:
    """The `pilot init` command that `make run` runs (make -n prints the recipe without running it)."""
    out = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if " -m pilot init" in line]
    assert len(lines) == 1, out
    return lines[0]


def test_make_run_loads_no_demo_into_another_database(tmp_path: Path) -> None:
    target = tmp_path / "production.duckdb"
    env = {**os.environ, "PILOT_DB": str(target)}
    done = subprocess.run(make_run_init_line(), shell=True, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert counts(str(target)) == (0, 0)


def test_make_run_loads_the_demo_into_the_default_database(tmp_path: Path, monkeypatch) -> None:
    # The same command, with the checkout's default database moved into the test's folder.
    monkeypatch.setattr("pilot.config.ROOT", tmp_path)
    monkeypatch.delenv("PILOT_DB", raising=False)
    words = shlex.split(make_run_init_line())
    assert cli.main(words[words.index("init"):]) == 0
    assert counts(default_db()) == (len(demo.COMPANY_IDS), len(demo.DEMO_USERS))
    db.dispose_shared()


def test_demo_mode_off_loads_no_demo_even_into_the_default_database(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("pilot.config.ROOT", tmp_path)
    monkeypatch.delenv("PILOT_DB", raising=False)
    monkeypatch.setenv("PILOT_DEMO_MODE", "0")
    assert cli.main(["init", "--demo-if-default"]) == 0
    assert counts(default_db()) == (0, 0)


def test_an_explicit_demo_loads_it_anywhere_but_never_with_demo_mode_off(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PILOT_DB", str(tmp_path / "other.duckdb"))
    assert golive.wants_demo(explicit=True, if_default=False)
    assert not golive.wants_demo(explicit=False, if_default=True)
    monkeypatch.setenv("PILOT_DEMO_MODE", "0")
    monkeypatch.setenv("PILOT_DB", str(tmp_path / "production.duckdb"))
    assert cli.main(["init", "--demo"]) == 0
    assert cli.main(["demo"]) == 1
    assert counts(str(tmp_path / "production.duckdb")) == (0, 0)


def test_demo_mode_off_refuses_an_account_with_the_demo_password(demo_db: Path, tmp_path: Path,
                                                                  monkeypatch) -> None:
    path = copy_of(demo_db, tmp_path)
    engine = db.make_engine(str(path))
    try:
        golive.check_start(engine)  # demo mode (the default): the demo may start
        monkeypatch.setenv("PILOT_DEMO_MODE", "0")
        with pytest.raises(golive.StartRefused) as refused:
            golive.check_start(engine)
        names = sorted(u["username"] for u in demo.DEMO_USERS)
        assert refused.value.params["accounts"] == ", ".join(names)
        sentence = refused.value.sentence("en")
        assert "admin" in sentence and "python -m pilot user password" in sentence
        # The fix the sentence names: every account a new password (or disabled); then it starts.
        with db.transaction(engine) as conn:
            for name in names[:-1]:
                auth.set_password(conn, name, f"a-new-password-for-{name}", actor="cli")
        with pytest.raises(golive.StartRefused) as refused:
            golive.check_start(engine)
        assert refused.value.params["accounts"] == names[-1]
        with db.transaction(engine) as conn:
            auth.set_password(conn, names[-1], "another-long-password", actor="cli")
        golive.check_start(engine)
    finally:
        engine.dispose()


def test_the_demo_password_is_refused_as_a_new_password() -> None:
    assert auth.check_password_rules(demo.DEMO_PASSWORD) == "golive.password_is_demo"
    assert auth.check_password_rules("a-perfectly-fine-password") is None


def start_and_wait(url: str, extra_env: dict[str, str], log: Path, timeout: float = 60):
    """Start the app; return (exit code or None if it serves, its output). A port another xdist
    worker's server took between free_port() and the bind is tried again on another port."""
    for _attempt in range(5):
        code, output = _start_once(url, extra_env, log, timeout)
        if not (code is not None and "is not available" in output):  # Streamlit's "Port N is not available"
            return code, output
    return code, output


def _start_once(url: str, extra_env: dict[str, str], log: Path, timeout: float):
    import time
    import urllib.request
    port = free_port()
    env = {**os.environ, "PILOT_DB": url, **extra_env}
    with open(log, "w") as out:
        proc = subprocess.Popen([PYTHON, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                                 "--server.headless", "true", "--server.address", "127.0.0.1",
                                 "--browser.gatherUsageStats", "false"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                if proc.poll() is not None:
                    return proc.returncode, log.read_text()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                        return None, r.read().decode()
                except OSError:
                    time.sleep(0.3)
            raise AssertionError("the app neither started nor stopped: " + log.read_text())
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=15)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_the_app_refuses_to_start_with_demo_passwords_when_demo_mode_is_off(demo_db: Path, tmp_path: Path) -> None:
    code, output = start_and_wait(str(copy_of(demo_db, tmp_path)), {"PILOT_DEMO_MODE": "0", "PILOT_LANG": "en"},
                                  tmp_path / "app.log")
    assert code == golive.REFUSED_EXIT, output
    refused = [line for line in json_lines(output) if line["level"] == "critical"]
    assert refused and "still have the public demo password" in refused[0]["message"], output
    assert "Traceback" not in output


# ---- 4. migrations at start: a copy first; a newer schema is refused ----------------------------

def test_migrate_copies_the_duckdb_file_before_applying_new_migrations(tmp_path: Path, monkeypatch) -> None:
    every = sorted([*db.MIGRATIONS.glob("*.sql"), *db.MIGRATIONS.glob("[0-9]*.py")], key=lambda p: p.stem)
    older = tmp_path / "older"
    older.mkdir()
    for path in every[:-1]:
        shutil.copyfile(path, older / path.name)
    path = tmp_path / "pilot.duckdb"
    monkeypatch.setattr(db, "MIGRATIONS", older)
    engine = db.make_engine(str(path))
    db.migrate(engine)
    from tests import work_seed
    work_seed.company(engine)
    monkeypatch.setattr(db, "MIGRATIONS", every[0].parent)
    assert db.migrate(engine) == [every[-1].stem]
    engine.dispose()
    copy = tmp_path / f"pilot.before-{every[-1].stem}.duckdb"
    assert copy.is_file()
    before = db.make_engine(str(copy))
    try:
        assert db.schema_version(before) == [p.stem for p in every[:-1]]
        with before.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM companies")).scalar_one() == 1
    finally:
        before.dispose()
    again = db.make_engine(str(path))
    assert db.migrate(again) == []  # nothing new: no further copy
    again.dispose()
    assert sorted(p.name for p in tmp_path.glob("pilot.before-*")) == [copy.name]


def future_db(tmp_path: Path) -> Path:
    path = tmp_path / "future.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schema_migrations (version, applied_at) VALUES ('999_future', :at)"),
                     {"at": db.utcnow()})
    engine.dispose()
    return path


def test_a_newer_schema_is_refused_by_the_command_line(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PILOT_DB", str(future_db(tmp_path)))
    monkeypatch.setenv("PILOT_LANG", "en")
    assert cli.main(["user", "list"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == i18n.t("golive.schema_newer", "en", versions="999_future")


def test_a_newer_schema_stops_the_app_with_a_sentence(tmp_path: Path) -> None:
    code, output = start_and_wait(str(future_db(tmp_path)), {"PILOT_LANG": "en"}, tmp_path / "app.log")
    assert code == golive.REFUSED_EXIT, output
    assert i18n.t("golive.schema_newer", "en", versions="999_future") in output
    assert "Traceback" not in output


# ---- 4. health and logs -------------------------------------------------------------------------

def health(url: str, monkeypatch) -> tuple[int, dict]:
    import asyncio
    monkeypatch.setenv("PILOT_DB", url)
    db.dispose_shared()
    response = asyncio.run(web.api_health(Request({"type": "http", "method": "GET", "path": "/api/health",
                                                   "headers": [], "query_string": b""})))
    db.dispose_shared()
    return response.status_code, json.loads(response.body)


def test_health_says_ok_only_when_the_database_answers(tmp_path: Path, monkeypatch) -> None:
    assert health(str(tmp_path / "up.duckdb"), monkeypatch) == (200, {"status": "ok", "database": "duckdb"})
    # A PostgreSQL server that is not there (nothing listens on port 1).
    status, body = health("postgresql://pilot@127.0.0.1:1/pilot?connect_timeout=2", monkeypatch)
    assert (status, body["status"]) == (503, "error")


def test_an_error_is_logged_as_one_json_line_without_personal_data() -> None:
    stream = io.StringIO()
    handler = golive.configure_logging(stream, level="INFO")
    try:
        log = logging.getLogger("pilot.records")
        try:
            raise ValueError(f"duplicate participant {NAME} ({CODE})")
        except ValueError:
            log.exception("saving participant %s failed", NAME)
        log.info("imported %s", CODE)
    finally:
        logging.getLogger().removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    error, info = (json.loads(line) for line in lines)
    assert error["level"] == "error" and error["exception"] == "ValueError"
    assert error["where"] and "test_going_live.py" in error["where"][-1]
    assert info["level"] == "info" and info["logger"] == "pilot.records"
    text = stream.getvalue()
    for secret in (NAME, "Aino", "Virtanen", CODE, "010190"):
        assert secret not in text


# ---- 3. the Secure cookie: X-Forwarded-Proto only through the trusted proxy ---------------------

def request_with(scheme: str, headers: dict[str, str]) -> Request:
    return Request({"type": "http", "method": "POST", "path": "/account/login", "scheme": scheme,
                    "server": ("pilot.example.fi", 80), "client": ("203.0.113.9", 5000), "query_string": b"",
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


def test_a_forwarded_proto_header_alone_does_not_make_the_cookie_secure() -> None:
    # uvicorn turns X-Forwarded-Proto into the scheme only for FORWARDED_ALLOW_IPS (the proxy);
    # a client elsewhere sending the header itself must not change the cookie.
    assert web._secure(request_with("http", {"x-forwarded-proto": "https"})) is False
    assert web._secure(request_with("https", {})) is True


# ---- 4. the systemd units agree with the code ---------------------------------------------------

def test_the_deploy_files_name_real_settings_and_the_refusal_status() -> None:
    import re
    env_names = re.findall(r"^([A-Z_]+)=", (ROOT / "deploy" / "pilot.env").read_text(), re.M)
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration"):readme.index("## Going live")]
    assert [n for n in env_names if n != "HOME" and f"`{n}`" not in table] == []
    assert "PILOT_DEMO_MODE" in env_names and "PILOT_ALLOWED_HOSTS" in env_names
    unit = (ROOT / "deploy" / "systemd" / "pilot@.service").read_text()
    assert f"RestartPreventExitStatus={golive.REFUSED_EXIT}" in unit
    start = re.search(r"^ExecStart=(.*)$", unit, re.M)[1].split()
    assert start[1:5] == ["-m", "streamlit", "run", "app.py"]
    assert "EnvironmentFile=/etc/pilot/pilot.env" in unit
    timer = (ROOT / "deploy" / "systemd" / "pilot-backup.timer").read_text()
    assert "Unit=pilot-backup.service" in timer
    assert "-m pilot backup" in (ROOT / "deploy" / "systemd" / "pilot-backup.service").read_text()
