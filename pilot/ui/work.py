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
from pilot.domain.attendance import needs_reason
from pilot.domain.dates import today
from pilot.domain.levels import LEVELS
from pilot.domain.validation import Problem, check_employment, confirm_future
from pilot.domain.work_checks import check_move, check_session, check_step_back, next_stages, previous_stage
from pilot.domain.work_trial import Warning as TrialWarning
from pilot.records import sessions
from pilot.ui import core, names, widgets
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


ATTENDANCE_OPTIONS = [*codes.ATTENDANCE, NOT_BOOKED]


def _attendance_key(prefix: str, person_id: int) -> str:
    return f"{prefix}_att_{person_id}"


def _attendance_name(code: str, language: str) -> str:
    return i18n.label("attendance", code, language) if code != NOT_BOOKED else i18n.t("work.not_booked", language)


def _keep_attendance(key: str) -> None:
    widgets.keep_choice(key, ATTENDANCE_OPTIONS, _attendance_name)


def attendance_picker(prefix: str, people: list[dict[str, Any]], current: dict[int, str],
                      default: str) -> dict[int, str]:
    """One horizontal radio per participant (phone width): present / absent / excused / not booked."""
    options = ATTENDANCE_OPTIONS
    names = {code: _attendance_name(code, lang()) for code in options}
    out = {}
    for person in people:
        value = current.get(person["id"], default)
        key = _attendance_key(prefix, person["id"])
        _keep_attendance(key)
        choice = st.radio(md(person_name(person)), options, index=options.index(value), horizontal=True,
                          key=key, format_func=mapper(names))
        if choice != NOT_BOOKED:
            out[person["id"]] = choice
    return out


# The session form's field -> key suffix: the widgets are drawn under these keys and a submitted
# form is read back from them (submitted_session), so both ends name the same fields.
SESSION_KEYS = {"held_on": "date", "minutes": "minutes", "kind": "kind", "mode": "mode", "topics": "topics",
                "notes": "notes"}
SESSION_CHOICES = {"kind": codes.SESSION_KINDS, "mode": codes.MODES}  # field -> its codes (code list = field)


def session_fields(prefix: str, problems: list[Problem], current: dict[str, Any] | None) -> dict[str, Any]:
    """Date, minutes, kind, mode, topics, notes: one column, so it fits a phone."""
    cur = current or {}
    key = {name: f"{prefix}_{suffix}" for name, suffix in SESSION_KEYS.items()}
    values = {"held_on": widgets.date_field("field.held_on", key["held_on"], cur.get("held_on"))}
    widgets.field_errors(problems, "held_on")
    values["minutes"] = widgets.number_field("field.minutes", key["minutes"], int(cur.get("minutes") or 60),
                                             decimals=0, problems=problems, field="minutes")
    values["kind"] = widgets.code_select("field.kind", "kind", SESSION_CHOICES["kind"], key["kind"],
                                         cur.get("kind") or "language_lesson")
    widgets.keep_choice(key["mode"], list(SESSION_CHOICES["mode"]), widgets.code_namer("mode"))
    values["mode"] = st.radio(t("field.mode"), codes.MODES, horizontal=True, key=key["mode"],
                              index=codes.MODES.index(cur.get("mode") or "onsite"), format_func=labeller("mode"))
    values["topics"] = st.text_input(t("field.topics"), value=cur.get("topics") or "", key=key["topics"])
    widgets.field_errors(problems, "topics")
    values["notes"] = st.text_area(t("field.notes"), value=cur.get("notes") or "", key=key["notes"], height=80)
    widgets.field_errors(problems, "notes")
    return values


def submitted_session(prefix: str, people: list[dict[str, Any]],
                      default: str) -> tuple[dict[str, Any], dict[int, str]]:
    """A submitted session form's values and attendance as its widgets hold them (Streamlit stores
    a submitted form's values before the next run draws anything): what session_fields and
    attendance_picker would return, read before the form is drawn again."""
    # A choice made before a language switch is held as its label: turned back into its code,
    # as the drawn widgets do (widgets.keep_choice).
    for name, options in SESSION_CHOICES.items():
        widgets.keep_choice(f"{prefix}_{SESSION_KEYS[name]}", list(options), widgets.code_namer(name))
    for person in people:
        _keep_attendance(_attendance_key(prefix, person["id"]))
    values = {name: st.session_state.get(f"{prefix}_{suffix}") for name, suffix in SESSION_KEYS.items()}
    marks = {p["id"]: st.session_state.get(_attendance_key(prefix, p["id"]), default) for p in people}
    return values, {pid: mark for pid, mark in marks.items() if mark != NOT_BOOKED}


