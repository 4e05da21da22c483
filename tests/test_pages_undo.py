"""AppTest of correcting and removing records in the pages, and the admin's "Removed records"."""
from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
import streamlit as st

from pilot import db
from pilot.access import Scope
from pilot.records import assessments, costs, feedback, sessions, users
from tests import work_seed
from tests.helpers_app import app_as

CONFLICT = "Someone else changed this at the same time"
ADMIN = Scope(username="seed-admin", role="admin")


@pytest.fixture
def pilot(engine):
    """A company with a coach, an employer and an admin; one participant with an assessment, one
    session, one cost and one feedback."""
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[cid])
        users.create_user(conn, "coach-ben", "coach", "Ben", company_ids=[cid])
        users.create_user(conn, "admin-olli", "admin", "Olli")
        users.create_user(conn, "boss-eva", "employer", "Eva", company_ids=[cid])
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2023, 2, 1), coach_id=coach_id)

    def make(conn):
        clean, _ = costs.check_cost({"category": "staff", "amount_eur": "120.00", "incurred_on": date(2024, 3, 4),
                                     "company_id": cid})
        return {"assessment": assessments.record_assessment(conn, ADMIN, pid, {
                    "skill": "reading", "level": "A2.1", "source": "coach", "assessed_on": date(2024, 3, 1)}),
                "session": sessions.log_session(conn, ADMIN, cid, {"held_on": date(2024, 3, 4), "minutes": 45,
                                                                    "kind": "language_lesson", "mode": "onsite"},
                                                {pid: "present"}),
                "cost": costs.add_cost(conn, ADMIN, clean)[0],
                "feedback": feedback.give(conn, ADMIN, cid, {"score": 4, "given_on": date.today(), "comment": "ok"})[0]}
    ids = db.run_in_transaction(engine, make)
    yield {"engine": engine, "company": cid, "pid": pid, "ids": ids, "db": os.environ["PILOT_DB"]}
    st.cache_resource.clear()
    db.dispose_shared()


def open_page(pilot, page: str, user: str, params: dict | None = None):
    at = app_as(user, pilot["db"], timeout=60)
    at.query_params["lang"] = "en"
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def submit(at, form: str):
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")).click().run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


def scalar(pilot, sql: str, **params):
    with pilot["engine"].connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def _participant(pilot, user="coach-anna", tab="language"):
    """The participant page with one tab open (only the open tab runs)."""
    from tests.forms_support import open_tab
    return open_tab(open_page(pilot, "pages/participant.py", user, {"participant": str(pilot["pid"])}), tab)


def test_correct_an_assessment_on_the_participant_page(pilot):
    aid = pilot["ids"]["assessment"]
    at = _participant(pilot)
    at.selectbox(key=f"assess_{pilot['pid']}_pick").set_value(aid).run()
    prefix = f"form_undo_assess_{pilot['pid']}_{aid}_v1"
    at.selectbox(key=f"{prefix}_level").set_value("B1.1")
    submit(at, f"{prefix}_edit")
    assert "Correction saved." in texts(at.success)
    assert scalar(pilot, "SELECT level FROM assessments WHERE id = :i", i=aid) == "B1.1"


def test_remove_asks_for_a_reason_without_an_identity_code_then_admin_restores(pilot):
    aid = pilot["ids"]["assessment"]
    at = _participant(pilot)
    at.selectbox(key=f"assess_{pilot['pid']}_pick").set_value(aid).run()
    prefix = f"form_undo_assess_{pilot['pid']}_{aid}_v1"
    submit(at, f"{prefix}_remove")
    assert "required" in texts(at.error).lower()
    at.text_input(key=f"{prefix}_remove_reason").input("asked by 131052-308T")
    submit(at, f"{prefix}_remove")
    assert scalar(pilot, "SELECT COUNT(*) FROM assessments") == 1
    at.text_input(key=f"{prefix}_remove_reason").input("recorded for the wrong person")
    submit(at, f"{prefix}_remove")
    assert "Removed." in texts(at.success)
    assert scalar(pilot, "SELECT COUNT(*) FROM assessments") == 0

    admin = open_page(pilot, "pages/admin_removed.py", "admin-olli")
    assert "recorded for the wrong person" in str(admin.dataframe[0].value.to_dict())
    removed_id = scalar(pilot, "SELECT id FROM removed_records")
    admin.selectbox(key="restore_pick").set_value(removed_id)
    submit(admin, "form_restore")
    assert "Restored." in texts(admin.success)
    assert scalar(pilot, "SELECT level FROM assessments WHERE id = :i", i=aid) == "A2.1"
    assert scalar(pilot, "SELECT COUNT(*) FROM removed_records") == 0


