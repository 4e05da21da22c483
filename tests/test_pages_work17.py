"""Issue 17, the coach's daily pages (AppTest, signed in as real accounts): My week's rows open
their record and overdue adaptations are marked; a company's page shows its contact, sessions,
adaptations and hires; the search finds and opens records for coaches and admins only; moving an
adaptation empties the picker, asks for the effect only for evaluated, and can be undone with a
reason."""
from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
import streamlit as st

from pilot import db
from pilot.access import Scope
from pilot.db import WriteConflict
from pilot.domain.dates import today
from pilot.records import adaptations, audit, companies, hires, sessions, users
from pilot.records.adaptations import InvalidMove
from tests import work_seed
from tests.helpers_app import app_as
from tests.forms_support import open_tab
from tests.test_pages_work import open_page, submit, texts

ADMIN = Scope(username="seed", role="admin")
LONG = "Pictures and Finnish words on every machine of the dish room, with the Arabic names beside them"


@pytest.fixture
def pilot(engine):
    """Company A (a coach bound to it, an employer, two participants, a session, an adaptation
    waiting 40 days) and company B (one participant) that the coach does not reach."""
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    a = work_seed.company(engine, joined=date(2023, 1, 1))
    b = work_seed.company(engine, "1927400-1", "Beta Cleaning Oy", joined=date(2023, 1, 1))
    with db.transaction(engine) as conn:
        coach = users.create_user(conn, "coach-anna", "coach", "Anna", company_ids=[a])
        users.create_user(conn, "admin-olli", "admin", "Olli")
        users.create_user(conn, "boss-a", "employer", "Boss", company_ids=[a])
        users.create_user(conn, "svc", "services", "Services")
        companies.update_company(conn, ADMIN, a, 1, {**companies.get_company(conn, ADMIN, a),
                                                    "contact_name": "Maija Esimies", "contact_email": "maija@example.fi"})
    pids = [work_seed.participant(engine, a, f"P-{i:04d}", enrolled=date(2023, 2, 1), coach_id=coach) for i in (1, 2)]
    other = work_seed.participant(engine, b, "P-0900", enrolled=date(2023, 2, 1))
    with db.transaction(engine) as conn:
        sid = sessions.log_session(conn, ADMIN, a, {"held_on": today() - timedelta(days=3), "minutes": 60,
                                                    "kind": "language_lesson", "mode": "onsite"}, {pids[0]: "present"})
        aid = adaptations.propose(conn, ADMIN, a, pids[1], {"type": "glossary", "description": LONG,
                                                            "proposed_on": today() - timedelta(days=40)})
        clean, problems = hires.check_hire({"hired_on": date(2024, 5, 1), "participant_code": "P-0001",
                                            "contract": hires.CONTRACTS[0]})
        assert not problems, problems
        hires.record_hire(conn, ADMIN, a, clean)
        session_ref = sessions.get_session(conn, ADMIN, sid)["ref"]
    yield {"engine": engine, "a": a, "b": b, "pids": pids, "other": other, "aid": aid, "session_ref": session_ref,
           "db": os.environ["PILOT_DB"]}
    st.cache_resource.clear()
    db.dispose_shared()


def pick_row(at, key: str, row: int):
    """A row selected in a selectable st.dataframe, as the browser sends it."""
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


# ---- My week ----

def test_my_week_marks_overdue_and_puts_who_stage_days_first(pilot):
    at = open_page(pilot, "pages/my_week.py", lang="en")
    table = next(d for d in at.dataframe if "Waiting (days)" in d.value.columns)
    assert list(table.value.columns[:4]) == ["For whom", "Stage", "Waiting (days)", "Overdue"]
    assert table.value.iloc[0].tolist()[:4] == ["P-0002", "Proposed", 40, "⚠ Overdue"]
    quiet = next(d for d in at.dataframe if "P-0002" in d.value.to_csv() and "Days" in d.value.columns)
    assert list(quiet.value.columns[:2]) == ["Code", "Days"]
    assert quiet.value.iloc[0].tolist()[:2] == ["P-0002", (today() - date(2023, 2, 1)).days]  # none yet: since enrolment
    # The separate list of "Open P-…" links under the tables is gone: rows open their records.
    assert not [link for link in at.get("page_link") if "Open P-" in link.proto.label]


