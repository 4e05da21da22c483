"""Shared widgets: dates in dd.mm.yyyy, code pickers, field errors, tables with translated headers."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from pilot import i18n
from pilot.domain.dates import today
from pilot.domain.validation import Problem  # re-exported for pages
from pilot.ui import safe
from pilot.ui.core import label, lang, t
from pilot.ui.core import labeller as core_labeller

MIN_DATE = date(2015, 1, 1)


def date_field(key_label: str, key: str, value: date | None = None, optional: bool = False) -> date | None:
    """A date picker showing dd.mm.yyyy; optional ones may be left empty."""
    default = None if optional and value is None else (value or today())
    return st.date_input(t(key_label), value=default, key=key, format="DD.MM.YYYY",
                         min_value=MIN_DATE, max_value=date(2100, 12, 31), help=t("common.date_help"))


def code_select(key_label: str, code_list: str, codes: tuple[str, ...], key: str,
                value: str | None = None, optional: bool = False) -> str | None:
    options: list[str | None] = ([None] if optional else []) + list(codes)
    index = options.index(value) if value in options else 0
    return st.selectbox(t(key_label), options, index=index, key=key, format_func=core_labeller(code_list))


def field_errors(problems: list[Problem], field: str) -> None:
    """Errors next to the field they belong to, in the user's language."""
    for p in problems:
        if p.field == field:
            params = dict(p.params)
            if "other" in params:
                params["other"] = t(f"field.{params['other']}")
            st.error(t(p.key, **params), icon=":material/error:")


def problems_summary(problems: list[Problem]) -> None:
    if problems:
        st.error(t("error.fix_fields"))


def table(rows: list[dict[str, Any]], columns: dict[str, str], codes: dict[str, str] | None = None,
          key: str | None = None, selectable: bool = False, limit: int | None = None) -> Any:
    """A read-only table with translated headers, dates as dd.mm.yyyy and code labels. With
    ``limit``, only the first rows are drawn and a caption says how many there are."""
    if not rows:
        st.info(t("common.empty"))
        return None
    if limit is not None and len(rows) > limit:
        st.caption(t("common.first_rows", shown=i18n.format_number(limit, lang()),
                     count=i18n.format_number(len(rows), lang())))
        rows = rows[:limit]
    frame = pd.DataFrame(rows)[list(columns)]
    for col, code_list in (codes or {}).items():
        frame[col] = frame[col].map(lambda c, cl=code_list: label(cl, c) if c is not None else "")
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, date)).any():
            frame[col] = frame[col].map(lambda v: i18n.format_date(v) if isinstance(v, date) else "")
        elif frame[col].map(lambda v: isinstance(v, bool)).all():
            frame[col] = frame[col].map(lambda v: t("common.yes") if v else t("common.no"))
    frame = frame.astype(object).where(frame.notna(), "")  # empty cells, not "None"
    frame = frame.rename(columns={c: t(k) for c, k in columns.items()})
    if selectable:
        return safe.dataframe(frame, hide_index=True, width="stretch", key=key,
                              on_select="rerun", selection_mode="single-row")
    safe.dataframe(frame, hide_index=True, width="stretch", key=key)
    return None


def language_switch() -> None:
    """fi / sv / en, kept in the URL as ?lang=."""
    current = lang()
    names = {"fi": "Suomi", "sv": "Svenska", "en": "English"}  # each language in its own name
    chosen = st.sidebar.selectbox(t("app.language"), i18n.LANGUAGES, index=i18n.LANGUAGES.index(current),
                                  format_func=names.__getitem__, key="lang_select")
    if chosen != current:
        st.session_state["lang"] = chosen
        st.query_params["lang"] = chosen
        st.rerun()


def language_namer():
    """format_func: a first language's name in the user's language (Babel), with the code."""
    from babel import Locale
    names = Locale.parse(i18n.babel_locale(lang())).languages

    def name(code: str | None) -> str:
        if not code:
            return "—"
        found = names.get(code)
        return f"{found} ({code})" if found else code
    return name


def first_language_picker(key: str, value: str | None = None) -> str | None:
    from pilot.domain.codes import COMMON_LANGUAGES
    options = list(COMMON_LANGUAGES)
    if value and value not in options:
        options.insert(0, value)
    return st.selectbox(t("field.first_language"), options,
                        index=options.index(value) if value in options else None, key=key,
                        format_func=language_namer(), accept_new_options=True,
                        placeholder=t("participants.language_hint"))


def employment_fields(prefix: str, problems: list[Problem], value: dict | None = None) -> dict:
    """Status, weekly hours, pay subsidy and employer: one dated employment row."""
    from pilot.domain.codes import EMPLOYMENT_STATUSES
    cur = value or {}
    out: dict[str, Any] = {}
    c1, c2 = st.columns(2)
    with c1:
        out["status"] = code_select("field.status", "employment_status", EMPLOYMENT_STATUSES,
                                    f"{prefix}_status", cur.get("status") or "unemployed")
        out["weekly_hours"] = st.number_input(t("field.weekly_hours"), min_value=0.0, max_value=60.0,
                                              step=0.5, value=cur.get("weekly_hours"), key=f"{prefix}_hours")
        field_errors(problems, "weekly_hours")
    with c2:
        out["employer_business_id"] = st.text_input(t("field.employer_business_id"),
                                                    value=cur.get("employer_business_id") or "",
                                                    key=f"{prefix}_employer")
        field_errors(problems, "employer_business_id")
        out["subsidised"] = st.checkbox(t("field.subsidised"), value=bool(cur.get("subsidised")),
                                        key=f"{prefix}_subsidised")
        field_errors(problems, "subsidised")
    return out


def company_picker(scope, key: str) -> int:
    """Pick one of the caller's companies; with none in scope, say so and stop the page."""
    from pilot.records import companies
    from pilot.ui.core import mapper, read
    names = dict(read(lambda c: companies.company_choices(c, scope)))
    if not names:
        st.info(t("work.no_companies"))
        st.stop()
    return st.selectbox(t("field.company"), list(names), key=key, format_func=mapper(names))
