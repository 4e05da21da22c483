"""Identifiers: Y-tunnus (business ID), participant codes, and the henkilötunnus detector.

A henkilötunnus (Finnish personal identity code) must never be stored: every free text is
checked with ``contains_hetu`` before it is saved, and the writes that take text outside a
``Checker`` (accounts, audit reasons, anonymisation) call ``refuse_hetu``.

The detector reads the text the way a person would: compatibility forms (full-width digits),
Unicode dashes and invisible format characters are normalised first, the separator may be left
out, and a prefix glued to the date ("HETU131052-308T") does not hide it. It still asks for a
real date and a matching check character, so phone numbers, dates, Y-tunnus, IBANs and amounts
pass.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

_BUSINESS_ID = re.compile(r"^(\d{7})-(\d)$", re.ASCII)  # \d alone takes full-width digits too
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_PARTICIPANT_CODE = re.compile(r"^[A-Za-z0-9-]{2,20}$")
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_CENTURY = {"+": 1800, "-": 1900, "U": 1900, "V": 1900, "W": 1900, "X": 1900, "Y": 1900,
                 "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}
# No boundary before the date but a digit: a glued prefix ("HETU131052-308T") is still found.
# The separator (century sign) is optional: "131052308T" is the same code typed without it.
_HETU = re.compile(r"(?<![0-9])([0-9]{2})([0-9]{2})([0-9]{2})([-+A-FU-Y]?)([0-9]{3})([0-9A-Y])(?![0-9A-Za-z])",
                   re.IGNORECASE)
# Every dash a keyboard, a word processor or a copy from a PDF may put in place of "-".
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


class IdentityCodeFound(ValueError):
    """A text to be stored contains a henkilötunnus; nothing was stored (the UI says error.hetu)."""


def business_id_check_digit(seven_digits: str) -> int | None:
    """The check digit of a Y-tunnus body, or None when no digit can make it valid (r = 1)."""
    r = sum(int(d) * w for d, w in zip(seven_digits, _WEIGHTS)) % 11
    if r == 0:
        return 0
    if r == 1:
        return None
    return 11 - r


def normalise_business_id(value: object) -> str:
    """Trim and pad an old six-digit form ('123456-7' -> '0123456-7')."""
    text = str(value or "").strip()
    if re.fullmatch(r"\d{6}-\d", text, re.ASCII):
        text = "0" + text
    return text


def is_valid_business_id(value: object) -> bool:
    m = _BUSINESS_ID.match(normalise_business_id(value))
    if not m:
        return False
    expected = business_id_check_digit(m.group(1))
    return expected is not None and expected == int(m.group(2))


def is_valid_participant_code(value: object) -> bool:
    return bool(_PARTICIPANT_CODE.match(str(value or "")))


def _is_real_date(dd: str, mm: str, yy: str, sep: str) -> bool:
    # Without a century sign the code is taken as real when its date exists in any century.
    centuries = (_HETU_CENTURY[sep.upper()],) if sep else (1800, 1900, 2000)
    for century in centuries:
        try:
            date(century + int(yy), int(mm), int(dd))
            return True
        except ValueError:
            continue
    return False


def _hetu_is_real(m: re.Match[str]) -> bool:
    dd, mm, yy, sep, individual, check = m.groups()
    if not _is_real_date(dd, mm, yy, sep) or int(individual) < 2:
        return False
    return _HETU_CHECK[int(dd + mm + yy + individual) % 31] == check.upper()


def _normalised(text: str) -> tuple[str, Sequence[int]]:
    """The text as the detector reads it, and for each of its characters the index in ``text``.

    NFKC per character (full-width "１３１０５２" -> "131052"), every dash -> "-", and format
    characters (zero-width space, soft hyphen) dropped; the index map lets a caller mask the
    code in the original text.
    """
    if text.isascii():  # NFKC, the dash map and Cf leave ASCII as it is: the import's common case
        return text, range(len(text))
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue
        for out in unicodedata.normalize("NFKC", ch).translate(_DASHES):
            chars.append(out)
            origin.append(i)
    return "".join(chars), origin


def hetu_spans(text: object) -> list[tuple[int, int]]:
    """Where each henkilötunnus lies in ``text``, as (start, end) indexes of the original text."""
    if text is None:
        return []
    original = str(text)
    norm, origin = _normalised(original)
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in _HETU.finditer(norm) if _hetu_is_real(m)]


def find_hetu(text: object) -> str | None:
    """The first henkilötunnus in a text (a real date and a matching check character), or None.

    Returned as it is written in ``text`` (so a caller can replace it there).
    """
    spans = hetu_spans(text)
    if not spans:
        return None
    start, end = spans[0]
    return str(text)[start:end]


def contains_hetu(text: object) -> bool:
    return bool(hetu_spans(text))


def mask_hetu(text: str) -> str:
    """The text with every henkilötunnus replaced by asterisks (for a log of what was typed)."""
    for start, end in reversed(hetu_spans(text)):
        text = text[:start] + "*" * (end - start) + text[end:]
    return text


def refuse_hetu(*texts: object) -> None:
    """Raise IdentityCodeFound when any of the texts (or a string inside a dict/list) holds a code.

    The one check for writes that take text outside a ``Checker``: accounts, audit rows, reasons.
    """
    for value in texts:
        if isinstance(value, dict):
            refuse_hetu(*value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            refuse_hetu(*value)
        elif isinstance(value, str) and contains_hetu(value):
            raise IdentityCodeFound()
