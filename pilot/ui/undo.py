"""Correct or remove a record: the edit form and the remove-with-a-reason form every list shares.

Both forms hold the version the record was first shown with (``work.held_version``), so a save
or a removal after someone else's change is told as a conflict (core.write shows the sentence and
a reload button). A removal asks for a reason; an admin restores it on the "Removed records" page.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.engine import Connection

from pilot import i18n
from pilot.domain import codes
from pilot.domain.levels import LEVELS
from pilot.domain.validation import Problem
from pilot.records import removed
from pilot.records._versioned import DuplicateRecord
from pilot.ui import core, widgets, work
from pilot.ui.core import labeller, t

Fields = Callable[[str, list[Problem], dict[str, Any]], dict[str, Any]]
Check = Callable[[dict[str, Any]], tuple[dict[str, Any], list[Problem]]]


def _write(work_fn: Callable[[Connection], Any]) -> bool:
    """core.write, with an edit onto another record's key told in its own sentence."""
    def guarded(conn: Connection) -> str:
        try:
            work_fn(conn)
        except DuplicateRecord:
            return "duplicate"  # raised before anything was written
        return "done"
    outcome = core.write(guarded)
    if outcome == "duplicate":
        st.error(t("undo.error.duplicate"))
    return outcome == "done"


def remove_form(prefix: str, remove: Callable[[Connection, str], Any]) -> None:
    """A reason and a Remove button; ``remove(conn, reason)`` takes the record out."""
    problems = st.session_state.get(f"{prefix}_remove_problems", [])
    with st.form(f"{prefix}_remove"):
        st.markdown(f"**{t('undo.remove_title')}**")
        reason = st.text_input(t("undo.reason"), key=f"{prefix}_remove_reason", help=t("undo.reason_help"), max_chars=2000)
        widgets.field_errors(problems, "reason")
        gone = st.form_submit_button(t("undo.remove"))
    if gone:
        clean, problems = removed.check_reason({"reason": reason})
        st.session_state[f"{prefix}_remove_problems"] = problems
        if problems:
            st.rerun()
        if _write(lambda c: remove(c, clean["reason"])):
            core.flash("undo.removed")
            st.rerun()


