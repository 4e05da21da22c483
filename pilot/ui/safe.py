"""User text on screen and in downloads: never Markdown, never a spreadsheet formula.

Streamlit renders Markdown in page texts, captions, alerts, toasts, widget labels, radio and
pill options, tabs, expanders, metrics, buttons and help tooltips. A company called
``![x](http://host/x.png)`` would make every reader's browser fetch that address, a name with
``:red[…]`` or ``$…$`` would restyle the page. ``md`` turns a user's text into Markdown that
shows exactly those characters. Selectbox and multiselect options, table cells and st.text are
plain text in Streamlit: they take the text as it is (escaping there would show backslashes).

Tables and CSV downloads go through ``dataframe`` and ``download_csv`` so their cells reach a
spreadsheet as text (pilot/downloads.py).
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from pilot.downloads import csv_bytes, csv_file_name, neutralised_frame

# Characters that start Markdown, HTML, entities, math and Streamlit's directives anywhere in a
# line: emphasis, code, links and images ([ ]), autolinks and HTML (< >), tables, strikethrough,
# math ($), entities (&), :material/icon: and :color[text] (:), and the escape itself.
_ANYWHERE = re.compile(r"([\\`*_\[\]<>|~$&:!{}])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_LINE_START = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
# Streamlit finds :material/icon: (and :material_icon:) in the text after escapes are undone, so
# an invisible word joiner after the colon is what keeps it text.
_ICON = re.compile(r"\\:(?=material\\?[/_])", re.IGNORECASE)


def md(text: Any) -> str:
    """A user's text as Markdown that renders to exactly that text (None -> "")."""
    if text is None:
        return ""
    escaped = _ANYWHERE.sub(r"\\\1", str(text))
    # Markdown only at the start of a line: "1." / "1)" ordered lists, then headings, quotes,
    # list markers and the --- / === of setext headings and rules.
    escaped = _ORDERED.sub(r"\1\\\2", escaped)
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    return _ICON.sub("\\\\:\u2060", escaped)


def md_params(params: dict[str, Any]) -> dict[str, Any]:
    """Message parameters with every text escaped (numbers and dates stay as they are)."""
    return {k: md(v) if isinstance(v, str) else v for k, v in params.items()}


def dataframe(frame: pd.DataFrame, **kwargs: Any) -> Any:
    """st.dataframe whose cells (and its own CSV export) hold no spreadsheet formula."""
    return st.dataframe(neutralised_frame(frame), **kwargs)


def download_csv(label: str, frame: pd.DataFrame, title: str, key: str, **kwargs: Any) -> None:
    """A CSV download of a table in the user's language (";" and decimal commas in fi and sv, named
    after ``title``, the table's title in that language), formulas neutralised as in the workbook
    export (pilot/downloads.py)."""
    from pilot.ui.core import lang  # pilot.ui.core imports this module
    language = lang()
    st.download_button(label, csv_bytes(frame, language), file_name=csv_file_name(title, language),
                       mime="text/csv", key=key, **kwargs)
