"""Three complete languages: every key in fi, sv and en, same placeholders, no literal UI text in pages."""
from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from pilot import i18n

ROOT = Path(__file__).resolve().parent.parent
ALL_KEYS = sorted(set().union(*(i18n.catalogue(lang).keys() for lang in i18n.LANGUAGES)))
UI_CALLS = {"title", "header", "subheader", "markdown", "write", "caption", "text", "button", "error",
            "warning", "info", "success", "text_input", "text_area", "selectbox", "radio", "checkbox",
            "number_input", "date_input", "form_submit_button", "expander", "tabs", "download_button",
            "metric", "toggle", "multiselect", "segmented_control", "link_button", "page_link", "toast"}


def placeholders(value) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", ALL_KEYS)
def test_key_in_every_language_with_same_placeholders(key):
    values = {lang: i18n.catalogue(lang).get(key) for lang in i18n.LANGUAGES}
    missing = [lang for lang, v in values.items() if not v]
    assert not missing, f"{key} missing or empty in {missing}"
    shapes = {lang: placeholders(v) for lang, v in values.items()}
    assert len({frozenset(s) for s in shapes.values()}) == 1, f"{key}: placeholders differ {shapes}"
    for lang, v in values.items():
        if isinstance(v, dict):
            assert {"one", "other"} <= set(v), f"{key} in {lang} needs plural forms one and other"


@pytest.mark.parametrize("lang, count, expected", [
    ("fi", 1, "1 rivi"), ("fi", 2, "2 riviä"), ("sv", 1, "1 rad"), ("sv", 3, "3 rader"),
    ("en", 1, "1 row"), ("en", 1500, "1,500 rows"), ("fi", 1500, "1\xa0500 riviä"),
])
def test_plural_forms_and_number_format(lang, count, expected):
    assert i18n.t("common.rows", lang, count=count) == expected


def test_unknown_language_falls_back_to_finnish():
    assert i18n.t("common.save", "de") == "Tallenna"


def test_code_labels_exist_for_every_code():
    from pilot.domain.codes import CODE_LISTS
    for lang in i18n.LANGUAGES:
        for list_name, codes in CODE_LISTS.items():
            for code in codes:
                assert i18n.has_key(f"code.{list_name}.{code}", lang), (lang, list_name, code)


# Keyword arguments that a reader sees (st.* widgets and st.column_config.*).
UI_KEYWORDS = {"label", "help", "placeholder", "caption", "title", "value_label", "text", "body"}
COLUMN_CONFIG = {"Column", "TextColumn", "NumberColumn", "CheckboxColumn", "SelectboxColumn", "DateColumn",
                 "DatetimeColumn", "TimeColumn", "ListColumn", "LinkColumn", "ImageColumn", "ProgressColumn",
                 "LineChartColumn", "BarChartColumn", "AreaChartColumn", "JSONColumn", "MultiselectColumn"}


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) \
        and re.search(r"[A-Za-zÅÄÖåäö]{3}", node.value) is not None


def _literal_ui_strings(path: Path) -> list[str]:
    """Literal texts given to st.* calls (first argument or a visible keyword) and column_config
    labels: each should come from t()."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name in UI_CALLS or name in COLUMN_CONFIG:
            for arg in node.args[:1]:
                if _is_text(arg):
                    found.append(f"{path.name}:{node.lineno} {arg.value!r}")
        if name in UI_CALLS or name in COLUMN_CONFIG:
            for kw in node.keywords:
                if kw.arg in UI_KEYWORDS and _is_text(kw.value):
                    found.append(f"{path.name}:{node.lineno} {kw.arg}={kw.value.value!r}")
    return found


def _english_placeholders(path: Path) -> list[str]:
    """A multiselect, or a selectbox that starts empty (index=None), shows Streamlit's English
    "Choose options" / "Choose an option" unless it is given a placeholder."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("selectbox", "multiselect"):
            kws = {kw.arg: kw.value for kw in node.keywords}
            starts_empty = node.func.attr == "multiselect" or (
                isinstance(kws.get("index"), ast.Constant) and kws["index"].value is None)
            if starts_empty and "placeholder" not in kws:
                found.append(f"{path.name}:{node.lineno} {node.func.attr} without placeholder=")
    return found


UI_SOURCES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "pilot" / "ui").glob("*.py")) \
    + [ROOT / "streamlit_app.py"]


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda p: p.name)
def test_pages_show_no_untranslated_literals(path):
    assert _literal_ui_strings(path) == []


