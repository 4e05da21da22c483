"""Each role's main flow end to end in a real Chromium, against the demo pilot:

- coach: logs a session, then an assessment for one participant;
- employer: reads the participants' progress and gives feedback;
- services: filters the dashboard to one company and downloads a CSV;
- admin: adds a user (who can then sign in) and reassigns part of a caseload.

Texts are looked up in the catalogues, so a renamed string changes no test. After each step that
shows new content (messages, opened tabs) axe runs again. Screenshots of each step go to
test-artifacts/screenshots/flow-*.png for review.
"""
from __future__ import annotations

import csv
import io
import re

import pytest

from pilot import i18n
from pilot.domain.dates import today
from tests.browser_support import require_browser, screenshot, wait_for_app
from tests.helpers_app import login
from tests.test_a11y import assert_clean, violations

pytestmark = pytest.mark.browser
LANG = "en"


def tr(key: str, **params) -> str:  # type: ignore[no-untyped-def]
    return i18n.t(key, LANG, **params)


def template(key: str, **params) -> re.Pattern[str]:
    """A message as a pattern: the given parameters filled in, the others any text."""
    value = i18n.catalogue(LANG)[key]
    if isinstance(value, dict):  # the plural form that t() would choose for this count
        from babel import Locale
        count = params.get("count")
        value = value[Locale.parse(i18n.babel_locale(LANG)).plural_form(count) if count is not None else "other"]
    out, pos = "", 0
    for match in re.finditer(r"\{(\w+)\}", value):
        out += re.escape(value[pos:match.start()])
        out += re.escape(str(params[match.group(1)])) if match.group(1) in params else ".+?"
        pos = match.end()
    return re.compile(out + re.escape(value[pos:]))


@pytest.fixture
def new_tab(browser, app_url):
    contexts = []

    def open_as(username: str, path: str, password: str | None = None):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        login(page, app_url, username, **({"password": password} if password else {}), lang=LANG)
        go(page, app_url + path)
        return page
    yield open_as
    for context in contexts:
        context.close()


def expect(locator):  # type: ignore[no-untyped-def]
    """Playwright's retrying assertions (imported late: without Playwright, require_browser decides)."""
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(locator)


