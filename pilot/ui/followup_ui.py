"""The coach's follow-ups on My week: due and overdue ones, one action "record follow-up" per
person (one column, so it fits a phone), and after a reached follow-up whose status differs from
the employment row in force, a one-click offer to add that employment change too."""
from __future__ import annotations

from typing import Any

import streamlit as st

from pilot import i18n
from pilot.access import Scope
from pilot import db
from pilot.domain import codes
from pilot.domain import followups as rules
from pilot.records import followups
from pilot.records._versioned import DuplicateRecord
from pilot.ui import core, widgets, work
from pilot.ui.core import labeller, mapper, t

OPEN = "followup_open"     # the participant whose form is open (what is on screen, not a fact)
OFFER = "followup_offer"   # the follow-up just saved, whose employment change is offered
REACHED = [True, False]
DUPLICATE = 0  # no row has id 0


def _fields(prefix: str, problems: list[widgets.Problem], row: dict[str, Any] | None = None) -> dict[str, Any]:
    """The follow-up's fields: empty for a new one, the stored values when correcting ``row``."""
    row = row or {}
    values: dict[str, Any] = {"contacted_on": widgets.date_field("followup.field.contacted_on", f"{prefix}_date",
                                                                 row.get("contacted_on"))}
    widgets.field_errors(problems, "contacted_on")
    # Nothing is preselected: reached, the status found and the source are always someone's answer.
    def name(value: bool, language: str) -> str:
        return i18n.t("followup.reached.yes" if value else "followup.reached.no", language)
    widgets.keep_choice(f"{prefix}_reached", REACHED, name)
    names = {v: name(v, core.lang()) for v in REACHED}
    reached = row.get("reached")
    values["reached"] = st.radio(t("followup.field.reached"), REACHED, horizontal=True, key=f"{prefix}_reached",
                                 index=REACHED.index(bool(reached)) if reached is not None else None,
                                 format_func=mapper(names))
    widgets.field_errors(problems, "reached")
    values["status"] = widgets.code_select("followup.field.status", "employment_status",
                                           codes.EMPLOYMENT_STATUSES, f"{prefix}_status", row.get("status"), empty=True)
    widgets.field_errors(problems, "status")
    values["weekly_hours"] = widgets.number_field("followup.field.weekly_hours", f"{prefix}_hours",
                                                  row.get("weekly_hours"), problems=problems, field="weekly_hours")
    values["subsidised"] = True if st.checkbox(t("followup.field.subsidised"), key=f"{prefix}_subsidised",
                                               value=bool(row.get("subsidised"))) else None
    widgets.field_errors(problems, "subsidised")
    values["source"] = widgets.code_select("followup.field.source", "followup_source", rules.SOURCES,
                                           f"{prefix}_source", row.get("source"), empty=True)
    widgets.field_errors(problems, "source")
    values["notes"] = st.text_area(t("followup.field.notes"), key=f"{prefix}_notes", height=68,
                                   value=row.get("notes") or "")
    widgets.field_errors(problems, "notes")
    return values


def editor(scope: Scope, person: dict[str, Any]) -> None:
    """A participant's follow-ups, listed, with "correct or remove" (pilot/ui/undo.py) for each."""
    from pilot.ui import undo
    rows = core.read(lambda c: followups.for_participant(c, scope, person["id"]))
    if not rows:
        return
    st.subheader(t("followup.list.heading"))
    yes_no = {True: i18n.t("followup.reached.yes", core.lang()), False: i18n.t("followup.reached.no", core.lang())}
    widgets.table([{**r, "reached": yes_no[bool(r["reached"])]} for r in rows], {"contacted_on": "followup.field.contacted_on", "reached": "followup.field.reached",
                         "status": "followup.field.status", "source": "followup.field.source"},
                  codes={"status": "employment_status", "source": "followup_source"}, key="followup_table")

    def named(r: dict[str, Any]) -> str:
        found = i18n.label("employment_status", r["status"], core.lang()) if r["reached"] \
            else i18n.t("followup.reached.no", core.lang())
        return undo.dated(r, "contacted_on", found)
    undo.correct_or_remove(
        f"followup_{person['id']}", rows, named, _fields,
        lambda values: followups.check(values, person.get("exited_on"), core.lang()),
        lambda c, i, v, clean: followups.edit(c, scope, i, v, clean),
        lambda c, i, v, reason: followups.remove(c, scope, i, v, reason))


