"""Issue 16 follow-ups in a real Chromium: the log page's open tab stays open across a language
switch (before, the page went back to "New session"; the AppTest is tests/test_tabs_language.py),
and the admin's company picker finds companies beyond the first 200 by search and keeps each pick
(tests/test_company_search_forms.py)."""
from __future__ import annotations

from datetime import date

import pytest

from pilot import i18n
from tests.browser_support import screenshot, wait_for_app
from tests.helpers_app import start_app
from tests.test_browser_forms import browser, seed, signed_in, switch_language  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser


def test_log_page_keeps_the_edit_tab_after_a_language_switch(browser, tmp_path):  # noqa: F811
    world = seed(tmp_path)
    with start_app(world["path"]) as base:
        page = signed_in(browser, base, "/log-session?lang=en")
        page.get_by_role("tab", name=i18n.t("work.log.edit", "en")).click()
        wait_for_app(page)
        page.get_by_label(i18n.t("work.log.choose", "en")).wait_for(timeout=15000)
        switch_language(page, "en", "sv")
        tab = page.get_by_role("tab", name=i18n.t("work.log.edit", "sv"))
        tab.wait_for(timeout=15000)
        screenshot(page, "tabs-language-log-edit")
        assert tab.get_attribute("aria-selected") == "true"
        page.get_by_label(i18n.t("work.log.choose", "sv")).wait_for(timeout=15000)  # the edit tab's content
        # The new-session form, drawn only while its tab is open, is not.
        assert page.get_by_role("button", name=i18n.t("work.log.save", "sv")).count() == 0


def _many_companies(world) -> dict[str, int]:
    """More companies than widgets.CHOICES (200), so the pickers get their search box: 'Firma 001'
    ... sort before 'Zeta Oy', which is beyond the first page."""
    from pilot import db
    from pilot.domain.identifiers import business_id_check_digit
    from pilot.records import companies
    from tests.work_seed import ADMIN
    engine = db.make_engine(str(world["path"]))
    made: dict[str, int] = {}
    with db.transaction(engine) as conn:
        number = 2000000
        while len(made) < 202:
            number += 1
            digit = business_id_check_digit(str(number))
            if digit is None:
                continue
            name = "Zeta Oy" if len(made) == 201 else f"Firma {len(made) + 1:03d}"
            made[name] = companies.create_company(conn, ADMIN, {"business_id": f"{number}-{digit}", "name": name,
                                                                        "joined_on": date(2023, 1, 1)})
    engine.dispose()
    return made


def _multi_pick(page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).first.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_app(page)


def _find(page, text: str) -> None:
    box = page.get_by_role("textbox", name=i18n.t("picker.find_company", "en")).first
    box.fill(text)
    box.press("Enter")
    wait_for_app(page)


def test_admin_adds_a_user_with_companies_found_by_search(browser, tmp_path):  # noqa: F811
    world = seed(tmp_path)
    made = _many_companies(world)
    with start_app(world["path"]) as base:
        page = signed_in(browser, base, "/admin-users?lang=en", user="admin-olli")
        companies_label = i18n.t("admin.field.companies", "en")
        _find(page, "Zeta")
        _multi_pick(page, companies_label, "Zeta")
        _find(page, "Firma 007")  # a search that leaves Zeta out: the pick stays
        _multi_pick(page, companies_label, "Firma 007")
        chosen = page.locator("[data-testid=stMultiSelect]").first.inner_text()
        assert "Zeta Oy" in chosen and "Firma 007" in chosen, chosen
        page.get_by_role("textbox", name=i18n.t("admin.field.username", "en")).first.fill("coach-new")
        screenshot(page, "users-add-searched-companies")
        page.locator("[data-testid=stForm]").first.get_by_role("button", name=i18n.t("admin.users.add", "en")).click()
        wait_for_app(page)
        page.get_by_text(i18n.t("admin.users.added", "en", username="coach-new")).first.wait_for(timeout=15000)
    from tests.test_browser_forms import stored
    bound = stored(world, "SELECT COUNT(*) FROM user_companies uc JOIN users u ON u.id = uc.user_id "
                          "WHERE u.username = 'coach-new' AND uc.company_id IN (:a, :b)",
                   a=made["Zeta Oy"], b=made["Firma 007"])
    assert bound == 2
