"""Issue 17 in Chromium: every dashboard tile's label reads whole (no '…', nothing cut off) at
1366x900 and 390x844 in Finnish and Swedish, and no two tiles read the same; the dashboard
draws one section, chosen in the address (?view=)."""
from __future__ import annotations

import pytest

from tests.browser_support import screenshot, wait_for_app
from tests.helpers_app import login

pytestmark = pytest.mark.browser

CUT_LABELS = """() => {
  const cut = [];
  const labels = [...document.querySelectorAll('[data-testid=stMetricLabel]')];
  for (const label of labels) {
    const text = label.innerText.trim();
    const boxes = [label, ...label.querySelectorAll('*')];
    const clipped = boxes.some(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible');
    const ellipsis = boxes.some(e => getComputedStyle(e).textOverflow === 'ellipsis' &&
                                     e.scrollWidth > e.clientWidth + 1);
    if (clipped || ellipsis || text.endsWith('…')) cut.push(text);
  }
  return {n: labels.length, cut, texts: labels.map(l => l.innerText.trim())};
}"""


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_tile_label_reads_whole_and_distinct(app_url, browser, lang, width, height):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        login(page, app_url, "services", lang=lang, next_path=f"/dashboard?lang={lang}")
        page.set_viewport_size({"width": width, "height": height})  # the sidebar folds at phone width
        page.reload()
        wait_for_app(page)
        page.locator("[data-testid=stMetricLabel]").first.wait_for(timeout=30000)
        found = page.evaluate(CUT_LABELS)
        screenshot(page, f"dashboard-tiles-{lang}-{width}")
        assert found["n"] >= 22
        assert found["cut"] == [], found["cut"]
        assert len(set(found["texts"])) == len(found["texts"]), found["texts"]
    finally:
        context.close()


def test_the_chosen_section_is_kept_in_the_address(app_url, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        login(page, app_url, "services", lang="en", next_path="/dashboard?lang=en")
        wait_for_app(page)
        assert page.locator("[data-testid=stPlotlyChart]").count() == 1  # the first screen: one chart
        page.locator("[data-testid=stButtonGroup] button", has_text="Sessions").click()
        page.wait_for_url("**view=sessions**", timeout=30000)
        wait_for_app(page)
        page.get_by_text("Attendance rate per month").first.wait_for(timeout=30000)
        assert page.locator("[data-testid=stPlotlyChart]").count() == 2
        page.locator("[data-testid=stButtonGroup] button", has_text="Costs").click()
        page.wait_for_url("**view=costs**", timeout=30000)
        wait_for_app(page)
        page.goto(page.url.replace("lang=en", "lang=sv"))  # the address names the section, not its words
        wait_for_app(page)
        page.get_by_text("Kostnader per månad").first.wait_for(timeout=30000)
        assert "view=costs" in page.url
    finally:
        context.close()
