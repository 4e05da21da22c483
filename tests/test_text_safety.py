"""User text is never Markdown, and every download neutralises spreadsheet formulas.

The pilot's own records carry the payloads (a company, participants, sessions, adaptations,
feedback, costs and accounts named with Markdown images and formulas); every page of every role
is rendered and every download's bytes are read.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from pilot import db, demo, downloads
from pilot.domain import formulas
from pilot.ui import nav
from pilot.ui.safe import md
from tests.helpers_app import app_as, each_section

HOST = "http://127.0.0.1:8999"


def image(tag: str) -> str:
    return f"![{tag}]({HOST}/{tag}.png)"


# Each text starts like a formula and carries a Markdown image, a link, HTML and directives.
PAYLOADS = {
    ("companies", "name"): f'=HYPERLINK("{HOST}/f","x") {image("company")}',
    ("companies", "contact_name"): f"@SUM(1) {image('contact')}",
    ("participants", "display_name"): f"+{image('person')} :red[x] $x^2$",
    ("participants", "job_title"): f"-{image('job')} <img src={HOST}/h.png>",
    ("participants", "notes"): f"\t={image('pnotes')}",
    ("sessions", "topics"): f"={image('topics')} [link]({HOST}/l)",
    ("sessions", "notes"): f"\r={image('snotes')}",
    ("adaptations", "description"): f"=1+1 {image('adapt')} :material/home:",
    ("adaptations", "owner"): f"@{image('owner')}",
    ("feedback", "comment"): f"={image('feedback')}",
    ("costs", "description"): f"+{image('cost')}",
    ("users", "display_name"): f"={image('user')}",
    ("participant_notes", "body"): f"# {image('note')}",
}


@pytest.fixture
def payload_db(engine):
    """The demo pilot with every free text of every row replaced by a payload."""
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    demo.load(engine)
    with db.transaction(engine) as conn:
        for (table, column), text in PAYLOADS.items():
            # Per row, so a UNIQUE text column would still differ; tests may write SQL directly.
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :v || CAST(id AS VARCHAR)"), {"v": text + " #"})
    yield engine
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()


# ------------------------------------------------------------------------------ md() itself

@pytest.mark.parametrize("text", [
    "![x](http://127.0.0.1:8999/x.png)", "[a](http://x)", "<img src=x>", "<http://x>", "&amp; &#33;",
    ":red[alert]", ":material/home:", ":material_home:", "$x^2$", "$$x$$", "**b** _i_ `c` ~~s~~",
    "# heading", "  - item", "1. first", "3) third", "> quote", "a | b", "line\n===", "---",
    "back\\slash", "{attr}", "Siivouspalvelu Kirkas Oy", "P-0042", "13.10.2024", "",
])
def test_md_escapes_every_markdown_special(text: str) -> None:
    escaped = md(text)
    # Nothing a Markdown parser would read as syntax is left unescaped.
    assert not re.search(r"(?<!\\)[\[\]<>`*_$&:!|~{}]", escaped.replace("\\\\", "")), escaped
    for line in escaped.splitlines():
        assert not re.match(r"\s*([#>+=-]|\d+[.)])", line), line
    # Removing the escapes gives back the text (plus at most the invisible word joiner).
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.S).replace("\u2060", "") == text


def test_md_of_none_and_numbers() -> None:
    assert md(None) == ""
    assert md(12) == "12"


# ------------------------------------------------------------------------------ every page, every role

# Element fields that Streamlit shows as plain text (escaping them would show backslashes).
PLAIN = {("selectbox", "options"), ("selectbox", "default"), ("selectbox", "raw_values"), ("selectbox", "raw_value"),
         ("multiselect", "options"), ("multiselect", "default"), ("multiselect", "raw_values"),
         ("text", "body"), ("json", "body"), ("code", "code_text"), ("text_input", "default"),
         ("text_input", "value"), ("text_area", "default"), ("text_area", "value"),
         ("text_input", "placeholder"), ("text_area", "placeholder"), ("selectbox", "placeholder"),
         ("multiselect", "placeholder")}
SKIPPED_TYPES = {"plotly_chart", "arrow_data_frame", "dataframe", "download_button_url", "html"}
UNSAFE = re.compile(r"(?<!\\)!(?:\\\\)*\[|(?<!\\)\]\(http|(?<!\\)<img|(?<!\\):red\[|(?<!\\)\$x")


def _strings(message, path=()):
    """Every string field in a proto message, with the path of field names that leads to it."""
    for descriptor, value in message.ListFields():
        name = descriptor.name
        repeated = not isinstance(value, (str, bytes)) and not hasattr(value, "ListFields") \
            and hasattr(value, "__iter__")
        items = list(value) if repeated else [value]
        for item in items:
            if hasattr(item, "ListFields"):
                yield from _strings(item, path + (name,))
            elif isinstance(item, str):
                yield path + (name,), item


def unsafe_texts(at: AppTest) -> list[str]:
    found = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is None or kind in SKIPPED_TYPES or not hasattr(proto, "ListFields"):
            continue
        for path, text in _strings(proto):
            if (kind, path[-1]) in PLAIN or any(p in SKIPPED_TYPES for p in path):
                continue
            if UNSAFE.search(text):
                found.append(f"{kind}.{'.'.join(path)}: {text[:120]}")
    return found


def open_page(db_path: str, user: str, page: str, params: dict | None = None) -> AppTest:
    at = app_as(user, db_path, timeout=90)
    at.query_params["lang"] = "fi"
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _first_id(engine, sql: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(sa.text(sql)).scalar_one())


@pytest.mark.parametrize("role, user", [("coach", "coach"), ("employer", "employer"), ("services", "services"),
                                        ("admin", "admin")])
def test_no_page_renders_user_text_as_markdown(payload_db, role: str, user: str) -> None:
    import os
    path = os.environ["PILOT_DB"]
    participant = _first_id(payload_db, "SELECT MIN(p.id) FROM participants p JOIN adaptations a "
                                        "ON a.participant_id = p.id")
    problems = []
    for spec in nav.PAGES:
        if role not in spec.roles:
            continue
        params = {"participant": participant} if spec.path == "pages/participant.py" else None
        at = open_page(path, user, spec.path, params)
        problems += [f"{spec.path}: {p}" for p in unsafe_texts(at)]
        if spec.path == "pages/companies.py":  # open a company (its header shows the name)
            at.session_state["company_open"] = int(_first_id(payload_db, "SELECT MIN(id) FROM companies"))
            at.run()
            problems += [f"{spec.path} (open): {p}" for p in unsafe_texts(at)]
        if spec.path == "pages/participant.py":  # only the open tab runs: open each of the others
            from tests.forms_support import open_tab
            for tab in ("language", "employment", "adaptations", "details"):
                problems += [f"{spec.path} ({tab}): {p}" for p in unsafe_texts(open_tab(at, tab))]
        if spec.path == "pages/admin_privacy.py":
            at.selectbox(key="anon_pick").set_value(int(participant)).run()
            problems += [f"{spec.path} (picked): {p}" for p in unsafe_texts(at)]
    assert problems == [], "\n".join(problems)


# ------------------------------------------------------------------------------ every download

FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def formula_cells(rows) -> list[str]:
    return [str(c) for row in rows for c in row
            if isinstance(c, str) and c.startswith(FORMULA_START) and not re.fullmatch(r"[+-]?\d+([.,]\d+)?", c)]


@pytest.fixture
def captured(monkeypatch):
    """Every file a page hands to Streamlit's media store (the bytes a download button serves)."""
    files: list[tuple[str, str | None, bytes]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        data = path_or_data if isinstance(path_or_data, bytes) else \
            path_or_data.encode() if isinstance(path_or_data, str) and filename else path_or_data
        if isinstance(data, bytes):
            files.append((mimetype, filename, data))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return files


def rows_of(mimetype: str, data: bytes) -> list[list]:
    if mimetype == "text/csv":  # ";" in fi and sv (pilot/downloads.py), "," in en
        text = data.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n", 1)[0] else ","))
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("user, page", [("coach", "pages/dashboard.py"), ("services", "pages/dashboard.py"),
                                        ("admin", "pages/dashboard.py"), ("employer", "pages/employer.py")])
def test_every_csv_download_neutralises_formulas(payload_db, captured, user: str, page: str) -> None:
    import os
    at = open_page(os.environ["PILOT_DB"], user, page)
    if page == "pages/dashboard.py":  # one section is drawn at a time: every section's downloads
        for _ in each_section(at):
            pass
    else:  # the employer's page draws one section at a time too
        from pilot.ui.outcomes import EMPLOYER_SECTIONS
        for _ in each_section(at, sections=EMPLOYER_SECTIONS):
            pass
    tables = [(m, f, d) for m, f, d in captured if m == "text/csv"]
    assert tables, "the page offers CSV downloads"
    names = [c for m, f, d in tables for c in sum(rows_of(m, d), []) if "HYPERLINK" in str(c)]
    if page == "pages/dashboard.py" and user != "services":  # services see codes, never company names
        assert names, "a company name reached a download"
    for mimetype, filename, data in tables:
        assert formula_cells(rows_of(mimetype, data)) == [], filename


def test_workbook_export_download_neutralises_formulas(payload_db, captured) -> None:
    import os
    at = open_page(os.environ["PILOT_DB"], "coach", "pages/workbook.py")
    at.button(key="wb_export").click().run()
    assert not at.exception
    books = [(m, f, d) for m, f, d in captured if m and "spreadsheet" in m and d[:2] == b"PK"]
    rows = rows_of(books[-1][0], books[-1][2])
    assert any("HYPERLINK" in str(c) for r in rows for c in r)
    assert formula_cells(rows) == []


@pytest.mark.parametrize("text, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+358 40 123", "'+358 40 123"), ("-5 astetta", "'-5 astetta"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("\uff1d1+1", "'\uff1d1+1"),
    ("'=x", "''=x"), ("-5", "-5"), ("+12,5", "+12,5"), ("plain", "plain"), (12, 12), (None, None),
])
def test_neutralise_and_unescape_round_trip(text, expected) -> None:
    assert formulas.neutralise(text) == expected
    assert formulas.unescape(formulas.neutralise(text)) == text


def test_csv_bytes_neutralise_cells_and_headers() -> None:
    frame = pd.DataFrame({"=head": ["=1+1", "ok", None], "n": [-1, 2, 3]})
    rows = rows_of("text/csv", downloads.csv_bytes(frame))
    assert rows[0] == ["'=head", "n"] and rows[1] == ["'=1+1", "-1"]


def test_no_table_or_csv_bypasses_the_safe_helpers() -> None:
    """st.dataframe (its own CSV export) and CSV download buttons go through pilot/ui/safe.py."""
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in list((root / "pages").glob("*.py")) + list((root / "pilot" / "ui").glob("*.py")):
        if path.name == "safe.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"st\.(dataframe|data_editor|table)\(", text) or "text/csv" in text or ".to_csv(" in text:
            offenders.append(path.name)
    assert offenders == []
