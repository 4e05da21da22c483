"""Participants: the caseload by company and status, enrolment, edits and exit."""
import streamlit as st

from pilot import i18n
from pilot.records import participants, users
from pilot.ui import core, participant_forms, reads, widgets, work
from pilot.ui.core import t

scope = core.require_role("coach", "admin")
st.title(t("participants.title"))
core.show_flash()

coach_rows = core.read(users.coaches)
coach_names = {c["id"]: c["display_name"] or c["username"] for c in coach_rows}

f1, f2, f3 = st.columns([2, 1, 2])
with f1:  # at most widgets.CHOICES companies; a larger scope gets a search box (issue 16)
    company_names = widgets.company_options(scope, "pf_company")
widgets.keep_choice("pf_company", [None] + list(company_names), lambda c, language: company_names[c] if c is not None
                    else i18n.t("common.all", language))
widgets.keep_choice("pf_status", ["active", "exited", None], widgets.code_namer("participant_status", "common.all"))
company_filter = f1.selectbox(t("field.company"), [None] + list(company_names), key="pf_company",
                              format_func=core.mapper(company_names, "common.all"))
status = f2.radio(t("participants.status"), ["active", "exited", None], horizontal=True, key="pf_status",
                  format_func=core.labeller("participant_status", "common.all"))
search = f3.text_input(t("common.search"), key="pf_search", placeholder=t("participants.search_hint"))
# At most widgets.CASELOAD_ROWS rows are read and drawn (issue 16: a national admin's caseload is
# 200 000); the count of the matches tells how many more the filters would have to narrow.
shown = widgets.CASELOAD_ROWS
rows = core.read(lambda c: participants.list_participants(c, scope, company_filter, status, search=search or None,
                                                          limit=shown))
matches = len(rows) if len(rows) < shown else \
    core.read(lambda c: participants.count_participants(c, scope, company_filter, status, search=search or None))
reads.record_view(scope, "participant_list", {"company": company_filter, "status": status, "search": search})
if matches > len(rows):
    st.caption(t("caseload.first_of", shown=i18n.format_number(len(rows), core.lang()),
                 count=i18n.format_number(matches, core.lang())))
else:
    st.caption(t("common.rows", count=len(rows)))
widgets.table(rows, {"code": "field.code", "display_name": "field.display_name", "company_name": "field.company",
                     "first_language": "field.first_language", "job_title": "field.job_title",
                     "enrolled_on": "field.enrolled_on", "exited_on": "field.exited_on", "coach": "field.coach"},
              key="participant_table")

# Only the open tab runs (issue 16): the edit picker and its reads wait until the tab is opened.
enrol_tab, edit_tab = widgets.lazy_tabs("participants_tabs", ("enrol", "edit_exit"),
                                        lambda name: t(f"participants.{name}"))

if enrol_tab.open:
    with enrol_tab:
        participant_forms.enrol_form(scope, coach_names)

if edit_tab.open:
    with edit_tab:
        # code · name where the role sees names (the rows carry no name for the others)
        # The grid's bounded rows, plus the person chosen when a filter change left them out (kept open).
        held = st.session_state.get("edit_pick")
        offered = list(rows)
        if isinstance(held, int) and held not in {r["id"] for r in rows}:
            kept = core.read(lambda c: participants.get_participant(c, scope, held))
            if kept:
                offered.insert(0, kept)
        picks = {r["id"]: i18n.t("names.participants.pick", core.lang(), code=r["code"], name=r["display_name"])
                 if r["display_name"] else r["code"] for r in offered}
        chosen = st.selectbox(t("participants.choose"), [r["id"] for r in offered], key="edit_pick", index=None,
                              placeholder=t("common.choose"), format_func=core.mapper(picks))
        person = core.read(lambda c: participants.get_participant(c, scope, chosen)) if chosen else None
        if person:
            holder = f"form_edit_{person['id']}"
            version = work.held_version(holder, person["version"])  # as shown: a later save elsewhere conflicts
            participant_forms.edit_form(scope, person, version, holder)
            if person["exited_on"] is None:
                participant_forms.exit_form(scope, person, version, holder)
