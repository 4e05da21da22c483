"""Shared widgets: dates in dd.mm.yyyy, code pickers, field errors, tables with translated headers."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
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


def keep_choice(key: str, options: list[Any], name: Callable[[Any, str], str]) -> None:
    """Keep a picker's choice when the language changes.

    Streamlit 1.67 sends a picker's value as the text of the chosen option, so a choice made in
    English ("Absent") is not among the Finnish options after a language switch and the widget
    falls back to its default (everyone "present"). Called before the widget: a value that is the
    label of an option in any language is turned back into that option's code.
    """
    value = st.session_state.get(key)
    if value is None or not isinstance(value, str) or value in options:
        return
    for language in i18n.LANGUAGES:
        for option in options:
            if name(option, language) == value:
                st.session_state[key] = option
                return


def code_namer(code_list: str, none_key: str | None = None) -> Callable[[Any, str], str]:
    """An option's label in a given language (what ``core.labeller`` shows in the current one)."""
    return lambda code, language: (i18n.t(none_key, language) if none_key else "—") if code is None \
        else i18n.label(code_list, code, language)


def code_select(key_label: str, code_list: str, codes: tuple[str, ...], key: str,
                value: str | None = None, optional: bool = False, empty: bool = False) -> str | None:
    """A code picker; ``empty`` starts with nothing chosen (a placeholder says to choose), for
    choices that must never be preselected (an employment status)."""
    options: list[str | None] = ([None] if optional else []) + list(codes)
    keep_choice(key, options, code_namer(code_list))
    if empty:
        return st.selectbox(t(key_label), options, index=options.index(value) if value in options else None,
                            key=key, format_func=core_labeller(code_list), placeholder=t("forms.choose"))
    index = options.index(value) if value in options else 0
    return st.selectbox(t(key_label), options, index=index, key=key, format_func=core_labeller(code_list))


def number_field(key_label: str, key: str, value: Decimal | float | int | None = None,
                 decimals: int | None = None, problems: list[Problem] | None = None,
                 field: str | None = None) -> str:
    """The one number field: text typed as the user's locale writes numbers (``12,50`` in fi and
    sv, ``12.50`` in en), read by ``pilot.domain.numbers`` through ``Checker(values, lang)``.

    st.number_input is not used: in a browser it drops a decimal comma (``12,50`` became 1250).
    The text is returned as typed; the check reads it in the user's language and an error shows
    under the field. A starting value is written without grouping, so it reads back in any language.
    """
    if key not in st.session_state:
        st.session_state[key] = "" if value is None else plain_number(value, lang(), decimals)
    # The example shows the separator of the user's language while the field is empty. A
    # placeholder is plain text, not Markdown: its parameter is not escaped (i18n.t, not t).
    example = plain_number(Decimal("12.5"), lang(), 1)
    text = st.text_input(t(key_label), key=key,
                         placeholder=i18n.t("forms.number_help", lang(), example=example))
    if problems and field:
        field_errors(problems, field)
    return text


def plain_number(value: Decimal | float | int, language: str, decimals: int | None = None) -> str:
    """A number in the language's decimal separator, without grouping (``1250,5``)."""
    from babel.numbers import format_decimal
    pattern = "0" if decimals == 0 else "0." + "0" * decimals if decimals else "0.##########"
    return format_decimal(Decimal(str(value)), format=pattern, locale=i18n.babel_locale(language))


def future_confirm(prefix: str, problems: list[Problem]) -> bool:
    """A second step for a date in the future: after a save found one, a tick box confirms it."""
    if not any(p.key == "error.future_confirm" for p in problems):
        return False
    return st.checkbox(t("forms.confirm_future"), key=f"{prefix}_future_ok")


def url_select(param: str, key_label: str, options: list[int], key: str,
               format_func: Callable[[Any], str]) -> int | None:
    """A picker of records the URL follows: ``?param=<id>`` opens one, picking another writes the
    URL (a new history entry), and Back, a reload or a bookmark show the one the URL names.

    The URL is the source of truth: when it changed outside the picker (Back, a link), the picker
    takes the URL's value before it is drawn; a pick updates the URL in its callback.
    """
    raw = st.query_params.get(param, "")
    seen = f"_url_{key}"
    # A new URL, or a picker whose state Streamlit dropped when the page was left: the URL decides.
    if st.session_state.get(seen) != raw or key not in st.session_state:
        st.session_state[key] = int(raw) if raw.isdigit() and int(raw) in options else None
        st.session_state[seen] = raw

    def follow() -> None:
        chosen = st.session_state.get(key)
        if chosen is None:
            if param in st.query_params:
                del st.query_params[param]
        else:
            st.query_params[param] = str(chosen)
        st.session_state[seen] = st.query_params.get(param, "")

    return st.selectbox(t(key_label), options, key=key, index=None, format_func=format_func,
                        placeholder=t("common.choose"), on_change=follow)


