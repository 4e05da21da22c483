"""Issue 17: every role walks its pages in Finnish and Swedish, on a laptop (1366×900) and a phone
(390×844), in a real Chromium. A page fails on a visible code (a raw code of the app, a message
key, a TOL code or a first-language code shown bare, a username where the coach's name belongs, a
Y-tunnus for a company, an English field name), a cut tile label or value, ``True``/``False``,
``None``/``NaN``, a decimal point in a Finnish or Swedish table, "new text", raw JSON, an error box,
or a request to any host other than the app's. Every page is photographed in full:
test-artifacts/walk/<role>-<lang>-<width>-<page>.png; each case writes its findings to
test-artifacts/walk/findings-<role>-<lang>.txt.

The pages are the ones the role's navigation shows (read from the sidebar, never listed here),
plus one participant's page (each of its tabs) and one company's page where the role has them;
a page's expanders are opened so what they hold is checked too. Each page is opened once (by its
sidebar link, as a user does) and checked at both widths: a resize does not rerun the script.
Data-grid cells do not depend on the width: they are read (scrolled through) at 1366; at 390 the
text, the tiles and the screenshot are checked. Every wait is on Streamlit's script state.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from pilot import i18n
from pilot.demo import DEMO_USERS
from pilot.ui.outcomes import EMPLOYER_SECTIONS
from tests.helpers_app import login
from tests.walk_support import (foreign, full_screenshot, next_frames, problems, read_page, screenshot_path,
                                wait_for_script, write_findings)

pytestmark = pytest.mark.browser

ROLES = ("admin", "services", "coach", "coach2", "employer")  # coach: whole pilot; coach2: bound + caseload
LANGS = ("fi", "sv")
SIZES = ((1366, 900), (390, 844))
# Pages that draw one section at a time (?view=<code>) whose every section the walk opens: the
# employer's page keeps its grids and forms in sections (issue 16). The dashboard's sections are
# opened by test_browser_dashboard and the AppTests; its walk stays its first screen.
SECTIONED = {"employer": EMPLOYER_SECTIONS}
DISPLAY_NAMES = {u["display_name"] for u in DEMO_USERS}


@dataclass
class Account:
    """A signed-in demo account: its cookies, the pages its navigation shows, one participant."""
    state: dict
    links: list[str]
    participant: str | None = None


_ACCOUNTS: dict[tuple[str, str], Account] = {}


def account(browser, base: str, username: str) -> Account:
    """Sign in once per app and account (the admin's second factor takes each code once), read the
    navigation at the laptop width, and find one participant the account may open."""
    key = (base, username)
    if key in _ACCOUNTS:
        return _ACCOUNTS[key]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    login(page, base, username, lang="fi", next_path="/?lang=fi")
    wait_for_script(page)
    more = page.locator("[data-testid=stSidebarNavViewButton]")
    if more.count():
        more.click()
    links = page.eval_on_selector_all("[data-testid=stSidebarNav] a[href]",
                                      "els => els.map(e => new URL(e.href).pathname.replace(/^\\//, ''))")
    links = [link for link in dict.fromkeys(links) if link]
    found = Account(context.storage_state(), links)
    if "participant" in links:
        page.goto(f"{base}/participant?lang=fi")
        wait_for_script(page)
        picker = page.locator("[data-testid=stMain] [data-testid=stSelectbox]").first
        picker.locator("input").click()
        page.locator("[role=option]").first.click()
        page.wait_for_url("**participant=*", timeout=30000)
        found.participant = parse_qs(urlsplit(page.url).query)["participant"][0]
    context.close()
    _ACCOUNTS[key] = found
    return found


class Walk:
    """One role in one language: visits, checks and photographs pages at both widths."""

    def __init__(self, page, base: str, role: str, lang: str) -> None:
        self.page, self.base, self.role, self.lang = page, base, role, lang
        self.findings: list[str] = []
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self.requests.append(socket.url))

    def open(self, path: str, query: str = "") -> None:
        """Open a page the way a user does, with its link in the sidebar (the session stays, which
        is much quicker than loading the app again); by its address when there is no such link."""
        page = self.page
        link = page.locator(f'[data-testid=stSidebarNav] a[href$="/{path}"]')
        if not query and page.url.startswith(self.base) and link.count():
            more = page.locator("[data-testid=stSidebarNavViewButton]")
            if not link.first.is_visible() and more.count():
                more.click()
            link.first.click()
            page.wait_for_url(lambda url: urlsplit(url).path == f"/{path}", timeout=30000)
        else:
            page.goto(f"{self.base}/{path}?lang={self.lang}{query}")
        wait_for_script(page)

    def check(self, name: str) -> None:
        """The page as it is now, its expanders opened, at each width (a resize does not rerun the
        script): its text, tiles and grids, an error box; a full-page screenshot at each width."""
        page = self.page
        # what a closed expander holds (a chart's table, a form) is checked too: open them all
        opened = page.evaluate("""() => { const closed = Array.from(document.querySelectorAll(
                '[data-testid=stMain] [data-testid=stExpander] details:not([open]) > summary'))
                .filter(s => s.checkVisibility());
            closed.forEach(s => s.click()); return closed.length; }""")
        if opened:
            next_frames(page)
            wait_for_script(page)
        for width, height in SIZES:
            if page.viewport_size != {"width": width, "height": height}:
                page.set_viewport_size({"width": width, "height": height})
                next_frames(page)
            where = f"{self.role}/{self.lang}/{width}/{name}"
            if "/account/login" in page.url:
                self.findings.append(f"{where}: sent to the sign-in page ({page.url})")
            elif page.locator("[data-testid=stException]").count():
                error = page.locator("[data-testid=stException]").first.inner_text()[:200]
                self.findings.append(f"{where}: error box: {error!r}")
            seen = read_page(page, with_grids=width == SIZES[0][0])
            coach_header = i18n.t("field.coach", self.lang) if name == "participants" else None
            self.findings += [f"{where}: {line}" for line in problems(seen, self.lang, coach_header, DISPLAY_NAMES)]
            full_screenshot(page, screenshot_path(self.role, self.lang, width, name), width, height)
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
        next_frames(page)

    def company(self) -> None:
        """Open the first company of the companies list (a click on its row) and check its page."""
        self.open("companies")
        canvas = self.page.locator("[data-testid=stDataFrame] canvas[data-testid=data-grid-canvas]").first
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        headings = self.page.locator("[data-testid=stMain] h2").count()
        self.page.mouse.click(box["x"] + 18, box["y"] + 36 + 17)  # the first row, below the header
        self.page.wait_for_function(f"() => document.querySelectorAll('[data-testid=stMain] h2').length > {headings}",
                                    timeout=30000)
        wait_for_script(self.page)
        self.check("company")

    def participant(self, pid: str) -> None:
        """One participant's page, each of its tabs."""
        self.open("participant", f"&participant={pid}")
        tabs = self.page.locator("[data-testid=stMain] [role=tab]")
        for index in range(tabs.count()):
            tab = tabs.nth(index)
            if tab.get_attribute("aria-selected") != "true":
                tab.click()
                self.page.wait_for_function("el => el.getAttribute('aria-selected') === 'true'",
                                            arg=tab.element_handle(), timeout=30000)
                wait_for_script(self.page)
            self.check(f"participant-tab{index + 1}")


CASES = [pytest.param(role, lang, id=f"{role}-{lang}") for role in ROLES for lang in LANGS]


@pytest.mark.parametrize("role, lang", CASES)
def test_walk(app_url, browser, role, lang) -> None:
    signed_in = account(browser, app_url, role)
    assert signed_in.links, f"{role}: the navigation shows no pages"
    width, height = SIZES[0]
    context = browser.new_context(viewport={"width": width, "height": height}, storage_state=signed_in.state)
    walk = Walk(context.new_page(), app_url, role, lang)
    try:
        for path in signed_in.links:
            walk.open(path)
            walk.check(path)
            for section, _ in SECTIONED.get(path, ())[1:]:
                walk.open(path, f"&view={section}")
                walk.check(f"{path}-{section}")
        if signed_in.participant:
            walk.participant(signed_in.participant)
        if "companies" in signed_in.links:
            walk.company()
    finally:
        context.close()
    walk.findings += [f"{role}/{lang}: request to another host: {url}" for url in foreign(walk.requests, app_url)]
    write_findings(f"{role}-{lang}", walk.findings)
    assert not walk.findings, f"{len(walk.findings)} findings:\n" + "\n".join(walk.findings)


def test_the_checks_find_what_they_look_for() -> None:
    """The walk's checks themselves (no browser): each kind of finding is found in a page that has
    it, and a clean Finnish page with dates, decimals, names and a file name passes."""
    from tests.walk_support import Grid, Seen

    coach = i18n.t("field.coach", "fi")
    clean = Seen(text="Osallistujat\n28 riviä\nHoivakoti Kielo Oy (3141864-5)\nKirjautunut: coach (valmentaja)\nLataa tyokirja_pohja.xlsx\n"
                      "12,5 tuntia 30.11.2026 klo 10.30",
                 tiles=[{"label": {"text": "Aloittaneet", "clipped": False}, "value": {"text": "40", "clipped": False}}],
                 grids=[Grid({0: "Koodi", 1: coach, 2: "Ensikieli", 3: "Toimiala"},
                             {(0, 0): "P-0001", (1, 0): "Demo Coach", (2, 0): "somali (so)",
                              (3, 0): "Siivous (81.21)"})],
                 cells=["Kaikki"])
    assert problems(clean, "fi", coach, DISPLAY_NAMES) == []

    dirty = Seen(text="Läsnä: True\nnew text\nMuutokset day: 30.11.2026\nTyökokeilukuukaudet: 3141590-3: 4,2\nTyyppi: work_trial\nVaihe in_use\nTaito listening\n"
                      '{"kind": 1}\nwork17.col.ref',
                 tiles=[{"label": {"text": "Työllistyneiden osuus pä…", "clipped": False}, "value": None},
                        {"label": {"text": "Tilanne päättäessä tuntematon", "clipped": True}, "value": None}],
                 grids=[Grid({0: "Koodi", 1: coach, 2: "Ensikieli", 3: "Toimiala", 4: "Laji", 5: "Muutos", 6: "h"},
                             {(0, 0): "P-0001", (1, 0): "coach", (2, 0): "so", (3, 0): "81.21",
                              (4, 0): "present", (5, 0): "None", (6, 0): "15.4", (6, 1): ""}, missing=[6])],
                 cells=["totp"])
    found = "\n".join(problems(dirty, "fi", coach, DISPLAY_NAMES))
    for expected in ("True/False shown", "'new text' shown", "'work_trial'", "'in_use'", "'listening'",
                     "raw JSON shown", "message key shown: work17.col.ref", "tile label cut (2×): 'Työllistyneiden",
                     "'Tilanne päättäessä tuntematon'", "coach column shows no display name: 'coach'",
                     "language code shown bare: so", "TOL code shown bare: 81.21",
                     "'present' under 'Laji'", "business id where a company name belongs",
                     "field name shown raw", "; 'totp'", "None/NaN shown",
                     "number written the English way: 15.4",
                     "a missing value in the column 'h' is drawn as 'None'"):
        assert expected in found, (expected, found)
    assert foreign(["http://127.0.0.1:9/x", "ws://127.0.0.1:9/_stcore/stream", "data:image/png;base64,x",
                    "https://fonts.gstatic.com/a.svg"], "http://127.0.0.1:9") == ["https://fonts.gstatic.com/a.svg"]
