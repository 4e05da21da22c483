"""AppTest of My week's follow-ups (issue 14): due and overdue ones are listed, "record follow-up"
saves an observation, and a reached follow-up whose status differs from the employment row in
force offers the employment change, which one click writes (dated contacted_on)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.domain.dates import add_months, today
from pilot.records import followups, users
from tests import work_seed
from tests.test_pages_work import open_page, submit, texts

ADMIN = work_seed.ADMIN


@pytest.fixture
def week(engine):
    import streamlit as st
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    cid = work_seed.company(engine)
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[cid])
        users.create_user(conn, "admin-olli", "admin", "Olli")
        users.create_user(conn, "boss", "employer", "Boss", company_ids=[cid])
    day = today()
    start = add_months(day, -30)

    def person(code: str, months_ago: int) -> int:
        return work_seed.participant(engine, cid, code, enrolled=start, coach_id=coach_id,
                                     exited=add_months(day, -months_ago))
    ids = {"due": person("P-0001", 6), "overdue": person("P-0002", 10), "early": person("P-0003", 2),
           "done": person("P-0004", 6), "tried": person("P-0005", 7)}
    with db.transaction(engine) as conn:
        followups.add(conn, ADMIN, ids["done"], {"contacted_on": day - timedelta(days=1), "reached": True,
                                                  "status": "unemployed", "source": "phone"})
        followups.add(conn, ADMIN, ids["tried"], {"contacted_on": day - timedelta(days=3), "reached": False,
                                                   "source": "phone"})
    import os
    yield {"engine": engine, "db": os.environ["PILOT_DB"], "ids": ids, "day": day}
    st.cache_resource.clear()
    db.dispose_shared()


def _rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def test_due_and_overdue_listed(week):
    at = open_page(week, "pages/my_week.py", lang="en")
    shown = texts(at.markdown)
    assert "P-0001" in shown and "P-0002" in shown and "P-0005" in shown
    assert "P-0003" not in shown and "P-0004" not in shown  # window not begun / reached in it
    line = next(m.value for m in at.markdown if "P-0002" in m.value)
    assert "OVERDUE" in line
    assert "OVERDUE" not in next(m.value for m in at.markdown if "P-0001" in m.value)
    assert "Last tried" in texts(at.caption)


def test_record_reached_with_new_status_offers_employment_row(week):
    pid = week["ids"]["due"]
    at = open_page(week, "pages/my_week.py", lang="en")
    at.button(key=f"followup_record_{pid}").click().run()
    assert not at.exception
    prefix = f"form_followup_{pid}_0"
    # Nothing is preselected: saving as shown asks for reached and source, and saves nothing.
    assert at.radio(key=f"{prefix}_reached").value is None
    assert at.selectbox(key=f"{prefix}_status").value is None
    assert at.selectbox(key=f"{prefix}_source").value is None
    submit(at, prefix)
    assert _rows(week["engine"], "SELECT id FROM followups WHERE participant_id = :p", p=pid) == []
    at.radio(key=f"{prefix}_reached").set_value(True)
    at.selectbox(key=f"{prefix}_status").set_value("permanent")
    at.selectbox(key=f"{prefix}_source").set_value("phone")
    at.text_input(key=f"{prefix}_hours").input("37.5")
    submit(at, prefix)
    saved = _rows(week["engine"], "SELECT contacted_on, reached, status, source FROM followups "
                                  "WHERE participant_id = :p", p=pid)
    assert saved == [(week["day"], True, "permanent", "phone")]
    assert "Follow-up saved." in texts(at.success)
    offer = texts(at.info)
    assert "Permanent contract" in offer and "Unemployed" in offer
    # The person is no longer due; the employment row is written only on the click.
    assert "P-0001" not in texts(at.markdown)
    assert _rows(week["engine"], "SELECT status FROM employment WHERE participant_id = :p AND effective_on = :d",
                 p=pid, d=week["day"]) == []
    at.button(key="followup_offer_add").click().run()
    assert not at.exception
    assert _rows(week["engine"], "SELECT status, weekly_hours FROM employment WHERE participant_id = :p "
                                 "AND effective_on = :d", p=pid, d=week["day"])[0][0] == "permanent"
    assert "Employment change added." in texts(at.success)
    assert "Add the employment change" not in texts(at.info) + texts(at.button)


def test_not_reached_with_a_status_is_refused(week):
    pid = week["ids"]["overdue"]
    at = open_page(week, "pages/my_week.py", lang="fi")
    at.button(key=f"followup_record_{pid}").click().run()
    prefix = f"form_followup_{pid}_0"
    at.radio(key=f"{prefix}_reached").set_value(False)
    at.selectbox(key=f"{prefix}_status").set_value("permanent")
    at.selectbox(key=f"{prefix}_source").set_value("register")
    submit(at, prefix)
    assert "Jätä tämä tyhjäksi, kun henkilöä ei tavoitettu." in texts(at.error)
    assert _rows(week["engine"], "SELECT id FROM followups WHERE participant_id = :p", p=pid) == []
    at.selectbox(key=f"{prefix}_status").set_value(None)
    submit(at, prefix)
    assert _rows(week["engine"], "SELECT reached, status FROM followups WHERE participant_id = :p",
                 p=pid) == [(False, None)]
    assert "työtilanteen muutos" not in texts(at.info)  # nothing to offer for a person not reached
    assert "P-0002" in texts(at.markdown)  # still overdue: not reached is no follow-up


def test_participant_timeline_shows_the_followup(week):
    pid = week["ids"]["tried"]
    at = open_page(week, "pages/participant.py", lang="en", params={"participant": str(pid)})
    table = next(d.value.to_csv() for d in at.dataframe if "Follow-up" in d.value.to_csv())
    assert "Not reached" in table and "Phone" in table


def test_dashboard_tile_says_how_many_were_reached(week):
    at = open_page(week, "pages/dashboard.py", user="admin-olli", lang="en")
    assert "reached 1 of 4 due (25.0%)" in texts(at.caption).replace("\\", "")
    assert "Reached at the 6-month follow-up" in [m.label for m in at.metric]


def test_employer_page_shows_the_followup_under_its_rule(week):
    at = open_page(week, "pages/employer.py", user="boss", lang="en")
    assert "reached <5 of <5 due (–)" in texts(at.caption).replace("\\", "")
