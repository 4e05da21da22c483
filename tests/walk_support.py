"""Support of the browser walk (tests/test_browser_walk.py): wait for Streamlit's script run, read
what a page shows (its text, its tiles, every cell of its data grids) and find what must never be
visible there: a raw code, ``True``/``False``, "new text", raw JSON, a truncated tile label, a
username where a person's name belongs.

Data grids (st.dataframe) are drawn on a canvas by glide-data-grid, so their cells are not in
``document.body.innerText``; glide keeps an accessible table inside the canvas with the rows and
columns in view, so the grid is scrolled through and that table read at each position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pilot import i18n
from pilot.domain import codes

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "walk"


# ---- waiting -------------------------------------------------------------------------------------

def wait_for_script(page, timeout: int = 60000) -> None:
    """Wait until the app is connected, Streamlit's script run has finished (``notRunning``, not
    ``initial``/``running``/``rerunRequested``), no skeleton or spinner is left on the page and
    every chart in view has drawn."""
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid=stApp]');
            if (!app) return false;
            if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
            if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
            if (document.querySelector('[data-testid=stSkeleton], [data-testid=stSpinner]')) return false;
            // a chart in view has drawn (Plotly loads and draws after the run)
            return Array.from(document.querySelectorAll('[data-testid=stPlotlyChart]'))
                .filter(c => c.checkVisibility()).every(c => c.querySelector('svg.main-svg'));
        }""", timeout=timeout)
    # the grids and charts draw in the frames after the run: two animation frames
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# ---- what the app must never show ----------------------------------------------------------------

def _catalogue_keys() -> set[str]:
    keys: set[str] = set()
    for lang in i18n.LANGUAGES:
        keys |= set(i18n.catalogue(lang))
    return keys


CATALOGUE_KEYS = _catalogue_keys()


def _app_codes() -> set[str]:
    """Every code of the app's code lists and of the code-label catalogue (``code.<list>.<code>``)."""
    found = {c for values in codes.CODE_LISTS.values() for c in values}
    found |= set(codes.STATUS_RANK)
    found |= {key.rsplit(".", 1)[1] for key in CATALOGUE_KEYS if key.startswith("code.")}
    return {c for c in found if re.fullmatch(r"[a-z][a-z0-9_]*", c)}


APP_CODES = _app_codes()
# A code of one word is an English word: in the Finnish and Swedish app it is shown raw when it
# stands lower-case as a whole word. Words that are also ordinary Swedish or Finnish words (or
# the name of an exam written that way) are left to the snake_case and cell checks.
_NATIVE_WORDS = {"sv": {"present", "register", "training", "email"}, "fi": {"email"}}
SNAKE_CASE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-]|\.\w)")
TRUE_FALSE = re.compile(r"\b(?:True|False)\b")
TOL_CODE = re.compile(r"\d{2}\.\d{2}")
# Python's and pandas' empty values shown as text (a grid shows a missing number as "None").
NULLS = re.compile(r"(?<![\w-])(?:None|nan|NaN|NaT|<NA>)(?![\w-])")
# A decimal number in a cell written with a point: Finnish and Swedish write a comma.
POINT_DECIMAL = re.compile(r"[-+−]?\d+\.\d+(?:\s?%)?")
# The English words the app's message keys are made of ("field.day" -> "day"): one standing
# alone in a cell, or before a colon ("day: 30.11.2026"), in the Finnish or Swedish app is a name
# of the program shown instead of its label.
KEY_WORDS = {key.rsplit(".", 1)[1] for key in CATALOGUE_KEYS
             if re.fullmatch(r"[a-z][a-z_]{2,}", key.rsplit(".", 1)[1])} - {"status"}
FIELD_NAME = re.compile(r"(?<![\w.@/-])([a-z][a-z0-9_]*): ")
LABELS = {lang: {value.casefold() for value in i18n.catalogue(lang).values() if isinstance(value, str)}
          for lang in i18n.LANGUAGES}
# A Y-tunnus in running text is a company shown by its code: a name shows it in brackets after
# the name ("Kielo Oy (3141864-5)"); grids, fields and pickers are not running text.
BARE_BUSINESS_ID = re.compile(r"(?<![(\w-])\d{7}-\d(?![\w)-])")
# Columns where a username is what belongs (the users list, the audit log's actor).
USERNAME_HEADERS = {i18n.t(key, lang) for key in CATALOGUE_KEYS if key.endswith(("field.username", ".actor"))
                    for lang in i18n.LANGUAGES}
