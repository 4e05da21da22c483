"""Widgets of the coach's working day: the session form with attendance, held versions, chart titles.

Kept here so that the pages stay a short description of the screen.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from pilot import i18n
from pilot.domain import codes
from pilot.domain.levels import LEVELS
from pilot.domain.validation import Problem, check_employment, confirm_future
from pilot.domain.work_trial import Warning as TrialWarning
from pilot.ui import core, widgets
from pilot.ui.core import labeller, lang, mapper, t
from pilot.ui.safe import md

NOT_BOOKED = "not_booked"
# Page files linked between the working-day screens (as listed in pilot/ui/nav.py).
PAGE = {"participant": "pages/participant.py", "log_session": "pages/log_session.py",
        "adaptations": "pages/adaptations.py"}


def held_version(prefix: str, version: int) -> int:
    """The version the form was first shown with, kept until it is saved or reloaded.

    Reading the row again when the form is submitted would pick up someone else's save and
    overwrite it silently; holding the version makes the second save a conflict instead.
    ``prefix`` starts with "form_", so core's reload button forgets it.
    """
    return st.session_state.setdefault(f"{prefix}_held_version", version)


def release(prefix: str) -> None:
    """Forget the held version after a successful save (the next form shows the new one)."""
    st.session_state.pop(f"{prefix}_held_version", None)


def fresh(base: str) -> str:
    """The key prefix of a form's current generation (see ``reset_form``)."""
    return f"{base}_{st.session_state.get(f'_gen_{base}', 0)}"


def reset_form(base: str) -> None:
    """Start a form afresh after a save: new widget keys, so the browser shows empty fields
    (it keeps its own values for widgets whose keys stay the same)."""
    for key in [k for k in st.session_state if str(k).startswith(f"{base}_")]:
        del st.session_state[key]
    st.session_state[f"_gen_{base}"] = st.session_state.get(f"_gen_{base}", 0) + 1


def record_form(base: str, fields: Callable[[str, list[Problem]], dict[str, Any]],
                check: Callable[[dict[str, Any]], tuple[dict[str, Any], list[Problem]]],
                save: Callable[[Any, dict[str, Any]], Any], submit: str, primary: bool = True) -> None:
    """A form that adds one record: ``fields(prefix, problems)`` draws it and returns the values,
    ``check`` validates them and ``save(conn, clean)`` writes them. A save starts the form afresh
    and says so; problems stay under their fields until the next try."""
    prefix = fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        values = fields(prefix, problems)
        add = st.form_submit_button(t(submit), type="primary" if primary else "secondary")
    if add:
        clean, st.session_state[f"{prefix}_problems"] = check(values)
        if st.session_state[f"{prefix}_problems"]:
            st.rerun()
        if core.write(lambda c: save(c, clean) or True):
            reset_form(base)
            core.flash("common.saved")
            st.rerun()
        # Not saved: core.write's sentence (a conflict, say) stays on screen until the next action.


