"""Browser (Chromium, 390 x 844): the employer answers the pilot's readiness question on a phone,
in Swedish (the longest labels), with one tap, and the answer is in the database after the app
stops. The page must not scroll sideways before or after answering."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.domain.dates import today
from tests.browser_support import require_browser, screenshot, wait_for_app
from tests.helpers_app import launch_chromium, prepare_demo_db, start_app
from tests.test_phone import LANG, assert_fits, on_phone, tr

pytestmark = pytest.mark.browser


def test_employer_answers_the_readiness_question_on_a_phone(tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    path = prepare_demo_db(tmp_path / "pilot.duckdb")
    engine = db.make_engine(str(path))
    with db.transaction(engine) as conn:  # the employer's company has not answered yet
        own = conn.execute(sa.text("SELECT uc.company_id FROM user_companies uc JOIN users u ON u.id = uc.user_id "
                                   "WHERE u.username = 'employer'")).scalar_one()
        conn.execute(sa.text("DELETE FROM employer_surveys WHERE company_id = :c"), {"c": own})
        others = conn.execute(sa.text("SELECT COUNT(*) FROM employer_surveys")).scalar_one()
    engine.dispose()
    day_before = today()  # the app (its own process) dates the answer on its day of the click
    with start_app(path) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = on_phone(browser, base, "employer", f"/?lang={LANG}")
            page.get_by_text(tr("hiring.survey.question")).wait_for(timeout=30000)
            page.get_by_role("button", name=tr("hiring.readiness.5")).wait_for(timeout=15000)
            wait_for_app(page)
            assert_fits(page, "employer page with the readiness question")
            screenshot(page, "phone-employer-readiness-question")
            page.get_by_label(tr("hiring.survey.planned")).fill("2")
            page.get_by_label(tr("hiring.survey.planned")).press("Enter")
            wait_for_app(page)
            page.get_by_role("button", name=tr("hiring.readiness.4")).click()
            wait_for_app(page)
            page.get_by_text(tr("hiring.survey.thanks")).wait_for(timeout=15000)
            assert page.get_by_role("button", name=tr("hiring.readiness.4")).count() == 0  # not asked again
            assert_fits(page, "employer page after answering")
            screenshot(page, "phone-employer-readiness-answered")
        finally:
            browser.close()
    engine = db.make_engine(str(path))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT answered_on, readiness, planned_hires_12m, answered_by "
                                    "FROM employer_surveys WHERE company_id = :c"), {"c": own}).all()
        assert conn.execute(sa.text("SELECT COUNT(*) FROM employer_surveys")).scalar_one() == others + 1
    engine.dispose()
    # dated the day of the click: the day this test began or the day now (Helsinki midnight may pass between)
    assert [tuple(r)[1:] for r in rows] == [(4, 2, "employer")] and day_before <= rows[0][0] <= today()
