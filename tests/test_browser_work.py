"""The coach's working day in a real Chromium: a session logged at phone width, and two people
editing one participant ending in a conflict message instead of a lost edit."""
from __future__ import annotations

import importlib.util
import os
from datetime import date
from pathlib import Path

import pytest

from pilot import auth, db
from pilot.records import users
from tests import work_seed
from tests.helpers_app import ROOT, launch_chromium, login, start_app

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password-1"
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def require_browser() -> None:
    """With CI=true these tests must run: a missing Chromium or Playwright fails instead of skipping."""
    missing = [name for name, ok in (("/usr/bin/chromium", Path("/usr/bin/chromium").exists()),
                                     ("playwright", importlib.util.find_spec("playwright") is not None)) if not ok]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI, missing: {missing}")
        pytest.skip(f"missing {missing}")


def wait_for_app(page) -> None:  # type: ignore[no-untyped-def]
    """Streamlit has finished its run when the status widget (running…) is gone."""
    page.wait_for_selector("[data-testid=stApp]", timeout=30000)
    page.wait_for_function("() => document.querySelector('[data-testid=stStatusWidget]') === null",
                           timeout=30000)
    page.wait_for_timeout(300)


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    """One company, a coach bound to it, four active participants; the app running on it."""
    require_browser()
    path = tmp_path_factory.mktemp("work") / "pilot.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-anna", "coach", "Anna", password_hash=auth.hash_password(PASSWORD),
                                  company_ids=[cid])
    pids = [work_seed.participant(engine, cid, f"P-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach)
            for i in range(1, 5)]
    engine.dispose()
    with start_app(path) as base:
        yield {"base": base, "company": cid, "pids": pids, "path": path}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


def signed_in(browser, pilot, path: str, viewport: dict):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    # Sign in at desktop width (the helper waits for the sidebar, which a phone keeps collapsed).
    login(page, pilot["base"], "coach-anna", PASSWORD, lang="en", next_path=path)
    page.set_viewport_size(viewport)
    page.goto(pilot["base"] + path)
    wait_for_app(page)
    return page


def test_log_group_session_at_phone_width(browser, pilot):
    page = signed_in(browser, pilot, "/log-session?lang=en", PHONE)
    page.get_by_text("Log a session").first.wait_for()
    group = page.locator("[data-testid=stRadio]").filter(has_text="P-0004")
    group.get_by_text("Absent", exact=True).click()
    page.get_by_role("button", name="Save the session").click()
    wait_for_app(page)
    page.get_by_text("4 booked, attendance 75%").wait_for(timeout=15000)
    page.get_by_text("in all: 1 h").wait_for(timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "work-log-session-390px")


def test_two_people_editing_one_participant_get_a_conflict(browser, pilot):
    pid = pilot["pids"][0]
    path = f"/participant?participant={pid}&lang=en"
    first = signed_in(browser, pilot, path, {"width": 1280, "height": 900})
    second = signed_in(browser, pilot, path, {"width": 1280, "height": 900})
    for page in (first, second):
        page.get_by_role("tab", name="Details").click()
        page.get_by_label("Job title").wait_for()
    first.get_by_label("Job title").fill("Cook")
    first.get_by_role("button", name="Save", exact=True).click()
    wait_for_app(first)
    first.get_by_text("Saved.").wait_for(timeout=15000)

    second.get_by_label("Job title").fill("Dishwasher")
    second.get_by_role("button", name="Save", exact=True).click()
    wait_for_app(second)
    second.get_by_text("Someone else changed this at the same time").wait_for(timeout=15000)
    screenshot(second, "work-participant-conflict")
    second.get_by_role("button", name="Reload").click()
    wait_for_app(second)
    second.get_by_role("tab", name="Details").click()
    from playwright.sync_api import expect
    expect(second.get_by_label("Job title")).to_have_value("Cook", timeout=15000)
