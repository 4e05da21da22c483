"""Message catalogues (fi, sv, en) and one ``t()`` for every user-visible string.

Catalogues are JSON files under ``pilot/locales/<lang>/``; every file of a language is merged,
so each part of the app keeps its own file. A value may be a plain string or a plural object
``{"one": "...", "other": "..."}`` chosen with the ``count`` parameter by the language's rules.
The language is always an argument: never process-wide state.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
LOCALES = Path(__file__).parent / "locales"
_BABEL = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted((LOCALES / lang).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def babel_locale(lang: str) -> str:
    return _BABEL[normalise_lang(lang)]


def has_key(key: str, lang: str) -> bool:
    return key in catalogue(normalise_lang(lang))


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """Translate a key. A missing key shows the key itself (tests fail on missing keys)."""
    lang = normalise_lang(lang)
    value = catalogue(lang).get(key)
    if value is None:
        value = catalogue(DEFAULT_LANGUAGE).get(key, key)
    if isinstance(value, dict):
        count = params.get("count", 0)
        form = Locale.parse(_BABEL[lang]).plural_form(abs(count)) if isinstance(count, (int, float)) \
            else "other"
        value = value.get(form) or value.get("other", key)
    if params:
        shown = {k: (format_number(v, lang) if isinstance(v, (int, float, Decimal))
                     and not isinstance(v, bool) else v) for k, v in params.items()}
        try:
            return value.format(**shown)
        except (KeyError, IndexError, ValueError):
            return value
    return value


def label(code_list: str, code: str | None, lang: str) -> str:
    """The label of a code in a code list (``code.<list>.<code>``); '' for None."""
    if code is None:
        return ""
    return t(f"code.{code_list}.{code}", lang)


def label_lookup(code_list: str, codes: tuple[str, ...]) -> dict[str, str]:
    """Lower-cased labels in every language -> code, for imports that accept labels."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        for code in codes:
            text = catalogue(lang).get(f"code.{code_list}.{code}")
            if isinstance(text, str):
                out[text.lower()] = code
    return out


def format_number(value: float | int | Decimal | None, lang: str, decimals: int | None = None) -> str:
    if value is None:
        return "–"
    fmt = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(value, format=fmt, locale=_BABEL[normalise_lang(lang)])


def format_percent_value(value: float | None, lang: str, decimals: int = 1) -> str:
    """A share as a percentage in the locale's style: "75,5 %" in fi and sv, "75.5%" in en."""
    if value is None:
        return "–"
    lang = normalise_lang(lang)
    sign = "%" if lang == "en" else "\u00a0%"
    return format_decimal(value * 100, format="#,##0." + "0" * decimals if decimals else "#,##0",
                          locale=_BABEL[lang]) + sign


def format_date(d: date | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """dd.mm.yyyy in every language of the pilot (the Finnish public-sector convention)."""
    return "" if d is None else f"{d.day:02d}.{d.month:02d}.{d.year}"
