"""Companies: search the pilot workplaces, add one, open one (a row, or ?company=<id>) to see its
contact, participants, sessions, adaptations and hires, and edit it.
The forms and tables are in pilot/ui/company_forms.py."""
import streamlit as st

from pilot.records import adaptations, companies, participants, sessions
from pilot.ui import company_forms, core, hiring, reads, widgets, work
from pilot.ui.core import t
from pilot.ui.safe import md

scope = core.require_role("coach", "admin")
st.title(t("companies.title"))
core.show_flash()
company_forms.open_from_url()

search = st.text_input(t("common.search"), key="company_search", placeholder=t("companies.search_hint"))
rows = core.read(lambda c: companies.list_companies(c, scope, search=search or None))
reads.record_view(scope, "company_list", {"search": search})
st.caption(t("common.rows", count=len(rows)))
picked = widgets.table(rows, {"name": "field.name", "business_id": "field.business_id",
                              "industry": "field.industry", "active": "companies.active",
                              "participants": "companies.participants", "joined_on": "field.joined_on"},
                       key="company_table", selectable=True)
if picked is not None and picked.selection.rows:
    company_forms.open_company(rows[picked.selection.rows[0]]["id"])

with st.expander(t("companies.add"), expanded=not rows):
    company_forms.add_form(scope)

company_id = st.session_state.get("company_open")
company = core.read(lambda c: companies.get_company(c, scope, company_id)) if company_id else None
if company:
    st.header(md(f"{company['name']} ({company['business_id']})"))
    company_forms.contact(company)
    people = core.read(lambda c: participants.list_participants(c, scope, company_id=company["id"]))
    reads.record_view(scope, "company_participants", {"company": company["id"]})
    st.subheader(t("nav.participants"))
    person = widgets.table(people, {"code": "field.code", "display_name": "field.display_name",
                                    "job_title": "field.job_title", "enrolled_on": "field.enrolled_on",
                                    "exited_on": "field.exited_on"}, key="company_people", selectable=True)
    if person is not None and person.selection.rows:
        st.switch_page(work.PAGE["participant"], query_params={
            "participant": str(people[person.selection.rows[0]]["id"]), "lang": core.lang()})
    company_forms.sessions_table(core.read(lambda c: sessions.list_sessions(c, scope, company_id=company["id"])))
    company_forms.adaptations_table(core.read(lambda c: adaptations.list_adaptations(c, scope,
                                                                                     company_id=company["id"])))
    st.page_link(work.PAGE["adaptations"], label=t("work.adapt.open_board"), icon=":material/view_kanban:",
                 query_params={"company": str(company["id"]), "lang": core.lang()})
    with st.expander(t("companies.edit")):
        company_forms.edit_form(scope, company)
    hiring.company_section(scope, company["id"], [p["code"] for p in people])