# A message key shown instead of its text (a key missing from the catalogue shows itself).
MESSAGE_KEY = re.compile(r"(?<![\w@/.-])[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+(?![\w@/-])")
KEY_NAMESPACES = {key.split(".")[0] for key in CATALOGUE_KEYS}
FILE_ENDINGS = {"xlsx", "csv", "pdf", "html", "zip", "duckdb", "json", "png", "com", "fi", "org", "net", "se"}
# The first languages the demo uses (ISO 639-1): a cell that is exactly one is a code shown bare.
LANGUAGE_CODES = set(codes.COMMON_LANGUAGES)


def _words(lang: str) -> re.Pattern[str]:
    single = sorted(c for c in APP_CODES if "_" not in c and len(c) > 2 and c not in _NATIVE_WORDS.get(lang, set())
                    and c not in codes.ROLES)  # a role code is also a demo username ("Signed in: coach")
    return re.compile(r"(?<![\w.@/-])(?:" + "|".join(map(re.escape, single)) + r")(?![\w@-]|\.\w)")


@dataclass
class Grid:
    headers: dict[int, str]                                   # column index -> header text
    cells: dict[tuple[int, int], str] = field(default_factory=dict)  # (column, row) -> text
    missing: list[int] | None = field(default_factory=list)  # columns with a cell drawn as "None"; None: unreadable

    def column(self, header: str) -> list[str]:
        cols = [c for c, h in self.headers.items() if h == header]
        return [text for (c, _r), text in sorted(self.cells.items(), key=lambda kv: kv[0][::-1]) if c in cols]


@dataclass
class Seen:
    """What one page shows."""
    text: str
    tiles: list[dict]
    grids: list[Grid]
    cells: list[str]        # cells of st.table / Markdown tables, the values the pickers show


# The grid's own cell reader (glide's getCellContent, found through React) is what the canvas
# draws: a missing value drawn as a grey "None" (empty in the accessible table), and a cell's
# display value (a decimal formatted by the page; the accessible table holds the raw value).
# null when the reader cannot be found (a Streamlit upgrade): a finding, never a pass.
GRID_CELLS = """el => {
    const canvas = el.querySelector('canvas[data-testid=data-grid-canvas]');
    const key = canvas && Object.keys(canvas).find(k => k.startsWith('__reactFiber'));
    let fiber = key ? canvas[key] : null;
    for (let up = 0; fiber && up < 100; up++, fiber = fiber.return) {
        if (fiber.memoizedProps && typeof fiber.memoizedProps.getCellContent === 'function') break;
    }
    if (!fiber) return null;
    const cell = fiber.memoizedProps.getCellContent;
    const table = canvas.querySelector('table');
    const rows = Number(table.getAttribute('aria-rowcount')) - 1, cols = Number(table.getAttribute('aria-colcount'));
    const missing = new Set(), drawn = [];
    for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) {
        const content = cell([c, r]);
        if (!content) continue;
        if (content.isMissingValue) missing.add(c);
        if (typeof content.displayData === 'string') drawn.push([c, r, content.displayData]);
    }
    return {missing: Array.from(missing), drawn};
}"""


