"""AppTest of the companies and participants screens: real database, real validation."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pilot import db
from pilot.access import Scope
from pilot.records import companies, participants, users
from tests.forms_support import open_edit
from tests.helpers_app import app_as

COACH = Scope(username="coach", role="coach")


@pytest.fixture
def app_db(engine):
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    with db.transaction(engine) as conn:
        users.create_user(conn, "coach", "coach", display_name="Test Coach", whole_pilot=True)
    yield engine
    st.cache_resource.clear()
    db.dispose_shared()


def run(page: str = "pages/companies.py", lang: str = "fi") -> AppTest:
    """The page as the signed-in coach (a real login session; see tests/helpers_app.py)."""
    at = app_as("coach", os.environ["PILOT_DB"], timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, form: str) -> AppTest:
    button = next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-"))
    button.click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang, title", [("fi", "Yritykset"), ("sv", "Företag"), ("en", "Companies")])
def test_companies_page_in_each_language(app_db, lang, title):
    at = run(lang=lang)
    assert at.title[0].value == title


@pytest.mark.parametrize("business_id, expected_error", [
    ("0101263-5", "Y-tunnus ei ole oikein"),
    ("1000008-1", "Y-tunnus ei ole oikein"),
])
def test_invalid_business_id_is_refused_next_to_the_field(app_db, business_id, expected_error):
    at = run()
    at.text_input(key="form_company_add_bid").input(business_id)
    at.text_input(key="form_company_add_name").input("Testi Oy")
    submit(at, "form_company_add")
    assert any(expected_error in e.value for e in at.error)
    with app_db.connect() as conn:
        assert companies.list_companies(conn, COACH) == []


def test_add_company_then_existing_business_id_opens_it(app_db):
    at = run()
    at.text_input(key="form_company_add_bid").input("0101263-6")
    at.text_input(key="form_company_add_name").input("Espoon kaupunki")
    submit(at, "form_company_add")
    assert any("Espoon kaupunki" in s.value for s in at.success)
    assert "Espoon kaupunki (0101263-6)" in at.header[0].value
    at.text_input(key="form_company_add_name").input("Toinen nimi")
    submit(at, "form_company_add")
    assert any("Se avattiin" in s.value for s in at.success)
    with app_db.connect() as conn:
        assert [c["name"] for c in companies.list_companies(conn, COACH)] == ["Espoon kaupunki"]


def test_hetu_in_notes_is_refused_and_not_stored(app_db):
    with db.transaction(app_db) as conn:
        cid = companies.create_company(conn, COACH, {"business_id": "0101263-6", "name": "Espoo",
                                                     "joined_on": date(2024, 1, 1)})
    at = run("pages/participants.py")
    at.text_input(key="form_enrol_code").input("P-0100")
    at.selectbox(key="form_enrol_company").select(cid)
    at.selectbox(key="form_enrol_lang").select("ar")
    at.text_area(key="form_enrol_notes").input("Henkilötunnus 131052-308T")
    submit(at, "form_enrol")
    assert any("henkilötunnus" in e.value.lower() for e in at.error)
    with app_db.connect() as conn:
        assert participants.list_participants(conn, COACH) == []


def test_enrol_and_exit_a_participant(app_db):
    with db.transaction(app_db) as conn:
        cid = companies.create_company(conn, COACH, {"business_id": "0101263-6", "name": "Espoo",
                                                     "joined_on": date(2024, 1, 1)})
    at = run("pages/participants.py", lang="en")
    at.text_input(key="form_enrol_code").input("P-0100")
    at.selectbox(key="form_enrol_company").select(cid)
    at.selectbox(key="form_enrol_lang").select("so")
    at.text_input(key="form_enrol_job").input("Cleaner")
    at.selectbox(key="form_enrol_emp_status").select("unemployed")  # a status is chosen, never preselected
    submit(at, "form_enrol")
    assert any("P-0100" in s.value for s in at.success), [e.value for e in at.error]
    with app_db.connect() as conn:
        (person,) = participants.list_participants(conn, COACH)
    assert person["first_language"] == "so" and person["job_title"] == "Cleaner"
    open_edit(at).selectbox(key="edit_pick").select(person["id"]).run()
    at.selectbox(key=f"form_exit_{person['id']}_emp_status").select("fixed_term")
    submit(at, f"form_exit_{person['id']}")
    assert any("exited" in s.value for s in at.success)
    with app_db.connect() as conn:
        assert participants.get_participant(conn, COACH, person["id"])["exited_on"] is not None


def test_duplicate_participant_code_is_an_error_not_a_traceback(app_db):
    at = run("pages/participants.py")
    with db.transaction(app_db) as conn:
        cid = companies.create_company(conn, COACH, {"business_id": "0101263-6", "name": "Espoo",
                                                     "joined_on": date(2024, 1, 1)})
        participants.enrol(conn, COACH, {"code": "P-1", "enrolled_on": date(2024, 1, 2),
                                         "first_language": "ar"}, cid, None, {"status": "other"})
    at = run("pages/participants.py")
    at.text_input(key="form_enrol_code").input("P-1")
    at.selectbox(key="form_enrol_company").select(cid)
    at.selectbox(key="form_enrol_lang").select("ar")
    submit(at, "form_enrol")
    assert any("jo osallistuja" in e.value for e in at.error)
