"""The participant timeline and the coach's week."""
from __future__ import annotations

from datetime import date

import pytest

from pilot import db
from pilot.access import Scope
from pilot.records import adaptations, assessments, employment, followups, sessions, timeline, users, week
from tests import work_seed

S = {"minutes": 60, "kind": "language_lesson", "mode": "onsite", "topics": "tools", "notes": None}


@pytest.fixture
def story(engine, coach):
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001", enrolled=date(2024, 1, 10))
    with db.transaction(engine) as conn:
        sessions.log_session(conn, coach, cid, {**S, "held_on": date(2024, 2, 1)}, {pid: "present"})
        assessments.record_assessment(conn, coach, pid, {"skill": "reading", "level": "A2.1", "source": "coach",
                                                         "assessed_on": date(2024, 2, 5)})
        aid = adaptations.propose(conn, coach, cid, pid, {"type": "glossary", "description": "Kitchen words",
                                                           "proposed_on": date(2024, 2, 10)})
        adaptations.move(conn, coach, aid, 1, "agreed", date(2024, 3, 1))
        employment.record_change(conn, coach, pid, {"effective_on": date(2024, 3, 15), "status": "work_trial",
                                                    "employer_business_id": "0101263-6"})
        timeline.add_note(conn, coach, pid, {"noted_on": date(2024, 3, 20), "body": "Wants evening shifts"})
    return cid, pid


def test_timeline_is_chronological_newest_first(engine, coach, story):
    _, pid = story
    with engine.connect() as conn:
        events = timeline.for_participant(conn, coach, pid)
    assert [(e["on"], e["kind"], e["status"]) for e in events] == [
        (date(2024, 3, 20), "note", "test-coach"),
        (date(2024, 3, 15), "employment", None),
        (date(2024, 3, 1), "adaptation", "agreed"),
        (date(2024, 2, 10), "adaptation", "proposed"),
        (date(2024, 2, 5), "assessment", "coach"),
        (date(2024, 2, 1), "session", "present"),
        (date(2024, 1, 10), "employment", None),
    ]


@pytest.mark.parametrize("kinds, since, until, expected", [
    (("session",), None, None, ["session"]),
    (("employment",), None, None, ["employment", "employment"]),
    (("note", "assessment"), None, None, ["note", "assessment"]),
    (timeline.KINDS, date(2024, 3, 1), date(2024, 3, 15), ["employment", "adaptation"]),
    ((), None, None, []),
])
def test_timeline_filters(engine, coach, story, kinds, since, until, expected):
    _, pid = story
    with engine.connect() as conn:
        assert [e["kind"] for e in timeline.for_participant(conn, coach, pid, kinds, since, until)] == expected


def test_timeline_outside_scope_is_empty(engine, story):
    cid, pid = story
    outsider = Scope(username="x", role="coach", company_ids=frozenset({cid + 1}))
    with engine.connect() as conn:
        assert timeline.for_participant(conn, outsider, pid) == []


def test_my_week(engine):
    cid = work_seed.company(engine)
    with db.transaction(engine) as conn:
        me = users.create_user(conn, "coach-anna", "coach", company_ids=[cid])
        scope = users.scope_for(conn, users.get_by_id(conn, me))
    seen = work_seed.participant(engine, cid, "P-0001", coach_id=me)
    quiet = work_seed.participant(engine, cid, "P-0002", coach_id=me)
    due = work_seed.participant(engine, cid, "P-0003", coach_id=me, enrolled=date(2023, 1, 2),
                               exited=date(2023, 12, 15))
    done = work_seed.participant(engine, cid, "P-0004", coach_id=me, enrolled=date(2023, 1, 2),
                                exited=date(2023, 11, 1))
    later = work_seed.participant(engine, cid, "P-0005", coach_id=me, exited=date(2024, 2, 1))
    today = date(2024, 6, 12)  # a Wednesday
    with db.transaction(engine) as conn:
        sessions.log_session(conn, scope, cid, {**S, "held_on": date(2024, 6, 10)}, {seen: "present", quiet: "absent"})
        sessions.log_session(conn, scope, cid, {**S, "held_on": date(2024, 6, 3)}, {seen: "present"})
        employment.record_change(conn, scope, done, {"effective_on": date(2024, 5, 2), "status": "permanent"})
        # An employment row is no follow-up (P-0004 stays due until one is recorded):
        followups.add(conn, scope, done, {"contacted_on": date(2024, 5, 2), "reached": True,
                                          "status": "permanent", "source": "phone"})
        aid = adaptations.propose(conn, scope, cid, None, {"type": "glossary", "description": "Words",
                                                            "proposed_on": date(2024, 4, 1)})
        adaptations.propose(conn, scope, cid, None, {"type": "other", "description": "Old",
                                                      "proposed_on": date(2024, 1, 1)})
        closed = adaptations.propose(conn, scope, cid, None, {"type": "other", "description": "Dropped",
                                                               "proposed_on": date(2024, 1, 1)})
        adaptations.move(conn, scope, closed, 1, "dropped", date(2024, 2, 1))
    with engine.connect() as conn:
        got = week.my_week(conn, scope, today)
    assert [r["held_on"] for r in got["sessions"]] == [date(2024, 6, 10)]
    assert [r["id"] for r in got["quiet"]] == [quiet]
    assert [r["description"] for r in got["adaptations"]] == ["Old", "Words"]
    assert got["adaptations"][1]["id"] == aid and got["adaptations"][1]["waiting_days"] == 72
    assert [(r["id"], r["due_on"], r["state"]) for r in got["followups"]] == [(due, date(2024, 6, 15), "due")]
    assert later not in [r["id"] for r in got["followups"]]


@pytest.mark.parametrize("today, monday, sunday", [
    (date(2024, 6, 10), date(2024, 6, 10), date(2024, 6, 16)),
    (date(2024, 6, 16), date(2024, 6, 10), date(2024, 6, 16)),
])
def test_week_bounds(today, monday, sunday):
    assert week.week_bounds(today) == (monday, sunday)


def test_followups_on_the_timeline(engine):
    """A follow-up after exit is an event of its own (reached with the status found, or not reached),
    never an employment row."""
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0009", enrolled=date(2023, 1, 2), exited=date(2023, 12, 15))
    admin = Scope(username="a", role="admin")
    with db.transaction(engine) as conn:
        followups.add(conn, admin, pid, {"contacted_on": date(2024, 6, 1), "reached": False, "source": "phone"})
        followups.add(conn, admin, pid, {"contacted_on": date(2024, 6, 14), "reached": True, "status": "permanent",
                                         "weekly_hours": "30", "source": "employer", "notes": "Told by HR"})
    with engine.connect() as conn:
        events = timeline.for_participant(conn, admin, pid, ("followup", "employment"))
    assert [(e["on"], e["kind"], e["code"], e["status"]) for e in events][:2] == [
        (date(2024, 6, 14), "followup", "permanent", "employer"), (date(2024, 6, 1), "followup", None, "phone")]
    assert "Told by HR" in events[0]["detail"]
    assert not [e for e in events if e["kind"] == "employment" and e["on"] >= date(2024, 6, 1)]
