"""The participants page's forms: enrol, edit and exit, each validated before saving.

Kept out of pages/participants.py so the page reads as a description of the screen.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from pilot import db, summary
from pilot.access import Scope
from pilot.domain.validation import Problem, check_employment, check_participant, confirm_future
from pilot.records import participants
from pilot.ui import core, widgets, work
from pilot.ui.core import t


def enrol_form(scope: Scope, coach_names: dict[int, str]) -> None:
    """Enrol a participant: their fields, company, coach and the employment status at enrolment."""
    prefix = "form_enrol"
    problems = st.session_state.get(f"{prefix}_problems", [])
    # At most widgets.CHOICES companies; a larger scope's search box stands above the form, where
    # Enter narrows the list instead of submitting the form (issue 16).
    company_names = widgets.company_options(scope, f"{prefix}_company")
    with st.form(prefix):
        c1, c2 = st.columns(2)
        values = {"code": c1.text_input(t("field.code"), key=f"{prefix}_code", placeholder="P-0042")}
        with c1:
            widgets.field_errors(problems, "code")
        company_id = c2.selectbox(t("field.company"), list(company_names), key=f"{prefix}_company",
                                  format_func=core.mapper(company_names), index=None,
                                  placeholder=t("common.choose"))
        with c2:
            widgets.field_errors(problems, "company")
        with c1:
            values["enrolled_on"] = widgets.date_field("field.enrolled_on", f"{prefix}_enrolled")
            widgets.field_errors(problems, "enrolled_on")
            values["first_language"] = widgets.first_language_picker(f"{prefix}_lang")
            widgets.field_errors(problems, "first_language")
            values["job_title"] = st.text_input(t("field.job_title"), key=f"{prefix}_job")
            widgets.field_errors(problems, "job_title")
        with c2:
            values["display_name"] = st.text_input(t("field.display_name"), key=f"{prefix}_name",
                                                   help=t("participants.display_name_help"))
            widgets.field_errors(problems, "display_name")
            values["occupation_code"] = st.text_input(t("field.occupation_code"), key=f"{prefix}_occ")
            widgets.field_errors(problems, "occupation_code")
            coach_options = [None] + list(coach_names)
            coach_id = st.selectbox(t("field.coach"), coach_options, key=f"{prefix}_coach",
                                    index=coach_options.index(scope.user_id) if scope.user_id in coach_names else 0,
                                    format_func=core.mapper(coach_names))
        values["share_with_employer"] = st.checkbox(t("field.share_with_employer"), key=f"{prefix}_share")
        values["notes"] = st.text_area(t("field.notes"), key=f"{prefix}_notes")
        widgets.field_errors(problems, "notes")
        st.markdown(f"**{t('participants.status_at_enrolment')}**")
        start = widgets.employment_fields(f"{prefix}_emp", problems)
        future_ok = widgets.future_confirm(prefix, problems)
        submitted = st.form_submit_button(t("participants.enrol"), type="primary")
    if submitted:
        clean, problems = check_participant(values)
        start_clean, start_problems = check_employment({**start, "effective_on": values["enrolled_on"]}, core.lang())
        problems += start_problems + confirm_future(clean, ("enrolled_on",), future_ok)
        if company_id is None:
            problems.append(Problem("company", "error.required"))
        if clean.get("code") and core.read(lambda c: participants.id_by_code(c, clean["code"])):
            problems.append(Problem("code", "error.duplicate_code"))
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        if core.write(lambda c: participants.enrol(c, scope, clean, company_id, coach_id, start_clean)):
            core.flash("participants.enrolled", code=clean["code"])
            st.rerun()


def edit_form(scope: Scope, person: dict[str, Any], version: int, holder: str) -> None:
    """Change a participant's own fields; a save over a newer version is a conflict, not a loss."""
    prefix = f"{holder}_v{version}"
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        values = {"first_language": widgets.first_language_picker(f"{prefix}_lang", person["first_language"]),
                  "job_title": st.text_input(t("field.job_title"), person["job_title"] or "", key=f"{prefix}_job"),
                  "occupation_code": st.text_input(t("field.occupation_code"), person["occupation_code"] or "",
                                                   key=f"{prefix}_occ"),
                  "display_name": st.text_input(t("field.display_name"), person["display_name"] or "",
                                                key=f"{prefix}_name"),
                  "share_with_employer": st.checkbox(t("field.share_with_employer"),
                                                     person["share_with_employer"], key=f"{prefix}_share"),
                  "notes": st.text_area(t("field.notes"), person["notes"] or "", key=f"{prefix}_notes")}
        for name in values:
            widgets.field_errors(problems, name)
        saved = st.form_submit_button(t("common.save"), type="primary")
    if saved:
        clean, problems = check_participant({**values, "code": person["code"],
                                             "enrolled_on": person["enrolled_on"]})
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        edits = {k: clean[k] for k in values}
        if core.write(lambda c: participants.update_participant(c, scope, person["id"], version, edits)):
            work.release(holder)
            core.flash("common.saved")
            st.rerun()


