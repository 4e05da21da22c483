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
from decimal import Decimal
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


# Above this many cells a table's decimals are not restyled (pandas' Styler renders every cell).
STYLED_CELLS = 60_000


def _is_decimal(value: Any) -> bool:
    return isinstance(value, (float, Decimal)) and not isinstance(value, bool)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT


def shown_numbers(frame: pd.DataFrame, lang: str) -> Any:
    """The table with its decimals drawn in the reader's format ("6,8" in fi and sv, "6.8" in en)
    and a missing value drawn blank instead of Streamlit's grey "None". The cells stay numbers,
    so a click on a header still sorts by value: only the drawn text comes from pandas' Styler."""
    from pilot import names

    def show(value: Any) -> Any:
        if _missing(value):
            return names.EMPTY
        return names.number(value, lang) if _is_decimal(value) else value

    # Streamlit draws a missing number as a grey "None" whatever the Styler says: a column with a
    # missing number becomes text (it then sorts as text: a blank beats an English word on screen).
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if (pd.api.types.is_numeric_dtype(values.dtype) or values.dtype == object) \
                and not pd.api.types.is_bool_dtype(values.dtype) and values.map(_missing).any():
            frame[column] = values.map(lambda v: show(v) if _missing(v) or _is_decimal(v) else str(v)
                                       if not isinstance(v, str) else v).astype(object)
    columns = [c for c in frame.columns
               if pd.api.types.is_float_dtype(frame[c].dtype)
               or (frame[c].dtype == object and frame[c].map(_is_decimal).any())]
    if (not columns or frame.size > STYLED_CELLS or not frame.columns.is_unique
            or not frame.index.is_unique):
        return frame
    return frame.style.format(show, subset=columns, na_rep=names.EMPTY)


def dataframe(frame: pd.DataFrame, **kwargs: Any) -> Any:
    """st.dataframe whose cells (and its own CSV export) hold no spreadsheet formula, decimals in
    the reader's format."""
    from pilot.ui.core import lang  # pilot.ui.core imports this module
    return st.dataframe(shown_numbers(neutralised_frame(frame), lang()), **kwargs)


def download_csv(label: str, frame: pd.DataFrame, title: str, key: str, **kwargs: Any) -> None:
    """A CSV download of a table in the user's language (";" and decimal commas in fi and sv, named
    after ``title``, the table's title in that language), formulas neutralised as in the workbook
    export (pilot/downloads.py)."""
    from pilot.ui.core import lang  # pilot.ui.core imports this module
    language = lang()
    st.download_button(label, csv_bytes(frame, language), file_name=csv_file_name(title, language),
                       mime="text/csv", key=key, **kwargs)
