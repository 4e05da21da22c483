"""Several app replicas on one PostgreSQL: two real app processes (streamlit run app.py) share a
schema. A coach signs in on the first and logs a session there; the second replica accepts the same
login cookie (login sessions live in the database, not in a process) and shows the new session's
hours. Needs PILOT_REPLICAS_PG or PILOT_TEST_PG (a postgresql:// URL) and Chromium; skipped without them, except in CI
(CI=true), where it must run."""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from pilot import auth, db
from pilot.records import users
from tests import work_seed
from tests.helpers_app import launch_chromium, login, start_app
from tests.test_browser_work import require_browser, wait_for_app

# .ci/run sets PILOT_REPLICAS_PG for the whole suite (where PILOT_TEST_PG would run every test twice).
TEST_PG = os.environ.get("PILOT_REPLICAS_PG") or os.environ.get("PILOT_TEST_PG")
PASSWORD = "replica-test-password-1"


def require_postgres() -> str:
    if not TEST_PG:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the replica test must run in CI: neither PILOT_REPLICAS_PG nor PILOT_TEST_PG is set")
        pytest.skip("neither PILOT_REPLICAS_PG nor PILOT_TEST_PG is set")
    return TEST_PG


def replica(url: str, log: Path):
    """One app process on the shared PostgreSQL ``url``; a context manager yielding its base URL."""
    return start_app(url, log_path=log)


@pytest.fixture
def shared_pg(tmp_path: Path) -> Iterator[dict]:
    """A schema of its own in the test database: one company, a coach, two active participants."""
    base = require_postgres()
    require_browser()
    schema = f"rep_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    engine = db.make_engine(url)
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-rep", "coach", "Rep", password_hash=auth.hash_password(PASSWORD),
                                  company_ids=[cid])
    for i in (1, 2):
        work_seed.participant(engine, cid, f"R-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach)
    yield {"url": url, "engine": engine}
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_two_replicas_share_logins_and_records(shared_pg, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with replica(shared_pg["url"], tmp_path / "a.log") as first, \
            replica(shared_pg["url"], tmp_path / "b.log") as second, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        login(page, first, "coach-rep", PASSWORD, lang="en", next_path="/log-session?lang=en")
        page.goto(first + "/log-session?lang=en")
        wait_for_app(page)
        page.get_by_text("Coaching hours at this company in all: 0").wait_for(timeout=15000)
        page.get_by_role("button", name="Save the session").click()
        wait_for_app(page)
        page.get_by_text("2 booked").first.wait_for(timeout=15000)

        # The other replica: the same cookie (same host) is a valid login there, and it reads the
        # session the first replica wrote.
        other = context.new_page()
        other.goto(second + "/log-session?lang=en")
        wait_for_app(other)
        assert other.locator("#username").count() == 0, "the second replica asked to sign in again"
        other.get_by_text("Coaching hours at this company in all: 1").wait_for(timeout=15000)
        browser.close()
    with shared_pg["engine"].connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM sessions")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT COUNT(*) FROM attendance")).scalar_one() == 2
