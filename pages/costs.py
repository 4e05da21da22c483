"""Costs against the yearly appropriation: record a cost (with a warning before it would take
the year over budget), set the appropriation, and follow budget versus actual."""
from decimal import Decimal

import streamlit as st

from pilot import i18n
from pilot.domain import codes
from pilot.domain.dates import today
from pilot.records import costs, outcomes
from pilot.ui import core, undo, widgets
from pilot.ui import outcomes as view
from pilot.ui.core import t

scope = core.require_role("admin")
st.title(t("outcomes.costs.title"))
core.show_flash()
year = st.selectbox(t("outcomes.col.year"), list(range(today().year + 1, 2019, -1)), index=1, key="costs_year")
check = core.read(lambda c: costs.budget_check(c, today().replace(year=year, month=1, day=1), Decimal(0)))
c1, c2, c3 = st.columns(3)
c1.metric(t("outcomes.col.appropriation"), view.show_value("cost_total_eur", float(check.appropriation)), border=True)
c2.metric(t("outcomes.col.actual"), view.show_value("cost_total_eur", float(check.spent)), border=True)
c3.metric(t("outcomes.col.remaining"), view.show_value("cost_total_eur", float(check.remaining_after)), border=True)


def save(clean: dict) -> None:
    saved = core.write(lambda c: costs.add_cost(c, scope, clean))
    st.session_state.pop("cost_pending", None)
    if saved:
        core.flash("outcomes.costs.saved", ref=saved[1])
        st.rerun()


with st.expander(t("outcomes.costs.add"), expanded=True):
    # At most widgets.CHOICES companies; a larger scope's search box stands above the form, where
    # Enter narrows the list instead of submitting the form (issue 16).
    names = widgets.company_options(scope, "cost_company")
    with st.form("form_cost"):
        a, b = st.columns(2)
        widgets.keep_choice("cost_category", list(codes.COST_CATEGORIES), widgets.code_namer("cost_category"))
        widgets.keep_choice("cost_company", [None, *names], lambda c, language: names.get(c) if c is not None
                            else i18n.t("outcomes.costs.no_company", language))
        category = a.selectbox(t("outcomes.field.category"), codes.COST_CATEGORIES, key="cost_category",
                               format_func=core.labeller("cost_category"))
        with b:
            amount = widgets.number_field("outcomes.field.amount_eur", "cost_amount")
        with a:
            incurred_on = widgets.date_field("outcomes.field.incurred_on", "cost_date")
        company_id = b.selectbox(t("field.company"), [None, *names], key="cost_company",
                                 format_func=core.mapper(names, "outcomes.costs.no_company"))
        description = st.text_input(t("field.description"), key="cost_description")
        submitted = st.form_submit_button(t("common.save"), type="primary")
    if submitted:
        clean, problems = costs.check_cost({"category": category, "amount_eur": amount,
                                            "incurred_on": incurred_on, "company_id": company_id,
                                            "description": description}, core.lang())
        for p in problems:
            st.error(f"{t('outcomes.field.' + p.field)}: {t(p.key, **p.params)}")
        if not problems:
            over = core.read(lambda c: costs.budget_check(c, clean["incurred_on"], clean["amount_eur"]))
            if over.over:
                st.session_state["cost_pending"] = clean
            else:
                save(clean)
    pending = st.session_state.get("cost_pending")
    if pending:
        over = core.read(lambda c: costs.budget_check(c, pending["incurred_on"], pending["amount_eur"]))
        st.warning(t("outcomes.costs.over_warning", year=str(over.year),
                     amount=view.show_value("cost_total_eur", float(pending["amount_eur"])),
                     appropriation=view.show_value("cost_total_eur", float(over.appropriation)),
                     after=view.show_value("cost_total_eur", float(over.after))), icon=":material/warning:")
        if st.button(t("outcomes.costs.confirm"), key="cost_confirm", type="primary"):
            save(pending)
        if st.button(t("common.cancel"), key="cost_cancel"):
            st.session_state.pop("cost_pending", None)
            st.rerun()

with st.expander(t("outcomes.costs.appropriation")):
    with st.form("form_appropriation"):
        value = widgets.number_field("outcomes.col.appropriation", f"appropriation_amount_{year}",
                                     check.appropriation, decimals=2)
        if st.form_submit_button(t("common.save")):
            clean, problems = costs.check_appropriation({"year": year, "amount_eur": value}, core.lang())
            for p in problems:
                st.error(t(p.key, **p.params))
            if not problems and core.write(lambda c: costs.set_appropriation(c, scope, year, clean["amount_eur"])):
                core.flash("common.saved")
                st.rerun()

view.budget(core.read(lambda c: outcomes.budget_vs_actual(c, scope)), "budget")
view.costs_by_month(core.read(lambda c: outcomes.costs_by_month(c, scope, today())), "costs_by_month")
st.subheader(t("outcomes.costs.list", year=str(year)))
listed = core.read(lambda c: costs.list_costs(c, scope, year))
view.table(listed,
           {"incurred_on": "outcomes.field.incurred_on", "ref": "outcomes.field.ref", "category": "outcomes.field.category",
            "amount_eur": "outcomes.field.amount_eur", "company_name": "field.company", "description": "field.description"},
           {"category": "cost_category"}, key="costs_table")
# The correction form's company picker is bounded and searched like the one above, the cost's
# own company kept among its choices.
undo.costs_editor(scope, listed)
