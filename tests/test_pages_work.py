"""AppTest of the working-day screens, signed in as a real coach account."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pilot import db
from pilot.domain.dates import add_months, today
from pilot.records import adaptations, audit, employment, participants, sessions, users
from tests import work_seed
from tests.forms_support import open_edit, open_tab
from tests.helpers_app import app_as

PAGES = ("pages/my_week.py", "pages/log_session.py", "pages/participant.py", "pages/adaptations.py")


@pytest.fixture
def pilot(engine):
    """A company, a coach bound to it with four active participants, and an admin."""
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    cid = work_seed.company(engine, joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[cid])
        users.create_user(conn, "admin-olli", "admin", "Olli")
    pids = [work_seed.participant(engine, cid, f"P-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach_id)
            for i in range(1, 5)]
    yield {"engine": engine, "company": cid, "coach": coach_id, "pids": pids, "db": os.environ["PILOT_DB"]}
    st.cache_resource.clear()
    db.dispose_shared()


def open_page(pilot, page: str, user: str = "coach-anna", lang: str = "fi", params: dict | None = None) -> AppTest:
    at = app_as(user, pilot["db"], timeout=60)
    at.query_params["lang"] = lang
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, form: str) -> AppTest:
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")).click().run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    return " | ".join(str(e.value) for e in elements)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user, lang", [("coach-anna", "fi"), ("coach-anna", "sv"), ("admin-olli", "en")])
def test_every_page_renders(pilot, page, user, lang):
    at = open_page(pilot, page, user, lang)
    assert at.title and not at.exception


def test_coach_starts_on_my_week(pilot):
    at = app_as("coach-anna", pilot["db"], timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and at.title[0].value == "My week"


def test_group_session_four_booked_one_absent(pilot):
    cid, pids = pilot["company"], pilot["pids"]
    at = open_page(pilot, "pages/log_session.py", lang="en")
    prefix = f"form_log_{cid}_group_0"
    at.text_input(key=f"{prefix}_minutes").input("90")
    at.radio(key=f"{prefix}_att_{pids[3]}").set_value("absent")
    submit(at, prefix)
    assert "attendance 75%" in texts(at.success), texts(at.success)
    assert "1.5 h" in texts(at.caption)
    with pilot["engine"].connect() as conn:
        scope = users.scope_for(conn, users.get_by_username(conn, "coach-anna"))
        (row,) = sessions.list_sessions(conn, scope, company_id=cid)
        assert (row["booked"], row["present"], row["attendance_rate"], row["coach_id"]) == (4, 3, 0.75, pilot["coach"])
        assert sessions.company_hours(conn, scope, cid) == {"coaching_hours": 1.5, "participant_hours": 4.5}


def test_one_to_one_session(pilot):
    cid, pids = pilot["company"], pilot["pids"]
    at = open_page(pilot, "pages/log_session.py", lang="en")
    at.toggle(key="log_one_to_one").set_value(True).run()
    at.radio(key=f"form_log_{cid}_one_0_att_{pids[0]}").set_value("present")
    submit(at, f"form_log_{cid}_one_0")
    with pilot["engine"].connect() as conn:
        sid = conn.exec_driver_sql("SELECT id FROM sessions").scalar_one()
        assert sessions.attendance(conn, sid) == {pids[0]: "present"}


def _old_session(pilot):
    with db.transaction(pilot["engine"]) as conn:
        scope = users.scope_for(conn, users.get_by_username(conn, "coach-anna"))
        return sessions.log_session(conn, scope, pilot["company"], {
            "held_on": today() - timedelta(days=20), "minutes": 60, "kind": "language_lesson", "mode": "onsite"},
            {pilot["pids"][0]: "present"})


def test_editing_an_old_session_asks_for_a_reason(pilot):
    sid = _old_session(pilot)
    at = open_page(pilot, "pages/log_session.py", lang="en")
    at.session_state["log_tabs"] = "Edit an earlier one"  # the edit tab runs only while it is open
    at.run()
    at.selectbox(key="log_edit_pick").set_value(sid).run()
    prefix = f"form_session_{sid}_v1"
    at.text_input(key=f"{prefix}_minutes").input("45")
    submit(at, prefix)
    assert "needs a reason" in texts(at.error)
    at.text_input(key=f"{prefix}_reason").input("typo in minutes")
    submit(at, prefix)
    with pilot["engine"].connect() as conn:
        assert conn.exec_driver_sql("SELECT minutes FROM sessions").scalar_one() == 45
        assert audit.entries(conn, entity="session", action="update")[0]["reason"] == "typo in minutes"


def test_adaptation_needs_effect_to_be_evaluated_then_moves_on_board(pilot):
    with db.transaction(pilot["engine"]) as conn:
        scope = users.scope_for(conn, users.get_by_username(conn, "coach-anna"))
        aid = adaptations.propose(conn, scope, pilot["company"], None, {
            "type": "glossary", "description": "Kitchen glossary", "proposed_on": date(2024, 1, 5)})
        v = adaptations.move(conn, scope, aid, 1, "agreed", date(2024, 1, 10))
        adaptations.move(conn, scope, aid, v, "in_use", date(2024, 2, 1))
    at = open_page(pilot, "pages/adaptations.py", lang="en")
    assert "In use (1)" in texts(at.subheader)
    at.selectbox(key="adapt_pick").set_value(aid).run()
    prefix = f"form_move_{aid}_v3"
    at.radio(key=f"{prefix}_stage").set_value("evaluated")
    submit(at, prefix)
    assert "This is required" in texts(at.error)
    assert "In use (1)" in texts(at.subheader) and "Evaluated (0)" in texts(at.subheader)
    at.radio(key=f"{prefix}_stage").set_value("evaluated")
    at.radio(key=f"{prefix}_effect").set_value(4)
    submit(at, prefix)
    assert "Evaluated (1)" in texts(at.subheader) and "In use (0)" in texts(at.subheader)
    with pilot["engine"].connect() as conn:
        assert conn.exec_driver_sql("SELECT effect FROM adaptations").scalar_one() == 4


def test_propose_for_whole_workplace(pilot):
    at = open_page(pilot, "pages/adaptations.py", lang="en")
    prefix = f"form_propose_{pilot['company']}_0"
    at.text_area(key=f"{prefix}_desc").input("Pictures on the dish machine")
    submit(at, prefix)
    assert "Proposed (1)" in texts(at.subheader)


def test_seventh_month_of_work_trial_is_warned(pilot):
    pid = pilot["pids"][0]
    with db.transaction(pilot["engine"]) as conn:
        employment.record_change(conn, "test", pid, {"effective_on": add_months(today(), -7) + timedelta(days=3),
                                                     "status": "work_trial", "employer_business_id": "1927400-1"})
    at = open_tab(open_page(pilot, "pages/participant.py", lang="en", params={"participant": str(pid)}), "employment")
    warned = texts(at.warning)
    assert "work trial with 1927400-1" in warned and "past the 6-month limit" in warned


def test_assessment_form_and_chart(pilot):
    pid = pilot["pids"][0]
    at = open_tab(open_page(pilot, "pages/participant.py", lang="en", params={"participant": str(pid)}), "language")
    at.selectbox(key=f"form_assess_{pid}_0_level").set_value("A2.1")
    submit(at, f"form_assess_{pid}_0")
    at.selectbox(key=f"form_assess_{pid}_1_level").set_value("B1.1")  # a fresh, empty form
    at.radio(key=f"form_assess_{pid}_1_source").set_value("self")
    submit(at, f"form_assess_{pid}_1")
    with pilot["engine"].connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM assessments").scalar_one() == 2
    assert at.get("plotly_chart")


def test_timeline_note_and_filter(pilot):
    pid = pilot["pids"][0]
    at = open_page(pilot, "pages/participant.py", lang="en", params={"participant": str(pid)})
    at.text_area(key=f"form_note_{pid}_0_body").input("Asked about evening shifts")
    submit(at, f"form_note_{pid}_0")
    frame = at.dataframe[0].value
    assert "Asked about evening shifts" in set(frame["Details"])
    assert {"Note", "Employment"} <= set(frame["Event"])
    at.multiselect(key="tl_kinds").set_value(["note"]).run()
    assert list(at.dataframe[0].value["Event"]) == ["Note"]


def test_two_sessions_editing_one_participant_conflict(pilot):
    pid = pilot["pids"][0]
    first, second = (open_tab(open_page(pilot, "pages/participant.py", lang="en", params={"participant": str(pid)}),
                              "details") for _ in range(2))
    prefix = f"form_details_{pid}_v1"
    first.text_input(key=f"{prefix}_job").input("Cook")
    submit(first, prefix)
    second.text_input(key=f"{prefix}_job").input("Dishwasher")
    submit(second, prefix)
    assert "Someone else changed this" in texts(second.error)
    with pilot["engine"].connect() as conn:
        assert conn.exec_driver_sql(f"SELECT job_title FROM participants WHERE id = {pid}").scalar_one() == "Cook"
    reload = next(b for b in second.button if b.key and b.key.startswith("reload_"))
    reload.click().run()
    assert second.text_input(key=f"form_details_{pid}_v2_job").value == "Cook"


def test_participants_page_edit_also_conflicts(pilot):
    """The caseload page's edit form keeps the version it showed, too."""
    pid = pilot["pids"][0]
    pages = [open_edit(open_page(pilot, "pages/participants.py", lang="en")) for _ in range(2)]
    for at in pages:
        at.selectbox(key="edit_pick").set_value(pid).run()
    prefix = f"form_edit_{pid}_v1"
    for at, job in zip(pages, ("Cook", "Dishwasher")):
        at.text_input(key=f"{prefix}_job").input(job)
        submit(at, prefix)
    assert "Someone else changed this" in texts(pages[1].error)
    with pilot["engine"].connect() as conn:
        assert conn.exec_driver_sql(f"SELECT job_title FROM participants WHERE id = {pid}").scalar_one() == "Cook"


