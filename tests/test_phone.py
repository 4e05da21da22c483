"""Phone width (390 x 844): the coach logs a session and the employer reads their page without
scrolling sideways. Screenshots go to test-artifacts/screenshots/ for review.

In Swedish, because people use the app in their second language and Swedish labels are the
longest of the three (the likeliest to push a row wider than the phone).
"""
from __future__ import annotations

import re

import pytest

from pilot import i18n
from tests.browser_support import screenshot, wait_for_app
from tests.helpers_app import login

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LANG = "sv"
# Sideways overflow of the document or of Streamlit's scrolling containers (tables and charts
# scroll inside themselves, which is fine, so they are not measured).
OVERFLOW = """() => {
    const wide = [];
    for (const sel of ['html', 'body', '[data-testid=stApp]', '[data-testid=stAppViewContainer]',
                       '[data-testid=stMain]', '[data-testid=stMainBlockContainer]']) {
        const el = document.querySelector(sel);
        if (el && el.scrollWidth > el.clientWidth + 1) wide.push(`${sel}: ${el.scrollWidth} > ${el.clientWidth}`);
    }
    return wide;
}"""


def tr(key: str, **params) -> str:  # type: ignore[no-untyped-def]
    return i18n.t(key, LANG, **params)


def template(key: str) -> re.Pattern[str]:
    """A message with placeholders as a pattern (the numbers in it depend on the data)."""
    parts = re.split(r"\{[^}]*\}", tr(key))
    return re.compile(".+?".join(re.escape(p) for p in parts))


def on_phone(browser, app_url: str, username: str, path: str):  # type: ignore[no-untyped-def]
    """Sign in (the login helper waits for the sidebar, which a phone keeps closed), then shrink."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, has_touch=True).new_page()
    login(page, app_url, username, lang=LANG)
    page.set_viewport_size(PHONE)
    page.goto(f"{app_url}{path}")
    wait_for_app(page)
    page.locator("[data-testid=stMain] h1").first.wait_for(timeout=30000)
    return page


def assert_fits(page, what: str) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"), \
        f"{what}: the page scrolls sideways"
    assert page.evaluate(OVERFLOW) == [], what


def test_coach_logs_a_session_at_phone_width(browser, app_url):
    page = on_phone(browser, app_url, "coach", f"/log-session?lang={LANG}")
    page.get_by_role("heading", name=tr("work.log.title")).wait_for()
    assert_fits(page, "log a session, empty form")
    screenshot(page, "phone-coach-log-session-form")
    page.get_by_label(tr("field.topics")).fill("Arbetssäkerhet, ordförråd")
    page.get_by_label(tr("field.minutes")).fill("45")
    page.get_by_role("button", name=tr("work.log.save")).click()
    wait_for_app(page)
    page.get_by_text(template("work.log.saved")).wait_for(timeout=15000)
    assert_fits(page, "log a session, after saving")
    screenshot(page, "phone-coach-log-session-saved")
    page.get_by_role("tab", name=tr("work.log.edit")).click()
    wait_for_app(page)
    assert_fits(page, "log a session, edit tab")


def test_employer_page_at_phone_width(browser, app_url):
    page = on_phone(browser, app_url, "employer", f"/?lang={LANG}")
    page.get_by_role("heading", name=tr("outcomes.employer.title")).wait_for()
    assert_fits(page, "employer page")
    page.get_by_text(tr("outcomes.table_view")).first.click()  # built when opened
    wait_for_app(page)
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=30000)
    assert_fits(page, "employer page, chart table open")
    # One section at a time (issue 16): every section is one tap away and fits the phone.
    for section in ("sessions", "adaptations", "progress", "hiring", "feedback"):
        page.locator("[data-testid=stButtonGroup] button", has_text=tr(f"employer.tab.{section}")).click()
        page.wait_for_url(f"**view={section}**", timeout=30000)
        wait_for_app(page)
        assert_fits(page, f"employer page, {section}")
    page.get_by_role("heading", name=tr("outcomes.employer.feedback")).scroll_into_view_if_needed()
    screenshot(page, "phone-employer")
    assert_fits(page, "employer page, feedback form")
