"""The formatter (pilot/names.py) bound to the user's language and to names read in their scope.

Every table goes through ``frame`` (widgets.table calls it), every picker of records can use
``language``/``user``/``code`` as its format_func: one place turns codes into the user's words.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from pilot import names
from pilot.access import Scope
from pilot.records import names as name_records
from pilot.ui import core


@st.cache_data(show_spinner=False, ttl=300)
def _lookups(scope: Scope) -> names.Lookups:
    return core.read(lambda c: name_records.lookups(c, scope))


def lookups() -> names.Lookups:
    """Names of people and companies the signed-in user may see (empty before sign-in)."""
    current = st.session_state.get("scope")
    return _lookups(current) if isinstance(current, Scope) else names.NO_LOOKUPS


def frame(rows: list[dict[str, Any]] | pd.DataFrame, columns: Mapping[str, str] | None = None,
          codes: Mapping[str, str | tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Rows as display values with translated headers, ready for safe.dataframe."""
    return names.display_frame(rows, core.lang(), lookups(), columns=columns, codes=codes)


def value(column: str, raw: Any) -> Any:
    return names.value(column, raw, core.lang(), lookups())


def language() -> Callable[[Any], str]:
    """format_func for a first language: "ukraina (uk)" (the language fixed now)."""
    current = core.lang()
    return lambda code: names.language(code, current)


def user() -> Callable[[Any], str]:
    current, found = core.lang(), lookups()
    return lambda username: names.user(username, current, found)


def timestamp(moment: Any) -> str:
    return names.timestamp(moment, core.lang())


def company(business_id: str | None) -> str:
    """A Y-tunnus as the company's name (one outside the user's scope keeps its Y-tunnus)."""
    return names.company_by_business_id(business_id, lookups())


def industry_picker(key: str, value: str | None, help_text: str | None = None) -> str:
    """The company's TOL 2008 industry as "87.30 · <name>": the sections and divisions to pick
    from, any deeper code typed (validated as before); "" when none is chosen."""
    from pilot.domain import tol
    from pilot.ui import widgets
    options = [*tol.sections(), *tol.divisions()]
    if value and value not in options:
        options.insert(0, value)
    widgets.keep_choice(key, options, lambda code, language: tol.label(code, language))
    current = core.lang()
    chosen = st.selectbox(core.t("field.industry"), options, index=options.index(value) if value else None,
                          key=key, format_func=lambda code: tol.label(code, current), accept_new_options=True,
                          placeholder=core.t("forms.choose"), help=help_text)
    return (chosen or "").strip()
