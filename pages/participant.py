"""One participant: timeline with filters, language assessments and chart, employment, adaptations."""
import streamlit as st

from pilot import charts, i18n
from pilot.domain import codes, work_trial
from pilot.domain.dates import today
from pilot.domain.validation import check_employment
from pilot.domain.work_checks import check_assessment, check_note
from pilot.records import adaptations, assessments, employment, participants, timeline
from pilot.ui import core, session, widgets, work
from pilot.ui.core import t

scope = core.require_role("coach", "admin")
st.title(t("work.participant.title"))
core.show_flash()
people = core.read(lambda c: participants.list_participants(c, scope))
names = {p["id"]: work.person_name(p) for p in people}
# ?participant=<id> (checked against the scope by pilot/ui/session.py) opens one from a link.
asked = int(st.query_params["participant"]) if st.query_params.get("participant", "").isdigit() else None
picked = st.selectbox(t("participants.choose"), list(names), key="participant_pick", format_func=core.mapper(names),
                      placeholder=t("common.choose"),
                      index=list(names).index(asked) if asked in names else None)
person = core.read(lambda c: participants.get_participant(c, scope, picked)) if picked else None
if not person:
    st.stop()
pid = person["id"]
session.record_read(scope, "participant", pid)  # every look at personal data is on record
st.caption(f"{person['company_name']} · {t('field.enrolled_on')} {i18n.format_date(person['enrolled_on'])}")
tabs = st.tabs([t("work.tab.timeline"), t("work.tab.language"), t("work.tab.employment"),
                t("work.tab.adaptations"), t("work.tab.details")], key="participant_tabs")

with tabs[0]:
    kinds = st.multiselect(t("work.timeline.show"), timeline.KINDS, default=timeline.KINDS, key="tl_kinds",
                           placeholder=t("common.choose"),
                           format_func=core.mapper({k: t(f"work.event.{k}") for k in timeline.KINDS}))
    since = widgets.date_field("work.timeline.since", "tl_since", optional=True)
    until = widgets.date_field("work.timeline.until", "tl_until", optional=True)
    work.timeline_table(core.read(lambda c: timeline.for_participant(c, scope, pid, tuple(kinds), since, until)))
    base = f"form_note_{pid}"
    prefix = work.fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix, border=True):
        note = {"noted_on": widgets.date_field("field.noted_on", f"{prefix}_date"),
                "body": st.text_area(t("work.timeline.note"), key=f"{prefix}_body", height=80)}
        widgets.field_errors(problems, "body")
        add = st.form_submit_button(t("work.timeline.add_note"))
    if add:
        clean, st.session_state[f"{prefix}_problems"] = check_note(note)
        if not st.session_state[f"{prefix}_problems"] and core.write(lambda c: timeline.add_note(c, scope, pid, clean)):
            work.reset_form(base)
            core.flash("common.saved")
        st.rerun()

with tabs[1]:
    rows = core.read(lambda c: assessments.for_participant(c, scope, pid))
    if rows:
        st.plotly_chart(charts.assessment_progression(work.assessment_frame(rows), work.chart_titles()), key="chart")
    base = f"form_assess_{pid}"
    prefix = work.fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        values = {"skill": widgets.code_select("field.skill", "skill", codes.SKILLS, f"{prefix}_skill"),
                  "level": work.level_select(f"{prefix}_level"),
                  "source": st.radio(t("field.source"), codes.SOURCES, horizontal=True, key=f"{prefix}_source",
                                     format_func=core.labeller("source")),
                  "assessed_on": widgets.date_field("field.assessed_on", f"{prefix}_date")}
        for name in values:
            widgets.field_errors(problems, name)
        add = st.form_submit_button(t("work.assess.save"), type="primary")
    if add:
        clean, st.session_state[f"{prefix}_problems"] = check_assessment(values)
        if not st.session_state[f"{prefix}_problems"] and \
                core.write(lambda c: assessments.record_assessment(c, scope, pid, clean)):
            work.reset_form(base)
            core.flash("common.saved")
        st.rerun()
    widgets.table(rows, {"assessed_on": "field.assessed_on", "skill": "field.skill", "level": "field.level",
                         "source": "field.source"}, codes={"skill": "skill", "source": "source"}, key="assess_table")

with tabs[2]:
    history = core.read(lambda c: employment.history(c, pid))
    work.trial_warnings(work_trial.warnings(history, today()))
    work.trial_months(work_trial.months_used(history, today()))
    widgets.table(history, {"effective_on": "field.effective_on", "status": "field.status",
                            "weekly_hours": "field.weekly_hours", "subsidised": "field.subsidised",
                            "employer_business_id": "field.employer_business_id"},
                  codes={"status": "employment_status"}, key="emp_table")
    base = f"form_emp_{pid}"
    prefix = work.fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        day = widgets.date_field("field.effective_on", f"{prefix}_date")
        change = widgets.employment_fields(prefix, problems)
        add = st.form_submit_button(t("work.emp.save"), type="primary")
    if add:
        clean, st.session_state[f"{prefix}_problems"] = check_employment({**change, "effective_on": day})
        if not st.session_state[f"{prefix}_problems"] and \
                core.write(lambda c: employment.record_change(c, scope, pid, clean) or True):
            work.reset_form(base)
            core.flash("common.saved")
        st.rerun()

with tabs[3]:
    widgets.table(core.read(lambda c: adaptations.list_adaptations(c, scope, participant_id=pid)),
                  {"type": "field.adaptation_type", "description": "field.description", "stage": "field.stage",
                   "participant_code": "field.code", "owner": "field.owner", "proposed_on": "field.proposed_on"},
                  codes={"type": "adaptation_type", "stage": "stage"}, key="adapt_table")
    st.page_link(work.PAGE["adaptations"], label=t("work.adapt.open_board"), icon=":material/view_kanban:")

with tabs[4]:
    work.details_form(scope, person)
