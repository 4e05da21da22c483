"""No risky defaults (issue 13.8): status pickers start empty and must be chosen; a session is
never logged in the future; an enrolment, exit or employment day in the future is saved only
after a confirmation. The rule lives in pilot/domain/validation.py, so the import agrees."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from pilot.access import SYSTEM
from pilot.domain.validation import confirm_future
from pilot.domain.work_checks import check_session
from pilot import workbook
from tests.forms_support import one, open_edit, open_page, submit, texts, world  # noqa: F401
from tests.test_workbook import B1, write_csv_folder


@pytest.fixture
def tomorrow(pilot_day: date) -> date:
    """The day after the pilot's day, which stands still for the test. A module constant was fixed
    when the file was collected: collected before Helsinki midnight (22:00 UTC in winter) and run
    after it, "tomorrow" was already today and nothing was in the future."""
    return pilot_day + timedelta(days=1)


def test_the_employment_status_picker_starts_empty_and_must_be_chosen(world):
    pid = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(pid)}, tab="employment")
    prefix = f"form_emp_{pid}_0"
    assert at.selectbox(key=f"{prefix}_status").value is None
    before = one(world, "SELECT COUNT(*) FROM employment")
    submit(at, prefix)
    assert "This is required." in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM employment") == before


def test_enrolment_needs_a_chosen_status(world):
    at = open_page(world, "pages/participants.py", lang="en")
    assert at.selectbox(key="form_enrol_emp_status").value is None
    at.text_input(key="form_enrol_code").input("P-0100")
    at.selectbox(key="form_enrol_company").select(world["company"])
    at.selectbox(key="form_enrol_lang").select("ar")
    submit(at, "form_enrol")
    assert "This is required." in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM participants WHERE code = 'P-0100'") == 0
    at.selectbox(key="form_enrol_emp_status").select("work_trial")
    submit(at, "form_enrol")
    assert one(world, "SELECT e.status FROM employment e JOIN participants p ON p.id = e.participant_id "
                      "WHERE p.code = 'P-0100'") == "work_trial"


def test_exit_status_starts_empty(world):
    pid = world["pids"][1]
    at = open_edit(open_page(world, "pages/participants.py", lang="en"))
    at.selectbox(key="edit_pick").set_value(pid).run()
    assert at.selectbox(key=f"form_exit_{pid}_emp_status").value is None
    submit(at, f"form_exit_{pid}")
    assert "This is required." in texts(at.error)
    assert one(world, "SELECT exited_on FROM participants WHERE id = :p", p=pid) is None


def test_a_session_in_the_future_is_refused(world, tomorrow):
    cid = world["company"]
    at = open_page(world, "pages/log_session.py", lang="en")
    prefix = f"form_log_{cid}_group_0"
    at.date_input(key=f"{prefix}_date").set_value(tomorrow)
    submit(at, prefix)
    assert "A session cannot be logged for a day to come." in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM sessions") == 0


def test_an_exit_in_the_future_asks_for_confirmation(world, tomorrow):
    pid = world["pids"][0]
    at = open_edit(open_page(world, "pages/participants.py", lang="en"))
    at.selectbox(key="edit_pick").set_value(pid).run()
    prefix = f"form_exit_{pid}"
    at.date_input(key=f"{prefix}_date").set_value(tomorrow)
    at.selectbox(key=f"{prefix}_emp_status").select("permanent")
    submit(at, prefix)
    assert "The date is in the future." in texts(at.error)
    assert one(world, "SELECT exited_on FROM participants WHERE id = :p", p=pid) is None
    at.checkbox(key=f"{prefix}_future_ok").check()
    submit(at, prefix)
    assert one(world, "SELECT exited_on FROM participants WHERE id = :p", p=pid) == tomorrow


def test_an_employment_change_in_the_future_asks_for_confirmation(world, tomorrow):
    pid = world["pids"][0]
    at = open_page(world, "pages/participant.py", lang="en", params={"participant": str(pid)}, tab="employment")
    prefix = f"form_emp_{pid}_0"
    at.date_input(key=f"{prefix}_date").set_value(tomorrow)
    at.selectbox(key=f"{prefix}_status").select("permanent")
    submit(at, prefix)
    assert "The date is in the future." in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM employment WHERE status = 'permanent'") == 0
    at.checkbox(key=f"{prefix}_future_ok").check()
    submit(at, prefix)
    assert one(world, "SELECT effective_on FROM employment WHERE status = 'permanent'") == tomorrow


def test_an_enrolment_in_the_future_asks_for_confirmation(world, tomorrow):
    at = open_page(world, "pages/participants.py", lang="en")
    at.text_input(key="form_enrol_code").input("P-0200")
    at.selectbox(key="form_enrol_company").select(world["company"])
    at.selectbox(key="form_enrol_lang").select("ar")
    at.date_input(key="form_enrol_enrolled").set_value(tomorrow)
    at.selectbox(key="form_enrol_emp_status").select("unemployed")
    submit(at, "form_enrol")
    assert "The date is in the future." in texts(at.error)
    assert one(world, "SELECT COUNT(*) FROM participants WHERE code = 'P-0200'") == 0
    at.checkbox(key="form_enrol_future_ok").check()
    submit(at, "form_enrol")
    assert one(world, "SELECT enrolled_on FROM participants WHERE code = 'P-0200'") == tomorrow


@pytest.mark.parametrize("days_ahead, refused", [(1, True), (0, False), (-1, False)])
def test_the_session_rule_is_one_domain_rule(pilot_day, days_ahead, refused):
    held = pilot_day + timedelta(days=days_ahead)
    _, problems = check_session({"held_on": held, "minutes": 60, "kind": "language_lesson", "mode": "onsite"})
    assert (("held_on", "error.future_session") in {(p.field, p.key) for p in problems}) is refused


def test_future_dates_need_confirming_only_when_in_the_future(pilot_day, tomorrow):
    clean = {"enrolled_on": tomorrow, "exited_on": pilot_day}
    assert [(p.field, p.key) for p in confirm_future(clean, ("enrolled_on", "exited_on"), False)] == \
        [("enrolled_on", "error.future_confirm")]
    assert confirm_future(clean, ("enrolled_on",), True) == []


def test_the_import_refuses_a_future_session_and_keeps_a_future_enrolment(engine, tmp_path, tomorrow):
    data = {"companies": [{"business_id": B1, "name": "Oy", "joined_on": "2024-01-15"}],
            "participants": [{"code": "P-001", "business_id": B1, "enrolled_on": tomorrow.isoformat(),
                              "first_language": "ar"}],
            "sessions": [{"ref": "S-1", "business_id": B1, "held_on": tomorrow.isoformat(), "minutes": "60",
                          "kind": "other", "mode": "onsite"}]}
    result = workbook.import_workbook(engine, write_csv_folder(data, tmp_path / "in"), SYSTEM, dry_run=True)
    keys = {(e.sheet, e.column, e.key) for e in result.errors}
    assert keys == {("sessions", "held_on", "error.future_session")}
    del data["sessions"]
    assert workbook.import_workbook(engine, write_csv_folder(data, tmp_path / "ok"), SYSTEM).ok
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT enrolled_on FROM participants").scalar_one() == tomorrow