def test_the_removed_records_page_is_the_admins(pilot):
    at = app_as("coach-anna", pilot["db"], timeout=60)
    at.run()
    with pytest.raises(ValueError):  # not in a coach's navigation at all
        at.switch_page("pages/admin_removed.py")


def test_two_editors_of_one_assessment_the_second_sees_the_conflict_sentence(pilot):
    aid, pid = pilot["ids"]["assessment"], pilot["pid"]
    first, second = _participant(pilot), _participant(pilot, "coach-ben")
    prefix = f"form_undo_assess_{pid}_{aid}_v1"
    for at in (first, second):
        at.selectbox(key=f"assess_{pid}_pick").set_value(aid).run()
    first.selectbox(key=f"{prefix}_level").set_value("B1.1")
    submit(first, f"{prefix}_edit")
    second.selectbox(key=f"{prefix}_level").set_value("B2.2")
    submit(second, f"{prefix}_edit")
    assert CONFLICT in texts(second.error)
    assert scalar(pilot, "SELECT level FROM assessments WHERE id = :i", i=aid) == "B1.1"


def test_adding_the_same_assessment_again_is_the_conflict_sentence(pilot):
    at = _participant(pilot)
    prefix = f"form_assess_{pilot['pid']}_0"
    at.selectbox(key=f"{prefix}_skill").set_value("reading")
    at.selectbox(key=f"{prefix}_level").set_value("C1")
    at.radio(key=f"{prefix}_source").set_value("coach")
    at.date_input(key=f"{prefix}_date").set_value(date(2024, 3, 1))
    submit(at, prefix)
    assert CONFLICT in texts(at.error)
    assert not at.exception
    assert scalar(pilot, "SELECT level FROM assessments") == "A2.1"


def test_remove_an_employment_row(pilot):
    row_id = scalar(pilot, "SELECT id FROM employment")
    at = _participant(pilot, tab="employment")
    at.selectbox(key=f"emp_{pilot['pid']}_pick").set_value(row_id).run()
    prefix = f"form_undo_emp_{pilot['pid']}_{row_id}_v1"
    at.text_input(key=f"{prefix}_remove_reason").input("entered twice")
    submit(at, f"{prefix}_remove")
    assert scalar(pilot, "SELECT COUNT(*) FROM employment") == 0


def test_remove_a_session_from_the_log_page(pilot):
    sid = pilot["ids"]["session"]
    at = open_page(pilot, "pages/log_session.py", "coach-anna")
    at.session_state["log_tabs"] = "Edit an earlier one"  # the edit tab runs only while it is open
    at.run()
    at.selectbox(key="log_edit_pick").set_value(sid).run()
    prefix = f"form_session_{sid}_v1"
    at.text_input(key=f"{prefix}_remove_reason").input("logged for the wrong company")
    submit(at, f"{prefix}_remove")
    assert "Removed." in texts(at.success)
    assert scalar(pilot, "SELECT COUNT(*) FROM sessions") == 0
    assert scalar(pilot, "SELECT COUNT(*) FROM attendance") == 0


def test_correct_and_remove_a_cost(pilot):
    cost_id = pilot["ids"]["cost"]
    at = open_page(pilot, "pages/costs.py", "admin-olli")
    at.selectbox(key="costs_year").set_value(2024).run()
    at.selectbox(key="costs_pick").set_value(cost_id).run()
    prefix = f"form_undo_costs_{cost_id}_v1"
    at.text_input(key=f"{prefix}_amount").input("80.50")
    submit(at, f"{prefix}_edit")
    assert "Correction saved." in texts(at.success)
    assert scalar(pilot, "SELECT amount_eur FROM costs") == Decimal("80.50")
    at.selectbox(key="costs_pick").set_value(cost_id).run()
    prefix = f"form_undo_costs_{cost_id}_v2"
    at.text_input(key=f"{prefix}_remove_reason").input("paid twice")
    submit(at, f"{prefix}_remove")
    assert scalar(pilot, "SELECT COUNT(*) FROM costs") == 0


def test_the_employer_corrects_their_feedback(pilot):
    fid, cid = pilot["ids"]["feedback"], pilot["company"]
    at = open_page(pilot, "pages/employer.py", "boss-eva")
    at.segmented_control(key="view").set_value("feedback").run()
    at.selectbox(key=f"feedback_{cid}_pick").set_value(fid).run()
    prefix = f"form_undo_feedback_{cid}_{fid}_v1"
    at.radio(key=f"{prefix}_score").set_value(2)
    submit(at, f"{prefix}_edit")
    assert scalar(pilot, "SELECT score FROM feedback") == 2
