"""In a real Chromium (issue 16): signing in from the app's root goes straight to the role's start
page in one redirect. The browser never asks for "/" (the hidden page that switched to the start
page: one more script run and a round trip), the address is the start page's, the language is kept,
and "/" itself still leads there (bookmarks)."""
from __future__ import annotations

import pytest

from pilot import i18n
from tests.helpers_app import launch_chromium, login, prepare_demo_db, start_app
from tests.test_browser_auth import _require_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path):
    _require_browser()
    with start_app(prepare_demo_db(tmp_path / "pilot.duckdb")) as base:
        yield base


def test_services_sign_in_lands_on_the_dashboard_without_visiting_the_root(served) -> None:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page()
            asked: list[tuple[str, str]] = []
            page.on("request", lambda r: asked.append((r.method, r.url.replace(served, ""))))
            login(page, served, "services", lang="fi", next_path="/")
            page.wait_for_selector("h1", timeout=30000)
            pages = [(m, u) for m, u in asked if not u.startswith(("/static/", "/_stcore/", "/favicon",
                                                                     "/media/", "/dashboard/_stcore/"))]
            assert pages[1:3] == [("POST", "/account/login"), ("GET", "/dashboard?lang=fi")], pages
            assert ("GET", "/?lang=fi") not in pages and ("GET", "/") not in pages
            assert page.url == served + "/dashboard?lang=fi"
            assert page.evaluate("performance.getEntriesByType('navigation')[0].redirectCount") == 1
            title = i18n.t("outcomes.dashboard.title", "fi")
            page.wait_for_function("t => [...document.querySelectorAll('h1')].some(h => h.textContent.includes(t))",
                                   arg=title, timeout=30000)

            # a bookmark of the root still opens the start page
            page.goto(f"{served}/?lang=sv")
            page.wait_for_url("**/dashboard?lang=sv", timeout=30000)
        finally:
            browser.close()
