"""Saving sessions on /log-session in a real Chromium (issue 16): a save is one run of the
new-session form (a fragment), never of the whole page; the saved message shows, the form starts
empty, and every session is written once (the edit tab, opened afterwards, lists each of them)."""
from __future__ import annotations

from datetime import date

import pytest

from pilot import auth, db
from pilot.records import users
from tests import work_seed
from tests.browser_support import wait_for_app
from tests.helpers_app import launch_chromium, login, start_app
from tests.test_browser_work import require_browser  # Chromium and Playwright (no axe-core needed)

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password-1"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    require_browser()
    path = tmp_path_factory.mktemp("logsave") / "pilot.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-anna", "coach", "Anna", password_hash=auth.hash_password(PASSWORD),
                                  company_ids=[cid])
    for i in range(1, 4):
        work_seed.participant(engine, cid, f"P-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach)
    engine.dispose()
    with start_app(path) as base:
        yield base


def _script_runs(frames: list[bytes]) -> list[tuple[str, ...]]:
    """The fragments each script run reran, as the server announced the run (its new_session
    message): an empty tuple is a run of the whole page."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    messages = [ForwardMsg.FromString(frame) for frame in frames]
    return [tuple(m.metadata.run.fragment_ids) for m in messages if m.WhichOneof("type") == "new_session"]


def test_saving_reruns_only_the_form_and_writes_each_session_once(app):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        frames: list[bytes] = []
        page.on("websocket", lambda ws: ws.on(
            "framereceived", lambda payload: frames.append(payload) if isinstance(payload, bytes) else None))
        login(page, app, "coach-anna", PASSWORD, lang="en", next_path="/log-session?lang=en")
        page.goto(app + "/log-session?lang=en")
        wait_for_app(page)
        page.get_by_role("heading", name="Log a session").wait_for()
        for n, topic in enumerate(("Reading a payslip", "Safety signs"), start=1):
            page.get_by_label("Topics").fill(topic)
            frames.clear()
            page.get_by_role("button", name="Save the session").click()
            page.locator("[data-testid=stAlert]").filter(has_text="Session saved: 3 booked, attendance 100%") \
                .wait_for(timeout=15000)
            wait_for_app(page)
            runs = _script_runs(frames)
            assert runs and all(runs), f"save {n} reran the whole page: {runs}"
            assert len(runs) == 1, f"save {n} took {len(runs)} script runs"  # no second run to empty the form
            assert page.get_by_label("Topics").input_value() == ""  # a fresh, empty form
        page.get_by_role("tab", name="Edit an earlier one").click()
        wait_for_app(page)
        page.get_by_label("Choose a session").click()
        assert page.get_by_role("option").count() == 2  # each save written once
        browser.close()