def test_my_week_quiet_row_opens_the_participant(pilot):
    at = open_page(pilot, "pages/my_week.py", lang="en")
    quiet = next(d for d in at.dataframe if d.key == "week_quiet")
    row = list(quiet.value["Code"]).index("P-0002")
    pick_row(at, "week_quiet", row)
    # The participant page itself is another part's (its title and tabs change): the picker it
    # draws first shows the person the row named.
    assert at.selectbox(key="participant_pick").value == pilot["pids"][1]
    assert at.query_params["participant"] == str(pilot["pids"][1])


def test_my_week_adaptation_row_opens_it_on_the_board(pilot):
    at = open_page(pilot, "pages/my_week.py", lang="en")
    pick_row(at, "week_adaptations", 0)
    assert not at.exception, at.exception
    assert at.title[0].value == "Job adaptations"
    assert at.selectbox(key="adapt_pick").value == pilot["aid"]


# ---- A company's page ----

@pytest.mark.parametrize("user", ["coach-anna", "admin-olli"])
def test_company_page_shows_contact_sessions_adaptations(pilot, user):
    at = open_page(pilot, "pages/companies.py", user=user, lang="en", params={"company": str(pilot["a"])})
    page = texts(at.markdown)
    assert "Maija Esimies" in page and "maija@example.fi" in page
    assert "Sessions" in texts(at.subheader) and "Adaptations" in texts(at.subheader)
    frames = " ".join(d.value.to_csv() for d in at.dataframe)
    assert pilot["session_ref"] in frames and LONG in frames
    hires_shown = next(d for d in at.dataframe if "Contract" in d.value.columns)
    assert "P-0001" in hires_shown.value.to_csv()


def test_company_page_of_another_company_is_refused_for_a_bound_coach(pilot):
    at = open_page(pilot, "pages/companies.py", lang="en", params={"company": str(pilot["b"])})
    assert "Beta Cleaning" not in texts(at.header)
    assert "P-0900" not in " ".join(d.value.to_csv() for d in at.dataframe)


# ---- Search ----

def search_for(at, text: str):
    at.text_input(key="global_search").input(text).run()
    assert not at.exception, at.exception
    return [link.proto for link in at.get("page_link")]


@pytest.mark.parametrize("user", ["coach-anna", "admin-olli"])
def test_search_finds_and_opens_a_participant(pilot, user):
    at = open_page(pilot, "pages/search.py", user=user, lang="en")
    links = search_for(at, "p-0001")
    found = [link for link in links if "P-0001" in link.label]
    assert len(found) == 1 and found[0].page.endswith("participant")
    assert f"participant={pilot['pids'][0]}" in found[0].query_string
    company = [link for link in search_for(at, "0101263") if "Espoo Works" in link.label]
    assert len(company) == 1 and f"company={pilot['a']}" in company[0].query_string


def test_search_is_on_record_and_scoped(pilot):
    at = open_page(pilot, "pages/search.py", lang="en")
    labels = " ".join(link.label for link in search_for(at, "P-0"))
    assert "P-0001" in labels and "P-0002" in labels and "P-0900" not in labels
    assert "Beta" not in " ".join(link.label for link in search_for(at, "Beta"))
    labels = " ".join(link.label for link in search_for(at, pilot["session_ref"]))
    assert pilot["session_ref"] in labels
    with pilot["engine"].connect() as conn:
        logged = [e for e in audit.entries(conn, action="read", entity="global_search")]
    assert {e["actor"] for e in logged} == {"coach-anna"} and len(logged) == 3


def test_search_refuses_an_identity_code_and_logs_nothing(pilot):
    at = open_page(pilot, "pages/search.py", lang="en")
    search_for(at, "131052-308T")
    assert "personal identity code" in texts(at.error)
    with pilot["engine"].connect() as conn:
        assert not audit.entries(conn, action="read", entity="global_search")
        assert "131052" not in str(audit.entries(conn))


@pytest.mark.parametrize("user", ["boss-a", "svc"])
def test_employer_and_services_get_no_search(pilot, user):
    """PILOT.md: an employer sees their own company's progress pages and services never see
    individuals, so neither has the search page (nor can reach it by its address)."""
    at = app_as(user, pilot["db"], timeout=60)
    at.query_params["lang"] = "en"
    at.run()  # the role's own start page (another part's) is not what this test is about
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/search.py")


# ---- Moving an adaptation ----

def test_picker_shows_the_whole_description(pilot):
    at = open_page(pilot, "pages/adaptations.py", lang="en")
    assert any(LONG in option for option in at.selectbox(key="adapt_pick").options)


