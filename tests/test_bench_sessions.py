"""Session logging under the bench's 8 writers: saves that arrive together are written together
(group commit, sessions.log_session_together) and each save keeps every guarantee of
log_session: its own attendance rows and exact totals, its audit row, its scope check, and a
faulty save fails alone."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import db
from pilot.access import AccessDenied, Scope
from pilot.domain.identifiers import IdentityCodeFound
from pilot.records import attendance_totals, benchdata, sessions

AS_OF = benchdata.AS_OF


@pytest.fixture
def pilot(engine: Engine) -> dict:
    benchdata.generate(engine, benchdata.SCALES["pilot"])
    companies = benchdata.busy_company_ids(engine, 8, AS_OF)
    return {"coach": Scope(username="bench-coach", role="coach", user_id=benchdata.user_id(engine, "bench-coach")),
            "companies": companies,
            "booked": {cid: {pid: ("present", "absent", "excused")[i % 3] for i, pid in
                             enumerate(benchdata.active_participants(engine, cid, AS_OF))} for cid in companies}}


def values(day: int, notes: str | None = None) -> dict:
    return {"held_on": AS_OF - timedelta(days=day), "minutes": 45, "kind": "language_lesson", "mode": "onsite",
            "topics": "group commit", "notes": notes}


def save_all_at_once(engine: Engine, calls: list[tuple]) -> tuple[list, int]:
    """Start every save while writes are held, let them go together; each one's answer (an id or
    the exception it raised) and how many transactions committed."""
    commits: list[int] = []

    def committed(_conn) -> None:
        commits.append(1)

    sa.event.listen(engine, "commit", committed)
    answers: list = [None] * len(calls)

    def call(i: int) -> None:
        actor, cid, vals, booked = calls[i]
        try:
            answers[i] = sessions.log_session_together(engine, actor, cid, vals, booked)
        except Exception as exc:  # the test looks at each caller's own outcome
            answers[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(calls))]
    with db.WRITE_GATE.exclusive():  # as a backup would: the first save's transaction waits here
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(sessions._groups[engine].queue) < len(calls) - 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    for thread in threads:
        thread.join(60)
    sa.event.remove(engine, "commit", committed)
    return answers, len(commits)


def rows(engine: Engine, sql: str, **params) -> list:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_saves_that_arrive_together_are_committed_together(engine: Engine, pilot: dict) -> None:
    calls = [(pilot["coach"], cid, values(i), pilot["booked"][cid]) for i, cid in enumerate(pilot["companies"])]
    answers, commits = save_all_at_once(engine, calls)
    assert all(isinstance(a, int) for a in answers), answers
    # The first save alone, then the seven that waited behind it in one transaction (not eight).
    assert commits == 2
    for sid, (_, cid, vals, booked) in zip(answers, calls):
        session = rows(engine, "SELECT company_id, held_on, minutes, coach_id, attendance_present, "
                               "attendance_absent, attendance_excused FROM sessions WHERE id = :s", s=sid)[0]
        assert (session.company_id, session.held_on, session.minutes) == (cid, vals["held_on"], 45)
        assert session.coach_id == pilot["coach"].user_id
        marks = {r.participant_id: r.status for r in
                 rows(engine, "SELECT participant_id, status FROM attendance WHERE session_id = :s", s=sid)}
        assert marks == booked and marks
        counts = attendance_totals.counts(booked.values())
        assert (session.attendance_present, session.attendance_absent, session.attendance_excused) == (
            counts["attendance_present"], counts["attendance_absent"], counts["attendance_excused"])
        audit = rows(engine, "SELECT actor, action, after_json FROM audit_log WHERE entity = 'session' "
                             "AND entity_id = :s", s=str(sid))
        assert [(a.actor, a.action) for a in audit] == [("bench-coach", "create")]
        assert '"topics": "group commit"' in audit[0].after_json
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)


def test_a_faulty_save_in_a_group_fails_alone(engine: Engine, pilot: dict) -> None:
    """A participant of another company, a company outside the caller's scope and an identity
    code each refuse their own save with their own error; the other saves of the group stand."""
    first, second, third, *rest = pilot["companies"]
    stranger = next(iter(pilot["booked"][second]))
    elsewhere = Scope(username="bench-coach", role="coach", user_id=pilot["coach"].user_id,
                      company_ids=frozenset({second}))  # a coach of another company
    calls = [(pilot["coach"], cid, values(i), pilot["booked"][cid]) for i, cid in enumerate(rest)]
    calls.insert(1, (pilot["coach"], first, values(20), {**pilot["booked"][first], stranger: "present"}))
    calls.insert(2, (elsewhere, third, values(21), pilot["booked"][third]))
    calls.insert(3, (pilot["coach"], third, values(22, notes="hetu 131052-308T"), pilot["booked"][third]))
    before = rows(engine, "SELECT COUNT(*) FROM sessions")[0][0]
    answers, _ = save_all_at_once(engine, calls)
    assert isinstance(answers[1], ValueError)
    assert isinstance(answers[2], AccessDenied)
    assert isinstance(answers[3], IdentityCodeFound)
    good = [a for i, a in enumerate(answers) if i not in (1, 2, 3)]
    assert all(isinstance(a, int) for a in good) and len(good) == len(rest)
    assert rows(engine, "SELECT COUNT(*) FROM sessions")[0][0] == before + len(good)
    assert rows(engine, "SELECT COUNT(*) FROM audit_log WHERE entity = 'session'")[0][0] == len(good)
    assert rows(engine, "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%131052%'")[0][0] == 0
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)


def test_log_sessions_writes_each_session_its_own_marks(engine: Engine, pilot: dict) -> None:
    """Several sessions in one transaction (three statements): each gets its own marks, totals
    and audit row, in the order given, also two at the same company on the same day."""
    cid, other = pilot["companies"][:2]
    saves = [sessions.NewSession(pilot["coach"], cid, values(1), pilot["booked"][cid]),
             sessions.NewSession(pilot["coach"], other, values(1), pilot["booked"][other]),
             sessions.NewSession(pilot["coach"], cid, values(1), {}),
             sessions.NewSession(pilot["coach"], cid, {**values(1), "ref": "S-OWN-1"}, pilot["booked"][cid])]
    ids = db.run_in_transaction(engine, lambda conn: sessions.log_sessions(conn, saves))
    assert len(set(ids)) == 4
    for sid, save in zip(ids, saves):
        with engine.connect() as conn:
            assert sessions.attendance(conn, sid) == save.booked
            assert sessions.get_session(conn, pilot["coach"], sid)["company_id"] == save.company_id
    assert rows(engine, "SELECT id FROM sessions WHERE ref = 'S-OWN-1'")[0][0] == ids[3]
    assert rows(engine, "SELECT COUNT(*) FROM audit_log WHERE entity = 'session'")[0][0] == 4
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)
    assert db.run_in_transaction(engine, lambda conn: sessions.log_sessions(conn, [])) == []
