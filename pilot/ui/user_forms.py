"""The admin users page's forms: add an account, edit one, move a caseload to another coach.

Kept out of pages/admin_users.py so the page reads as a description of the screen.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import streamlit as st

from pilot import auth, i18n
from pilot.access import Scope
from pilot.domain.codes import ROLES
from pilot.domain.dates import HELSINKI
from pilot.records import users
from pilot.ui import core, widgets, work
from pilot.ui.core import t


def role_label() -> Callable[[str], str]:
    """format_func of the role pickers, with the language fixed now (see core.labeller: AppTest
    and later runs call a widget's format_func outside the run that drew it)."""
    return core.mapper({role: t(f"auth.role.{role}") for role in ROLES})


def last_sign_in_text(moment: datetime | None) -> str:
    """A stored sign-in time (naive UTC) in Helsinki time: "30.11.2026 20.15" in Finnish,
    "30.11.2026 20:15" in Swedish and English; "never" when the account has not signed in."""
    if moment is None:
        return t("frictions.users.never")
    local = moment.replace(tzinfo=timezone.utc).astimezone(HELSINKI) if moment.tzinfo is None \
        else moment.astimezone(HELSINKI)
    clock = local.strftime("%H.%M" if core.lang() == "fi" else "%H:%M")
    return f"{i18n.format_date(local.date(), core.lang())} {clock}"


def access_columns(row: dict[str, Any]) -> dict[str, Any]:
    """Two cells of a users-table row: whole pilot as the access the account really has (admin
    and services always see the whole pilot) and the last sign-in in Helsinki time."""
    return {"whole_pilot": users.sees_whole_pilot(row), "last_sign_in": last_sign_in_text(row.get("last_sign_in"))}


ADD_FORM_KEYS = ("user_add_username", "user_add_role", "user_add_display_name", "user_add_email",
                 "user_add_companies", "user_add_companies_find", "user_add_whole_pilot", "user_add_password")


def add_form(scope: Scope, rows: list[dict[str, Any]]) -> None:
    """A new account: username, role, companies, whole-pilot flag and an optional password.

    The companies are picked above the form among at most widgets.CHOICES, with a search box for
    a larger pilot (Enter there searches instead of adding the account; issue 16)."""
    bound = widgets.company_multiselect(scope, "user_add_companies", "admin.field.companies")
    with st.form("form_user_add"):
        username = st.text_input(t("admin.field.username"), max_chars=64, key="user_add_username")
        role = st.selectbox(t("admin.field.role"), ROLES, format_func=role_label(), key="user_add_role")
        display_name = st.text_input(t("field.display_name"), key="user_add_display_name")
        email = st.text_input(t("admin.field.email"), help=t("admin.users.email_help"), key="user_add_email")
        whole = st.checkbox(t("admin.field.whole_pilot"), help=t("admin.users.whole_pilot_help"),
                            key="user_add_whole_pilot")
        password = st.text_input(t("auth.password"), type="password", help=t("admin.users.password_help"),
                                 key="user_add_password")
        if st.form_submit_button(t("admin.users.add"), type="primary"):
            problem = auth.check_password_rules(password) if password else None
            if not username.strip() or any(r["username"] == username.strip() for r in rows):
                st.error(t("admin.users.bad_username"))
            elif problem:
                st.error(t(problem))
            elif core.write(lambda c: users.add_user(c, scope, username.strip(), role, bound,
                                                     auth.hash_password(password) if password else None,
                                                     display_name or None, email or None, whole)):
                core.flash("admin.users.added", username=username.strip())
                for key in ADD_FORM_KEYS:  # an empty form for the next account: no password left in it
                    st.session_state.pop(key, None)
                st.rerun()


def edit_form(scope: Scope, rows: list[dict[str, Any]]) -> None:
    """Pick an account and change its role, companies, flags or password. The companies are picked
    above the form like the add form's, starting from the account's own (kept whatever the search
    finds, so saving never drops a company the search left out)."""
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox(t("admin.field.username"), list(by_id), index=None, key="user_pick",
                          placeholder=t("common.choose"),
                          format_func=lambda i: by_id[i]["username"])
    if chosen is not None:
        user = by_id[chosen]
        holder = f"form_user_edit_{chosen}"
        version = work.held_version(holder, user["version"])  # a second admin's save is a conflict
        current = core.read(lambda c: users.company_ids(c, chosen))
        # Keyed by the version held: after a save or a reload the picker starts from what is stored.
        bound = widgets.company_multiselect(scope, f"user_edit_{chosen}_v{version}_companies",
                                            "admin.field.companies", current)
        with st.form(holder):
            role = st.selectbox(t("admin.field.role"), ROLES, index=ROLES.index(user["role"]), format_func=role_label())
            display_name = st.text_input(t("field.display_name"), user["display_name"] or "")
            email = st.text_input(t("admin.field.email"), user["email"] or "")
            whole = st.checkbox(t("admin.field.whole_pilot"), user["whole_pilot"])
            disabled = st.checkbox(t("admin.field.disabled"), user["disabled"])
            password = st.text_input(t("admin.users.new_password"), type="password")
            if st.form_submit_button(t("common.save"), type="primary"):
                problem = auth.check_password_rules(password) if password else None
                if problem:
                    st.error(t(problem))
                else:
                    def save(c):
                        users.update_account(c, scope, chosen, version, {"role": role, "display_name": display_name or None,
                                                                "email": email or None, "whole_pilot": whole,
                                                                "disabled": disabled})
                        users.set_companies(c, scope, chosen, bound)
                        if password:
                            auth.set_password(c, user["username"], password, actor=scope)
                        return True
                    if core.write(save):
                        work.release(holder)
                        core.flash("common.saved")
                        st.rerun()


def reassign_form(scope: Scope) -> None:
    """Move participants from one coach's caseload to another's, with a reason."""
    coach_rows = core.read(users.coaches)
    coach_names = {c["id"]: c["display_name"] or c["username"] for c in coach_rows}
    source = st.selectbox(t("admin.users.from_coach"), list(coach_names), index=None, format_func=coach_names.get,
                          key="move_from", placeholder=t("common.choose"))
    if source is not None:
        load = core.read(lambda c: users.caseload(c, source))
        with st.form(f"form_move_{source}"):
            picked = st.multiselect(t("admin.users.participants"), [p["id"] for p in load],
                                    placeholder=t("common.choose"), select_all=False,
                                    format_func=lambda i: next(f"{p['code']} · {p['company_name']}"
                                                               for p in load if p["id"] == i))
            # Streamlit's own "Select all" is English only: this box says it in the reader's language.
            if st.checkbox(t("frictions.users.move_all"), key=f"move_all_{source}"):
                picked = [p["id"] for p in load]
            target = st.selectbox(t("admin.users.to_coach"), [c for c in coach_names if c != source], index=None,
                                  placeholder=t("common.choose"),
                                  format_func=coach_names.get)
            reason = st.text_input(t("admin.field.reason"))
            if st.form_submit_button(t("admin.users.reassign"), type="primary"):
                if not picked or target is None or not reason.strip():
                    st.error(t("admin.users.reassign_missing"))
                else:
                    moved = core.write(lambda c: users.reassign_caseload(c, scope, picked, target, reason))
                    if moved is not None:
                        core.flash("admin.users.reassigned", count=moved)
                        st.rerun()


def second_factor_form(scope: Scope, rows: list[dict[str, Any]]) -> None:
    """Which roles must sign in with a second factor, and resetting one account's (a lost phone)."""
    required = core.read(auth.totp_required_roles)
    with st.form("form_totp_roles"):
        roles = st.multiselect(t("signin.admin.roles"), list(ROLES), default=sorted(required, key=ROLES.index),
                               format_func=role_label(), help=t("signin.admin.roles_help"), select_all=False,
                               placeholder=t("common.choose"))
        if st.form_submit_button(t("signin.admin.save_roles"), type="primary"):
            if core.write(lambda c: auth.set_totp_roles(c, scope, set(roles)) or True):
                core.flash("signin.admin.roles_saved")
                st.rerun()
    enrolled = core.read(auth.totp_enrolled)
    by_id = {r["id"]: r["username"] for r in rows if r["id"] in enrolled}
    with st.form("form_totp_reset"):
        chosen = st.selectbox(t("admin.field.username"), list(by_id), index=None, format_func=by_id.get,
                              placeholder=t("common.choose"), help=t("signin.admin.reset_help"), key="totp_reset_pick")
        if st.form_submit_button(t("signin.admin.reset")) and chosen is not None:
            if core.write(lambda c: auth.reset_totp(c, scope, chosen) or True):
                core.flash("signin.admin.reset_done", username=by_id[chosen])
                st.rerun()
