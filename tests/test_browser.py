"""The foundation's main flow in a real Chromium: add a company and a participant, reload, find them."""
from __future__ import annotations

import pytest

from tests.browser_support import screenshot, wait_for_app
from tests.helpers_app import login

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def pick(page, select, text: str) -> None:
    """Choose in a Streamlit selectbox the way a keyboard user does: focus, type, Enter."""
    select.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    wait_for_app(page)


def test_add_company_and_participant_then_reload_and_find_them(app_url, page):
    login(page, app_url, "coach", lang="fi", next_path="/companies?lang=fi")
    page.goto(f"{app_url}/companies?lang=fi")
    wait_for_app(page)
    page.get_by_text("Lisää yritys").click()
    page.get_by_label("Y-tunnus").fill("0101263-5")
    page.get_by_label("Nimi", exact=True).fill("Selaintesti Oy")
    page.get_by_role("button", name="Tallenna").first.click()
    wait_for_app(page)
    page.get_by_text("Y-tunnus ei ole oikein").first.wait_for(timeout=15000)  # the error, next to the field
    page.get_by_label("Y-tunnus").fill("0101263-6")
    page.get_by_role("button", name="Tallenna").first.click()
    wait_for_app(page)
    page.get_by_text("Yritys Selaintesti Oy lisätty.").wait_for(timeout=15000)

    page.goto(f"{app_url}/participants?lang=fi")
    wait_for_app(page)
    page.get_by_label("Koodi").first.fill("P-9001")
    pick(page, page.get_by_label("Yritys", exact=True).last, "Selaintesti")
    pick(page, page.get_by_label("Ensikieli"), "so")
    pick(page, page.get_by_label("Työllisyystilanne").first, "Työtön")  # a status is chosen, never preselected
    page.get_by_role("button", name="Ota mukaan").last.click()
    wait_for_app(page)
    page.get_by_text("Osallistuja P-9001 otettu mukaan.").wait_for(timeout=15000)
    screenshot(page, "coach-participants-after-enrol")

    page.reload()
    wait_for_app(page)
    page.get_by_label("Hae").last.fill("P-9001")
    page.keyboard.press("Enter")
    wait_for_app(page)
    page.get_by_text("1 rivi", exact=True).wait_for(timeout=15000)  # the search finds exactly P-9001
    page.goto(f"{app_url}/companies?lang=fi")
    wait_for_app(page)
    page.get_by_label("Hae").fill("Selaintesti")
    page.keyboard.press("Enter")
    wait_for_app(page)
    page.get_by_text("1 rivi").wait_for(timeout=15000)


@pytest.mark.parametrize("user, path, title", [("services", "/dashboard", "Outcomes of the pilot"),
                                              ("coach", "/my-week", "My week")])
def test_the_start_page_has_its_own_address(app_url, page, user, path, title):
    """A role's start page opens from "/" and from its own address (a bookmark, or after sign-in)."""
    login(page, app_url, user, lang="en", next_path=f"{path}?lang=en")
    wait_for_app(page)
    page.get_by_role("heading", name=title).first.wait_for(timeout=15000)
    assert page.url.startswith(f"{app_url}{path}")
    assert page.get_by_text("Page not found").count() == 0
    page.goto(f"{app_url}/?lang=en")
    page.wait_for_url(f"{app_url}{path}*", timeout=15000)