def read_grids(page) -> list[Grid]:
    """Every st.dataframe on the page, all its rows and columns: scroll the grid in steps and read
    glide's accessible table (only the cells in view are in it) at each position."""
    grids: list[Grid] = []
    count = page.locator("[data-testid=stDataFrame]").count()
    for index in range(count):
        frame = page.locator("[data-testid=stDataFrame]").nth(index)
        if not frame.is_visible():  # in a closed expander or another tab: not shown
            continue
        frame.scroll_into_view_if_needed()
        # glide adds its accessible table after the grid's first draw
        frame.locator("canvas table th[role=columnheader]").first.wait_for(state="attached", timeout=15000)
        headers = frame.evaluate("""el => Object.fromEntries(Array.from(
            el.querySelectorAll('canvas table th[role=columnheader]')).map(
                th => [Number(th.getAttribute('aria-colindex')) - 1, th.innerText.trim()]))""")
        reader = frame.evaluate(GRID_CELLS)
        grid = Grid({int(k): v for k, v in headers.items()}, missing=reader and reader["missing"])
        extent = frame.evaluate("""el => { const s = el.querySelector('.dvn-scroller');
            return s ? [s.scrollWidth, s.scrollHeight, s.clientWidth, s.clientHeight] : [0, 0, 1, 1]; }""")
        width, height, view_w, view_h = extent
        xs = list(range(0, max(1, width - view_w + 1), max(1, view_w - 60))) + [max(0, width - view_w)]
        ys = list(range(0, max(1, height - view_h + 1), max(1, view_h - 80))) + [max(0, height - view_h)]
        for y in dict.fromkeys(ys):
            for x in dict.fromkeys(xs):
                cells = frame.evaluate("""(el, [x, y]) => new Promise(done => {
                    const s = el.querySelector('.dvn-scroller');
                    if (s) { s.scrollLeft = x; s.scrollTop = y; s.dispatchEvent(new Event('scroll')); }
                    requestAnimationFrame(() => requestAnimationFrame(() => done(Array.from(
                        el.querySelectorAll('canvas table td[role=gridcell]')).map(td => {
                            const m = /glide-cell-(\\d+)-(\\d+)/.exec(td.id || '');
                            return m ? [Number(m[1]), Number(m[2]), td.innerText] : null;
                        }).filter(Boolean))));
                })""", [x, y])
                for col, row, text in cells:
                    grid.cells[(col, row)] = text
        frame.evaluate("""el => { const s = el.querySelector('.dvn-scroller');
            if (s) { s.scrollLeft = 0; s.scrollTop = 0; } }""")
        # The accessible table holds a cell's raw value; the canvas draws its display value (a
        # decimal formatted by the page): what a reader sees is the display value.
        for col, row, text in (reader or {}).get("drawn", []):
            if (col, row) in grid.cells:
                grid.cells[(col, row)] = text
        grids.append(grid)
    return grids


def next_frames(page) -> None:
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def full_screenshot(page, path: Path, width: int, height: int) -> None:
    """The whole page: Streamlit scrolls inside its main section, not the document, so the window is
    made as tall as that section's content for the picture, then set back."""
    tall = page.evaluate("""() => { const main = document.querySelector('[data-testid=stMain]');
        return main ? main.scrollHeight : document.documentElement.scrollHeight; }""")
    if tall > height:
        page.set_viewport_size({"width": width, "height": min(tall, 16000)})
        next_frames(page)
    page.screenshot(path=str(path), full_page=True)
    if tall > height:
        page.set_viewport_size({"width": width, "height": height})
        next_frames(page)


# The text a user sees: every text node that is rendered, leaving out Material icons (their
# ligature names, "keyboard_arrow_right", draw as an icon) and the grids' accessible tables.
VISIBLE_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest('[data-testid=stIconMaterial], script, style, noscript, canvas, template')) continue;
        if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
        const s = n.textContent.trim();
        if (s) out.push(s);
    }
    return out.join(String.fromCharCode(10));
}"""


def read_page(page, with_grids: bool = True) -> Seen:
    text = page.evaluate(VISIBLE_TEXT)
    tiles = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid=stMetric]')).map(m => {
        const part = sel => {
            const el = m.querySelector(sel);
            if (!el) return null;
            const clipped = [el, ...el.querySelectorAll('*')].some(
                e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible');
            return {text: el.innerText.trim(), clipped};
        };
        return {label: part('[data-testid=stMetricLabel]'), value: part('[data-testid=stMetricValue]')};
    })""")
    cells = page.evaluate("""() => [
        ...Array.from(document.querySelectorAll('[data-testid=stMain] table td, [data-testid=stMain] table th'))
            .filter(td => !td.closest('canvas') && td.checkVisibility()).map(td => td.innerText.trim()),
        // what a picker shows chosen is the value of its input (a text field holds what was typed,
        // a TOL code in the company form, say: not checked)
        ...Array.from(document.querySelectorAll('input[role=combobox]'))
            .filter(el => el.checkVisibility()).map(el => (el.value || '').trim()),
    ]""")
    return Seen(text, tiles, read_grids(page) if with_grids else [], [c for c in cells if c])


