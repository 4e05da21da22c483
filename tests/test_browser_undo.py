"""In a real Chromium, two coaches move one adaptation to the same next stage: the second is told
that someone else changed it (the conflict sentence), not a rule about the first one's move."""
from __future__ import annotations

import re
from datetime import date

import pytest

from pilot import auth, db
from pilot.access import Scope
from pilot.records import adaptations, users
from tests import work_seed
from tests.browser_support import require_browser
from tests.helpers_app import launch_chromium, login, start_app

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password-1"


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    """One company with two coaches bound to it and one proposed adaptation; the app running on it."""
    require_browser()
    path = tmp_path_factory.mktemp("undo") / "pilot.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        for name in ("coach-anna", "coach-ben"):
            users.create_user(conn, name, "coach", name, password_hash=auth.hash_password(PASSWORD), company_ids=[cid])
        aid = adaptations.propose(conn, Scope(username="seed", role="admin"), cid, None,
                                  {"type": "glossary", "description": "Kitchen glossary", "proposed_on": date(2024, 1, 5)})
    engine.dispose()
    with start_app(path) as base:
        yield {"base": base, "adaptation": aid}


def wait_for_app(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("[data-testid=stApp]", timeout=30000)
    page.wait_for_function("() => document.querySelector('[data-testid=stStatusWidget]') === null", timeout=30000)
    page.wait_for_timeout(300)


def open_move_form(browser, pilot, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, pilot["base"], username, PASSWORD, lang="en", next_path="/adaptations?lang=en")
    page.goto(pilot["base"] + "/adaptations?lang=en")
    wait_for_app(page)
    page.get_by_label("Choose an adaptation").click()
    page.get_by_role("option", name=re.compile(r"Kitchen glossary")).click()
    wait_for_app(page)
    page.get_by_role("button", name="Move", exact=True).wait_for()
    return page


def test_two_coaches_move_one_adaptation_the_second_sees_the_conflict(pilot):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            first = open_move_form(browser, pilot, "coach-anna")
            second = open_move_form(browser, pilot, "coach-ben")  # both see the adaptation as proposed
            first.get_by_role("button", name="Move", exact=True).click()
            wait_for_app(first)
            first.get_by_text("The adaptation is now at stage Agreed.").wait_for(timeout=15000)

            second.get_by_role("button", name="Move", exact=True).click()
            wait_for_app(second)
            second.get_by_text("Someone else changed this at the same time").wait_for(timeout=15000)
            assert second.get_by_text("Something went wrong").count() == 0
        finally:
            browser.close()
