"""A follow-up can be corrected and removed on the participant page like every other record
(issue 13.9): the stored values fill the form, the version shown guards the save, and a removal
asks for a reason and goes to the admin's Removed records."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import streamlit as st

from pilot import db
from pilot.domain.dates import add_months, today
from pilot.records import followups, users
from tests import work_seed
from tests.forms_support import open_tab
from tests.test_pages_undo import open_page, scalar, submit, texts

ADMIN = work_seed.ADMIN


@pytest.fixture
def pilot(engine):
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    cid = work_seed.company(engine)
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[cid])
        users.create_user(conn, "admin-olli", "admin", "Olli")
    day = today()
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=add_months(day, -30), coach_id=coach_id,
                                exited=add_months(day, -6))
    with db.transaction(engine) as conn:
        fid = followups.add(conn, ADMIN, pid, {"contacted_on": day - timedelta(days=2), "reached": True,
                                               "status": "unemployed", "source": "phone"})
    yield {"engine": engine, "pid": pid, "fid": fid, "db": os.environ["PILOT_DB"]}
    st.cache_resource.clear()
    db.dispose_shared()


def _picked(pilot):
    at = open_tab(open_page(pilot, "pages/participant.py", "coach-anna", {"participant": str(pilot["pid"])}),
                  "employment")
    at.selectbox(key=f"followup_{pilot['pid']}_pick").set_value(pilot["fid"]).run()
    return at, f"form_undo_followup_{pilot['pid']}_{pilot['fid']}_v1"


def test_correct_a_followup_status(pilot):
    at, prefix = _picked(pilot)
    assert at.selectbox(key=f"{prefix}_status").value == "unemployed"  # the stored values fill the form
    assert at.selectbox(key=f"{prefix}_source").value == "phone"
    at.selectbox(key=f"{prefix}_status").set_value("fixed_term")
    submit(at, f"{prefix}_edit")
    assert "Correction saved." in texts(at.success)
    assert scalar(pilot, "SELECT status FROM followups WHERE id = :i", i=pilot["fid"]) == "fixed_term"
    assert scalar(pilot, "SELECT version FROM followups WHERE id = :i", i=pilot["fid"]) == 2


def test_remove_a_followup_with_a_reason(pilot):
    at, prefix = _picked(pilot)
    at.text_input(key=f"{prefix}_remove_reason").input("recorded for the wrong person")
    submit(at, f"{prefix}_remove")
    assert "Removed." in texts(at.success)
    assert scalar(pilot, "SELECT COUNT(*) FROM followups") == 0
    assert scalar(pilot, "SELECT reason FROM removed_records") == "recorded for the wrong person"
