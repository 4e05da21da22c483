"""Widgets of the outcome screens: the filter bar, KPI tiles with their definitions, and each
chart as a block of figure, caption, table view and CSV download.

Rows come from pilot/records/outcomes.py (already scoped and under the small-number rule); here
they are only translated, shaped for plotly (pilot/charts.py) and rendered.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pilot import charts, dashboard, disclosure, i18n, indicators, names
from pilot.access import Scope
from pilot.domain import codes, tol
from pilot.domain.dates import today
from pilot.records import outcomes as data
from pilot.ui import cache, safe, widgets
from pilot.ui import names as ui_names
from pilot.ui.core import label, lang, mapper, t

TILE_GROUPS = dashboard.TILE_GROUPS  # one definition: pilot.dashboard (the CLI's JSON shows the same)
EMPLOYER_TILES = dashboard.EMPLOYER_TILES


# ---- filters ----------------------------------------------------------------------------------

def _quarters(span: tuple[date, date] | None) -> list[tuple[int, int]]:
    if span is None:
        return []
    first, last = span
    out, (y, q) = [], (first.year, (first.month - 1) // 3 + 1)
    while (y, q) <= (last.year, (last.month - 1) // 3 + 1):
        out.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def filter_bar(scope: Scope, key: str) -> tuple[date, data.Filters]:
    """Reference date and the filters. A company-bound scope picks one of its companies or all of
    them together (never the whole pilot: every query is limited to the scope)."""
    options_ = cache.filter_options(scope)
    industries, languages = options_["industries"], options_["languages"]
    quarters = _quarters(options_["span"])
    c1, c2, c3 = st.columns(3)
    with c1:
        as_of = widgets.date_field("outcomes.as_of", f"{key}_as_of", today()) or today()
        # At most widgets.CHOICES companies, with a search box for a larger pilot (20 000 options
        # on every run made the page slow to build and to draw).
        names = widgets.company_options(scope, f"{key}_company")
        # None: the whole pilot, or for a company-bound scope all its own companies together
        company = st.selectbox(t("field.company"), [None, *names], key=f"{key}_company",
                               format_func=mapper(names, "outcomes.all_companies" if scope.whole_pilot
                                                  else "outcomes.all_my_companies"))
    with c2:
        industry = st.selectbox(t("field.industry"), [None, *industries], key=f"{key}_industry",
                                format_func=mapper({i: tol.label(i, lang()) for i in industries}, "common.all"))
        language = st.selectbox(t("field.first_language"), [None, *languages], key=f"{key}_language",
                                format_func=_language_names(languages))
    with c3:
        cohort = st.selectbox(t("outcomes.cohort"), [None, *quarters], key=f"{key}_cohort",
                              format_func=mapper({q: f"Q{q[1]}/{q[0]}" for q in quarters}, "common.all"),
                              help=t("outcomes.cohort_help"))
    filters = data.Filters(company_id=company, industry=industry, first_language=language,
                           cohort=data.quarter(*cohort) if cohort else None)
    return as_of, filters


def _language_names(codes_: list[str]):
    namer = widgets.language_namer()
    names = {code: namer(code) for code in codes_}
    return mapper(names, "common.all")


# ---- sections ---------------------------------------------------------------------------------

# The dashboard's sections (value in the address, message key of its name).
DASHBOARD_SECTIONS: tuple[tuple[str, str], ...] = (
    ("activity", "outcomes.tab.activity"), ("sessions", "outcomes.tab.sessions"),
    ("employment", "outcomes.tab.employment"),
    ("language", "outcomes.tab.language"), ("work", "outcomes.tab.work"), ("costs", "outcomes.tab.costs"),
    ("hiring", "hiring.tab"))

# The employer's page (pages/employer.py): the first screen is what a supervisor needs first (the
# tiles and the coaching chart); each other part is drawn only when chosen (issue 16: every grid
# and chart drawn at once took the page past a second in the browser).
EMPLOYER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("coaching", "employer.tab.coaching"), ("sessions", "employer.tab.sessions"),
    ("adaptations", "employer.tab.adaptations"), ("progress", "employer.tab.progress"),
    ("hiring", "employer.tab.hiring"), ("feedback", "employer.tab.feedback"))


def section_picker(sections: tuple[tuple[str, str], ...], key: str) -> str:
    """Which section to draw: one segmented control whose choice is kept in the address
    (?<key>=<section code>), so a reload or a shared link opens the same section. Only the chosen
    section is built and sent to the browser (st.tabs would build and draw every one)."""
    names = {value: t(message) for value, message in sections}
    first = sections[0][0]
    if st.session_state.get(key) not in names:  # a new visit: the address says which section
        wanted = st.query_params.get(key)
        st.session_state[key] = wanted if wanted in names else first
    chosen = st.segmented_control(t("outcomes.section"), list(names), required=True,
                                  format_func=names.__getitem__, key=key,
                                  label_visibility="collapsed", width="stretch")
    chosen = chosen if chosen in names else first
    # The code, not the translated name, goes in the address: a link works in every language.
    if chosen == first:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = chosen
    return chosen


# ---- tiles ------------------------------------------------------------------------------------

def show_value(key: str, value: Any) -> str:
    """A tile's value in the user's language: "<5" and "–" (held back or no data) as they are."""
    current = lang()
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if key in indicators.RATE_KEYS or key == "improved_share":
        return i18n.format_percent_value(value, current, 1)
    if key in indicators.EURO_KEYS:
        return i18n.format_number(value, current, 2) + " €"
    if key in indicators.HOUR_KEYS:
        return i18n.format_number(value, current, 1)
    if key in indicators.MEAN_KEYS or key == "mean_gain":
        return i18n.format_number(value, current, 2)
    return i18n.format_number(value, current)


# At most four tiles side by side: seven in a row left each label a few words wide at 1366 px.
TILES_PER_ROW = 4


def _rows_of(keys: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [keys[i:i + TILES_PER_ROW] for i in range(0, len(keys), TILES_PER_ROW)]


def tiles(result: Mapping[str, Any], groups: tuple[tuple[str, tuple[str, ...]], ...] = TILE_GROUPS,
          language: bool = True) -> None:
    """One st.metric per indicator, its definition on hover; a note when anything is held back."""
    names = indicators.labels(lang())
    definitions = indicators.definitions(lang())
    for group_key, keys in groups:
        st.markdown(f"**{t(group_key)}**")
        for row in _rows_of(keys):
            for key, column in zip(row, st.columns(TILES_PER_ROW)):
                with column:
                    st.metric(names[key], show_value(key, result[key]), help=definitions[key], border=True)
        if "followup_6m_reach_rate" in keys:  # "reached 5 of 7 due (71 %)": measured, not assumed
            st.caption(t("followup.tile", reached=show_value("followup_6m_reached", result["followup_6m_reached"]),
                         due=show_value("followup_6m_due", result["followup_6m_due"]),
                         rate=show_value("followup_6m_reach_rate", result["followup_6m_reach_rate"])))
    if language:
        st.markdown(f"**{names['language']}**")
        for skill, column in zip(codes.SKILLS, st.columns(len(codes.SKILLS))):
            entry = result["language"][skill]
            with column:
                st.metric(label("skill", skill), show_value("mean_gain", entry["mean_gain"]),
                          help=definitions["language"], border=True,
                          delta=t("outcomes.language_delta", n=show_value("n", entry["n"]),
                                  share=show_value("improved_share", entry["improved_share"])),
                          delta_color="off", delta_arrow="off")
    shown = [result[k] for _, keys in groups for k in keys]
    if language:
        shown += [v for entry in result["language"].values() for v in entry.values()]
    if any(disclosure.is_hidden(v) for v in shown) or any(v is None for v in shown):
        st.caption(t("outcomes.small_note"))
    if any(v == disclosure.HIDDEN_TEXT for v in shown):
        st.caption(t("disclosure.hidden_note"))


# ---- chart blocks -----------------------------------------------------------------------------

def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts held back as "<5" make a column mixed: show such columns as text. Only columns of
    Python objects can be mixed (a string or number column is one type already)."""
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object:
            continue
        if values.map(lambda v: isinstance(v, str)).any() and not values.map(lambda v: isinstance(v, str)).all():
            frame[column] = values.map(lambda v: "" if v is None or (isinstance(v, float) and v != v)
                                       else v if isinstance(v, str) else names.number(v, lang()))
    return frame


