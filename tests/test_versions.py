"""Every record type tells the second editor: two editors from the same version, the second gets
WriteConflict (pilot/records/_versioned.py), never a silent overwrite or a rule about the first
editor's result. Two coaches adding the same first assessment at once: one conflict, one row."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.access import Scope
from pilot.db import WriteConflict
from pilot.records import adaptations, assessments, costs, employment, feedback, sessions, users
from tests import work_seed

COACH = Scope(username="coach-a", role="coach")
OTHER = Scope(username="coach-b", role="coach")
ADMIN = Scope(username="admin-a", role="admin")
DAY = date(2024, 3, 4)
ASSESS = {"skill": "speaking", "level": "A2.1", "source": "coach", "assessed_on": date(2024, 2, 1)}


def _session(conn, cid, pid):
    return sessions.log_session(conn, COACH, cid, {"held_on": DAY, "minutes": 45, "kind": "language_lesson",
                                                   "mode": "onsite"}, {pid: "present"})


def _cost(conn, cid, pid):
    clean, problems = costs.check_cost({"category": "staff", "amount_eur": "120.00", "incurred_on": DAY})
    assert not problems
    return costs.add_cost(conn, ADMIN, clean)[0]


def _feedback(conn, cid, pid):
    return feedback.give(conn, ADMIN, cid, {"score": 4, "given_on": DAY, "comment": "good"})[0]


def _employment(conn, cid, pid):
    return employment.rows_for(conn, COACH, pid)[0]["id"]  # the row written at enrolment


def _adaptation(conn, cid, pid):
    return adaptations.propose(conn, COACH, cid, pid, {"type": "glossary", "description": "Words",
                                                        "proposed_on": date(2024, 2, 1)})


def _user(conn, cid, pid):
    return users.add_user(conn, ADMIN, "maija", "coach")


# (name, make(conn, company, participant) -> id, edit(conn, scope, id, version, n) for editor n)
CASES: list[tuple[str, Callable, Callable]] = [
    ("session", _session, lambda c, s, i, v, n: sessions.update_session(
        c, s, i, v, {"minutes": 60 + n}, {}, DAY)),
    ("assessment", lambda c, cid, pid: assessments.record_assessment(c, COACH, pid, ASSESS),
     lambda c, s, i, v, n: assessments.edit_assessment(c, s, i, v, {"level": ("B1.1", "B1.2")[n]})),
    ("employment", _employment, lambda c, s, i, v, n: employment.edit_change(
        c, s, i, v, {"status": ("fixed_term", "permanent")[n], "weekly_hours": Decimal("20")})),
    ("feedback", _feedback, lambda c, s, i, v, n: feedback.edit_feedback(c, ADMIN, i, v, {"score": 2 + n})),
    ("cost", _cost, lambda c, s, i, v, n: costs.edit_cost(
        c, ADMIN, i, v, {"amount_eur": Decimal("99.00") + n, "category": "staff", "incurred_on": DAY})),
    ("adaptation", _adaptation, lambda c, s, i, v, n: adaptations.move(c, s, i, v, "agreed", date(2024, 2, 2 + n))),
    ("user", _user, lambda c, s, i, v, n: users.update_account(c, ADMIN, i, v, {"display_name": f"Maija {n}"})),
]


@pytest.fixture
def world(engine):
    cid = work_seed.company(engine)
    pid = work_seed.participant(engine, cid, "P-0001")
    return engine, cid, pid


@pytest.mark.parametrize("name, make, edit", CASES, ids=[c[0] for c in CASES])
def test_the_second_editor_from_the_same_version_gets_a_conflict(world, name, make, edit):
    engine, cid, pid = world
    record_id = db.run_in_transaction(engine, lambda c: make(c, cid, pid))
    with engine.connect() as conn:
        seen = _version(conn, name, record_id)
    assert db.run_in_transaction(engine, lambda c: edit(c, COACH, record_id, seen, 0)) == seen + 1
    with engine.connect() as conn:
        after_first = _row(conn, name, record_id)
    with pytest.raises(WriteConflict):
        db.run_in_transaction(engine, lambda c: edit(c, OTHER, record_id, seen, 1))
    with engine.connect() as conn:
        assert _row(conn, name, record_id) == after_first  # the first editor's values stay


_TABLE = {"session": "sessions", "assessment": "assessments", "employment": "employment", "feedback": "feedback",
          "cost": "costs", "adaptation": "adaptations", "user": "users"}


def _version(conn, name, record_id) -> int:
    return int(conn.execute(sa.text(f"SELECT version FROM {_TABLE[name]} WHERE id = :i"), {"i": record_id}).scalar_one())


def _row(conn, name, record_id) -> dict:
    row = dict(conn.execute(sa.text(f"SELECT * FROM {_TABLE[name]} WHERE id = :i"), {"i": record_id}).one()._mapping)
    row.pop("updated_at", None)
    return row


def test_replacing_on_the_same_day_moves_the_version_on(world):
    """The add forms of feedback and employment replace the row of the same day: an edit form
    still holding the old version must then conflict instead of overwriting."""
    engine, cid, pid = world
    fid = db.run_in_transaction(engine, lambda c: _feedback(c, cid, pid))
    db.run_in_transaction(engine, lambda c: feedback.give(c, ADMIN, cid, {"score": 1, "given_on": DAY}))
    with pytest.raises(WriteConflict):
        db.run_in_transaction(engine, lambda c: feedback.edit_feedback(c, ADMIN, fid, 1, {"score": 5}))
    row = db.run_in_transaction(engine, lambda c: employment.rows_for(c, COACH, pid)[0])
    db.run_in_transaction(engine, lambda c: employment.record_change(
        c, COACH, pid, {"effective_on": row["effective_on"], "status": "training"}))
    with pytest.raises(WriteConflict):
        db.run_in_transaction(engine, lambda c: employment.edit_change(c, COACH, row["id"], row["version"],
                                                                       {"status": "permanent"}))


def test_a_second_identical_assessment_is_a_conflict(world):
    engine, cid, pid = world
    db.run_in_transaction(engine, lambda c: assessments.record_assessment(c, COACH, pid, ASSESS))
    with pytest.raises(WriteConflict):
        db.run_in_transaction(engine, lambda c: assessments.record_assessment(c, OTHER, pid, {**ASSESS, "level": "C1"}))
    with engine.connect() as conn:
        assert [r["level"] for r in assessments.for_participant(conn, COACH, pid)] == ["A2.1"]


def test_two_coaches_adding_the_same_first_assessment_at_once(world):
    """Both check for the key before either commits: the database's UNIQUE key catches the second
    (PostgreSQL at its INSERT, DuckDB at its COMMIT), which becomes a conflict, not a traceback."""
    engine, cid, pid = world
    inserted = threading.Event()
    outcome: dict[str, object] = {}

    def first(conn):
        new_id = assessments.record_assessment(conn, COACH, pid, ASSESS)
        # Commit only once the second has inserted too (DuckDB), or after 2 s (PostgreSQL, where the
        # second's INSERT waits for our row's fate).
        inserted.wait(2)
        return new_id

    def second(conn):
        new_id = assessments.record_assessment(conn, OTHER, pid, {**ASSESS, "level": "B2.1"})
        inserted.set()
        return new_id

    def run(name, work):
        try:
            outcome[name] = db.run_in_transaction(engine, work)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each writer got
            outcome[name] = exc

    a = threading.Thread(target=run, args=("first", first))
    a.start()
    b = threading.Thread(target=run, args=("second", second))
    b.start()
    a.join(10)
    b.join(10)
    inserted.set()
    results = sorted(outcome.values(), key=lambda r: isinstance(r, Exception))
    assert isinstance(results[0], int), outcome
    assert isinstance(results[1], WriteConflict), outcome
    with engine.connect() as conn:
        assert len(assessments.for_participant(conn, COACH, pid)) == 1


@pytest.mark.parametrize("table, column, value", [("costs", "amount_eur", Decimal("5.00")),
                                                  ("assessments", "level", "C2"),
                                                  ("feedback", "score", 1)])
def test_the_workbook_imports_changes_move_the_version_on(world, table, column, value):
    """The import updates rows in bulk (pilot/records/workbook_io.py): an edit form opened before it
    must conflict rather than put the old values back."""
    from pilot.records import workbook_io
    engine, cid, pid = world
    make = {"costs": _cost, "feedback": _feedback,
            "assessments": lambda c, cid, pid: assessments.record_assessment(c, COACH, pid, ASSESS)}[table]
    row_id = db.run_in_transaction(engine, lambda c: make(c, cid, pid))
    db.run_in_transaction(engine, lambda c: workbook_io.update_rows(c, table, [column], [{"id": row_id, column: value}]))
    edit = {"costs": lambda c: costs.edit_cost(c, ADMIN, row_id, 1, {"description": "old form"}),
            "feedback": lambda c: feedback.edit_feedback(c, ADMIN, row_id, 1, {"comment": "old form"}),
            "assessments": lambda c: assessments.edit_assessment(c, COACH, row_id, 1, {"level": "A1.1"})}[table]
    with pytest.raises(WriteConflict):
        db.run_in_transaction(engine, edit)
