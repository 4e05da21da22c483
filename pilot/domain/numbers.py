"""One number parser for every path: forms, the workbook import and the command line.

A number is read only from ASCII digits with a length limit, *before* any conversion: ``inf``,
``NaN``, ``1e999999``, full-width or Arabic-Indic digits are refused, never converted (a huge
exponent once held the interpreter for a minute). Typed text follows the user's locale through
Babel: fi/sv take a decimal comma (and a point, as typed on an English keyboard), en takes a point
with optional comma grouping; a separator is never dropped (``12,50`` is never 1250). Spreadsheet
cells that are already numbers pass when finite. Errors are message keys, never English text.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal

MAX_CHARS = 32
"""Longer text is refused before anything else looks at it."""
MAX_DIGITS = 15
"""Digits before the decimal separator: no pilot quantity comes near, and Decimal arithmetic
(quantize at 28 digits of precision) stays exact for everything accepted."""

_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
# Spaces a user or a spreadsheet may put between digit groups (space, no-break, narrow no-break).
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f]")
_ALLOWED = re.compile(r"[0-9 \u00a0\u202f.,+\-]+")
# Without a locale (workbook cells, CLI): digits with one optional decimal point or comma.
_PLAIN = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?|[+-]?[.,][0-9]+")
# A number as an xlsx file stores it (the text of a numeric cell): a point and an optional exponent.
_STORED = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


class NumberError(ValueError):
    """Not a number we accept; ``key`` is the i18n message key (``error.number``)."""

    def __init__(self, key: str = "error.number"):
        super().__init__(key)
        self.key = key


def parse_number(value: object, lang: str | None = None) -> Decimal:
    """A finite Decimal from a cell or typed text, or NumberError.

    ``lang`` None reads a workbook cell or a command-line value: a decimal point or comma, no
    grouping other than spaces. With ``lang`` the text is read as a person of that locale types it.
    """
    if isinstance(value, bool):
        raise NumberError()
    if isinstance(value, int):
        return _in_range(Decimal(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError()
        return _in_range(Decimal(repr(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberError()
        return _in_range(value)
    text = str(value).strip()
    if not text or len(text) > MAX_CHARS or not _ALLOWED.fullmatch(text):
        raise NumberError()
    if lang is None:
        text = _GROUP_SPACES.sub("", text)
        if not _PLAIN.fullmatch(text):
            raise NumberError()
        return _in_range(Decimal(text.replace(",", ".")))
    locale = _LOCALES.get(lang, _LOCALES["fi"])
    if lang in ("fi", "sv"):
        # Finnish and Swedish group with a (no-break) space; Babel expects the no-break one.
        text = _GROUP_SPACES.sub("\u00a0", text)
        if text.count(",") + text.count(".") > 1:
            raise NumberError()
    try:
        number = parse_decimal(text, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        raise NumberError() from None
    if not number.is_finite():
        raise NumberError()
    return _in_range(number)


def parse_stored_number(text: str) -> Decimal:
    """The number a spreadsheet file stores as text (``90``, ``1.5``, ``1E-4``), or NumberError.

    The file holds a binary double written with 17 digits (99.9 is ``99.90000000000001``), so the
    text is read as a float and kept as the shortest decimal that reads back the same. The text
    is checked first (ASCII, at most ``MAX_CHARS`` characters, an exponent of three digits), so
    nothing does work proportional to the value; out of range is refused as above.
    """
    if len(text) > MAX_CHARS or not _STORED.fullmatch(text):
        raise NumberError()
    return parse_number(float(text))


def _in_range(number: Decimal) -> Decimal:
    if number and number.adjusted() >= MAX_DIGITS:
        raise NumberError()
    return number


def parse_integer(value: object, lang: str | None = None) -> int:
    """A whole number (``4,0`` is 4; ``4,5`` is refused with ``error.integer``)."""
    number = parse_number(value, lang)
    if number != number.to_integral_value():
        raise NumberError("error.integer")
    return int(number)


def parse_amount(value: object, places: int, lang: str | None = None) -> Decimal:
    """A number with at most ``places`` decimals (``error.decimals`` otherwise), quantized."""
    number = parse_number(value, lang)
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise NumberError("error.decimals")
    return number.quantize(step)
