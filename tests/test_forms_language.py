"""Switching language keeps a half-filled form (issue 13.6).

Streamlit 1.67 sends a picker's value as the text of the chosen option: a mark made in one
language is not an option in the next, and the picker fell back to its default (everyone
present). ``widgets.keep_choice`` maps any language's label back to its code before the picker
is drawn. Each test fills a form, switches language, saves and reads the database. (The browser
test in tests/test_browser_forms.py does the same in a real Chromium.)"""
from __future__ import annotations

from decimal import Decimal

from pilot import i18n
from tests.forms_support import held, one, open_page, submit, switch_language, texts, world  # noqa: F401


def label(code_list: str, code: str, lang: str) -> str:
    return i18n.label(code_list, code, lang)


def test_absent_mark_survives_a_language_switch(world):
    cid, pids = world["company"], world["pids"]
    at = open_page(world, "pages/log_session.py", lang="en")
    prefix = f"form_log_{cid}_group_0"
    switch_language(at, "fi")
    held(at, {f"{prefix}_att_{pids[2]}": "Absent", f"{prefix}_mode": label("mode", "remote", "en")})
    submit(at, prefix)
    assert not at.error, texts(at.error)
    assert one(world, "SELECT status FROM attendance WHERE participant_id = :p", p=pids[2]) == "absent"
    assert one(world, "SELECT COUNT(*) FROM attendance WHERE status = 'present'") == 2
    assert one(world, "SELECT mode FROM sessions") == "remote"


def test_enrolment_form_survives_a_language_switch(world):
    at = open_page(world, "pages/participants.py", lang="fi")
    switch_language(at, "sv")
    at.text_input(key="form_enrol_code").input("P-0100")  # AppTest keeps no typed text across runs
    at.selectbox(key="form_enrol_company").select(world["company"])
    at.text_input(key="form_enrol_emp_hours").input("37,5")
    held(at, {"form_enrol_lang": "somali (so)", "form_enrol_emp_status": label("employment_status", "fixed_term", "fi")})
    submit(at, "form_enrol")
    assert not at.error, texts(at.error)
    assert one(world, "SELECT first_language FROM participants WHERE code = 'P-0100'") == "so"
    assert one(world, "SELECT e.status FROM employment e JOIN participants p ON p.id = e.participant_id "
                      "WHERE p.code = 'P-0100'") == "fixed_term"
    assert one(world, "SELECT e.weekly_hours FROM employment e JOIN participants p ON p.id = e.participant_id "
                      "WHERE p.code = 'P-0100'") == Decimal("37.5")


def test_employment_change_survives_a_language_switch(world):
    pid = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="sv", params={"participant": str(pid)}, tab="employment")
    prefix = f"form_emp_{pid}_0"
    switch_language(at, "en")  # the tab stays open: only its label changes
    held(at, {f"{prefix}_status": label("employment_status", "apprenticeship", "sv")})
    submit(at, prefix)
    assert one(world, "SELECT COUNT(*) FROM employment WHERE status = 'apprenticeship'") == 1


def test_cost_form_survives_a_language_switch(world):
    at = open_page(world, "pages/costs.py", "admin-olli", "fi")
    switch_language(at, "en")
    at.text_input(key="cost_amount").input("99.90")  # AppTest keeps no typed text across runs
    held(at, {"cost_category": label("cost_category", "grant", "fi")})
    submit(at, "form_cost")
    assert not at.error, texts(at.error)
    assert one(world, "SELECT category FROM costs") == "grant"
    assert one(world, "SELECT amount_eur FROM costs") == Decimal("99.90")


def test_caseload_filter_survives_a_language_switch(world):
    at = open_page(world, "pages/participants.py", lang="en")
    at.radio(key="pf_status").set_value("exited").run()
    switch_language(at, "sv")
    assert at.radio(key="pf_status").value == "exited"