def _table_frame(rows: list[dict[str, Any]], columns: Mapping[str, str],
                 code_lists: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Rows as a table in the reader's language: translated headers and codes, dd.mm.yyyy dates."""
    frame = pd.DataFrame(rows, columns=list(columns))
    for column, code_list in (code_lists or {}).items():
        # "exit_status" is the employment status list plus "unknown" (no record on the day)
        show = _status_label if code_list == "exit_status" else (lambda c, cl=code_list: label(cl, c))
        frame[column] = frame[column].map(lambda c, f=show: f(c) if c is not None else "")
    for column in frame.columns:
        if frame[column].dtype != object:  # numbers or text only: no date; missing text shows blank
            if pd.api.types.is_string_dtype(frame[column].dtype):
                frame[column] = frame[column].fillna("")
            continue
        if frame[column].map(lambda v: isinstance(v, date)).any():
            frame[column] = frame[column].map(lambda v: i18n.format_date(v) if isinstance(v, date) else "")
        elif frame[column].map(lambda v: v is None).any():
            frame[column] = frame[column].map(lambda v: "" if v is None else v)
    return _arrow_safe(frame.rename(columns={c: t(k) for c, k in columns.items()}))


def block(fig: go.Figure, table: pd.DataFrame, key: str, masked: bool = False, note: str | None = None,
          empty: bool = False, lazy: bool = False) -> None:
    """The chart (or, when the rule hid every cell, a sentence saying so), what was held back,
    the table view and the CSV of the same numbers. ``lazy``: the table view's grid is built and
    sent only once the reader opens it (a closed expander would still carry the whole grid)."""
    table = _arrow_safe(table)
    if empty:
        st.info(t("disclosure.all_hidden"))
    else:
        st.plotly_chart(charts.localise(fig, lang()), key=f"chart_{key}")
    if masked:
        st.caption(t("outcomes.masked_note"))
        if any(disclosure.is_hidden(v) and v == disclosure.HIDDEN_TEXT for v in table.to_numpy().ravel()):
            st.caption(t("disclosure.hidden_note"))
    if note:
        st.caption(note)
    view = (st.expander(t("outcomes.table_view"), key=f"tableview_{key}", on_change="rerun") if lazy
            else st.expander(t("outcomes.table_view")))
    if view.open is not False:  # None: an expander that does not track state draws its content
        with view:
            if table.empty:
                st.info(t("common.empty"))
            else:
                safe.dataframe(table, hide_index=True, width="stretch", key=f"table_{key}")
    safe.download_csv(t("outcomes.download_csv"), table, fig.layout.title.text or "", key=f"csv_{key}",
                      icon=":material/download:")  # named after the chart's title, in the reader's language


def _titles(title_key: str, x_key: str, y_key: str) -> dict[str, str]:
    return {"title": t(title_key), "x": t(x_key), "y": t(y_key)}


def activity(rows: list[dict[str, Any]], key: str, empty: bool = False, lazy: bool = False) -> None:
    frame = pd.DataFrame(rows, columns=["month", "enrolled", "exited", "active", "sessions", "coaching_hours"])
    fig = charts.outcome_lines(frame, "month", {"active": t("outcomes.col.active"), "sessions": t("outcomes.col.sessions")},
                               _titles("outcomes.chart.activity", "outcomes.col.month", "outcomes.axis.count"),
                               bars={"enrolled": t("outcomes.col.enrolled")})
    table = _table_frame(rows, {"month": "outcomes.col.month", "enrolled": "outcomes.col.enrolled",
                                "exited": "outcomes.col.exited", "active": "outcomes.col.active",
                                "sessions": "outcomes.col.sessions", "coaching_hours": "outcomes.col.coaching_hours"})
    block(fig, table, key, data.any_masked(rows), empty=empty, lazy=lazy)


def hours(rows: list[dict[str, Any]], key: str, lazy: bool = False) -> None:
    frame = pd.DataFrame(rows, columns=["kind", "sessions", "coaching_hours", "participant_hours"])
    frame["kind"] = frame["kind"].map(lambda c: label("kind", c))
    fig = charts.outcome_bars(frame, "kind", {"coaching_hours": t("outcomes.col.coaching_hours"),
                                              "participant_hours": t("outcomes.col.participant_hours")},
                              _titles("outcomes.chart.hours", "field.kind", "outcomes.axis.hours"), horizontal=True)
    table = _table_frame(rows, {"kind": "field.kind", "sessions": "outcomes.col.sessions",
                                "coaching_hours": "outcomes.col.coaching_hours",
                                "participant_hours": "outcomes.col.participant_hours"}, {"kind": "kind"})
    block(fig, table, key, lazy=lazy)


def attendance(rows: list[dict[str, Any]], key: str) -> None:
    frame = pd.DataFrame(rows, columns=["month", "present", "absent", "excused", "rate"])
    fig = charts.outcome_lines(frame, "month", {"rate": t("outcomes.col.rate")},
                               _titles("outcomes.chart.attendance", "outcomes.col.month", "outcomes.col.rate"),
                               percent=True)
    shown = [{**r, "rate": show_value("attendance_rate", r["rate"])} for r in rows]
    table = _table_frame(shown, {"month": "outcomes.col.month", "present": "code.attendance.present",
                                 "absent": "code.attendance.absent", "excused": "code.attendance.excused",
                                 "rate": "outcomes.col.rate"})
    block(fig, table, key, data.any_masked(rows) or any(r["rate"] is None for r in rows))


def employment(rows: list[dict[str, Any]], key: str, empty: bool = False) -> None:
    wide = pd.DataFrame([{"status": s, **{r["point"]: r["n"] for r in rows if r["status"] == s}}
                         for s in (*data.EXIT_STATUSES, data.NOT_REACHED)], columns=["status", "exit", "after_6m"])
    wide["status"] = wide["status"].map(_status_label)
    fig = charts.outcome_bars(wide, "status", {"exit": t("outcomes.point.exit"),
                                               "after_6m": t("outcomes.point.after_6m")},
                              _titles("outcomes.chart.employment", "field.status", "outcomes.axis.people"))
    table = wide.rename(columns={"status": t("field.status"), "exit": t("outcomes.point.exit"),
                                 "after_6m": t("outcomes.point.after_6m")})
    block(fig, table, key, data.any_masked(rows), note=t("outcomes.employment_note"), empty=empty)


def _status_label(code: str) -> str:
    if code == data.NOT_REACHED:
        return t("disclosure.status.not_reached")
    return t("outcomes.status.unknown") if code == data.UNKNOWN else label("employment_status", code)


def language(rows: list[dict[str, Any]], key: str, empty: bool = False) -> None:
    gains = sorted({r["gain"] for r in rows})
    wide = pd.DataFrame([{"gain": g, **{r["skill"]: r["n"] for r in rows if r["gain"] == g}} for g in gains],
                        columns=["gain", *codes.SKILLS])
    fig = charts.outcome_bars(wide, "gain", {s: label("skill", s) for s in codes.SKILLS},
                              _titles("outcomes.chart.language", "outcomes.col.gain", "outcomes.axis.people"))
    fig.update_xaxes(type="category")
    table = wide.rename(columns={"gain": t("outcomes.col.gain"), **{s: label("skill", s) for s in codes.SKILLS}})
    block(fig, table.fillna(0), key, data.any_masked(rows), note=t("outcomes.language_note"), empty=empty)


def adaptation_totals(totals: Mapping[str, list[dict[str, Any]]], key: str, empty: set[str] = frozenset()) -> None:
    """By stage and by type apart (shown when the small-number rule hides type x stage cells)."""
    for name, code_list, title in (("stage", "stage", "outcomes.chart.adaptation_stages"),
                                   ("type", "adaptation_type", "outcomes.chart.adaptation_types")):
        rows = [{"code": label(code_list, r["code"]), "n": r["n"]} for r in totals[name]]
        frame = pd.DataFrame(rows, columns=["code", "n"])
        fig = charts.outcome_bars(frame, "code", {"n": t("outcomes.axis.adaptations")},
                                  _titles(title, "outcomes.field.type" if name == "type" else "field.stage",
                                          "outcomes.axis.adaptations"), horizontal=True)
        table = frame.rename(columns={"code": t("outcomes.field.type" if name == "type" else "field.stage"),
                                      "n": t("outcomes.axis.adaptations")})
        block(fig, table, f"{key}_{name}", data.any_masked(totals[name]), empty=f"adaptation_{name}s" in empty)


def adaptations(rows: list[dict[str, Any]], key: str, empty: bool = False) -> None:
    types = [c for c in codes.ADAPTATION_TYPES if any(r["type"] == c for r in rows)]
    wide = pd.DataFrame([{"type": label("adaptation_type", c), **{r["stage"]: r["n"] for r in rows if r["type"] == c}}
                         for c in types], columns=["type", *codes.ADAPTATION_STAGES])
    fig = charts.outcome_bars(wide, "type", {s: label("stage", s) for s in codes.ADAPTATION_STAGES},
                              _titles("outcomes.chart.adaptations", "outcomes.field.type", "outcomes.axis.adaptations"),
                              stacked=True, horizontal=True)
    table = wide.fillna(0).rename(columns={"type": t("outcomes.field.type"),
                                           **{s: label("stage", s) for s in codes.ADAPTATION_STAGES}})
    block(fig, table, key, data.any_masked(rows), empty=empty)


def feedback(rows: list[dict[str, Any]], key: str) -> None:
    frame = pd.DataFrame(rows, columns=["company", "business_id", "given_on", "score"])
    fig = charts.outcome_bars(frame, "company", {"score": t("outcomes.col.score")},
                              _titles("outcomes.chart.feedback", "field.company", "outcomes.col.score"),
                              horizontal=True)
    fig.update_xaxes(range=[0, 5])
    table = _table_frame(rows, {"company": "field.company", "business_id": "field.business_id",
                                "given_on": "outcomes.col.given_on", "score": "outcomes.col.score"})
    block(fig, table, key)


def costs_by_month(rows: list[dict[str, Any]], key: str) -> None:
    months = sorted({r["month"] for r in rows})
    wide = pd.DataFrame([{"month": m, **{r["category"]: float(r["amount_eur"]) for r in rows if r["month"] == m}}
                         for m in months], columns=["month", *codes.COST_CATEGORIES]).fillna(0)
    fig = charts.outcome_bars(wide, "month", {c: label("cost_category", c) for c in codes.COST_CATEGORIES},
                              _titles("outcomes.chart.costs", "outcomes.col.month", "outcomes.axis.eur"),
                              stacked=True)
    fig.update_xaxes(tickformat="%m.%Y")
    table = _table_frame(wide.to_dict("records"), {"month": "outcomes.col.month",
                                                   **{c: f"code.cost_category.{c}" for c in codes.COST_CATEGORIES}})
    block(fig, table, key)


def budget(rows: list[dict[str, Any]], key: str) -> None:
    frame = pd.DataFrame(rows, columns=["year", "appropriation_eur", "actual_eur", "remaining_eur", "used_share"])
    frame["year"] = frame["year"].astype(str)
    fig = charts.outcome_bars(frame, "year", {"appropriation_eur": t("outcomes.col.appropriation"),
                                              "actual_eur": t("outcomes.col.actual")},
                              _titles("outcomes.chart.budget", "outcomes.col.year", "outcomes.axis.eur"))
    fig.update_xaxes(type="category")
    shown = [{**r, "used_share": show_value("attendance_rate", r["used_share"])} for r in rows]
    table = _table_frame(shown, {"year": "outcomes.col.year", "appropriation_eur": "outcomes.col.appropriation",
                                 "actual_eur": "outcomes.col.actual", "remaining_eur": "outcomes.col.remaining",
                                 "used_share": "outcomes.col.used_share"})
    block(fig, table, key)


def table(rows: list[dict[str, Any]], columns: Mapping[str, str], code_lists: Mapping[str, str] | None = None,
          key: str | None = None) -> None:
    """A plain translated table (no chart)."""
    if not rows:
        st.info(t("common.empty"))
        return
    # Plain codes, people, companies, decimals and dates through the one formatter (pilot/names.py);
    # the exit status with its "not reached"/"unknown" words keeps its own labels here.
    special = bool(code_lists) and "exit_status" in code_lists.values()
    frame = _table_frame(rows, columns, code_lists) if special else ui_names.frame(rows, columns, code_lists)
    safe.dataframe(frame, hide_index=True, width="stretch", key=key)
