"""Issue 17 in a real Chromium at phone width (390×844): a row of My week opens the participant
page, and the table's first columns (who and how long) are on screen without scrolling sideways."""
from __future__ import annotations

from datetime import date

import pytest

from pilot import auth, db
from pilot.records import adaptations, users
from tests import work_seed
from tests.helpers_app import start_app
from tests.test_browser_work import PASSWORD, PHONE, require_browser, screenshot, signed_in, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    """One company, a coach bound to it, two quiet participants (no session attended) and an
    adaptation waiting since 2024."""
    require_browser()
    path = tmp_path_factory.mktemp("week") / "pilot.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-anna", "coach", "Anna", password_hash=auth.hash_password(PASSWORD),
                                  company_ids=[cid])
    pids = [work_seed.participant(engine, cid, f"P-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach)
            for i in (1, 2)]
    with db.transaction(engine) as conn:
        adaptations.propose(conn, work_seed.ADMIN, cid, pids[1], {
            "type": "glossary", "description": "Kitchen words with pictures", "proposed_on": date(2024, 1, 5)})
    engine.dispose()
    with start_app(path) as base:
        yield {"base": base, "company": cid, "pids": pids, "path": path}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    from tests.helpers_app import launch_chromium
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


def test_my_week_row_opens_the_participant_at_phone_width(browser, pilot):
    page = signed_in(browser, pilot, "/my-week?lang=en", PHONE)
    grid = page.locator(".st-key-week_quiet [data-testid=stDataFrame]")
    grid.wait_for(timeout=30000)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "work-my-week-390px")
    # The first data row's selection box (the row marker column), as a finger taps it.
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.wait_for_url("**/participant?*", timeout=30000)
    wait_for_app(page)
    screenshot(page, "work-my-week-opened-390px")
    assert f"participant={pilot['pids'][0]}" in page.url
    # The participant picker shows the person the row named (its text or its search field's value).
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stSelectbox]')].some("
                           "b => (b.textContent + ' ' + [...b.querySelectorAll('input')].map(i => i.value)"
                           ".join(' ')).includes('P-0001'))", timeout=15000)
