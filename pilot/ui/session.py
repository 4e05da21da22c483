"""Who is using the app. Until real login exists the app runs as the clearly labelled demo coach."""
from __future__ import annotations

import streamlit as st

from pilot.access import Scope
from pilot.records import users
from pilot.ui.core import engine, t

DEMO_USERNAME = "coach"


def current_scope() -> Scope:
    """The demo coach's scope (the account 'coach' when the demo data has it)."""
    with engine().connect() as conn:
        user = users.get_by_username(conn, DEMO_USERNAME)
        scope = users.scope_for(conn, user) if user and user["role"] == "coach" else \
            Scope(username=DEMO_USERNAME, role="coach")
    st.session_state["scope"] = scope
    return scope


def demo_banner(scope: Scope) -> None:
    st.sidebar.info(t("app.demo_banner", user=scope.username), icon=":material/info:")