def go(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_for_app(page)
    page.locator("[data-testid=stMain] h1").first.wait_for(timeout=30000)


def choose(page, label: str, option: str | re.Pattern[str], scope=None) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a selectbox or multiselect by its visible label."""
    box = (scope or page).get_by_label(label, exact=True)
    box.click()
    if box.get_attribute("aria-expanded") != "true":  # a box that has a value may stay shut on click
        box.press("ArrowDown")
    page.get_by_role("option", name=option).first.click()
    wait_for_app(page)


def accessible(page, where: str) -> None:  # type: ignore[no-untyped-def]
    assert_clean(violations(page), where)


def test_coach_logs_a_session_and_an_assessment(new_tab, app_url):
    day_before = today()  # the app (its own process) dates the assessment on its day of the click
    page = new_tab("coach", f"/log-session?lang={LANG}")
    page.get_by_label(tr("field.topics")).fill("Safety words at the dish station")
    page.get_by_role("button", name=tr("work.log.save")).click()
    wait_for_app(page)
    page.get_by_text(template("work.log.saved")).wait_for(timeout=15000)
    accessible(page, "session saved")
    screenshot(page, "flow-coach-1-session-saved")

    go(page, f"{app_url}/participant?lang={LANG}")
    choose(page, tr("participants.choose"), re.compile(r"^P-\d{4}"))
    page.get_by_role("tab", name=tr("work.tab.language")).click()
    form = page.locator("[data-testid=stForm]").filter(has_text=tr("work.assess.save"))
    choose(page, tr("field.skill"), tr("code.skill.speaking"), form)
    choose(page, tr("field.level"), "B1.2", form)
    form.get_by_role("button", name=tr("work.assess.save")).click()
    wait_for_app(page)
    page.get_by_text(tr("common.saved"), exact=True).wait_for(timeout=15000)
    page.get_by_role("tab", name=tr("work.tab.language")).click()
    table = page.locator("[data-testid=stDataFrame]").filter(has_text=tr("field.assessed_on")).first
    table.scroll_into_view_if_needed()
    # newest first: the new assessment is the top row (the grid draws only the rows in view)
    # dated the day of the save: the day this test began or the day now (Helsinki midnight may pass between)
    saved_on = "|".join(re.escape(i18n.format_date(d)) for d in {day_before, today()})
    expect(table).to_contain_text(re.compile(f"({saved_on}){re.escape(tr('code.skill.speaking'))}B1\\.2"),
                                  timeout=15000)
    accessible(page, "assessment saved")
    screenshot(page, "flow-coach-2-assessment-saved")


def test_employer_reads_progress_and_gives_feedback(new_tab):
    page = new_tab("employer", f"/?lang={LANG}")
    # The page draws one section at a time (issue 16): the supervisor taps "progress", then "feedback".
    page.get_by_role("heading", name=tr("outcomes.employer.title")).wait_for()
    page.locator("[data-testid=stButtonGroup]").get_by_text(tr("employer.tab.progress"), exact=True).click()
    page.get_by_role("heading", name=tr("outcomes.employer.progress")).wait_for()
    progress = page.locator("[data-testid=stDataFrame]").filter(has_text=tr("field.job_title")).first
    expect(progress).to_contain_text(re.compile(r"P-\d{4}"), timeout=15000)  # listed by code, never by name
    screenshot(page, "flow-employer-1-progress")

    page.locator("[data-testid=stButtonGroup]").get_by_text(tr("employer.tab.feedback"), exact=True).click()
    page.get_by_role("heading", name=tr("outcomes.employer.feedback")).wait_for()
    form = page.locator("[data-testid=stForm]").filter(has_text=tr("outcomes.employer.send"))
    form.locator("[data-testid=stRadio]").get_by_text("4", exact=True).click()
    form.get_by_label(tr("outcomes.employer.comment")).fill("Clear instructions help the whole team.")
    form.get_by_role("button", name=tr("outcomes.employer.send")).click()
    wait_for_app(page)
    page.get_by_text(re.compile("^(" + re.escape(tr("outcomes.employer.thanks")) + "|"
                                + re.escape(tr("outcomes.employer.replaced")) + ")$")).wait_for(timeout=15000)
    given = page.locator("[data-testid=stDataFrame]").filter(has_text=tr("outcomes.col.given_on")).last
    expect(given).to_contain_text("Clear instructions help the whole team.", timeout=15000)
    accessible(page, "feedback sent")
    screenshot(page, "flow-employer-2-feedback-sent")


def test_services_filter_the_dashboard_and_download_a_csv(new_tab):
    page = new_tab("services", f"/?lang={LANG}")
    page.get_by_role("heading", name=tr("outcomes.dashboard.title")).wait_for()
    tiles_before = page.locator("[data-testid=stMetric]").all_inner_texts()
    choose(page, tr("field.company"), re.compile(r"Oy"))
    page.locator("[data-testid=stMain] h1").first.wait_for()
    chosen = page.get_by_label(tr("field.company"), exact=True).locator("xpath=..").inner_text()
    assert tr("outcomes.all_companies") not in chosen
    assert page.locator("[data-testid=stMetric]").all_inner_texts() != tiles_before, "the filter changed nothing"
    accessible(page, "dashboard filtered")
    screenshot(page, "flow-services-1-filtered")

    with page.expect_download() as download:
        page.get_by_role("button", name=tr("outcomes.download_csv")).first.click()
    raw = open(download.value.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM so Excel reads ä and ö"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == tr("outcomes.col.month") and len(rows) > 1
    assert download.value.suggested_filename.endswith(".csv")


def test_admin_adds_a_user_and_reassigns_a_caseload(new_tab, app_url):
    page = new_tab("admin", f"/admin-users?lang={LANG}")
    form = page.locator("[data-testid=stForm]").filter(has_text=tr("admin.field.whole_pilot")).first
    form.get_by_label(tr("admin.field.username"), exact=True).fill("coach-flow")
    form.get_by_label(tr("field.display_name"), exact=True).fill("Flow Coach")
    form.get_by_label(tr("auth.password"), exact=True).fill("flow-password-123")
    whole = form.get_by_role("checkbox", name=tr("admin.field.whole_pilot"))
    whole.focus()
    page.keyboard.press("Space")  # by keyboard, as a keyboard-only user would
    assert whole.is_checked()
    form.get_by_role("button", name=tr("admin.users.add")).click()
    wait_for_app(page)
    page.get_by_text(tr("admin.users.added", username="coach-flow")).wait_for(timeout=15000)
    accessible(page, "user added")
    screenshot(page, "flow-admin-1-user-added")

    page.get_by_role("tab", name=tr("admin.users.reassign")).click()
    choose(page, tr("admin.users.from_coach"), re.compile("^Demo Coach$"))
    # A rerun whose page differs from the last (the "added" message is gone) opens the first tab.
    page.get_by_role("tab", name=tr("admin.users.reassign")).click()
    form = page.locator("[data-testid=stForm]").filter(has_text=tr("admin.users.to_coach"))
    form.get_by_label(tr("admin.users.participants"), exact=True).click()
    first = page.get_by_role("option", name=re.compile(r"^P-\d{4}")).first
    moved_code = re.match(r"P-\d{4}", first.inner_text()).group(0)
    first.click()
    page.keyboard.press("Escape")
    choose(page, tr("admin.users.to_coach"), "Flow Coach", form)
    form.get_by_label(tr("admin.field.reason"), exact=True).fill("Caseload balanced after a new hire")
    form.get_by_role("button", name=tr("admin.users.reassign")).click()
    wait_for_app(page)
    page.get_by_text(template("admin.users.reassigned", count=1)).wait_for(timeout=15000)
    screenshot(page, "flow-admin-2-caseload-moved")

    # The caseload is now the new coach's: listed under Flow Coach, gone from Demo Coach.
    for coach_name, has_it in (("Flow Coach", True), ("Demo Coach", False)):
        page.get_by_role("tab", name=tr("admin.users.reassign")).click()
        choose(page, tr("admin.users.from_coach"), re.compile(f"^{coach_name}$"))
        page.get_by_role("tab", name=tr("admin.users.reassign")).click()
        box = page.get_by_label(tr("admin.users.participants"), exact=True)
        box.click()
        if box.get_attribute("aria-expanded") != "true":
            box.press("ArrowDown")
        codes = [re.match(r"P-\d{4}", o).group(0) for o in page.get_by_role("option").all_inner_texts()
                 if re.match(r"P-\d{4}", o)]
        page.keyboard.press("Escape")
        assert (moved_code in codes) is has_it, (coach_name, moved_code, codes)

    # The new account signs in with its own password; a coach cannot open the admin pages.
    coach = new_tab("coach-flow", f"/?lang={LANG}", password="flow-password-123")
    coach.get_by_role("heading", name=tr("nav.my_week")).or_(coach.locator("[data-testid=stMain] h1")).first.wait_for()
    go(coach, f"{app_url}/admin-users?lang={LANG}")
    # refused: a message or a redirect to the coach's own pages, never the admin screen
    assert coach.get_by_role("heading", name=tr("admin.users.title")).count() == 0
    screenshot(page, "flow-admin-3-caseload-listed")