def problems(seen: Seen, lang: str, coach_header: str | None, names: set[str]) -> list[str]:
    """Everything on a page that must not be visible, one line each."""
    found: list[str] = []
    grid_text = [text for g in seen.grids for text in [*g.headers.values(), *g.cells.values()]]
    all_text = "\n".join([seen.text, *grid_text, *seen.cells])

    def hit(kind: str, what: str) -> None:
        line = f"{kind}: {what}"
        if line not in found:
            found.append(line)

    for m in TRUE_FALSE.finditer(all_text):
        hit("True/False shown", _around(all_text, m))
    if "new text" in all_text.lower():
        hit("'new text' shown", _around(all_text, re.search("new text", all_text, re.I)))
    if '{"' in all_text:
        hit("raw JSON shown", _around(all_text, re.search(r'\{"', all_text)))
    for m in SNAKE_CASE.finditer(all_text):
        hit("code shown", f"{m.group(0)!r} in {_around(all_text, m)!r}")
    if lang in ("fi", "sv"):
        for m in _words(lang).finditer(all_text):
            hit("code shown", f"{m.group(0)!r} in {_around(all_text, m)!r}")
    for m in BARE_BUSINESS_ID.finditer(seen.text):
        hit("business id where a company name belongs", _around(seen.text, m))
    for m in MESSAGE_KEY.finditer(all_text):
        key = m.group(0)
        if key in CATALOGUE_KEYS or ((key.count(".") >= 2 or key.split(".")[0] in KEY_NAMESPACES)
                                     and key.rsplit(".", 1)[1] not in FILE_ENDINGS):
            hit("message key shown", key)
    for m in NULLS.finditer(all_text):
        hit("None/NaN shown", _around(all_text, m))
    for cell in [*grid_text, *seen.cells]:
        value = cell.strip()
        if TOL_CODE.fullmatch(value):
            hit("TOL code shown bare", value)
        elif lang in ("fi", "sv") and POINT_DECIMAL.fullmatch(value):
            hit("number written the English way", value)
        if value in LANGUAGE_CODES:
            hit("language code shown bare", value)
    for tile in seen.tiles:
        label = tile.get("label") or {}
        value = tile.get("value") or {}
        if label.get("clipped") or label.get("text", "").endswith(("…", "...")):
            hit("tile label cut", repr(label.get("text")))
        if value.get("clipped") or value.get("text", "").endswith(("…", "...")):
            hit("tile value cut", f"{value.get('text')!r} ({label.get('text')!r})")
    # a code that is also this language's own label of something ("coach" in Swedish) is a word
    codes_here = (APP_CODES | (KEY_WORDS if lang in ("fi", "sv") else set())) - LABELS[lang]
    for grid in seen.grids:
        own = {c for c, h in grid.headers.items() if h in USERNAME_HEADERS}
        for (col, _row), text in grid.cells.items():
            if col not in own and text.strip() in codes_here:
                hit("code shown in a cell", f"{text.strip()!r} under {grid.headers.get(col)!r}")
    for cell in seen.cells:
        if cell in codes_here:
            hit("code shown in a cell", repr(cell))
    if lang in ("fi", "sv"):
        for m in FIELD_NAME.finditer(all_text):
            if m.group(1) in KEY_WORDS:
                hit("field name shown raw", _around(all_text, m))
    for grid in seen.grids:
        if grid.missing is None:
            hit("grid's cells not readable", f"columns {list(grid.headers.values())}")
        for col in grid.missing or []:
            hit("None/NaN shown", f"a missing value in the column {grid.headers.get(col)!r} is drawn as 'None'")
    if coach_header:
        for grid in seen.grids:
            for value in grid.column(coach_header):
                if value and value not in names:
                    hit("coach column shows no display name", repr(value))
    return _grouped(found)


def _grouped(lines: list[str]) -> list[str]:
    """One line per kind of finding on a page: "kind (n×): first; second; third; …"."""
    kinds: dict[str, list[str]] = {}
    for line in lines:
        kind, _, what = line.partition(": ")
        kinds.setdefault(kind, []).append(what)
    return [f"{kind}: {whats[0]}" if len(whats) == 1 else
            f"{kind} ({len(whats)}×): " + "; ".join(whats[:3]) + ("; …" if len(whats) > 3 else "")
            for kind, whats in kinds.items()]


def _around(text: str, m: re.Match | None, width: int = 40) -> str:
    if m is None:
        return ""
    return text[max(0, m.start() - width):m.end() + width].replace("\n", " ⏎ ")


# ---- requests ------------------------------------------------------------------------------------

def foreign(urls: list[str], base: str) -> list[str]:
    """The requests to any host other than the app's (data: and blob: URLs stay in the page)."""
    own = urlsplit(base).netloc
    return sorted({u for u in urls if urlsplit(u).scheme not in ("data", "blob", "about")
                   and urlsplit(u).netloc != own})


def write_findings(name: str, lines: list[str]) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"findings-{name}.txt"
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return path


def screenshot_path(role: str, lang: str, width: int, page_name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{role}-{lang}-{width}-{re.sub(r'[^a-z0-9-]+', '-', page_name.lower())}.png"
