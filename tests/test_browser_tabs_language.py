"""In a real Chromium, the log page's open tab stays open across a language switch (issue 16
follow-up; the AppTest is tests/test_tabs_language.py): before, the page went back to "New session"."""
from __future__ import annotations

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
