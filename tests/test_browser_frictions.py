"""Issue 17 in a real Chromium: one sign-in page that shows its language picker on a phone and
that a failed sign-in comes back to, in the chosen language; a typed as-of date that applies on
Enter; and no request to any host other than the app's, from the sign-in page or any role's page."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from pilot import i18n
from tests.browser_support import screenshot, wait_for_app
from tests.helpers_app import login, totp_code

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def tr(key: str, lang: str = "sv", **params) -> str:  # type: ignore[no-untyped-def]
    return i18n.t(key, lang, **params)


def visible_in_viewport(page, locator) -> bool:  # type: ignore[no-untyped-def]
    """Shown and inside the window, without opening anything first."""
    if not locator.count() or not locator.first.is_visible():
        return False
    box = locator.first.bounding_box()
    size = page.viewport_size
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] + 1 \
        and box["y"] + box["height"] <= size["height"] + 1


def language_picker(page):  # type: ignore[no-untyped-def]
    """The sign-in page's language picker: a link to each of the three languages."""
    return page.get_by_role("navigation", name=tr("app.language")).or_(
        page.get_by_role("navigation", name=tr("app.language", "fi"))).or_(
        page.get_by_role("navigation", name=tr("app.language", "en")))


def session_ends_while_the_app_is_open(browser, app_url: str, lang: str):  # type: ignore[no-untyped-def]
    """A coach signed in on a phone whose sign-in ends (signed out in another tab); the next click
    in the open app shows what a signed-out user sees there."""
    context = browser.new_context(viewport=DESKTOP, has_touch=True)
    page = context.new_page()
    login(page, app_url, "coach", lang=lang)
    other = context.new_page()
    other.goto(f"{app_url}/?lang={lang}")
    wait_for_app(other)
    other.click("form[action='/account/logout'] button")
    other.wait_for_url("**/account/login**")
    other.close()
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(500)
    page.get_by_test_id("stExpandSidebarButton").or_(page.get_by_test_id("stSidebarCollapsedControl")) \
        .first.click()
    page.get_by_test_id("stSidebarNav").get_by_role("link").nth(1).click()
    page.wait_for_timeout(3000)
    page.wait_for_load_state()
    return context, page


def test_the_sign_in_page_shows_its_language_picker_on_a_phone(browser, app_url) -> None:
    context, page = session_ends_while_the_app_is_open(browser, app_url, "sv")
    try:
        page.wait_for_url("**/account/login**", timeout=15000)
        page.locator("#password").wait_for(timeout=15000)
        assert visible_in_viewport(page, language_picker(page)), "the language picker is hidden on a phone"
        screenshot(page, "frictions-sign-in-phone-sv")
        language_picker(page).get_by_role("link", name="Suomi").click()
        page.locator("#password").wait_for()
        assert tr("auth.sign_in", "fi") in page.inner_text("body")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


def test_a_failed_sign_in_comes_back_to_the_same_page_with_a_translated_error(browser, app_url) -> None:
    context, page = session_ends_while_the_app_is_open(browser, app_url, "sv")
    try:
        page.locator("#password").wait_for(timeout=15000)
        before = urlsplit(page.url).path
        heading = page.get_by_role("heading", level=1).first.inner_text()
        page.fill("#username", "coach")
        page.fill("#password", "not the password")
        page.locator("#password").press("Enter")
        page.get_by_role("alert").wait_for(timeout=15000)
        assert urlsplit(page.url).path == before == "/account/login"
        assert page.get_by_role("alert").inner_text().strip() == tr("auth.invalid")
        assert page.get_by_role("heading", level=1).first.inner_text() == heading == tr("app.title")
        assert visible_in_viewport(page, language_picker(page))
        assert page.locator("#username").input_value() == "coach"
        screenshot(page, "frictions-sign-in-failed-phone-sv")
        page.fill("#password", "demo-password")
        page.locator("#password").press("Enter")
        page.wait_for_selector("form[action='/account/logout']", state="attached", timeout=30000)
        assert "lang=sv" in page.url
    finally:
        context.close()


def test_a_typed_as_of_date_applies_on_enter(browser, app_url) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        login(page, app_url, "services", lang="en")
        page.goto(f"{app_url}/?lang=en")
        wait_for_app(page)
        tiles = page.locator("[data-testid=stMetric]")
        tiles.first.wait_for(timeout=60000)
        before = tiles.all_inner_texts()
        field = page.get_by_test_id("stDateInputField").first
        field.locator("[role=spinbutton]").first.click()
        page.keyboard.type("01012024")  # before the pilot began: nothing had happened yet
        page.keyboard.press("Enter")
        wait_for_app(page)
        page.wait_for_function("""(before) => {
            const now = [...document.querySelectorAll('[data-testid=stMetric]')].map(e => e.innerText);
            return now.length && JSON.stringify(now) !== JSON.stringify(before);
        }""", arg=before, timeout=15000)
        assert "2024" in field.inner_text()
    finally:
        context.close()


def test_no_request_leaves_the_host(browser, app_url) -> None:
    host = urlsplit(app_url).netloc
    outside: list[str] = []

    def watch(request) -> None:  # type: ignore[no-untyped-def]
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != host:
            outside.append(request.url)

    contexts = []
    try:
        for user in ("sign-in page", "coach", "employer", "services", "admin"):
            context = browser.new_context(viewport=DESKTOP)
            contexts.append(context)
            context.on("request", watch)
            page = context.new_page()
            page.goto(f"{app_url}/account/login?lang=fi")
            page.locator("#password").wait_for()
            if user == "sign-in page":
                page.wait_for_timeout(1000)
                continue
            page.fill("#username", user)
            page.fill("#password", "demo-password")
            page.click("button[type=submit]")
            page.wait_for_selector("[data-testid=stSidebar], #code", timeout=60000)
            if page.locator("#code").count():
                page.fill("#code", totp_code(app_url, user))
                page.click("button[type=submit]")
                page.wait_for_selector("[data-testid=stSidebar]", timeout=60000)
            wait_for_app(page, timeout=60000)
            page.locator("[data-testid=stMain] h1").first.wait_for(timeout=60000)
            page.wait_for_timeout(1500)  # icons, fonts and the favicon load after the first paint
    finally:
        for context in contexts:
            context.close()
    assert outside == [], f"requests left the host: {sorted(set(outside))}"


def test_the_file_uploader_speaks_the_readers_language(browser, app_url) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        login(page, app_url, "coach", lang="fi")
        page.goto(f"{app_url}/workbook?lang=fi")
        wait_for_app(page, timeout=60000)
        uploader = page.get_by_test_id("stFileUploaderDropzone").first
        uploader.wait_for(timeout=60000)
        assert uploader.get_by_role("button", name=tr("frictions.upload.button", "fi"), exact=True).count() == 1
        assert not page.get_by_text("Upload", exact=True).is_visible()
        assert not page.get_by_text("per file", exact=False).is_visible()
        screenshot(page, "frictions-uploader-fi")
    finally:
        context.close()