def lazy_tabs(key: str, names: tuple[str, ...], label: Callable[[str], str]) -> list[Any]:
    """Tabs of which only the open one should run: the caller draws a tab's content under
    ``if tabs[i].open:`` (Streamlit tracks the open tab and reruns on a click). The open tab is
    remembered by its name, so a language switch, which relabels and so renews the tabs, keeps the
    same tab open instead of going back to the first. Every tab that tracks the open one goes
    through here (tests/test_tabs_language.py checks that no page calls st.tabs with on_change)."""
    labels = [label(name) for name in names]
    remembered = st.session_state.get(f"_{key}_open")
    if remembered in names and st.session_state.get(key) not in labels:  # relabelled: a new language
        st.session_state[key] = label(remembered)
    tabs = st.tabs(labels, key=key, on_change="rerun")
    st.session_state[f"_{key}_open"] = next((name for name, tab in zip(names, tabs) if tab.open), names[0])
    return list(tabs)


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
    """A read-only table with translated headers and every value in the user's words. With
    ``limit``, only the first rows are drawn and a caption says how many there are."""
    if not rows:
        st.info(t("common.empty"))
        return None
    if limit is not None and len(rows) > limit:
        st.caption(t("common.first_rows", shown=i18n.format_number(limit, lang()),
                     count=i18n.format_number(len(rows), lang())))
        rows = rows[:limit]
    # Codes, people, companies, industries, booleans, decimals, dates and times as the user's
    # words, every column of one type (pilot/names.py: the one formatter of every table).
    from pilot.ui import names
    frame = names.frame(rows, columns, codes)
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


def language_namer(language: str | None = None):
    """format_func: a first language's name in the user's language (Babel), with the code; the
    same words every table shows (pilot/names.py)."""
    from pilot import names
    current = language or lang()
    return lambda code: names.language(code, current) if code else "—"


def first_language_picker(key: str, value: str | None = None) -> str | None:
    from pilot.domain.codes import COMMON_LANGUAGES
    options = list(COMMON_LANGUAGES)
    if value and value not in options:
        options.insert(0, value)
    keep_choice(key, options, lambda code, language: language_namer(language)(code))
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
        # Never preselected: one click must not record a status nobody chose.
        out["status"] = code_select("field.status", "employment_status", EMPLOYMENT_STATUSES,
                                    f"{prefix}_status", cur.get("status"), empty=True)
        field_errors(problems, "status")
        out["weekly_hours"] = number_field("field.weekly_hours", f"{prefix}_hours", cur.get("weekly_hours"),
                                           problems=problems, field="weekly_hours")
    with c2:
        out["employer_business_id"] = st.text_input(t("field.employer_business_id"),
                                                    value=cur.get("employer_business_id") or "",
                                                    key=f"{prefix}_employer")
        field_errors(problems, "employer_business_id")
        out["subsidised"] = st.checkbox(t("field.subsidised"), value=bool(cur.get("subsidised")),
                                        key=f"{prefix}_subsidised")
        field_errors(problems, "subsidised")
    return out


# ---- bounded pickers (issue 16) ----
# A picker sends every option to the browser on every run: 200 000 participants or 20 000 companies
# made a page take seconds. Beyond CHOICES, a search box narrows the list in SQL (pilot/records).
CHOICES = 200
# The caseload grid (pages/participants.py) draws at most this many rows, with a caption of how many match.
CASELOAD_ROWS = 500


def _finder(key: str, total: int, label_key: str) -> str | None:
    """The search box above the picker ``key`` when its scope holds more than CHOICES (Enter
    applies); below that nothing is drawn, so a small pilot's page looks as before."""
    if total <= CHOICES:
        return None
    text = st.text_input(t(label_key), key=f"{key}_find", help=t("picker.find_help"))
    return text.strip() or None


def _shown(count: int, text: str | None, matches: Callable[[], int]) -> None:
    """Under the search box: how many the list shows of how many, or that nothing matches."""
    if count <= CHOICES:
        return
    found = matches() if text else count
    if not found:
        st.caption(t("picker.no_match"))
    elif found > CHOICES:
        st.caption(t("picker.first_of", shown=i18n.format_number(CHOICES, lang()),
                     count=i18n.format_number(found, lang())))