def exit_form(scope: Scope, person: dict[str, Any], version: int, holder: str) -> None:
    """Exit: the date and the employment status at exit (written as a dated employment row)."""
    prefix = f"form_exit_{person['id']}"
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        st.markdown(f"**{t('participants.exit')}**")
        exited_on = widgets.date_field("field.exited_on", f"{prefix}_date")
        widgets.field_errors(problems, "exited_on")
        at_exit = widgets.employment_fields(f"{prefix}_emp", problems)
        future_ok = widgets.future_confirm(prefix, problems)
        done = st.form_submit_button(t("participants.exit"))
    if done:
        clean, problems = check_participant({"code": person["code"], "enrolled_on": person["enrolled_on"],
                                             "exited_on": exited_on, "first_language": person["first_language"]})
        exit_clean, emp_problems = check_employment({**at_exit, "effective_on": exited_on}, core.lang())
        problems = [p for p in problems if p.field == "exited_on"] + emp_problems + \
            confirm_future(clean, ("exited_on",), future_ok)
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        if core.write(lambda c: participants.exit_participant(c, scope, person["id"], version,
                                                              exited_on, exit_clean)):
            work.release(holder)
            core.flash("participants.exited", code=person["code"])
            st.rerun()


def summary_file(engine: Engine, scope: Scope, participant_id: int, lang: str) -> Callable[[], bytes]:
    """The printable summary, made when its download button is clicked. Streamlit runs this off the
    page's thread (no session there), so it takes the engine, the scope and the language along;
    making it puts the read on record in the same transaction (pilot/summary.py)."""
    def make() -> bytes:
        return summary.to_pdf(db.run_in_transaction(engine, lambda c: summary.build(c, scope, participant_id, lang)))
    return make


def summary_download(scope: Scope, person: dict[str, Any]) -> None:
    """One click: a one-page PDF for the coaching conversation in the user's language."""
    if summary.fonts_missing():
        st.caption(t("summary.no_font"))
        return
    language = core.lang()
    st.download_button(t("summary.download"), summary_file(core.engine(), scope, person["id"], language),
                       file_name=summary.file_name(person["code"], language), mime="application/pdf",
                       key="participant_summary", help=t("summary.download_help"), icon=":material/print:",
                       on_click="ignore")


def employer_summary(scope: Scope, company_id: int) -> None:
    """The employer's printable summary of a participant of their company who agreed to share it:
    picked by code (never a name); pilot/summary.py leaves out what the employer may not see."""
    shared = core.read(lambda c: participants.list_participants(c, scope, company_id=company_id))
    if not shared:
        return
    codes = {p["id"]: p["code"] for p in shared}
    picked = st.selectbox(t("summary.pick"), list(codes), index=None, format_func=core.mapper(codes),
                          key="employer_summary_pick", placeholder=t("common.choose"))
    if picked is not None:
        summary_download(scope, {"id": picked, "code": codes[picked]})
