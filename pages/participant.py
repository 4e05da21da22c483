"""One participant: timeline with filters, language assessments and chart, employment, adaptations."""
import streamlit as st

from pilot import charts, i18n
from pilot.domain import work_trial
from pilot.domain.dates import today
from pilot.domain.work_checks import check_assessment, check_note
from pilot.records import adaptations, assessments, employment, participants, timeline
from pilot.ui import core, followup_ui, participant_forms, reads, session, undo, widgets, work
from pilot.ui.core import t
from pilot.ui.safe import md

scope = core.require_role("coach", "admin")
st.title(t("work.participant.title"))
core.show_flash()
reads.record_view(scope, "participant_picker")
# ?participant=<id> (checked against the scope by pilot/ui/session.py) names the person shown:
# the URL follows the picker, so Back, a reload or a bookmark open the same person. A large scope
# gets a search box and at most widgets.CHOICES options (issue 16).
picked = widgets.participant_picker(scope, "participant_pick", work.person_name)
person = core.read(lambda c: participants.get_participant(c, scope, picked)) if picked else None
if not person:
    st.stop()
pid = person["id"]
session.record_read(scope, "participant", pid)  # every look at personal data is on record
st.caption(f"{md(person['company_name'])} · {t('field.enrolled_on')} {i18n.format_date(person['enrolled_on'])}")
participant_forms.summary_download(scope, person)  # printable, on record when downloaded
# Only the open tab runs (issue 16): the others' queries and forms wait until the tab is opened.
TABS = ("timeline", "language", "employment", "adaptations", "details")
tabs = widgets.lazy_tabs("participant_tabs", TABS, lambda name: t(f"work.tab.{name}"))

if tabs[0].open:
    with tabs[0]:
        kinds = st.multiselect(t("work.timeline.show"), timeline.KINDS, default=timeline.KINDS, key="tl_kinds",
                               placeholder=t("common.choose"), select_all=False,  # Streamlit's "Select all" is English
                               format_func=core.mapper({k: t(f"work.event.{k}") for k in timeline.KINDS}))
        since = widgets.date_field("work.timeline.since", "tl_since", optional=True)
        until = widgets.date_field("work.timeline.until", "tl_until", optional=True)
        work.timeline_table(core.read(lambda c: timeline.for_participant(c, scope, pid, tuple(kinds), since, until)))

        work.record_form(f"form_note_{pid}", work.note_fields, check_note,
                         lambda c, clean: timeline.add_note(c, scope, pid, clean), "work.timeline.add_note", primary=False)

if tabs[1].open:
    with tabs[1]:
        rows = core.read(lambda c: assessments.for_participant(c, scope, pid))
        if rows:
            st.plotly_chart(charts.assessment_progression(work.assessment_frame(rows), work.chart_titles()), key="chart")

        work.record_form(f"form_assess_{pid}", work.assessment_fields, check_assessment,
                         lambda c, clean: assessments.record_assessment(c, scope, pid, clean), "work.assess.save")
        widgets.table(rows, {"assessed_on": "field.assessed_on", "skill": "field.skill", "level": "field.level",
                             "source": "field.source"}, codes={"skill": "skill", "source": "source"}, key="assess_table")
        undo.assessments_editor(scope, pid, rows)

if tabs[2].open:
    with tabs[2]:
        history = core.read(lambda c: employment.history(c, pid))
        work.trial_warnings(work_trial.warnings(history, today()))
        work.trial_months(work_trial.months_used(history, today()))
        widgets.table(history, {"effective_on": "field.effective_on", "status": "field.status",
                                "weekly_hours": "field.weekly_hours", "subsidised": "field.subsidised",
                                "employer_business_id": "names.field.employer_business_id"},
                      codes={"status": "employment_status"}, key="emp_table")
        work.record_form(f"form_emp_{pid}", work.employment_change_fields, work.check_employment_change, lambda c, clean: employment.record_change(c, scope, pid, clean),
                         "work.emp.save")
        undo.employment_editor(scope, pid)
        followup_ui.editor(scope, person)

if tabs[3].open:
    with tabs[3]:
        widgets.table(core.read(lambda c: adaptations.list_adaptations(c, scope, participant_id=pid)),
                      {"type": "field.adaptation_type", "description": "field.description", "stage": "field.stage",
                       "participant_code": "field.code", "owner": "field.owner", "proposed_on": "field.proposed_on"},
                      codes={"type": "adaptation_type", "stage": "stage"}, key="adapt_table")
        st.page_link(work.PAGE["adaptations"], label=t("work.adapt.open_board"), icon=":material/view_kanban:")

if tabs[4].open:
    with tabs[4]:  # the same edit form as the caseload page, holding the version it first showed
        holder = f"form_details_{pid}"
        participant_forms.edit_form(scope, person, work.held_version(holder, person["version"]), holder)
