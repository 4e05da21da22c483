"""TOL 2008 (Statistics Finland's industry classification, NACE Rev. 2 based): a company's industry
code as words in fi, sv or en.

Only the 21 sections (A-U) and 88 divisions (two digits) are kept, in ``tol2008.json`` next to
this file: the full classification cannot be downloaded here. A deeper code (group ``873``, class
``87.30`` or ``8730``, subclass ``87300``) is shown with its division's name: "87.30 · <name of 87>".
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).with_name("tol2008.json")
_LANGS = ("fi", "sv", "en")
_CODE = re.compile(r"^(?:(?P<section>[A-Ua-u])|(?P<digits>\d{2}(?:\.?\d{1,3})?))$")


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def sections() -> tuple[str, ...]:
    return tuple(_table()["sections"])


def divisions() -> tuple[str, ...]:
    return tuple(_table()["divisions"])


def section_of(division: str) -> str | None:
    """The section letter a division belongs to (``"87"`` -> ``"Q"``)."""
    for letter, entry in _table()["sections"].items():
        first, last = entry["divisions"]
        if first <= division <= last:
            return letter
    return None


def name(code: str | None, lang: str) -> str | None:
    """The name of a section or of the division a code belongs to, or None for an unknown code."""
    if not code:
        return None
    match = _CODE.match(code.strip())
    if not match:
        return None
    lang = lang if lang in _LANGS else "fi"
    if match.group("section"):
        entry = _table()["sections"].get(match.group("section").upper())
    else:
        entry = _table()["divisions"].get(match.group("digits")[:2])
    return entry[lang] if entry else None


def label(code: str | None, lang: str) -> str:
    """``"87.30 · Sosiaalihuollon laitospalvelut"``; an unknown code is shown as it is."""
    if code is None:
        return ""
    text = str(code).strip()
    found = name(text, lang)
    return f"{text} · {found}" if found else text
