"""Shared setup of the tests/test_forms_*.py AppTests: a company, a coach bound to it with three
active participants, and an admin; pages opened signed in through a real login session."""
from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from pilot import db
from pilot.records import users
from tests import work_seed
from tests.helpers_app import app_as


@pytest.fixture
def world(engine):
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[cid])
        users.create_user(conn, "admin-olli", "admin", "Olli")
    pids = [work_seed.participant(engine, cid, f"P-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach_id)
            for i in range(1, 4)]
    yield {"engine": engine, "company": cid, "coach": coach_id, "pids": pids, "db": os.environ["PILOT_DB"]}
    st.cache_resource.clear()
    db.dispose_shared()


def open_page(world, page: str, user: str = "coach-anna", lang: str = "fi",
              params: dict | None = None, tab: str | None = None) -> AppTest:
    """The page signed in as ``user``; ``tab`` opens one tab of the participant page (only the
    open tab runs there)."""
    at = app_as(user, world["db"], timeout=60)
    at.query_params["lang"] = lang
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return open_tab(at, tab) if tab else at


def open_edit(at: AppTest) -> AppTest:
    """Open the caseload's "Edit or exit" tab (pages/participants.py runs only the open tab)."""
    return open_tab(at, "edit_exit", "participants_tabs", "participants")


def submit(at: AppTest, form: str) -> AppTest:
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")).click().run()
    assert not at.exception, at.exception
    return at


def switch_language(at: AppTest, lang: str) -> AppTest:
    """The run that follows a change of the sidebar's language picker.

    pilot/ui/widgets.language_switch stores the language in the session and the URL and calls
    st.rerun() before any page widget is drawn. AppTest would follow st.rerun() to the start page
    (and after switch_page its tree has no sidebar), so the test sets the same three values."""
    at.session_state["lang_select"] = lang
    at.session_state["lang"] = lang
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def held(at: AppTest, picks: dict[str, str]) -> AppTest:
    """Pickers as the browser holds them after a language switch: Streamlit 1.67 keeps a picker's
    value as the *text* of the chosen option, so a form submitted after the switch sends the
    label in the language it was chosen in ("Absent" on a Finnish page). AppTest keeps no pending
    form values across runs, so these widgets send exactly that text, as the browser's would."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    for key, text in picks.items():
        widget = next(w for kind in (at.radio, at.selectbox) for w in kind if w.key == key)
        sent = WidgetState(id=widget.id, string_value=text)
        widget.__class__ = type(f"Held{type(widget).__name__}", (type(widget),),
                                {"_widget_state": property(lambda self, sent=sent: sent)})
    return at


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def one(world, sql: str, **params):
    with world["engine"].connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def open_tab(at: AppTest, name: str, key: str = "participant_tabs", prefix: str = "work.tab") -> AppTest:
    """Open one tab of a page whose tabs track state (the participant page runs only the open
    tab, issue 16): the tab's label in the page's language, as a click in the browser sends it.
    The caseload's tabs: ``open_tab(at, "edit_exit", "participants_tabs", "participants")``."""
    from pilot import i18n
    shown = [tab.label for tab in at.tabs]
    at.session_state[key] = next(label for label in (i18n.t(f"{prefix}.{name}", lg) for lg in i18n.LANGUAGES)
                                 if label in shown)
    at.run()
    assert not at.exception, at.exception
    return at
