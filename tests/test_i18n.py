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


def _literal_ui_strings(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in UI_CALLS:
            for arg in node.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.search(r"[A-Za-zÅÄÖåäö]{3}", arg.value):
                    found.append(f"{path.name}:{node.lineno} {arg.value!r}")
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"],
                         ids=lambda p: p.name)
def test_pages_show_no_untranslated_literals(path):
    assert _literal_ui_strings(path) == []
