"""The companies page's forms: add a company (an existing Y-tunnus opens it instead) and edit one.

Kept out of pages/companies.py so the page reads as a description of the screen.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from pilot.access import Scope
from pilot.domain import codes
from pilot.domain.validation import check_company
from pilot.records import companies
from pilot.ui import core, names, widgets
from pilot.ui.core import t
from pilot.ui.safe import md


def company_form(prefix: str, current: dict | None) -> dict[str, Any]:
    """The company's fields; the Y-tunnus is fixed once saved (other records point at it)."""
    problems = st.session_state.get(f"{prefix}_problems", [])
    cur = current or {}
    values = {}
    if current is None:
        values["business_id"] = st.text_input(t("field.business_id"), key=f"{prefix}_bid",
                                              placeholder="1234567-8")
        widgets.field_errors(problems, "business_id")
    values["name"] = st.text_input(t("field.name"), value=cur.get("name") or "", key=f"{prefix}_name")
    widgets.field_errors(problems, "name")
    c1, c2 = st.columns(2)
    with c1:
        # TOL 2008 by name (pilot/ui/names.py): a deeper code can still be typed
        values["industry"] = names.industry_picker(f"{prefix}_industry", cur.get("industry"),
                                                   help_text=t("companies.industry_help"))
        widgets.field_errors(problems, "industry")
        values["joined_on"] = widgets.date_field("field.joined_on", f"{prefix}_joined", cur.get("joined_on"))
        widgets.field_errors(problems, "joined_on")
        values["contact_name"] = st.text_input(t("field.contact_name"), value=cur.get("contact_name") or "",
                                               key=f"{prefix}_cname")
        widgets.field_errors(problems, "contact_name")
    with c2:
        values["size_class"] = widgets.code_select("field.size_class", "size_class", codes.SIZE_CLASSES,
                                                   f"{prefix}_size", cur.get("size_class"), optional=True)
        values["left_on"] = widgets.date_field("field.left_on", f"{prefix}_left", cur.get("left_on"),
                                               optional=True)
        widgets.field_errors(problems, "left_on")
        values["contact_email"] = st.text_input(t("field.contact_email"), value=cur.get("contact_email") or "",
                                                key=f"{prefix}_email")
        widgets.field_errors(problems, "contact_email")
    return values


def open_company(company_id: int) -> None:
    st.session_state["company_open"] = company_id


def open_from_url() -> None:
    """``?company=<id>`` (a search result, a link) opens that company once; pilot/ui/session.py has
    already removed an id outside the caller's scope from the URL."""
    raw = st.query_params.get("company", "")
    if raw != st.session_state.get("_company_url"):
        st.session_state["_company_url"] = raw
        if raw.isdigit():
            open_company(int(raw))


def contact(company: dict[str, Any]) -> None:
    """Who to call at the company, or a line saying nobody is recorded."""
    parts = [p for p in (company.get("contact_name"), company.get("contact_email")) if p]
    st.markdown(f"**{t('work17.company.contact')}:** " + (md(" · ".join(parts)) if parts
                                                        else t("work17.company.no_contact")))


def sessions_table(rows: list[dict[str, Any]]) -> None:
    st.subheader(t("work17.company.sessions"))
    widgets.table(rows, {"held_on": "field.held_on", "ref": "work17.col.ref", "kind": "field.kind",
                         "minutes": "field.minutes", "booked": "work.col.booked", "present": "work.col.present"},
                  codes={"kind": "kind"}, key="company_sessions", limit=100)


def adaptations_table(rows: list[dict[str, Any]]) -> None:
    st.subheader(t("work17.company.adaptations"))
    rows = [{**r, "who": r.get("participant_code") or t("work.adapt.workplace")} for r in rows]
    widgets.table(rows, {"who": "work17.col.who", "type": "field.adaptation_type", "stage": "field.stage",
                         "description": "field.description", "proposed_on": "field.proposed_on"},
                  codes={"type": "adaptation_type", "stage": "stage"}, key="company_adaptations", limit=100)


def add_form(scope: Scope) -> None:
    """Add a company; a Y-tunnus that is already stored opens that company instead."""
    with st.form("form_company_add", clear_on_submit=False):
        values = company_form("form_company_add", None)
        submitted = st.form_submit_button(t("common.save"), type="primary")
    if not submitted:
        return
    clean, problems = check_company(values)
    existing = core.read(lambda c: companies.find_by_business_id(c, scope, clean["business_id"])) \
        if clean.get("business_id") else None
    if existing:
        open_company(existing["id"])
        st.session_state["form_company_add_problems"] = []
        core.flash("companies.exists_opened", name=existing["name"])
        st.rerun()
    st.session_state["form_company_add_problems"] = problems
    if problems:
        st.rerun()
    new_id = core.write(lambda c: companies.create_company(c, scope, clean))
    if new_id:
        open_company(new_id)
        core.flash("companies.added", name=clean["name"])
        st.rerun()


def edit_form(scope: Scope, company: dict[str, Any]) -> None:
    """Edit a company's fields (the Y-tunnus stays)."""
    prefix = f"form_company_edit_{company['id']}"
    with st.form(prefix):
        values = company_form(prefix, company)
        saved = st.form_submit_button(t("common.save"), type="primary")
    if saved:
        clean, problems = check_company({**values, "business_id": company["business_id"]})
        st.session_state[f"{prefix}_problems"] = problems
        if problems:
            st.rerun()
        if core.write(lambda c: companies.update_company(c, scope, company["id"], company["version"], clean)):
            core.flash("common.saved")
            st.rerun()
