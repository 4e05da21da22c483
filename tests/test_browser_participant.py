"""Issue 17 in a real Chromium: the participant's language chart shows no Plotly "new text" on any
panel, the newest assessment is at the top of the list, and the printable summary downloads as a
one-page PDF whose making is on record."""
from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from pilot import auth, db
from pilot.i18n import t
from pilot.records import assessments, users
from tests import work_seed
from tests.helpers_app import launch_chromium, login, start_app
from tests.test_browser_work import require_browser, screenshot, wait_for_app

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password-1"


def _setup(path):
    engine = db.make_engine(str(path))
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-anna", "coach", "Anna", password_hash=auth.hash_password(PASSWORD),
                                  company_ids=[cid])
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2023, 2, 1), coach_id=coach)
    with db.transaction(engine) as conn:  # every skill assessed: each panel draws a target line
        for i, skill in enumerate(("speaking", "listening", "reading", "writing")):
            for on, level in ((date(2023, 3, 1 + i), "A2.1"), (date(2024, 4, 1 + i), "B1.1")):
                assessments.record_assessment(conn, work_seed.ADMIN, pid, {"skill": skill, "level": level,
                                                                           "source": "coach", "assessed_on": on})
    engine.dispose()
    return pid


def test_language_chart_summary_download(tmp_path):
    from playwright.sync_api import sync_playwright
    require_browser()
    path = tmp_path / "pilot.duckdb"
    pid = _setup(path)
    with start_app(path) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
        target = f"/participant?participant={pid}&lang=en"
        login(page, base, "coach-anna", PASSWORD, lang="en", next_path=target)
        page.goto(base + target)
        wait_for_app(page)
        page.get_by_role("tab", name=t("work.tab.language", "en")).click()
        page.locator("[data-testid=stPlotlyChart] .main-svg").first.wait_for(timeout=30000)
        wait_for_app(page)
        chart = page.locator("[data-testid=stPlotlyChart]").first
        drawn = chart.inner_text()
        assert "new text" not in drawn and "new text" not in page.content()
        assert drawn.count(t("work.chart.target", "en")) == 1
        screenshot(page, "participant_language")

        with page.expect_download(timeout=60000) as download:
            page.get_by_role("button", name=t("summary.download", "en")).click()
        saved = tmp_path / "summary.pdf"
        download.value.save_as(saved)
        assert download.value.suggested_filename.startswith("summary-P-0001-")
        browser.close()
    assert saved.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(saved)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+1\b", info)
    engine = db.make_engine(str(path))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT actor, action, entity_id FROM audit_log "
                                        "WHERE entity = 'participant_summary'")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("coach-anna", "read", str(pid))]
