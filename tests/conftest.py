"""Fixtures: a fresh migrated database per test, scopes for each role, and the demo seed."""
from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import Engine

from pilot import db
from pilot.access import Scope

TEST_PG = os.environ.get("PILOT_TEST_PG")  # a postgresql:// URL runs the data-layer tests there too

# Property tests draw the same examples on every run and keep no example database between runs:
# a test that fails only for the examples one run happened to draw would refuse a landing at random
# (a test's own @settings still sets its example count; this profile gives the rest).
settings.register_profile("pilot", derandomize=True, database=None, deadline=None)
settings.load_profile("pilot")


def pytest_configure(config: pytest.Config) -> None:
    # The app hides error details from users; tests want to see them.
    from streamlit import config as st_config
    st_config.set_option("client.showErrorDetails", "full")


BACKENDS = ["duckdb"] + (["postgresql"] if TEST_PG else [])


def _pg_url_with_schema(base: str, schema: str) -> str:
    """The test's own schema; a connection a test leaves inside a transaction (held by a kept
    traceback, say) is ended by the server after 15 s instead of blocking the schema's DROP."""
    joiner = "&" if "?" in base else "?"
    return (f"{base}{joiner}options=-csearch_path%3D{schema}"
            "%20-cidle_in_transaction_session_timeout%3D15000")


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A new, migrated, empty database for one test; PILOT_DB points at it too.

    DuckDB: a file in the test's folder. PostgreSQL (when PILOT_TEST_PG is set): a schema of its
    own in that database, dropped afterwards.
    """
    if request.param == "duckdb":
        url = str(tmp_path / "test.duckdb")
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin_engine = db.make_engine(TEST_PG)
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = _pg_url_with_schema(TEST_PG, schema)
    monkeypatch.setenv("PILOT_DB", url)
    eng = db.make_engine(url)
    db.migrate(eng)
    yield eng
    gc.collect()  # connections of objects the test dropped go back to the pool (and roll back)
    eng.dispose()
    db.dispose_shared()
    if request.param == "postgresql":
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin_engine.dispose()


@pytest.fixture(autouse=True)
def pilot_day(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> date:
    """The pilot's day (Helsinki), held still for every test (autouse) and returned.

    A test that computes "today" or "tomorrow" itself and then drives a page or a record that reads
    the clock again got two different days when it ran across Helsinki midnight (22:00 UTC in
    winter, 21:00 in summer). pilot.domain.dates.now() is the one clock every today() reads, so
    holding it holds the pages' (AppTest runs them in this process) and the records' day too, from
    the test's first fixture to its end; stored timestamps (db.utcnow) run on. A browser test is
    left on the real clock: its app is a process of its own that no hold here reaches, so holding
    only the test's side would set the two days apart for the whole test, not for a moment.
    """
    from pilot.domain import dates
    if request.node.get_closest_marker("browser"):
        return dates.today()
    held = dates.now()
    monkeypatch.setattr(dates, "now", lambda: held)
    return held.date()


@pytest.fixture
def coach() -> Scope:
    return Scope(username="test-coach", role="coach")


@pytest.fixture
def admin() -> Scope:
    return Scope(username="test-admin", role="admin")


# Browser suites: one app on a fresh demo database and one Chromium per test module.
@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[str]:
    from tests.browser_support import require_browser
    from tests.helpers_app import prepare_demo_db, start_app
    require_browser()
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with start_app(prepare_demo_db(folder / "pilot.duckdb")) as base:
        yield base


@pytest.fixture(scope="module")
def browser(app_url: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    from tests.helpers_app import launch_chromium
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()
