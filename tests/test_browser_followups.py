"""Record a 6-month follow-up from My week in a real Chromium at phone width (issue 14): the due
person is listed, "Record follow-up" opens the form with nothing preselected, a reached follow-up
with a new status offers the employment change, and one click writes it. The database is read
after each step."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from pilot import auth, db
from pilot.domain.dates import add_months, today
from pilot.records import users
from tests import work_seed
from tests.helpers_app import launch_chromium, login, start_app
from tests.test_browser_work import PHONE, require_browser, screenshot, wait_for_app

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password-1"


def _setup(path):
    engine = db.make_engine(str(path))
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-anna", "coach", "Anna", password_hash=auth.hash_password(PASSWORD),
                                  company_ids=[cid])
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2023, 2, 1), coach_id=coach,
                                exited=add_months(today(), -6))
    engine.dispose()
    return pid


def _rows(path, sql: str, **params):
    engine = db.make_engine(str(path))
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def test_record_followup_from_my_week_at_phone_width(tmp_path):
    from playwright.sync_api import sync_playwright
    require_browser()
    path = tmp_path / "pilot.duckdb"
    pid = _setup(path)
    day_before = today()  # the app (its own process) dates the change on its day of the click
    with start_app(path) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        login(page, base, "coach-anna", PASSWORD, lang="en", next_path="/my-week?lang=en")
        page.set_viewport_size(PHONE)
        page.goto(base + "/my-week?lang=en")
        wait_for_app(page)
        page.get_by_text("Follow-ups due and overdue").wait_for(timeout=15000)
        page.get_by_text("P-0001", exact=False).first.wait_for()
        page.get_by_role("button", name="Record follow-up").click()
        wait_for_app(page)
        form = page.locator("[data-testid=stForm]").filter(has_text="Reached?")
        form.get_by_text("Reached", exact=True).click()
        for label, option in (("Status found", "Permanent contract"), ("Source", "Phone")):
            box = form.locator("[data-testid=stSelectbox]").filter(
                has=page.locator("[data-testid=stWidgetLabel]", has_text=label))
            box.locator("input").click()
            page.keyboard.type(option)
            page.get_by_role("option").filter(has_text=option).first.wait_for(timeout=10000)
            page.keyboard.press("Enter")
        form.get_by_label("Notes").fill("Answered the phone.")
        form.get_by_role("button", name="Save follow-up").click()
        wait_for_app(page)
        page.get_by_text("Follow-up saved.").wait_for(timeout=15000)
        page.get_by_text("differs from the last employment row").wait_for(timeout=15000)
        assert page.get_by_role("button", name="Record follow-up").count() == 0  # no longer due
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        screenshot(page, "followup-offer-390px")
        page.get_by_role("button", name="Add the employment change").click()
        wait_for_app(page)
        page.get_by_text("Employment change added.").wait_for(timeout=15000)
        browser.close()
    # The app has stopped: the database holds the follow-up and the employment row of that day.
    assert _rows(path, "SELECT reached, status, source, notes FROM followups WHERE participant_id = :p",
                 p=pid) == [(True, "permanent", "phone", "Answered the phone.")]
    # dated the day of the click: the day this test began or the day now (Helsinki midnight may pass between)
    assert _rows(path, "SELECT status FROM employment WHERE participant_id = :p AND effective_on BETWEEN :a AND :b",
                 p=pid, a=day_before, b=today()) == [("permanent",)]
