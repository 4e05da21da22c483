"""Services dashboard: the outcome indicators as of a date, for filters, with charts of what lies
behind them. Services see the small-number rule; coaches and admins exact figures."""
import streamlit as st

from pilot.records import outcomes
from pilot.ui import core
from pilot.ui import outcomes as view
from pilot.ui.core import t

scope = core.require_role("services", "admin", "coach")
st.title(t("outcomes.dashboard.title"))
st.caption(t("outcomes.dashboard.intro"))
as_of, filters = view.filter_bar(scope, "dash")
if not scope.whole_pilot and filters.company_id is None:
    st.info(t("outcomes.pick_company"))
    st.stop()

exact = core.read(lambda c: outcomes.exact_figures(c, scope, as_of, filters))
view.tiles(core.read(lambda c: outcomes.tiles(c, scope, as_of, filters)))
if filters.by_participant:
    st.caption(t("outcomes.company_level_note"))

tabs = st.tabs([t("outcomes.tab.activity"), t("outcomes.tab.employment"), t("outcomes.tab.language"),
                t("outcomes.tab.work"), t("outcomes.tab.costs")], key="dashboard_tabs")
with tabs[0]:
    view.activity(core.read(lambda c: outcomes.activity_by_month(c, scope, as_of, filters, exact)), "activity")
    view.hours(core.read(lambda c: outcomes.hours_by_kind(c, scope, as_of, filters)), "hours_by_kind")
    view.attendance(core.read(lambda c: outcomes.attendance_by_month(c, scope, as_of, filters, exact)), "attendance")
with tabs[1]:
    view.employment(core.read(lambda c: outcomes.employment_status(c, scope, as_of, filters, exact)), "employment")
with tabs[2]:
    view.language(core.read(lambda c: outcomes.language_gains(c, scope, as_of, filters, exact)), "language_gain")
with tabs[3]:
    by_cell = core.read(lambda c: outcomes.adaptations_by_type_stage(c, scope, as_of, filters, exact))
    if outcomes.any_masked(by_cell):
        view.adaptation_totals(core.read(lambda c: outcomes.adaptation_totals(c, scope, as_of, filters, exact)),
                               "adaptations")
    view.adaptations(by_cell, "adaptations")
    view.feedback(core.read(lambda c: outcomes.feedback_latest(c, scope, as_of, filters)), "feedback")
with tabs[4]:
    view.costs_by_month(core.read(lambda c: outcomes.costs_by_month(c, scope, as_of, filters)), "costs")
    if scope.whole_pilot:
        view.budget(core.read(lambda c: outcomes.budget_vs_actual(c, scope, as_of)), "budget")
