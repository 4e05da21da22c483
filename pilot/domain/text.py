"""One text rule for every cell and field: what a stored text may hold.

Free text (a name, notes, a description) keeps its letters in any script, but a control character
other than tab and newline, a lone surrogate or a noncharacter is refused: a NUL or ESC once
stored broke the xlsx export of the whole pilot. Keys and codes (a Y-tunnus, a participant code,
a session ref, a code, a date, a number) are stricter: also no line breaks, no invisible format
characters (a zero-width space made a look-alike session key) and no digits other than ASCII 0-9
(full-width or Arabic-Indic digits were read as dates and minutes); what passes is NFKC-normalised
and trimmed. Errors are message keys, never English text.
"""
from __future__ import annotations

import unicodedata

_ALLOWED_CONTROLS = frozenset("\t\n\r")
_ASCII_DIGITS = frozenset("0123456789")


class TextError(ValueError):
    """A text we refuse; ``key`` is the i18n message key."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _refused_anywhere(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in _ALLOWED_CONTROLS
    # Surrogates cannot be written as UTF-8; U+FFFE and U+FFFF are not allowed in XML.
    return category == "Cs" or ch in "\ufffe\uffff"


def clean_text(value: str) -> str:
    """Free text as typed, or TextError("text.error.control") when it holds a control character."""
    if value.isascii() and value.isprintable():
        return value  # the common case, without a look at each character
    if any(_refused_anywhere(ch) for ch in value):
        raise TextError("text.error.control")
    return value


def check_key(value: str) -> str:
    """A key, code, date or number as text: NFKC-normalised and trimmed, or TextError.

    Refused: any control character (tab and newline too), an invisible format character such as
    a zero-width space or a direction mark, and a digit that is not ASCII 0-9.
    """
    value = value.strip()
    if value.isascii() and value.isprintable():
        return value
    for ch in value:
        if _refused_anywhere(ch) or unicodedata.category(ch) == "Cc":
            raise TextError("text.error.control")
        if unicodedata.category(ch) == "Cf":
            raise TextError("text.error.invisible")
        if ch.isdigit() and ch not in _ASCII_DIGITS:
            raise TextError("text.error.digits")
    return unicodedata.normalize("NFKC", value).strip()


def visible(value: str) -> str:
    """The text with every character the rules above refuse shown as <U+XXXX>, for an error line."""
    return "".join(f"<U+{ord(ch):04X}>" if _shown_as_code(ch) else ch for ch in value)


def _shown_as_code(ch: str) -> bool:
    return ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cf", "Cs") or ch in "\ufffe\uffff"