@pytest.mark.parametrize("path", UI_SOURCES, ids=lambda p: p.name)
def test_pickers_have_a_translated_placeholder(path):
    assert _english_placeholders(path) == []


@pytest.mark.parametrize("source, expected", [
    ('st.button("Save")', 1), ('st.text_input(t("a"), help="Write here")', 1),
    ('st.column_config.NumberColumn("Hours")', 1), ('st.column_config.TextColumn(label="Name")', 1),
    ('st.selectbox(t("a"), x, placeholder="Pick one")', 1), ('st.button(t("common.save"))', 0),
    ('st.text_input(t("a"), key="form_x_name")', 0), ('st.dataframe(df, column_config={"a": t("b")})', 0),
])
def test_literal_check_finds_literals(tmp_path, source, expected):
    page = tmp_path / "page.py"
    page.write_text(source + "\n")
    assert len(_literal_ui_strings(page)) == expected


@pytest.mark.parametrize("source, expected", [
    ("st.multiselect(t('a'), x)", 1), ("st.multiselect(t('a'), x, placeholder=t('common.choose'))", 0),
    ("st.selectbox(t('a'), x, index=None)", 1), ("st.selectbox(t('a'), x)", 0),
    ("st.selectbox(t('a'), x, index=None, placeholder=t('common.choose'))", 0),
])
def test_placeholder_check_finds_missing_placeholders(tmp_path, source, expected):
    page = tmp_path / "page.py"
    page.write_text(source + "\n")
    assert len(_english_placeholders(page)) == expected


# ---- every page of every role in Swedish: no Finnish or English leftovers ---------------------

SV = "sv"
ROLE_ACCOUNTS = {"coach": "coach", "employer": "employer", "services": "services", "admin": "admin"}
# Proto fields that hold text a reader sees (labels, help, placeholders, bodies, options).
TEXT_FIELDS = {"label", "help", "placeholder", "body", "options", "delta", "caption", "title"}
# Pickers of a language name each language in itself (Suomi, Svenska, English), on purpose.
NOT_OURS = {"lang_select", "report_lang"}
WORD = re.compile(r"[^\W\d_]{4,}")


def _strings(value) -> list[str]:
    return [value] if isinstance(value, str) else [s for v in value.values() for s in _strings(v)] \
        if isinstance(value, dict) else []


def _catalogue_texts(lang: str) -> set[str]:
    return {s.strip() for v in i18n.catalogue(lang).values() for s in _strings(v) if "{" not in s}


def _tol_names(lang: str) -> list[str]:
    """TOL 2008's industry names: translated texts kept beside the catalogue (pilot/domain/tol2008.json)."""
    from pilot.domain import tol
    return [tol.name(code, lang) or "" for code in (*tol.sections(), *tol.divisions())]


def _catalogue_words(lang: str) -> set[str]:
    texts = [s for v in i18n.catalogue(lang).values() for s in _strings(v)] + _tol_names(lang)
    return {w.lower() for s in texts for w in WORD.findall(s)}


# Whole texts that are fi or en catalogue values but no sv value; words only the fi (or only the
# en) catalogue uses. A word any catalogue shares (Excel, CSV, B1.1, "coach") is not a sign.
LEFTOVER_TEXTS = (_catalogue_texts("fi") | _catalogue_texts("en")) - _catalogue_texts(SV)
FI_ONLY = _catalogue_words("fi") - _catalogue_words(SV) - _catalogue_words("en")
EN_ONLY = _catalogue_words("en") - _catalogue_words(SV) - _catalogue_words("fi")


