"""A text its author marks for the report's qualitative findings (issue 14): the mark and its theme.

One rule for every form that can mark a text (the employer's feedback, the coach's timeline note):
the theme is required exactly when the text is marked, and a marked text is not empty. An unmarked
text keeps no theme.
"""
from __future__ import annotations

from pilot.domain import codes
from pilot.domain.validation import Checker


def check_mark(c: Checker, text_field: str) -> None:
    """Read ``for_report`` (default not for the report) and ``report_theme`` into ``c.clean``."""
    marked = bool(c.boolean("for_report", default=False))
    theme = c.choice("report_theme", codes.REPORT_THEMES)
    if not marked:
        c.clean["for_report"] = False
        c.clean["report_theme"] = None
        return
    if theme is None and not any(p.field == "report_theme" for p in c.problems):
        c.fail("report_theme", "quotes.error.theme_needed")
    if not c.clean.get(text_field) and not any(p.field == text_field for p in c.problems):
        c.fail(text_field, "quotes.error.text_needed")
