"""Identifiers: Y-tunnus (business ID), participant codes, and the henkilötunnus detector.

A henkilötunnus (Finnish personal identity code) must never be stored: every free text is
checked with ``contains_hetu`` before it is saved.
"""
from __future__ import annotations

import re
from datetime import date

_BUSINESS_ID = re.compile(r"^(\d{7})-(\d)$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_PARTICIPANT_CODE = re.compile(r"^[A-Za-z0-9-]{2,20}$")
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_HETU_CENTURY = {"+": 1800, "-": 1900, "U": 1900, "V": 1900, "W": 1900, "X": 1900, "Y": 1900,
                 "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}
_HETU = re.compile(r"(?<![0-9A-Za-z])(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])(?![0-9A-Za-z])",
                   re.IGNORECASE)


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
    if re.fullmatch(r"\d{6}-\d", text):
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


def _hetu_is_real(m: re.Match[str]) -> bool:
    dd, mm, yy, sep, individual, check = m.groups()
    try:
        date(_HETU_CENTURY[sep.upper()] + int(yy), int(mm), int(dd))
    except ValueError:
        return False
    if int(individual) < 2:
        return False
    return _HETU_CHECK[int(dd + mm + yy + individual) % 31] == check.upper()


def find_hetu(text: object) -> str | None:
    """The first henkilötunnus in a text (a real date and a matching check character), or None."""
    if text is None:
        return None
    for m in _HETU.finditer(str(text)):
        if _hetu_is_real(m):
            return m.group(0)
    return None


def contains_hetu(text: object) -> bool:
    return find_hetu(text) is not None
