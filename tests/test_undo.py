"""Mistakes can be undone: sessions, assessments, employment rows, costs and feedback are corrected
and removed with a reason (audited), restorable by an admin for 30 days, then purged
(pilot/records/removed.py). Removing and restoring keeps every indicator exact."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pilot import db, demo, indicators
from pilot.access import SYSTEM, AccessDenied, Scope
from pilot.db import WriteConflict, utcnow
from pilot.records import (assessments, attendance_totals, audit, costs, employment, feedback, outcomes, privacy,
                           removed, sessions)
from pilot.records._versioned import DuplicateRecord
from tests import work_seed

COACH = Scope(username="coach-a", role="coach")
ADMIN = Scope(username="admin-a", role="admin")
DAY = date(2024, 3, 4)
HETU = "131052-308T"


@pytest.fixture
def world(engine):
    """One company, two participants, one record of each type (ids by entity)."""
    cid = work_seed.company(engine)
    p1 = work_seed.participant(engine, cid, "P-0001")
    p2 = work_seed.participant(engine, cid, "P-0002")

    def make(conn):
        clean, _ = costs.check_cost({"category": "staff", "amount_eur": "120.00", "incurred_on": DAY, "company_id": cid})
        return {
            "session": sessions.log_session(conn, COACH, cid, {"held_on": DAY, "minutes": 45, "kind": "language_lesson",
                                                               "mode": "onsite"}, {p1: "present", p2: "absent"}),
            "assessment": assessments.record_assessment(conn, COACH, p1, {"skill": "reading", "level": "A2.1",
                                                                          "source": "coach", "assessed_on": DAY}),
            "employment": employment.rows_for(conn, COACH, p1)[0]["id"],
            "feedback": feedback.give(conn, ADMIN, cid, {"score": 4, "given_on": DAY, "comment": "ok"})[0],
            "cost": costs.add_cost(conn, ADMIN, clean)[0],
        }
    ids = db.run_in_transaction(engine, make)
    return {"engine": engine, "company": cid, "pids": (p1, p2), "ids": ids}


REMOVE = {"session": (sessions.remove_session, COACH), "assessment": (assessments.remove_assessment, COACH),
          "employment": (employment.remove_change, COACH), "feedback": (feedback.remove_feedback, ADMIN),
          "cost": (costs.remove_cost, ADMIN)}


def _row(engine, entity, row_id):
    table = removed.KINDS[entity].table
    with engine.connect() as conn:
        found = conn.execute(sa.text(f"SELECT * FROM {table} WHERE id = :i"), {"i": row_id}).first()
    return dict(found._mapping) if found else None


def _remove(engine, entity, row_id, reason="entered twice", now=None):
    remove, who = REMOVE[entity]
    version = _row(engine, entity, row_id)["version"]
    if now is None:
        return db.run_in_transaction(engine, lambda c: remove(c, who, row_id, version, reason))
    return db.run_in_transaction(engine, lambda c: removed.take_out(c, who, entity, row_id, version, reason, now=now))


@pytest.mark.parametrize("entity", list(REMOVE))
def test_remove_with_a_reason_and_restore(world, entity):
    engine, row_id = world["engine"], world["ids"][entity]
    before = _row(engine, entity, row_id)
    removed_id = _remove(engine, entity, row_id)
    assert _row(engine, entity, row_id) is None
    with engine.connect() as conn:
        (listed,) = removed.list_removed(conn, ADMIN)
        assert (listed["id"], listed["entity"], listed["entity_id"], listed["reason"]) == \
            (removed_id, entity, row_id, "entered twice")
        assert listed["day"] == before[removed.KINDS[entity].day] and listed["days_left"] == 29 and listed["company_name"] == "Espoo Works"
        (entry,) = audit.entries(conn, action="delete", entity=entity)
        assert entry["reason"] == "entered twice" and entry["entity_id"] == str(row_id)
        if entity == "session":
            assert conn.execute(sa.text("SELECT COUNT(*) FROM attendance WHERE session_id = :s"),
                                {"s": row_id}).scalar_one() == 0
    with pytest.raises(AccessDenied):
        db.run_in_transaction(engine, lambda c: removed.restore(c, COACH, removed_id))
    assert db.run_in_transaction(engine, lambda c: removed.restore(c, ADMIN, removed_id)) == (entity, row_id)
    back = _row(engine, entity, row_id)
    assert back["version"] == before["version"] + 1
    assert {k: v for k, v in back.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}
    with engine.connect() as conn:
        assert removed.list_removed(conn, ADMIN) == []
        assert audit.entries(conn, action="create", entity=entity)[0]["reason"] == "entered twice"
        if entity == "session":
            assert sessions.attendance(conn, row_id) == {world["pids"][0]: "present", world["pids"][1]: "absent"}
            assert attendance_totals.consistent(conn)


@pytest.mark.parametrize("reason", ["", "   ", f"asked by {HETU}"])
def test_a_reason_is_required_and_holds_no_identity_code(world, reason):
    engine, row_id = world["engine"], world["ids"]["cost"]
    with pytest.raises(removed.InvalidReason):
        _remove(engine, "cost", row_id, reason)
    assert _row(engine, "cost", row_id) is not None
    with engine.connect() as conn:
        assert audit.entries(conn, action="delete") == []


def test_who_may_remove(world):
    engine, ids, cid = world["engine"], world["ids"], world["company"]
    other = Scope(username="elsewhere", role="coach", company_ids=frozenset({cid + 100}))
    employer = Scope(username="boss", role="employer", company_ids=frozenset({cid}))
    for call in (lambda c: sessions.remove_session(c, other, ids["session"], 1, "x"),
                 lambda c: costs.remove_cost(c, COACH, ids["cost"], 1, "x"),
                 lambda c: feedback.remove_feedback(c, COACH, ids["feedback"], 1, "x"),
                 lambda c: assessments.remove_assessment(c, employer, ids["assessment"], 1, "x")):
        with pytest.raises((AccessDenied, LookupError)):
            db.run_in_transaction(engine, call)
    # The employer removes their own company's feedback.
    db.run_in_transaction(engine, lambda c: feedback.remove_feedback(c, employer, ids["feedback"], 1, "by mistake"))
    assert _row(engine, "feedback", ids["feedback"]) is None


def test_a_removal_from_an_old_version_is_a_conflict(world):
    engine, sid = world["engine"], world["ids"]["session"]
    db.run_in_transaction(engine, lambda c: sessions.update_session(c, COACH, sid, 1, {"minutes": 60}, {}, DAY))
    with pytest.raises(WriteConflict):
        db.run_in_transaction(engine, lambda c: sessions.remove_session(c, COACH, sid, 1, "wrong day"))
    db.run_in_transaction(engine, lambda c: sessions.remove_session(c, COACH, sid, 2, "wrong day"))
    with pytest.raises(WriteConflict):  # a second tab removing it again
        db.run_in_transaction(engine, lambda c: sessions.remove_session(c, COACH, sid, 2, "wrong day"))


def test_edits_of_each_type_are_audited(world):
    engine, ids, (p1, _) = world["engine"], world["ids"], world["pids"]
    db.run_in_transaction(engine, lambda c: assessments.edit_assessment(c, COACH, ids["assessment"], 1, {"level": "B1.1"}))
    db.run_in_transaction(engine, lambda c: employment.edit_change(c, COACH, ids["employment"], 1,
                                                                   {"status": "training", "weekly_hours": None}))
    db.run_in_transaction(engine, lambda c: feedback.edit_feedback(c, ADMIN, ids["feedback"], 1, {"score": 2}))
    db.run_in_transaction(engine, lambda c: costs.edit_cost(c, ADMIN, ids["cost"], 1, {"amount_eur": Decimal("80.50")}))
    assert _row(engine, "assessment", ids["assessment"])["level"] == "B1.1"
    assert _row(engine, "employment", ids["employment"])["status"] == "training"
    assert _row(engine, "feedback", ids["feedback"])["score"] == 2
    assert _row(engine, "cost", ids["cost"])["amount_eur"] == Decimal("80.50")
    with engine.connect() as conn:
        updates = {e["entity"]: e for e in audit.entries(conn, action="update")}
    assert '"B1.1"' in updates["assessment"]["after_json"] and '"A2.1"' in updates["assessment"]["before_json"]
    assert '"80.50"' in updates["cost"]["after_json"] and '"120.00"' in updates["cost"]["before_json"]
    assert set(updates) >= {"assessment", "employment", "feedback", "cost"}


def test_an_edit_onto_another_records_key_is_refused(world):
    engine, ids, (p1, _) = world["engine"], world["ids"], world["pids"]
    other = db.run_in_transaction(engine, lambda c: assessments.record_assessment(
        c, COACH, p1, {"skill": "reading", "level": "A1.1", "source": "self", "assessed_on": DAY}))
    with pytest.raises(DuplicateRecord):
        db.run_in_transaction(engine, lambda c: assessments.edit_assessment(c, COACH, other, 1, {"source": "coach"}))


def test_restore_is_refused_when_the_key_was_taken_again(world):
    engine, ids, (p1, _) = world["engine"], world["ids"], world["pids"]
    removed_id = _remove(engine, "assessment", ids["assessment"])
    db.run_in_transaction(engine, lambda c: assessments.record_assessment(
        c, COACH, p1, {"skill": "reading", "level": "B2.2", "source": "coach", "assessed_on": DAY}))
    with pytest.raises(removed.RestoreClash):
        db.run_in_transaction(engine, lambda c: removed.restore(c, ADMIN, removed_id))


def test_after_thirty_days_restore_is_refused_and_the_record_is_purged(world):
    engine, ids = world["engine"], world["ids"]
    then = utcnow() - timedelta(days=40)
    old = _remove(engine, "cost", ids["cost"], now=then)
    recent = _remove(engine, "feedback", ids["feedback"], now=then + timedelta(days=5))
    day_31 = then + timedelta(days=31)
    with engine.connect() as conn:
        assert [r["id"] for r in removed.list_removed(conn, ADMIN, now=day_31)] == [recent]
    with pytest.raises(removed.RestoreExpired):
        db.run_in_transaction(engine, lambda c: removed.restore(c, ADMIN, old, now=day_31))
    assert db.run_in_transaction(engine, lambda c: removed.purge(c, now=day_31)) == 1
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT id FROM removed_records")).scalars().all()
    assert left == [recent]
    # A removal today purges what has passed the 30 days on the way.
    _remove(engine, "assessment", ids["assessment"])
    with engine.connect() as conn:
        assert recent not in conn.execute(sa.text("SELECT id FROM removed_records")).scalars().all()


def _figures(engine, as_of):
    f = outcomes.Filters()
    with engine.connect() as conn:
        return (dict(indicators.compute(conn, as_of)), outcomes.hours_by_kind(conn, SYSTEM, as_of, f),
                outcomes.attendance_by_month(conn, SYSTEM, as_of, f), attendance_totals.consistent(conn))


def test_indicators_are_identical_after_remove_and_restore(engine):
    demo.load(engine, today=date(2025, 6, 30))
    as_of = date(2025, 6, 30)
    with engine.connect() as conn:
        pick = {entity: conn.execute(sa.text(
            f"SELECT id FROM {kind.table} ORDER BY {'attendance_present DESC, ' if entity == 'session' else ''}id "
            "LIMIT 1")).scalar_one() for entity, kind in removed.KINDS.items()}
    before = _figures(engine, as_of)
    assert before[3]
    taken = [db.run_in_transaction(engine, lambda c, e=e, i=i: removed.take_out(c, ADMIN, e, i, 1, "test"))
             for e, i in pick.items()]
    during = _figures(engine, as_of)
    assert during[3], "the totals of the sessions left add up to the attendance rows left"
    assert during[0] != before[0]
    for removed_id in taken:
        db.run_in_transaction(engine, lambda c, r=removed_id: removed.restore(c, ADMIN, r))
    assert _figures(engine, as_of) == before


def test_the_data_subjects_removed_records_can_be_found(world):
    """A removed record is still personal data for 30 days: the data subject's copy can list it."""
    engine, ids, (p1, p2) = world["engine"], world["ids"], world["pids"]
    for entity in ("session", "assessment", "cost"):
        _remove(engine, entity, ids[entity])
    with engine.connect() as conn:
        first = removed.about_participant(conn, p1)
        second = removed.about_participant(conn, p2)
    assert sorted(r["entity"] for r in first) == ["assessment", "session"]
    assert [(r["entity"], [m["status"] for m in r["attendance"]]) for r in second] == [("session", ["absent"])]
    assert next(r for r in first if r["entity"] == "assessment")["record"]["assessed_on"] == DAY
    with engine.connect() as conn:
        exported = privacy.export_participant(conn, ADMIN, p1)
    assert sorted(r["entity"] for r in exported["removed"]) == ["assessment", "session"]
    assert '"assessed_on": "2024-03-04"' in privacy.as_json(exported)
