"""Spreadsheet formula neutralisation: the one rule every export and download uses.

A company called ``=HYPERLINK("http://…","x")`` must stay a name when a coach opens a download
in Excel or LibreOffice. A text cell whose first character a spreadsheet reads as the start of
a formula (= + - @, a tab or a carriage return, or their full-width forms) gets a leading
apostrophe; both programs show the text as typed and run nothing. The workbook import strips
exactly that apostrophe again (``unescape``), so an export imports back to the same text.

Plain numbers written as text ("-5", "+12,5") are left alone: they cannot run anything and a
coach's sum over them should keep working.
"""
from __future__ import annotations

import re
from typing import Any

# Apostrophes first: "'=x" (already neutralised text) gets one more, so unescape gives it back.
_FORMULA_START = re.compile("^'*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]")
_ESCAPED = re.compile("^'+[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def needs_neutralising(value: Any) -> bool:
    """True for a text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and bool(_FORMULA_START.match(value)) and not _PLAIN_NUMBER.match(value)


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe; others unchanged."""
    return "'" + value if needs_neutralising(value) else value


def unescape(value: Any) -> Any:
    """The reverse of ``neutralise`` for a cell read from a workbook: one apostrophe off."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value
