"""Services dashboard: the outcome indicators as of a date, for filters, with charts of what lies
behind them. Services see the small-number rule; coaches and admins exact figures. Everything
shown comes from pilot.dashboard.services_page, as ``python -m pilot dashboard`` prints it.

Only the chosen section is drawn (the choice is kept in the address, ?view=...): every section's
figures and tables at once made the page slow to build and slow for the browser to draw. The first
screen (also the services' landing after sign-in) is the tiles and one chart. The page
data is computed once per scope, date, filters and data version (pilot.ui.cache)."""
import streamlit as st

from pilot.ui import cache, core, hiring
from pilot.ui import outcomes as view
from pilot.ui.core import t

scope = core.require_role("services", "admin", "coach")
st.title(t("outcomes.dashboard.title"))
st.caption(t("outcomes.dashboard.intro"))
as_of, filters = view.filter_bar(scope, "dash")
if not scope.whole_pilot and not scope.company_ids:  # bound to no company: nothing to show
    st.info(t("outcomes.no_companies"))
    st.stop()

page = cache.services_page(scope, as_of, filters)  # under the reader's rule
if page.narrowed:  # D4: a group of 1-4 people, or 1-4 outside it, is not shown at all
    st.info(t("disclosure.narrowed"))
    st.stop()
view.tiles(page.tiles)
if filters.by_participant:
    st.caption(t("outcomes.company_level_note"))

charts, empty = page.charts, page.all_hidden
section = view.section_picker(view.DASHBOARD_SECTIONS, "view")
if section == "activity":
    view.activity(charts["activity"], "activity", "activity" in empty)
elif section == "sessions":
    view.hours(charts["hours_by_kind"], "hours_by_kind")
    view.attendance(charts["attendance"], "attendance")
elif section == "employment":
    view.employment(charts["employment"], "employment", "employment" in empty)
elif section == "language":
    view.language(charts["language_gain"], "language_gain", "language_gain" in empty)
elif section == "work":
    if page.masked("adaptations"):
        view.adaptation_totals({"stage": charts["adaptation_stages"], "type": charts["adaptation_types"]},
                               "adaptations", empty)
    view.adaptations(charts["adaptations"], "adaptations", "adaptations" in empty)
    view.feedback(charts["feedback"], "feedback")
elif section == "costs":
    view.costs_by_month(charts["costs"], "costs")
    if "budget" in charts:
        view.budget(charts["budget"], "budget")
elif section == "hiring":
    hiring.dashboard_section(page)