def correct_or_remove(key: str, rows: list[dict[str, Any]], name: Callable[[dict[str, Any]], str],
                      fields: Fields, check: Check,
                      edit: Callable[[Connection, int, int, dict[str, Any]], Any],
                      remove: Callable[[Connection, int, int, str], Any],
                      above: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """Pick one of ``rows`` (each with id and version), correct it or remove it with a reason.

    ``above(prefix, row)`` draws what must stand outside the form, above it (a bounded picker's
    search box: Enter there narrows the list instead of saving), and returns values that ``fields``
    finds in its row (the picker's choices)."""
    if not rows:
        return
    by_id = {r["id"]: r for r in rows}
    with st.expander(t("undo.expander")):
        names = {i: name(r) for i, r in by_id.items()}  # in the language of this run (see core.labeller)
        chosen = st.selectbox(t("undo.choose"), list(by_id), index=None, key=f"{key}_pick",
                              placeholder=t("common.choose"), format_func=core.mapper(names))
        row = by_id.get(chosen)
        if row is None:
            return
        holder = f"form_undo_{key}_{row['id']}"
        version = work.held_version(holder, row["version"])
        prefix = f"{holder}_v{version}"  # fresh fields after a save or a reload
        problems = st.session_state.get(f"{prefix}_problems", [])
        shown = {**row, **above(prefix, row)} if above else row
        with st.form(f"{prefix}_edit"):
            values = fields(prefix, problems, shown)
            saved = st.form_submit_button(t("undo.save"), type="primary")
        if saved:
            clean, problems = check(values)
            st.session_state[f"{prefix}_problems"] = problems
            if problems:
                st.rerun()
            if _write(lambda c: edit(c, row["id"], version, clean)):
                work.release(holder)
                core.flash("undo.saved")
                st.rerun()
        remove_form(prefix, lambda c, reason: remove(c, row["id"], version, reason))


# --- the fields of each record type, filled with the record's values ---------------------------

def assessment_fields(prefix: str, problems: list[Problem], row: dict[str, Any]) -> dict[str, Any]:
    values = {"skill": widgets.code_select("field.skill", "skill", codes.SKILLS, f"{prefix}_skill", row["skill"]),
              "level": st.selectbox(t("field.level"), LEVELS, index=LEVELS.index(row["level"]), key=f"{prefix}_level"),
              "source": st.radio(t("field.source"), codes.SOURCES, horizontal=True, key=f"{prefix}_source",
                                 index=codes.SOURCES.index(row["source"]), format_func=labeller("source")),
              "assessed_on": widgets.date_field("field.assessed_on", f"{prefix}_date", row["assessed_on"])}
    for field in values:
        widgets.field_errors(problems, field)
    return values


def employment_fields(prefix: str, problems: list[Problem], row: dict[str, Any]) -> dict[str, Any]:
    day = widgets.date_field("field.effective_on", f"{prefix}_date", row["effective_on"])
    widgets.field_errors(problems, "effective_on")
    return {"effective_on": day, **widgets.employment_fields(prefix, problems, row)}


def feedback_fields(prefix: str, problems: list[Problem], row: dict[str, Any]) -> dict[str, Any]:
    values = {"score": st.radio(t("outcomes.col.score"), [1, 2, 3, 4, 5], index=int(row["score"]) - 1,
                                horizontal=True, key=f"{prefix}_score"),
              "comment": st.text_area(t("outcomes.employer.comment"), value=row.get("comment") or "",
                                      key=f"{prefix}_comment", max_chars=2000),
              "given_on": widgets.date_field("outcomes.col.given_on", f"{prefix}_date", row["given_on"])}
    for field in values:
        widgets.field_errors(problems, field)
    return values


def cost_companies(scope: Any) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """Above the cost form: the company picker's choices, bounded and searched like every company
    picker (widgets.company_options), with the cost's own company kept among them."""
    return lambda prefix, row: {"company_choices": widgets.company_options(scope, f"{prefix}_company",
                                                                           row["company_id"])}


def cost_fields(prefix: str, problems: list[Problem], row: dict[str, Any]) -> dict[str, Any]:
    """The cost form's fields; ``row["company_choices"]`` (from cost_companies) are the company
    picker's choices."""
    companies: dict[int, str] = row["company_choices"]
    options = [None, *companies]
    widgets.keep_choice(f"{prefix}_company", options, lambda c, language: companies.get(c) if c is not None
                        else i18n.t("outcomes.costs.no_company", language))
    values = {"category": widgets.code_select("outcomes.field.category", "cost_category", codes.COST_CATEGORIES,
                                              f"{prefix}_category", row["category"]),
              "amount_eur": widgets.number_field("outcomes.field.amount_eur", f"{prefix}_amount",
                                                 row["amount_eur"], decimals=2),
              "incurred_on": widgets.date_field("outcomes.field.incurred_on", f"{prefix}_date", row["incurred_on"]),
              "company_id": st.selectbox(t("field.company"), options, key=f"{prefix}_company",
                                         index=options.index(row["company_id"]) if row["company_id"] in options else 0,
                                         format_func=core.mapper(companies, "outcomes.costs.no_company")),
              "description": st.text_input(t("field.description"), value=row.get("description") or "",
                                           key=f"{prefix}_description")}
    for field in values:
        widgets.field_errors(problems, field)
    return values


def dated(row: dict[str, Any], day: str, *parts: str) -> str:
    """A record's name in a picker: its date, then the given parts."""
    return " · ".join([i18n.format_date(row[day]), *[p for p in parts if p]])


# --- one call per list: what the pages draw under their tables ---------------------------------

def assessments_editor(scope: Any, participant_id: int, rows: list[dict[str, Any]]) -> None:
    from pilot.domain.work_checks import check_assessment
    from pilot.records import assessments
    correct_or_remove(
        f"assess_{participant_id}", rows,
        lambda r: dated(r, "assessed_on", i18n.label("skill", r["skill"], core.lang()), r["level"],
                        i18n.label("source", r["source"], core.lang())),
        assessment_fields, check_assessment,
        lambda c, i, v, clean: assessments.edit_assessment(c, scope, i, v, clean),
        lambda c, i, v, reason: assessments.remove_assessment(c, scope, i, v, reason))


def employment_editor(scope: Any, participant_id: int) -> None:
    from pilot.domain.validation import check_employment
    from pilot.records import employment
    rows = core.read(lambda c: employment.rows_for(c, scope, participant_id))
    correct_or_remove(
        f"emp_{participant_id}", rows,
        lambda r: dated(r, "effective_on", i18n.label("employment_status", r["status"], core.lang())),
        employment_fields, lambda values: check_employment(values, core.lang()),
        lambda c, i, v, clean: employment.edit_change(c, scope, i, v, clean),
        lambda c, i, v, reason: employment.remove_change(c, scope, i, v, reason))


def feedback_editor(scope: Any, company_id: int, rows: list[dict[str, Any]]) -> None:
    from pilot.records import feedback
    correct_or_remove(
        f"feedback_{company_id}", rows, lambda r: dated(r, "given_on", f"{r['score']}/5"),
        feedback_fields, feedback.check_feedback,
        lambda c, i, v, clean: feedback.edit_feedback(c, scope, i, v, clean),
        lambda c, i, v, reason: feedback.remove_feedback(c, scope, i, v, reason))


def costs_editor(scope: Any, rows: list[dict[str, Any]]) -> None:
    from pilot.records import costs
    correct_or_remove(
        "costs", rows,
        lambda r: dated(r, "incurred_on", i18n.label("cost_category", r["category"], core.lang()),
                        i18n.format_number(float(r["amount_eur"]), core.lang(), 2) + " €", r.get("company_name")),
        cost_fields, lambda values: costs.check_cost(values, core.lang()),
        lambda c, i, v, clean: costs.edit_cost(c, scope, i, v, clean),
        lambda c, i, v, reason: costs.remove_cost(c, scope, i, v, reason), above=cost_companies(scope))


def session_remover(scope: Any, session_id: int, version: int, prefix: str) -> None:
    """Under the session's edit form: remove it (with its attendance) at the version held there."""
    from pilot.records import sessions
    remove_form(prefix, lambda c, reason: sessions.remove_session(c, scope, session_id, version, reason))


def restore(scope: Any, removed_id: int) -> bool:
    """Put a removed record back; a record past 30 days or whose key was taken is told in a sentence."""
    def guarded(conn: Connection) -> str:
        try:
            removed.restore(conn, scope, removed_id)
        except removed.RestoreExpired:
            return "expired"  # raised before anything was written
        except removed.RestoreClash:
            return "clash"
        return "done"
    outcome = core.write(guarded)
    if outcome in ("expired", "clash"):
        st.error(t(f"undo.admin.{outcome}"))
    return outcome == "done"


def removed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The removed records as the admin's table shows them."""
    return [{**r, "entity": t(f"undo.entity.{r['entity']}"),
             "removed_at": r["removed_at"].strftime("%d.%m.%Y %H:%M") + " UTC"} for r in rows]
