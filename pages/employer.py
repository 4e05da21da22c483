"""The employer's page about their own workplace: coaching done, job adaptations and who owns
them, the progress of participants who agreed to share it, hiring, and feedback to the pilot.

The first screen is the tiles and the coaching chart; every other part is a section drawn only
when chosen (?view=<code> keeps the choice), so a visit sends one chart and no grid (issue 16)."""
import streamlit as st

from pilot.domain.dates import today
from pilot.records import companies, feedback, surveys
from pilot.ui import cache, core, hiring, participant_forms, undo, widgets, work
from pilot.ui import outcomes as view
from pilot.ui.core import t

scope = core.require_role("employer")
st.title(t("outcomes.employer.title"))
core.show_flash()
names = dict(core.read(lambda c: companies.company_choices(c, scope)))
if not names:
    st.info(t("outcomes.employer.no_company"))
    st.stop()
company_id = st.selectbox(t("field.company"), list(names), key="employer_company",
                          format_func=core.mapper(names), disabled=len(names) == 1)
as_of = today()
page = cache.employer_page(scope, company_id, as_of)  # under the employer's rule, once per data version
answers = core.read(lambda c: surveys.for_company(c, scope, company_id))
hiring.survey_prompt(scope, company_id, answers)  # the pilot's own question, when it is due
section = view.section_picker(view.EMPLOYER_SECTIONS, "view")

if section == "coaching":
    view.tiles(page.tiles, view.EMPLOYER_TILES, language=False)
    view.activity(page.charts["activity"], "employer_activity", "activity" in page.all_hidden, lazy=True)

elif section == "sessions":
    st.header(t("outcomes.employer.sessions"))
    view.hours(page.charts["hours_by_kind"], "employer_hours", lazy=True)
    st.subheader(t("outcomes.employer.recent_sessions"))
    view.table(page.tables["sessions"],
               {"held_on": "outcomes.col.held_on", "kind": "field.kind", "mode": "field.mode",
                "minutes": "field.minutes"}, {"kind": "kind", "mode": "mode"}, key="employer_sessions")

elif section == "adaptations":
    st.header(t("outcomes.employer.adaptations"))
    view.table(page.tables["adaptations"],
               {"stage": "field.stage", "type": "outcomes.field.type", "description": "field.description",
                "owner": "field.owner", "proposed_on": "field.proposed_on", "effect": "field.effect"},
               {"stage": "stage", "type": "adaptation_type"}, key="employer_adaptations")

elif section == "progress":
    st.header(t("outcomes.employer.progress"))
    st.caption(t("outcomes.employer.progress_note"))
    view.table(page.tables["progress"],
               {"code": "field.code", "job_title": "field.job_title", "enrolled_on": "field.enrolled_on",
                "exited_on": "field.exited_on", "status": "field.status", "speaking": "code.skill.speaking",
                "listening": "code.skill.listening", "reading": "code.skill.reading",
                "writing": "code.skill.writing"},
               {"status": "exit_status"}, key="employer_progress")
    participant_forms.employer_summary(scope, company_id)  # shared participants only, by code

elif section == "hiring":
    hiring.employer_section(page.tables)

elif section == "feedback":
    st.header(t("outcomes.employer.feedback"))
    with st.form("form_feedback", clear_on_submit=True):
        score = st.radio(t("outcomes.col.score"), [1, 2, 3, 4, 5], index=None, horizontal=True,
                         key="feedback_score", help=t("outcomes.employer.score_help"))
        comment = st.text_area(t("outcomes.employer.comment"), key="feedback_comment", max_chars=2000)
        mark = work.quote_fields("feedback", [])
        sent = st.form_submit_button(t("outcomes.employer.send"), type="primary")
    if sent:
        clean, problems = feedback.check_feedback({"score": score, "comment": comment, "given_on": today(), **mark})
        if problems:
            for p in problems:
                st.error(t(p.key, **p.params))
        else:
            saved = core.write(lambda c: feedback.give(c, scope, company_id, clean))
            if saved:
                core.flash("outcomes.employer.replaced" if saved[1] else "outcomes.employer.thanks")
                st.rerun()
    earlier = core.read(lambda c: feedback.for_company(c, scope, company_id))
    widgets.table(earlier, {"given_on": "outcomes.col.given_on", "score": "outcomes.col.score",
                            "comment": "outcomes.employer.comment"}, key="employer_feedback")
    undo.feedback_editor(scope, company_id, earlier)
