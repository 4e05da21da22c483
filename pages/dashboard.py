"""Services dashboard: the outcome indicators as of a date, for filters, with charts of what lies
behind them. Services see the small-number rule; coaches and admins exact figures. Everything
shown comes from pilot.dashboard.services_page, as ``python -m pilot dashboard`` prints it."""
import streamlit as st

from pilot import dashboard
from pilot.ui import core, hiring
from pilot.ui import outcomes as view
from pilot.ui.core import t

scope = core.require_role("services", "admin", "coach")
st.title(t("outcomes.dashboard.title"))
st.caption(t("outcomes.dashboard.intro"))
as_of, filters = view.filter_bar(scope, "dash")
if not scope.whole_pilot and filters.company_id is None:
    st.info(t("outcomes.pick_company"))
    st.stop()

page = core.read(lambda c: dashboard.services_page(c, scope, as_of, filters))  # under the reader's rule
if page.narrowed:  # D4: a group of 1-4 people, or 1-4 outside it, is not shown at all
    st.info(t("disclosure.narrowed"))
    st.stop()
view.tiles(page.tiles)
if filters.by_participant:
    st.caption(t("outcomes.company_level_note"))

charts, empty = page.charts, page.all_hidden
tabs = st.tabs([t("outcomes.tab.activity"), t("outcomes.tab.employment"), t("outcomes.tab.language"),
                t("outcomes.tab.work"), t("outcomes.tab.costs"), t("hiring.tab")], key="dashboard_tabs")
with tabs[0]:
    view.activity(charts["activity"], "activity", "activity" in empty)
    view.hours(charts["hours_by_kind"], "hours_by_kind")
    view.attendance(charts["attendance"], "attendance")
with tabs[1]:
    view.employment(charts["employment"], "employment", "employment" in empty)
with tabs[2]:
    view.language(charts["language_gain"], "language_gain", "language_gain" in empty)
with tabs[3]:
    if page.masked("adaptations"):
        view.adaptation_totals({"stage": charts["adaptation_stages"], "type": charts["adaptation_types"]},
                               "adaptations", empty)
    view.adaptations(charts["adaptations"], "adaptations", "adaptations" in empty)
    view.feedback(charts["feedback"], "feedback")
with tabs[4]:
    view.costs_by_month(charts["costs"], "costs")
    if "budget" in charts:
        view.budget(charts["budget"], "budget")
with tabs[5]:
    hiring.dashboard_section(page)