def _record_form(scope: Scope, row: dict[str, Any]) -> None:
    base = f"form_followup_{row['id']}"
    prefix = work.fresh(base)
    problems = st.session_state.get(f"{prefix}_problems", [])
    with st.form(prefix):
        values = _fields(prefix, problems)
        save = st.form_submit_button(t("followup.save"), type="primary")
    if not save:
        return
    clean, problems = followups.check(values, row["exited_on"], core.lang())
    st.session_state[f"{prefix}_problems"] = problems
    if problems:
        st.rerun()
    new_id = core.attempt(lambda: _save(scope, row["id"], clean))
    if new_id == DUPLICATE:
        st.error(t("followup.duplicate"))
        return
    if new_id is None:  # core.attempt has said why (a conflict, a busy database)
        return
    work.reset_form(base)
    st.session_state.pop(OPEN, None)
    st.session_state[OFFER] = new_id
    core.flash("followup.saved")
    st.rerun()


def _save(scope: Scope, participant_id: int, clean: dict[str, Any]) -> int:
    try:
        return db.run_in_transaction(core.engine(), lambda c: followups.add(c, scope, participant_id, clean))
    except DuplicateRecord:
        return DUPLICATE


def _offer(scope: Scope) -> None:
    fid = st.session_state.get(OFFER)
    if fid is None:
        return
    offer = core.read(lambda c: followups.employment_offer(c, scope, fid))
    if offer is None:
        st.session_state.pop(OFFER, None)
        return
    status = labeller("employment_status")
    st.info(t("followup.offer", found=status(offer["status"]),
              last=status(offer["last_status"]) if offer["last_status"] else t("followup.unknown"),
              day=i18n.format_date(offer["effective_on"])))
    c1, c2 = st.columns(2)
    if c1.button(t("followup.offer.add"), key="followup_offer_add", type="primary"):
        if core.write(lambda c: followups.add_employment_change(c, scope, fid)) is not None:
            st.session_state.pop(OFFER, None)
            core.flash("followup.offer.added")
            st.rerun()
    if c2.button(t("followup.offer.skip"), key="followup_offer_skip"):
        st.session_state.pop(OFFER, None)
        st.rerun()


def due_list(scope: Scope, rows: list[dict[str, Any]], limit: int) -> None:
    """The due and overdue follow-ups, each with its "record follow-up" action."""
    st.subheader(t("followup.week.heading"))
    _offer(scope)
    if not rows:
        st.caption(t("followup.week.none"))
        return
    for row in rows[:limit]:
        with st.container(border=True):
            state = t(f"followup.week.state.{row['state']}")
            # t() escapes its parameters (names and codes are never Markdown): no md() around it.
            st.markdown(t("followup.week.item", code=row["code"], name=row.get("display_name") or "",
                          exited=i18n.format_date(row["exited_on"]),
                          start=i18n.format_date(row["window_start"]),
                          end=i18n.format_date(row["window_end"]), state=state))
            if row.get("last_try"):
                st.caption(t("followup.week.last_try", day=i18n.format_date(row["last_try"])))
            # The card opens its participant (My week had a separate list of links below the tables).
            st.page_link(work.PAGE["participant"], label=t("work.week.open", code=row["code"]),
                         icon=":material/person:", query_params={"participant": str(row["id"]), "lang": core.lang()})
            if st.session_state.get(OPEN) == row["id"]:
                _record_form(scope, row)
            elif st.button(t("followup.record"), key=f"followup_record_{row['id']}",
                           icon=":material/call:"):
                st.session_state[OPEN] = row["id"]
                st.rerun()
    if len(rows) > limit:
        st.caption(t("common.first_rows", shown=limit, count=len(rows)))