def test_effect_is_asked_only_for_evaluated_and_picker_empties_after_a_move(pilot):
    aid = pilot["aid"]
    at = open_page(pilot, "pages/adaptations.py", lang="en")
    at.selectbox(key="adapt_pick").set_value(aid).run()
    prefix = f"form_move_{aid}_v1"
    assert at.radio(key=f"{prefix}_stage").value == "agreed"
    assert not [r for r in at.radio if r.key == f"{prefix}_effect"]
    submit(at, prefix)
    assert "Agreed (1)" in texts(at.subheader)
    assert at.selectbox(key="adapt_pick").value is None
    assert not [r for r in at.radio if r.key and r.key.startswith(f"form_move_{aid}")]
    # A second click cannot move it again: there is no form until a card is picked again.
    assert not [b for b in at.button if b.key and f"form_move_{aid}" in b.key]
    with pilot["engine"].connect() as conn:
        assert adaptations.get_adaptation(conn, ADMIN, aid)["stage"] == "agreed"
    at.selectbox(key="adapt_pick").set_value(aid).run()
    at.radio(key=f"form_move_{aid}_v2_stage").set_value("in_use").run()
    assert not [r for r in at.radio if r.key == f"form_move_{aid}_v2_effect"]


def test_step_back_from_evaluated_clears_date_and_effect_with_reason(pilot):
    aid = pilot["aid"]
    with db.transaction(pilot["engine"]) as conn:
        v = adaptations.move(conn, ADMIN, aid, 1, "agreed", today() - timedelta(days=30))
        v = adaptations.move(conn, ADMIN, aid, v, "in_use", today() - timedelta(days=20))
        adaptations.move(conn, ADMIN, aid, v, "evaluated", today() - timedelta(days=2), 4)
    at = open_page(pilot, "pages/adaptations.py", lang="en")
    at.selectbox(key="adapt_pick").set_value(aid).run()
    prefix = f"form_back_{aid}_v4"
    submit(at, prefix)
    assert "This is required" in texts(at.error)
    at.text_input(key=f"{prefix}_reason").input("evaluated the wrong card")
    submit(at, prefix)
    assert "In use (1)" in texts(at.subheader) and "Evaluated (0)" in texts(at.subheader)
    assert at.selectbox(key="adapt_pick").value is None
    with pilot["engine"].connect() as conn:
        row = adaptations.get_adaptation(conn, ADMIN, aid)
        entry = audit.entries(conn, entity="adaptation", action="update")[0]
    assert (row["stage"], row["evaluated_on"], row["effect"], row["version"]) == ("in_use", None, None, 5)
    assert entry["reason"] == "evaluated the wrong card" and entry["actor"] == "coach-anna"


def test_step_back_records_rules(pilot):
    """Records: the version guards a step back; a proposal has nothing to go back to; a reason is
    required and may not hold an identity code; dropped goes back to where it was."""
    aid = pilot["aid"]
    with db.transaction(pilot["engine"]) as conn:
        with pytest.raises(InvalidMove):
            adaptations.step_back(conn, ADMIN, aid, 1, "nothing before a proposal")
        v = adaptations.move(conn, ADMIN, aid, 1, "dropped", today())
        with pytest.raises(InvalidMove):
            adaptations.step_back(conn, ADMIN, aid, v, "  ")
        with pytest.raises(InvalidMove):
            adaptations.step_back(conn, ADMIN, aid, v, "asked 131052-308T")
    with pytest.raises(WriteConflict):
        with db.transaction(pilot["engine"]) as conn:
            adaptations.step_back(conn, ADMIN, aid, v - 1, "stale form")
    with db.transaction(pilot["engine"]) as conn:
        adaptations.step_back(conn, ADMIN, aid, v, "dropped by mistake")
        row = adaptations.get_adaptation(conn, ADMIN, aid)
    assert (row["stage"], row["dropped_on"], row["version"]) == ("proposed", None, v + 1)


def test_work_trial_months_name_a_pilot_company_not_its_business_id(pilot):
    """The browser walk's finding: the participant page's work-trial line showed '0101263-6: 4,2'
    where the employer is a pilot company the coach sees by name."""
    from pilot.domain.dates import add_months
    from pilot.records import employment
    pid = pilot["pids"][0]
    with db.transaction(pilot["engine"]) as conn:
        employment.record_change(conn, "test", pid, {"effective_on": add_months(today(), -2),
                                                     "status": "work_trial", "employer_business_id": "0101263-6"})
    at = open_tab(open_page(pilot, "pages/participant.py", lang="en", params={"participant": str(pid)}), "employment")
    line = next(c.value for c in at.caption if "Months of work trial" in str(c.value) or "trial" in str(c.value))
    assert "Espoo Works" in line and "0101263-6" not in line