def test_opening_a_participant_is_on_record(pilot):
    pid = pilot["pids"][1]
    at = open_page(pilot, "pages/participant.py", params={"participant": str(pid)})
    at.run()  # a rerun of the same screen logs nothing more
    with pilot["engine"].connect() as conn:
        reads = [r for r in audit.entries(conn, action="read", entity="participant")]
    assert [(r["actor"], r["entity_id"]) for r in reads] == [("coach-anna", str(pid))]


def test_my_week_draws_at_most_the_first_rows_of_a_long_list(pilot):
    """A whole-pilot view can hold tens of thousands of quiet participants: the list shows the
    first ones and says how many there are; the tile counts them all."""
    from pilot.records.bulk import insert_many
    with db.transaction(pilot["engine"]) as conn:
        insert_many(conn, "participants", [
            {"code": f"Q-{i:04d}", "company_id": pilot["company"], "enrolled_on": date(2023, 2, 1),
             "first_language": "so", "coach_id": pilot["coach"], "share_with_employer": False}
            for i in range(250)])
    at = open_page(pilot, "pages/my_week.py", lang="en")
    quiet = next(d for d in at.dataframe if "Q-0000" in d.value.to_csv())
    assert len(quiet.value) == 200
    assert "Showing the first 200 of 254 rows." in texts(at.caption)
    assert "254" in [m.value for m in at.metric]
