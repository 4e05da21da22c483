"""axe-core on every page of every role (WCAG 2.1 AA): no serious or critical violation of ours.

One app and one Chromium for the module; each role signs in once through the real form and then
visits each of its pages from pilot/ui/nav.PAGES, so a page added there is checked without a
change here. Violations that come from Streamlit's own markup, which no page of ours can change,
are listed in STREAMLIT_OWN with the element they sit in (README: "Accessibility") and only
those nodes are set aside: the same rule on any other element still fails the test.
"""
from __future__ import annotations

import pytest

from pilot.ui.nav import PAGES
from tests.browser_support import AXE, SCREENSHOTS, screenshot, wait_for_app
from tests.helpers_app import login

pytestmark = pytest.mark.browser
ROLES = {"coach": "coach", "employer": "employer", "services": "services", "admin": "admin"}
LANG = "fi"
# rule id -> CSS selector of the Streamlit-owned container whose nodes are exempt (see README).
STREAMLIT_OWN = {
    # The sidebar navigation with sections renders <ul><div><header/><li/>…</div></ul>: a <div>
    # directly in a <ul> and <li> elements whose parent is that <div>.
    "list": '[data-testid="stSidebarNavItems"]',
    "listitem": '[data-testid="stSidebarNavItems"]',
}
AXE_RUN = """async (exempt) => {
    const r = await axe.run(document, {resultTypes: ['violations'], elementRef: true,
                                       runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
                                                 'wcag21aa', 'best-practice']}});
    const out = [];
    for (const v of r.violations) {
        if (!['serious', 'critical'].includes(v.impact)) continue;
        const nodes = v.nodes.filter(n => !(exempt[v.id] && n.element && n.element.closest(exempt[v.id])));
        if (nodes.length) out.push({id: v.id, impact: v.impact, help: v.help,
            nodes: nodes.slice(0, 5).map(n => n.html.slice(0, 160) + ' :: ' + (n.failureSummary || '').slice(0, 200))});
    }
    return out;
}"""


def role_pages() -> list[tuple[str, str]]:
    return [(role, spec.url_path) for role in ROLES for spec in PAGES if role in spec.roles]


def page_path(role: str, url_path: str) -> str:
    """A role's start page answers at "/" (Streamlit serves the default page only there)."""
    spec = next(s for s in PAGES if s.url_path == url_path)
    return "/" if role in spec.default_for else f"/{url_path}"


def violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, STREAMLIT_OWN)


@pytest.fixture(scope="module")
def signed_in(browser, app_url):
    """One signed-in tab per role, opened on first use and kept for the module."""
    tabs: dict[str, object] = {}

    def tab(role: str):  # type: ignore[no-untyped-def]
        if role not in tabs:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            login(page, app_url, ROLES[role], lang=LANG)
            tabs[role] = page
        return tabs[role]
    yield tab
    for page in tabs.values():
        page.context.close()


def assert_clean(found: list[dict], where: str) -> None:
    assert found == [], f"axe on {where}:\n" + "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}):\n    " + "\n    ".join(v["nodes"]) for v in found)


@pytest.mark.parametrize("role, url_path", role_pages(), ids=[f"{r}-{u}" for r, u in role_pages()])
def test_page_has_no_serious_violations(signed_in, app_url, role, url_path):
    page = signed_in(role)
    page.goto(f"{app_url}{page_path(role, url_path)}?lang={LANG}")
    wait_for_app(page)
    # The page really rendered (not a blank run or Streamlit's "page not found" dialog).
    page.locator("[data-testid=stMain] h1").first.wait_for(timeout=30000)
    assert page.locator("[role=dialog]").count() == 0, "a dialog covers the page"
    assert page.evaluate("document.documentElement.lang") == LANG
    found = violations(page)
    failed = SCREENSHOTS / f"a11y-failed-{role}-{url_path}.png"
    failed.unlink(missing_ok=True)  # only this run's failures stay for review
    if found:
        screenshot(page, failed.stem)
    assert_clean(found, f"{role} {url_path}")


@pytest.mark.parametrize("path", ["/", "/account/login?lang=fi"], ids=["app-sign-in", "account-login-form"])
def test_sign_in_pages_have_no_serious_violations(browser, app_url, path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(app_url + path)
        if path == "/":  # without a session the app answers with the sign-in form
            page.wait_for_selector("#username", timeout=30000)
            assert "/account/login" in page.url
        assert_clean(violations(page), path)
    finally:
        context.close()