def hours_caption(scope: Any, company_id: int) -> None:
    """The company's coaching hours so far (a save changes them, so the form draws them)."""
    hours = core.read(lambda c: sessions.company_hours(c, scope, company_id))
    st.caption(t("work.log.company_hours", hours=hours["coaching_hours"]))


_SAVED = "_log_saved"  # the new-session form's own message, shown once inside the form's fragment
_SUBMITTED = "_log_submitted"  # the prefix of the new-session form whose save button was clicked


@st.fragment
def new_session_form(scope: Any, company_id: int) -> None:
    """Log a new session: a fragment, so typing, the one-to-one switch and a save run only this
    form, not the page with its company picker and the edit tab.

    A click on save only marks the form (a callback); this run then checks and writes the
    submitted values before it draws anything, so one run shows the saved message, the company's
    new hours and an empty form (or the problems under the typed values), with no second run."""
    people = core.read(lambda c: sessions.booking_defaults(c, scope, company_id, today()))
    one_to_one = bool(st.session_state.get("log_one_to_one"))
    default = NOT_BOOKED if one_to_one else "present"
    base = f"form_log_{company_id}_{'one' if one_to_one else 'group'}"  # own fields for each default
    if st.session_state.pop(_SUBMITTED, None) == fresh(base):
        _save_new_session(scope, company_id, base, people, default)
    saved = st.session_state.pop(_SAVED, None)
    if saved:
        st.success(t(saved[0], **saved[1]))
    hours_caption(scope, company_id)
    st.toggle(t("work.log.one_to_one"), key="log_one_to_one", help=t("work.log.one_to_one_help"))
    prefix = fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        session_fields(prefix, problems, None)
        st.markdown(f"**{t('work.log.attendance')}**")
        attendance_picker(prefix, people, {}, default)
        widgets.field_errors(problems, "attendance")
        st.form_submit_button(t("work.log.save"), type="primary", width="stretch",
                              on_click=_mark_submitted, args=(prefix,))


def _mark_submitted(prefix: str) -> None:
    st.session_state[_SUBMITTED] = prefix


def _save_new_session(scope: Any, company_id: int, base: str, people: list[dict[str, Any]], default: str) -> None:
    """Check and write the submitted new-session form. Saved: the message for this run and a fresh
    form; not saved: the problems (or core.attempt's sentence) with the typed values kept."""
    prefix = fresh(base)
    values, booked = submitted_session(prefix, people, default)
    clean, problems = check_session(values, lang())
    st.session_state[f"{prefix}_problems"] = problems
    if problems:
        return
    _still_signed_in(scope)
    # Committed together with other coaches' saves of the same moment (group commit).
    new_id = core.attempt(lambda: sessions.log_session_together(core.engine(), scope, company_id, clean, booked))
    if new_id:
        rate = core.read(lambda c: sessions.session_attendance_rate(c, new_id))
        st.session_state[_SAVED] = ("work.log.saved", {
            "rate": i18n.format_percent_value(rate, lang(), 0) if rate is not None else "–", "booked": len(booked)})
        reset_form(base)


def _still_signed_in(scope: Any) -> None:
    """A fragment rerun skips the app's sign-in gate (streamlit_app.py): before writing, the
    session must still be valid with the same rights, else the whole page runs (and shows the
    sign-in page, or the page as the new rights allow; the typed values stay in the fields)."""
    from pilot.ui import session
    if session.current_scope() != scope:
        st.rerun(scope="app")


