"""Sessions: logging with attendance, the rate and hours, the edit window and conflicts."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

from pilot import db
from pilot.access import Scope
from pilot.domain.attendance import attendance_rate, needs_reason
from pilot.domain.work_checks import check_session
from pilot.records import audit, sessions
from tests import work_seed

DAY = date(2024, 3, 5)
VALUES = {"held_on": DAY, "minutes": 90, "kind": "language_lesson", "mode": "onsite", "topics": "safety words",
          "notes": None}


@pytest.mark.parametrize("statuses, rate", [
    (["present", "present", "present", "absent"], 0.75),
    (["present", "excused", "absent"], 0.5),
    (["excused"], None),
    ([], None),
    (["present"], 1.0),
])
def test_attendance_rate(statuses, rate):
    assert attendance_rate(statuses) == rate


@pytest.mark.parametrize("held_on, today, needed", [
    (date(2024, 3, 1), date(2024, 3, 8), False),
    (date(2024, 3, 1), date(2024, 3, 9), True),
    (date(2024, 3, 9), date(2024, 3, 9), False),
])
def test_edit_window(held_on, today, needed):
    assert needs_reason(held_on, today) is needed


@pytest.mark.parametrize("change, field", [
    ({"minutes": 4}, "minutes"), ({"minutes": 481}, "minutes"), ({"minutes": None}, "minutes"),
    ({"kind": "party"}, "kind"), ({"mode": None}, "mode"), ({"held_on": "32.1.2024"}, "held_on"),
    ({"notes": "asiakas 131052-308T"}, "notes"),
])
def test_check_session_rejects(change, field):
    _, problems = check_session({**VALUES, **change})
    assert [p.field for p in problems] == [field]


def _group(engine, statuses):
    cid = work_seed.company(engine)
    pids = [work_seed.participant(engine, cid, f"P-{i:04d}") for i in range(len(statuses))]
    return cid, dict(zip(pids, statuses))


def test_group_session_of_four_with_one_absent(engine, coach):
    cid, booked = _group(engine, ["present", "present", "present", "absent"])
    with db.transaction(engine) as conn:
        sid = sessions.log_session(conn, coach, cid, VALUES, booked)
    with engine.connect() as conn:
        assert sessions.session_attendance_rate(conn, sid) == 0.75
        row = sessions.list_sessions(conn, coach, company_id=cid)[0]
        assert (row["booked"], row["present"], row["absent"], row["attendance_rate"]) == (4, 3, 1, 0.75)
        assert re.fullmatch(r"S-20240305-[a-z0-9]{6}", row["ref"])
        assert row["coach_id"] is None  # demo fallback: no account id
        hours = sessions.company_hours(conn, coach, cid, as_of=DAY)
        assert hours == {"coaching_hours": 1.5, "participant_hours": 4.5}
        assert sessions.company_hours(conn, coach, cid, as_of=date(2024, 3, 4))["coaching_hours"] == 0
        log = audit.entries(conn, entity="session")
        assert log[0]["action"] == "create" and json.loads(log[0]["after_json"])["minutes"] == 90


def test_one_to_one_session_and_defaults(engine, coach):
    cid = work_seed.company(engine)
    a = work_seed.participant(engine, cid, "P-0001")
    work_seed.participant(engine, cid, "P-0002", exited=date(2024, 2, 1))
    work_seed.participant(engine, cid, "P-0003", enrolled=date(2024, 4, 1))
    with engine.connect() as conn:
        assert [r["id"] for r in sessions.booking_defaults(conn, coach, cid, DAY)] == [a]
    with db.transaction(engine) as conn:
        sid = sessions.log_session(conn, coach, cid, {**VALUES, "kind": "on_the_job"}, {a: "present"})
    with engine.connect() as conn:
        assert sessions.attendance(conn, sid) == {a: "present"}


def test_booked_participant_from_another_company_is_refused(engine, coach):
    cid = work_seed.company(engine)
    other = work_seed.company(engine, "1927400-1", "Kone")
    stranger = work_seed.participant(engine, other, "P-0009")
    with pytest.raises(ValueError), db.transaction(engine) as conn:
        sessions.log_session(conn, coach, cid, VALUES, {stranger: "present"})


def test_coach_outside_company_scope_cannot_log(engine):
    cid = work_seed.company(engine)
    outsider = Scope(username="other", role="coach", user_id=None, company_ids=frozenset({cid + 100}))
    from pilot.access import AccessDenied
    with pytest.raises(AccessDenied), db.transaction(engine) as conn:
        sessions.log_session(conn, outsider, cid, VALUES, {})


@pytest.mark.parametrize("today, reason, allowed", [
    (date(2024, 3, 10), None, True),       # within 7 days
    (date(2024, 3, 20), None, False),      # old: a reason is needed
    (date(2024, 3, 20), "  ", False),
    (date(2024, 3, 20), "wrong minutes", True),
])
def test_editing_old_session_needs_reason(engine, coach, today, reason, allowed):
    cid, booked = _group(engine, ["present", "absent"])
    with db.transaction(engine) as conn:
        sid = sessions.log_session(conn, coach, cid, VALUES, booked)
    first = next(iter(booked))
    new_booked = {**booked, first: "excused"}

    def edit(conn):
        return sessions.update_session(conn, coach, sid, 1, {**VALUES, "minutes": 60, "held_on": date(2024, 3, 4)},
                                       new_booked, today, reason)

    if not allowed:
        with pytest.raises(sessions.ReasonRequired):
            db.run_in_transaction(engine, edit)
        return
    assert db.run_in_transaction(engine, edit) == 2
    with engine.connect() as conn:
        assert sessions.get_session(conn, coach, sid)["minutes"] == 60
        assert sessions.get_session(conn, coach, sid)["held_on"] == date(2024, 3, 4)  # date editable
        assert sessions.attendance(conn, sid)[first] == "excused"
        entry = audit.entries(conn, entity="session", action="update")[0]
        assert json.loads(entry["before_json"])["minutes"] == 90
        assert json.loads(entry["after_json"])["minutes"] == 60
        assert entry["reason"] == (reason.strip() if reason else None)


def test_second_edit_with_stale_version_conflicts(engine, coach):
    cid, booked = _group(engine, ["present"])
    with db.transaction(engine) as conn:
        sid = sessions.log_session(conn, coach, cid, VALUES, booked)
    with db.transaction(engine) as conn:
        sessions.update_session(conn, coach, sid, 1, {"minutes": 60}, booked, DAY)
    with pytest.raises(db.WriteConflict), db.transaction(engine) as conn:
        sessions.update_session(conn, coach, sid, 1, {"minutes": 30}, booked, DAY)
    with engine.connect() as conn:
        assert sessions.get_session(conn, coach, sid)["minutes"] == 60
