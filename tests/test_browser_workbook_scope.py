"""The workbook import as the bound coach coach2 in a real Chromium: a participants.csv for another
company's participant shows the scope error, offers no save, and the database is untouched."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from pilot import db
from pilot.access import SYSTEM
from pilot.records import users
from tests.browser_support import require_browser, screenshot, wait_for_app
from tests.helpers_app import launch_chromium, login, prepare_demo_db, start_app
from tests.test_workbook_scope import bound_business_ids, exported_csv, others, snapshot

pytestmark = pytest.mark.browser


def test_coach2_import_of_another_companys_row_shows_the_scope_error_and_writes_nothing(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright
    require_browser()
    path = prepare_demo_db(tmp_path / "pilot.duckdb")
    engine = db.make_engine(str(path))
    with engine.connect() as conn:
        scope = users.scope_for(conn, users.get_by_username(conn, "coach2"))
    full = exported_csv(engine, SYSTEM, tmp_path / "full")
    row = dict(others(full, "participants", bound_business_ids(engine, scope))[0])
    row["share_with_employer"] = "no" if row["share_with_employer"] == "yes" else "yes"
    before = snapshot(engine)
    engine.dispose()
    db.dispose_shared()  # the app must hold the DuckDB file alone
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    upload = tmp_path / "participants.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        archive.writestr("participants.csv", text.getvalue())

    with start_app(path) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        login(page, base, "coach2", lang="en", next_path="/workbook?lang=en")
        page.goto(f"{base}/workbook?lang=en")
        wait_for_app(page)
        page.locator("input[type=file]").set_input_files(str(upload))
        wait_for_app(page)
        page.get_by_text("The file has 1 error. Nothing was saved.").wait_for(timeout=30000)
        grid = page.locator("[data-testid=stDataFrame]").first
        grid.wait_for(timeout=15000)
        assert page.get_by_role("button", name="Save the changes").count() == 0
        screenshot(page, "workbook-coach2-scope-error")
        browser.close()

    engine = db.make_engine(str(path))
    assert snapshot(engine) == before
    engine.dispose()