def edit_session_tab(scope: Any, company_id: int) -> None:
    """Correct or remove one of the company's 50 latest sessions (drawn only while its tab is open)."""
    from pilot.ui import undo  # undo builds on this module
    hours_caption(scope, company_id)
    recent = core.read(lambda c: sessions.list_sessions(c, scope, company_id=company_id))[:50]
    by_id = {r["id"]: r for r in recent}

    def session_name(sid: int, language: str) -> str:
        r = by_id[sid]
        return f"{i18n.format_date(r['held_on'])} · {i18n.label('kind', r['kind'], language)} · {r['booked']}"

    labels = {sid: session_name(sid, lang()) for sid in by_id}
    widgets.keep_choice("log_edit_pick", list(labels), session_name)
    chosen = st.selectbox(t("work.log.choose"), list(labels), index=None, key="log_edit_pick",
                          placeholder=t("common.choose"),
                          format_func=mapper(labels))
    current = core.read(lambda c: sessions.get_session(c, scope, chosen)) if chosen else None
    if current:
        holder = f"form_session_{current['id']}"
        version = held_version(holder, current["version"])
        prefix = f"{holder}_v{version}"  # fresh fields after a save or a reload
        problems = st.session_state.get(f"{prefix}_problems", [])
        booked_now = core.read(lambda c: sessions.booked_people(c, scope, current["id"]))
        extra = [p for p in core.read(lambda c: sessions.booking_defaults(c, scope, company_id, current["held_on"]))
                 if p["id"] not in {b["id"] for b in booked_now}]
        with st.form(prefix):
            values = session_fields(prefix, problems, current)
            st.markdown(f"**{t('work.log.attendance')}**")
            booked = attendance_picker(prefix, booked_now + extra, {b["id"]: b["status"] for b in booked_now},
                                       NOT_BOOKED)
            reason = st.text_input(t("field.reason"), key=f"{prefix}_reason", help=t("work.log.reason_help"))
            widgets.field_errors(problems, "reason")
            saved = st.form_submit_button(t("common.save"), type="primary", width="stretch")
        if saved:
            clean, problems = check_session(values, lang())
            old = needs_reason(current["held_on"], today()) or (
                clean["held_on"] and needs_reason(clean["held_on"], today()))
            if old and not reason.strip():
                problems.append(widgets.Problem("reason", "work.error.reason"))
            st.session_state[f"{prefix}_problems"] = problems
            if problems:
                st.rerun()
            if core.write(lambda c: sessions.update_session(c, scope, current["id"], version, clean, booked,
                                                            today(), reason)):
                release(holder)
                core.flash("common.saved")
                st.rerun()
        undo.session_remover(scope, current["id"], version, prefix)


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
        st.warning(t(w.key, employer=names.company(w.employer) if w.employer else t("work.trial.no_employer"),
                     months=w.months_used,
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
        # A pilot company's Y-tunnus reads as its name (pilot/ui/names.py); any other stays a Y-tunnus.
        parts = [f"{names.company(employer) if employer else t('work.trial.no_employer')}: "
                 f"{i18n.format_number(months, lang(), 1)}"
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


def company_from_url(scope: Any, key: str) -> int | None:
    """``?company=<id>`` (a search result) picks the company in the picker ``key`` when the page
    opens, if the caller's scope has it; a company outside it is ignored like any other id."""
    from pilot.records import companies
    raw = st.query_params.get("company", "")
    seen = f"_url_company_{key}"
    if raw == st.session_state.get(seen):
        return None
    st.session_state[seen] = raw
    if not raw.isdigit():
        return None
    if core.read(lambda c: companies.get_company(c, scope, int(raw))) is None:  # one row, not the scope's all
        return None
    st.session_state[key] = int(raw)
    return int(raw)


# ---- moving an adaptation (pages/adaptations.py) ----

PICK = "adapt_pick"
_CLEAR = "_adapt_pick_clear"


def adaptation_label(row: dict[str, Any], language: str) -> str:
    """A picker's text for one adaptation: type, for whom, stage and the whole description (a
    cut description made two similar adaptations look the same)."""
    who = row.get("participant_code") or i18n.t("work.adapt.workplace", language)
    return (f"{i18n.label('adaptation_type', row['type'], language)} · {who} · "
            f"{i18n.label('stage', row['stage'], language)}: {row['description']}")


def adaptation_picker(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Pick one adaptation of the board. After a move or a step back the picker is empty again,
    so a second click cannot move the same card once more; ``?adaptation=<id>`` (a search
    result) picks one when the page opens."""
    by_id = {r["id"]: r for r in rows}
    raw = st.query_params.get("adaptation", "")
    if st.session_state.pop(_CLEAR, False):
        st.session_state[PICK] = None
        if "adaptation" in st.query_params:
            del st.query_params["adaptation"]
        st.session_state["_adapt_url"] = ""
    elif raw != st.session_state.get("_adapt_url"):
        st.session_state["_adapt_url"] = raw
        if raw.isdigit() and int(raw) in by_id:
            st.session_state[PICK] = int(raw)
    keep_choice_rows = lambda row_id, language: adaptation_label(by_id[row_id], language)  # noqa: E731
    widgets.keep_choice(PICK, list(by_id), keep_choice_rows)
    if st.session_state.get(PICK) not in by_id:
        st.session_state[PICK] = None
    labels = {i: adaptation_label(r, lang()) for i, r in by_id.items()}
    chosen = st.selectbox(t("work.adapt.choose"), list(labels), index=None, key=PICK,
                          placeholder=t("common.choose"), format_func=mapper(labels))
    return by_id.get(chosen)


def _done(row_id: int, key: str, **params: Any) -> None:
    """After a move or a step back: both forms of the card start afresh (the version they hold
    is the old one) and the picker is emptied on the next run."""
    for holder in (f"form_move_{row_id}", f"form_back_{row_id}"):
        release(holder)
        reset_form(holder)
    st.session_state[_CLEAR] = True
    core.flash(key, **params)
    st.rerun()


def move_form(scope: Any, row: dict[str, Any], move: Callable[..., Any]) -> None:
    """The next stage (or dropped) on a date; the effect is asked only for evaluated.

    ``move(conn, scope, id, version, stage, on, effect)`` writes it (pilot.records.adaptations.move).
    The stage is chosen outside the form so the effect question follows the choice at once."""
    stages = next_stages(row)
    if not stages:
        return
    holder = f"form_move_{row['id']}"
    version = held_version(holder, row["version"])
    prefix = f"{holder}_v{version}"
    problems = st.session_state.get(f"{prefix}_problems", [])
    widgets.keep_choice(f"{prefix}_stage", list(stages), widgets.code_namer("stage"))
    stage = st.radio(t("field.stage"), stages, horizontal=True, key=f"{prefix}_stage", format_func=labeller("stage"))
    widgets.field_errors(problems, "stage")
    with st.form(prefix):
        on = widgets.date_field("work.adapt.on", f"{prefix}_on")
        widgets.field_errors(problems, "on")
        effect = None
        if stage == "evaluated":
            effect = st.radio(t("field.effect"), [1, 2, 3, 4, 5], index=None, horizontal=True,
                              key=f"{prefix}_effect", help=t("work.adapt.effect_help"))
            widgets.field_errors(problems, "effect")
        moved = st.form_submit_button(t("work.adapt.move_save"), type="primary")
    if moved:
        _, problems = check_move(row, stage, on, effect)
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        if core.write(lambda c: move(c, scope, row["id"], version, stage, on, effect)):
            _done(row["id"], "work.adapt.moved", stage=core.label("stage", stage))


def step_back_form(scope: Any, row: dict[str, Any], step_back: Callable[..., Any]) -> None:
    """One step back with a reason (a move recorded by mistake): the latest step's date, and an
    evaluation's effect, are cleared; ``step_back(conn, scope, id, version, reason)`` writes it."""
    back_to = previous_stage(row)
    if back_to is None:
        return
    holder = f"form_back_{row['id']}"
    version = held_version(holder, row["version"])
    prefix = f"{holder}_v{version}"
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        st.markdown(t("work17.back.explain", stage=core.label("stage", row["stage"]),
                      previous=core.label("stage", back_to)))
        reason = st.text_input(t("field.reason"), key=f"{prefix}_reason", help=t("work17.back.reason_help"))
        widgets.field_errors(problems, "reason")
        widgets.field_errors(problems, "stage")
        back = st.form_submit_button(t("work17.back.save"))
    if back:
        _, problems = check_step_back(row, reason)
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        if core.write(lambda c: step_back(c, scope, row["id"], version, reason)):
            _done(row["id"], "work17.back.done", stage=core.label("stage", back_to))


# ---- My week's tables: a row opens its record (pages/my_week.py) ----

def _picked(event: Any) -> int | None:
    return event.selection.rows[0] if event is not None and event.selection.rows else None


def quiet_table(rows: list[dict[str, Any]], limit: int) -> None:
    """Quiet participants, the code and days first (a phone shows the first columns); a row opens
    the participant page, as ``?participant=<id>`` like every other link to it."""
    shown = rows  # widgets.table draws the first ``limit`` and says how many there are
    event = widgets.table(shown, {"code": "field.code", "quiet_days": "work17.col.quiet_days",
                                  "last_session": "work.col.last_session", "display_name": "field.display_name",
                                  "company_name": "field.company"},
                          key="week_quiet", selectable=True, limit=limit)
    row = _picked(event)
    if row is not None:
        st.switch_page(PAGE["participant"], query_params={"participant": str(shown[row]["id"]), "lang": lang()})


def waiting_table(rows: list[dict[str, Any]], limit: int) -> None:
    """Open adaptations: who, stage, days waiting and overdue first; a row opens it on its
    company's board (``?company=<id>&adaptation=<id>``), picked and ready to move."""
    shown = [{**r, "who": r.get("participant_code") or t("work.adapt.workplace"),
              "overdue_mark": f"⚠ {t('work17.overdue')}" if r.get("overdue") else ""} for r in rows]
    event = widgets.table(shown, {"who": "work17.col.who", "stage": "field.stage",
                                  "waiting_days": "work.col.waiting_days", "overdue_mark": "work17.col.overdue",
                                  "type": "field.adaptation_type", "company_name": "field.company",
                                  "description": "field.description", "last_step_on": "work.col.last_step"},
                          codes={"type": "adaptation_type", "stage": "stage"}, key="week_adaptations",
                          selectable=True, limit=limit)
    row = _picked(event)
    if row is not None:
        st.switch_page(PAGE["adaptations"], query_params={"company": str(shown[row]["company_id"]),
                                                          "adaptation": str(shown[row]["id"]), "lang": lang()})
