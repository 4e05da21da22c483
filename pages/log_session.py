"""Log a session on the day: company, date, minutes, kind, mode, topics, notes and attendance."""
import streamlit as st

from pilot.ui import core, widgets, work
from pilot.ui.core import t

scope = core.require_role("coach", "admin")
st.title(t("work.log.title"))
core.show_flash()
company_id = widgets.company_picker(scope, "log_company")
# Only the open tab runs (a switch reruns the page): the edit tab's recent sessions are not
# queried while a coach logs new ones. lazy_tabs keeps the open tab across a language switch.
new_tab, edit_tab = widgets.lazy_tabs("log_tabs", ("new", "edit"), lambda name: t(f"work.log.{name}"))
if new_tab.open:
    with new_tab:
        work.new_session_form(scope, company_id)  # a fragment: a save reruns only the form

if edit_tab.open:
    with edit_tab:
        work.edit_session_tab(scope, company_id)