def _node_texts(node) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(where, text) for everything a reader sees in one element or block of an AppTest tree."""
    import json

    from streamlit.testing.v1.element_tree import Dataframe
    out: list[tuple[str, str]] = []
    proto = getattr(node, "proto", None)
    kind = getattr(node, "type", type(node).__name__)
    if getattr(proto, "id", ""):
        kind += f"[{proto.id.rsplit('-', 1)[-1]}]"  # the widget's key, to find it in the pages
    if proto is not None and not any(key in getattr(proto, "id", "") for key in NOT_OURS):
        for field, value in proto.ListFields():
            if hasattr(value, "ListFields"):
                # blocks keep their label one level down (tab.label, expandable.label)
                out += [(f"{kind}.{field.name}.{f.name}", v) for f, v in value.ListFields()
                        if f.name in TEXT_FIELDS and isinstance(v, str)]
            elif field.name in TEXT_FIELDS:
                out += [(f"{kind}.{field.name}", v) for v in ([value] if isinstance(value, str) else value)
                        if isinstance(v, str)]
        if kind == "html":
            out = [(w, re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", v, flags=re.S)))
                   for w, v in out]
        if kind == "plotly_chart" and getattr(proto, "spec", ""):
            layout = json.loads(proto.spec).get("layout", {})
            for axis in ("title", "xaxis", "yaxis"):
                part = layout.get(axis, {})
                title = part if axis == "title" else part.get("title", {})
                text = title.get("text") if isinstance(title, dict) else title
                if text:
                    out.append((f"chart.{axis}", text))
            out += [("chart.trace", tr.get("name")) for tr in json.loads(proto.spec).get("data", []) if tr.get("name")]
    if isinstance(node, Dataframe):
        out += [("table.column", str(c)) for c in node.value.columns]
    return out


def _walk(node):  # type: ignore[no-untyped-def]
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _data_words(db_path) -> tuple[set[str], set[str]]:
    """Every text and word in the demo data (company names, job titles, comments, usernames):
    data, not interface."""
    import sqlalchemy as sa

    from pilot import db
    engine = db.make_engine(str(db_path))
    words: set[str] = set()
    values: set[str] = set()
    with engine.connect() as conn:
        columns = conn.execute(sa.text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema = 'main'")).all()
        for table, column in columns:
            for (value,) in conn.execute(sa.text(f'SELECT DISTINCT "{column}" FROM "{table}"')):  # names from the schema
                if isinstance(value, str):
                    values.add(value.strip())
                    words.update(w.lower() for w in WORD.findall(value))
    engine.dispose()
    return values, words


def leftovers(texts: list[tuple[str, str]], data: tuple[set[str], set[str]]) -> list[str]:
    """Texts that are fi/en catalogue values, or hold words only fi or only en uses.

    A text that is a value of the data (the username "employer"), and a word that is a word of
    the data or the start of one (a long description cut short), are data, not leftovers.
    """
    data_values, data_words = data
    found = []
    for where, text in texts:
        clean = text.strip().strip("*_#").strip()
        if clean in data_values:
            continue
        if clean in LEFTOVER_TEXTS:
            found.append(f"{where}: {text!r} is a fi/en text")
            continue
        if where == "table.cell":
            continue
        words = {w.lower() for w in WORD.findall(text)} - data_words
        words = {w for w in words if not any(d.startswith(w) for d in data_words)}
        for lang, only in (("fi", FI_ONLY), ("en", EN_ONLY)):
            hits = sorted(words & only)
            if hits:
                found.append(f"{where}: {text!r} has {lang} words {hits}")
    return found


def _role_pages() -> list[tuple[str, str]]:
    from pilot.ui.nav import PAGES
    return [(role, spec.path) for role in ROLE_ACCOUNTS for spec in PAGES if role in spec.roles]


def _is_start_page(role: str, path: str) -> bool:
    from pilot.ui.nav import PAGES
    return any(spec.path == path and role in spec.default_for for spec in PAGES)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from tests.helpers_app import prepare_demo_db
    path = prepare_demo_db(tmp_path_factory.mktemp("i18n") / "pilot.duckdb")
    return path, _data_words(path)


@pytest.mark.parametrize("role, path", _role_pages(), ids=[f"{r}-{Path(p).stem}" for r, p in _role_pages()])
def test_every_page_in_swedish_has_no_finnish_or_english_leftovers(demo_db, role, path):
    from tests.helpers_app import app_as
    db_path, data = demo_db
    at = app_as(ROLE_ACCOUNTS[role], db_path)
    at.query_params["lang"] = SV
    at.run()
    if not _is_start_page(role, path):  # the first run shows the start page; others are one switch away
        at.switch_page(path)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "the page shows its title"
    _check_swedish(at, data)
    from pilot.ui.outcomes import DASHBOARD_SECTIONS, EMPLOYER_SECTIONS
    sectioned = {"pages/employer.py": EMPLOYER_SECTIONS, "pages/dashboard.py": DASHBOARD_SECTIONS}
    if path in sectioned:  # drawn one section at a time (issue 16): every section in Swedish
        for section, _ in sectioned[path][1:]:
            at.segmented_control(key="view").set_value(section).run()
            assert not at.exception, [e.value for e in at.exception]
            _check_swedish(at, data, first_run=False)


def _check_swedish(at, data, first_run: bool = True) -> None:  # type: ignore[no-untyped-def]
    open_table_views(at)
    texts = [t for node in _walk(at._tree) for t in _node_texts(node)]
    # A box with no choice and no placeholder shows Streamlit's English "Choose an option"
    # (the page's first run: "default" is unset exactly when nothing is chosen; on later runs it is
    # unset for a box whose choice comes from the session, such as the filters' "All").
    texts += [(f"selectbox[{box.key or box.label}].placeholder", "Choose an option") for box in at.selectbox
              if first_run and not box.proto.HasField("default") and not box.proto.placeholder]
    texts += [(f"multiselect[{box.key or box.label}].placeholder", "Choose options") for box in at.multiselect
              if not box.proto.placeholder]
    found = leftovers(texts, data)
    assert not found, "\n".join(found)
    assert not chart_problems(at), chart_problems(at)


def open_table_views(at) -> None:  # type: ignore[no-untyped-def]
    """Open every chart's table view that is built only when opened (pilot.ui.outcomes.block with
    lazy=True: an expander keyed "tableview_<chart>"), as a reader would, and run the page again."""
    keys = [n.proto.id.rsplit("-", 1)[-1] for n in _walk(at._tree)
            if getattr(n, "type", "") == "expander" and "-tableview_" in n.proto.id]
    for key in keys:
        at.session_state[key] = True
    if keys:
        at.run()
        assert not at.exception, [e.value for e in at.exception]


def chart_problems(at) -> list[str]:  # type: ignore[no-untyped-def]
    """Every chart has a title and named axes, draws in the Okabe-Ito colours, and the page holds
    a table of the same numbers (the table view under it, or the table beside it)."""
    import json

    from pilot.charts import OKABE_ITO
    palette = {c.lower() for c in OKABE_ITO.values()}
    problems = []
    nodes = list(_walk(at._tree))
    charts = [n for n in nodes if getattr(n, "type", "") == "plotly_chart"]
    for n, chart in enumerate(charts):
        spec = json.loads(chart.proto.spec)
        layout = spec.get("layout", {})
        title = layout.get("title", {})
        if not (title.get("text") if isinstance(title, dict) else title):
            problems.append(f"chart {n}: no title")
        for axis in ("xaxis", "yaxis"):
            axis_title = layout.get(axis, {}).get("title", {})
            if not (axis_title.get("text") if isinstance(axis_title, dict) else axis_title):
                problems.append(f"chart {n}: {axis} has no title")
        for trace in spec.get("data", []):
            colours = [c for c in (trace.get("marker", {}).get("color"), trace.get("line", {}).get("color"))
                       if isinstance(c, str)]
            problems += [f"chart {n}: colour {c} is not Okabe-Ito" for c in colours if c.lower() not in palette]
    tables = [n for n in nodes if getattr(n, "type", "") in ("arrow_data_frame", "dataframe")
              or type(n).__name__ == "Dataframe"]
    if len(tables) < len(charts):
        problems.append(f"{len(charts)} charts but {len(tables)} tables")
    return problems


# ---- plain language, dates and numbers per locale -------------------------------------------

MAX_WORDS = 25  # plain-language guidance (selkokieli, plain English): short sentences
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def long_sentences(lang: str) -> list[str]:
    found = []
    for key, value in i18n.catalogue(lang).items():
        for text in _strings(value):
            for sentence in SENTENCE_END.split(text):
                if len(sentence.split()) > MAX_WORDS:
                    found.append(f"{key}: {len(sentence.split())} words: {sentence[:80]}…")
    return found


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_sentences_are_short(lang):
    assert long_sentences(lang) == []


@pytest.mark.parametrize("lang, number, percent", [
    ("fi", "1\xa0234,5", "75,5\xa0%"), ("sv", "1\xa0234,5", "75,5\xa0%"), ("en", "1,234.5", "75.5%"),
])
def test_numbers_and_percentages_per_locale(lang, number, percent):
    assert i18n.format_number(1234.5, lang, 1) == number
    assert i18n.format_percent_value(0.755, lang).replace(" ", "\xa0") == percent


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_dates_are_day_month_year(lang):
    from datetime import date
    assert i18n.format_date(date(2026, 3, 5), lang) == "05.03.2026"
