"""Admin: accounts, roles, company binding, whole-pilot coaches, caseload reassignment, and the
second factor (which roles need it, resetting an account's).
The forms are in pilot/ui/user_forms.py."""
import streamlit as st

from pilot import auth
from pilot.records import users
from pilot.ui import core, names, user_forms, widgets
from pilot.ui.core import t

scope = core.require_role("admin")
st.title(t("admin.users.title"))
core.show_flash()

rows = core.read(users.list_users)
enrolled = core.read(auth.totp_enrolled)
widgets.table([{**r, "companies": ", ".join(names.company(b) for b in r["companies"]), "totp": r["id"] in enrolled,
                **user_forms.access_columns(r)} for r in rows],
              {"username": "admin.field.username", "display_name": "field.display_name", "email": "admin.field.email",
               "role": "admin.field.role", "companies": "admin.field.companies",
               "whole_pilot": "admin.field.whole_pilot", "disabled": "admin.field.disabled",
               "totp": "signin.admin.enrolled", "last_sign_in": "frictions.users.last_sign_in"}, key="user_table")

add_tab, edit_tab, move_tab, totp_tab = st.tabs([t("admin.users.add"), t("admin.users.edit"), t("admin.users.reassign"),
                                                 t("signin.admin.title")], key="users_tabs")

with add_tab:
    user_forms.add_form(scope, rows)
with edit_tab:
    user_forms.edit_form(scope, rows)
with move_tab:
    user_forms.reassign_form(scope)
with totp_tab:
    user_forms.second_factor_form(scope, rows)