def note_fields(prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """A dated note on the participant's timeline."""
    note = {"noted_on": widgets.date_field("field.noted_on", f"{prefix}_date"),
            "body": st.text_area(t("work.timeline.note"), key=f"{prefix}_body", height=80)}
    widgets.field_errors(problems, "body")
    note.update(quote_fields(prefix, problems))
    return note


def quote_fields(prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """May the text be quoted in the report (without names), and under which theme (empty until
    chosen; pilot.domain.quotes requires it exactly when the box is ticked)."""
    values = {"for_report": st.checkbox(t("quotes.for_report"), key=f"{prefix}_for_report"),
              "report_theme": st.selectbox(t("quotes.theme"), codes.REPORT_THEMES, index=None,
                                           key=f"{prefix}_report_theme", placeholder=t("quotes.choose_theme"),
                                           format_func=labeller("report_theme"))}
    widgets.field_errors(problems, "report_theme")
    return values


def assessment_fields(prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """One language assessment: skill, level, source and date."""
    widgets.keep_choice(f"{prefix}_source", list(codes.SOURCES), widgets.code_namer("source"))
    values = {"skill": widgets.code_select("field.skill", "skill", codes.SKILLS, f"{prefix}_skill"),
              "level": level_select(f"{prefix}_level"),
              "source": st.radio(t("field.source"), codes.SOURCES, horizontal=True, key=f"{prefix}_source",
                                 format_func=labeller("source")),
              "assessed_on": widgets.date_field("field.assessed_on", f"{prefix}_date")}
    for name in values:
        widgets.field_errors(problems, name)
    return values


def employment_change_fields(prefix: str, problems: list[Problem]) -> dict[str, Any]:
    """A change of employment status from a day on (a day in the future asks for a confirmation)."""
    day = widgets.date_field("field.effective_on", f"{prefix}_date")
    widgets.field_errors(problems, "effective_on")
    values = {"effective_on": day, **widgets.employment_fields(prefix, problems)}
    values["confirm_future"] = widgets.future_confirm(prefix, problems)
    return values


def check_employment_change(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The employment form's check: hours in the user's locale, a future day only when confirmed."""
    clean, problems = check_employment(values, lang())
    return clean, problems + confirm_future(clean, ("effective_on",), bool(values.get("confirm_future")))


def person_name(row: dict[str, Any]) -> str:
    return f"{row['code']} {row['display_name']}" if row.get("display_name") else row["code"]


def attendance_picker(prefix: str, people: list[dict[str, Any]], current: dict[int, str],
                      default: str) -> dict[int, str]:
    """One horizontal radio per participant (phone width): present / absent / excused / not booked."""
    options = list(codes.ATTENDANCE) + [NOT_BOOKED]
    names = {**{c: i18n.label("attendance", c, lang()) for c in codes.ATTENDANCE}, NOT_BOOKED: t("work.not_booked")}
    out = {}
    for person in people:
        value = current.get(person["id"], default)
        widgets.keep_choice(f"{prefix}_att_{person['id']}", options,
                            lambda code, language: i18n.label("attendance", code, language)
                            if code != NOT_BOOKED else i18n.t("work.not_booked", language))
        choice = st.radio(md(person_name(person)), options, index=options.index(value), horizontal=True,
                          key=f"{prefix}_att_{person['id']}", format_func=mapper(names))
        if choice != NOT_BOOKED:
            out[person["id"]] = choice
    return out


def session_fields(prefix: str, problems: list[Problem], current: dict[str, Any] | None) -> dict[str, Any]:
    """Date, minutes, kind, mode, topics, notes: one column, so it fits a phone."""
    cur = current or {}
    values = {"held_on": widgets.date_field("field.held_on", f"{prefix}_date", cur.get("held_on"))}
    widgets.field_errors(problems, "held_on")
    values["minutes"] = widgets.number_field("field.minutes", f"{prefix}_minutes", int(cur.get("minutes") or 60),
                                             decimals=0, problems=problems, field="minutes")
    values["kind"] = widgets.code_select("field.kind", "kind", codes.SESSION_KINDS, f"{prefix}_kind",
                                         cur.get("kind") or "language_lesson")
    widgets.keep_choice(f"{prefix}_mode", list(codes.MODES), widgets.code_namer("mode"))
    values["mode"] = st.radio(t("field.mode"), codes.MODES, horizontal=True, key=f"{prefix}_mode",
                              index=codes.MODES.index(cur.get("mode") or "onsite"), format_func=labeller("mode"))
    values["topics"] = st.text_input(t("field.topics"), value=cur.get("topics") or "", key=f"{prefix}_topics")
    widgets.field_errors(problems, "topics")
    values["notes"] = st.text_area(t("field.notes"), value=cur.get("notes") or "", key=f"{prefix}_notes", height=80)
    widgets.field_errors(problems, "notes")
    return values


def chart_titles() -> dict[str, str]:
    titles = {"title": t("work.chart.title"), "assessed": t("work.chart.assessed"), "self": t("work.chart.self"),
              "level": t("work.chart.level"), "target": t("work.chart.target")}
    titles.update({f"skill.{s}": i18n.label("skill", s, lang()) for s in codes.SKILLS})
    return titles


def assessment_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["assessed_on", "skill", "level", "source"])


def level_select(key: str) -> str | None:
    return st.selectbox(t("field.level"), LEVELS, index=None, key=key, placeholder=t("work.choose_level"))


def trial_warnings(found: list[TrialWarning]) -> None:
    """Work-trial limits as warnings in the user's language."""
    for w in found:
        st.warning(t(w.key, employer=w.employer or t("work.trial.no_employer"), months=w.months_used,
                     limit=w.limit_months, day=i18n.format_date(w.limit_on)), icon=":material/warning:")


def timeline_table(events: list[dict[str, Any]]) -> None:
    """Events with translated kinds and codes; one table, newest first."""
    code_lists = {"session": ("kind", "attendance"), "assessment": ("skill", "source"),
                  "adaptation": ("adaptation_type", "stage"), "employment": ("employment_status", None),
                  "followup": ("employment_status", "followup_source"), "note": (None, None)}
    rows = []
    for e in events:
        what_list, status_list = code_lists[e["kind"]]
        rows.append({"on": e["on"], "kind": t(f"work.event.{e['kind']}"),
                     "what": i18n.label(what_list, e["code"], lang()) if what_list and e["code"]
                     else t("followup.reached.no") if e["kind"] == "followup" else "",
                     "status": i18n.label(status_list, e["status"], lang()) if status_list else (e["status"] or ""),
                     "detail": e["detail"] or ""})
    widgets.table(rows, {"on": "work.col.date", "kind": "work.col.event", "what": "work.col.what",
                         "status": "work.col.status", "detail": "work.col.detail"}, key="timeline_table")


def trial_months(used: dict[str | None, float]) -> None:
    """Months of work trial so far per employer (a work trial is never counted as employment)."""
    if used:
        parts = [f"{employer or t('work.trial.no_employer')}: {i18n.format_number(months, lang(), 1)}"
                 for employer, months in used.items()]
        st.caption(t("work.trial.months", list=", ".join(parts)))


def adaptation_caption(row: dict[str, Any]) -> str:
    """A board card's small print: description, owner, the date of each step, the effect."""
    steps = [(s, row.get(c)) for s, c in (("proposed", "proposed_on"), ("agreed", "agreed_on"),
                                          ("in_use", "in_use_on"), ("evaluated", "evaluated_on"),
                                          ("dropped", "dropped_on")) if row.get(c)]
    parts = [md(row["description"])]
    if row.get("owner"):
        parts.append(f"{t('field.owner')}: {md(row['owner'])}")
    parts += [f"{i18n.label('stage', s, lang())} {i18n.format_date(d)}" for s, d in steps]
    if row.get("effect"):
        parts.append(f"{t('field.effect')}: {row['effect']}/5")
    return " · ".join(parts)