def _participant_names(scope, key: str, chosen: int | None, name: Callable[[dict[str, Any]], str],
                       company: bool = False) -> dict[int, str]:
    """At most CHOICES participants of the scope (id -> ``name(row)``), with the search box for a
    larger scope drawn above the picker ``key`` (code, or name where the role sees names) and
    ``chosen`` kept among them whatever the search finds."""
    from pilot.records import participants
    from pilot.ui.core import read
    count = read(lambda c: participants.count_choices(c, scope))
    text = _finder(key, count, "picker.find_participant" if scope.sees_names else "picker.find_participant_code")
    rows = read(lambda c: participants.participant_choices(c, scope, text, chosen, CHOICES, company=company))
    _shown(count, text, lambda: read(lambda c: participants.count_choices(c, scope, text)))
    return {r["id"]: name(r) for r in rows}


def participant_picker(scope, key: str, name: Callable[[dict[str, Any]], str]) -> int | None:
    """The participant the URL names (``?participant=<id>``, see url_select), chosen among at most
    CHOICES of the scope; the person open stays among the options whatever the search finds."""
    from pilot.ui.core import mapper
    raw = st.query_params.get("participant", "")
    names = _participant_names(scope, key, int(raw) if raw.isdigit() else None, name)
    return url_select("participant", "participants.choose", list(names), key, mapper(names))


def participant_select(scope, key: str, key_label: str, name: Callable[[dict[str, Any]], str]) -> int | None:
    """A participant picker not bound to the URL, bounded like participant_picker; the person
    chosen in ``key`` stays among the options. Rows carry company_name for ``name``."""
    from pilot.ui.core import mapper
    chosen = st.session_state.get(key)
    names = _participant_names(scope, key, chosen if isinstance(chosen, int) else None, name, company=True)
    return st.selectbox(t(key_label), list(names), index=None, key=key, format_func=mapper(names),
                        placeholder=t("common.choose"))


def _company_names(scope, key: str, chosen: list[int]) -> dict[int, str]:
    """At most CHOICES companies of the scope (id -> 'name (Y-tunnus)'), with the search box for a
    larger scope drawn above the picker ``key`` and the ``chosen`` ones kept among them whatever
    the search finds."""
    from pilot.records import companies
    from pilot.ui.core import read
    count = read(lambda c: companies.count_choices(c, scope))
    text = _finder(key, count, "picker.find_company")
    rows = read(lambda c: companies.company_choices(c, scope, text, chosen, CHOICES))
    _shown(count, text, lambda: read(lambda c: companies.count_choices(c, scope, text)))
    return dict(rows)


def company_options(scope, key: str, chosen: int | None = None) -> dict[int, str]:
    """The companies (id -> 'name (Y-tunnus)') the picker ``key`` offers: all of a scope of at
    most CHOICES; of a larger one a search box (drawn here, above the picker; outside a form, so
    Enter narrows the list instead of submitting) and the first CHOICES matches, with the company
    chosen in ``key`` (or, before a pick, ``chosen``: a record's own) kept among them."""
    picked = st.session_state.get(key)
    picked = picked if isinstance(picked, int) else chosen
    return _company_names(scope, key, [picked] if picked is not None else [])


def company_multiselect(scope, key: str, key_label: str, default: list[int] | None = None) -> list[int]:
    """Several companies, bounded like company_options: a search box above (for a scope of more
    than CHOICES), the first CHOICES matches, and every company already chosen kept listed and
    chosen whatever the search finds. Drawn outside a form, so each pick is known to the next run
    (a pick held only by a form would be dropped when a search leaves it out of the options);
    ``default`` (a record's own companies) is the first value."""
    from pilot.ui.core import mapper
    if key not in st.session_state:
        st.session_state[key] = list(default or [])
    chosen = [i for i in st.session_state[key] if isinstance(i, int)]
    names = _company_names(scope, key, chosen)
    return st.multiselect(t(key_label), list(names), key=key, format_func=mapper(names),
                          placeholder=t("common.choose"), select_all=False)


def company_picker(scope, key: str) -> int:
    """Pick one of the caller's companies (the first by default); with none in scope, say so and
    stop the page. A scope of more than CHOICES companies gets a search box."""
    from pilot.ui.core import mapper
    names = company_options(scope, key)
    if not names and f"{key}_find" in st.session_state and st.session_state[f"{key}_find"].strip():
        st.stop()  # the search found nothing and nothing was chosen yet: the caption said so
    if not names:
        st.info(t("work.no_companies"))
        st.stop()
    return st.selectbox(t("field.company"), list(names), key=key, format_func=mapper(names))
