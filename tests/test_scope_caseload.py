"""A coach bound to companies sees, outside them, only the participants on their own caseload:
one caseload participant in another company never opens that company's sessions, adaptations,
feedback or company page (issue 12.2)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from pilot import db, demo
from pilot.records import (adaptations, assessments, companies, feedback, participants, sessions, timeline,
                           users, week)
from tests.helpers_app import app_as


def _setup(engine) -> dict:
    """coach2 takes over one participant of a company it is not bound to."""
    demo.load(engine)
    with db.transaction(engine) as conn:
        coach2 = users.get_by_username(conn, "coach2")
        bound = set(users.company_ids(conn, coach2["id"]))
        row = conn.execute(sa.text(
            "SELECT p.id, p.company_id FROM participants p WHERE p.company_id NOT IN "
            "(SELECT company_id FROM user_companies WHERE user_id = :u) AND p.exited_on IS NULL "
            "AND EXISTS (SELECT 1 FROM assessments a WHERE a.participant_id = p.id) "
            "AND EXISTS (SELECT 1 FROM attendance a WHERE a.participant_id = p.id) ORDER BY p.id LIMIT 1"),
            {"u": coach2["id"]}).one()
        conn.execute(sa.text("UPDATE participants SET coach_id = :c WHERE id = :p"),
                     {"c": coach2["id"], "p": row.id})
        scope = users.scope_for(conn, users.get_by_username(conn, "coach2"))
    return {"scope": scope, "bound": bound, "pid": int(row.id), "other": int(row.company_id)}


@pytest.fixture
def case(engine) -> dict:
    return _setup(engine)


def test_scope_holds_only_the_bound_companies(engine, case) -> None:
    assert case["scope"].company_ids == frozenset(case["bound"])
    assert case["other"] not in case["scope"].company_ids


def test_caseload_participant_outside_is_visible_with_their_own_records(engine, case) -> None:
    scope, pid = case["scope"], case["pid"]
    with engine.connect() as conn:
        assert pid in {p["id"] for p in participants.list_participants(conn, scope)}
        assert participants.get_participant(conn, scope, pid) is not None
        assert assessments.for_participant(conn, scope, pid)
        kinds = {e["kind"] for e in timeline.for_participant(conn, scope, pid)}
        assert {"session", "assessment", "employment"} <= kinds
        # The other company's other participants stay invisible.
        others = conn.execute(sa.text("SELECT id FROM participants WHERE company_id = :c AND id <> :p"),
                              {"c": case["other"], "p": pid}).scalars().all()
        assert others
        visible = {p["id"] for p in participants.list_participants(conn, scope)}
        assert not visible & set(others)
        assert all(participants.get_participant(conn, scope, o) is None for o in others)


def test_company_level_data_of_the_other_company_stays_invisible(engine, case) -> None:
    scope, other = case["scope"], case["other"]
    with engine.connect() as conn:
        assert companies.get_company(conn, scope, other) is None
        assert other not in {c["id"] for c in companies.list_companies(conn, scope)}
        assert other not in {cid for cid, _ in companies.company_choices(conn, scope)}
        assert not [s for s in sessions.list_sessions(conn, scope) if s["company_id"] == other]
        assert not [a for a in adaptations.list_adaptations(conn, scope) if a["company_id"] == other]
        assert not feedback.for_company(conn, scope, other)
        events = timeline.for_participant(conn, scope, case["pid"])
        assert not [e for e in events if e["kind"] == "adaptation"]
        topics = {t for (t,) in conn.execute(sa.text("SELECT topics FROM sessions WHERE company_id = :c "
                                                     "AND topics IS NOT NULL"), {"c": other})}
        assert topics  # the demo's sessions have topics; the timeline shows none of them here
        assert not [e for e in events if e["kind"] == "session" and any(t in e["detail"] for t in topics)]
        data = week.my_week(conn, scope, date.today())
        assert not [s for s in data["sessions"] if s["company_id"] == other]
        assert not [a for a in data["adaptations"] if a["company_id"] == other]


def test_my_week_lists_the_caseload_participant_outside(engine, case) -> None:
    """A quiet caseload participant in another company appears on the coach's start page."""
    with db.transaction(engine) as conn:
        conn.execute(sa.text("DELETE FROM attendance WHERE participant_id = :p"), {"p": case["pid"]})
        conn.execute(sa.text("UPDATE participants SET enrolled_on = :d WHERE id = :p"),
                     {"d": date(2020, 1, 1), "p": case["pid"]})
    with engine.connect() as conn:
        quiet = week.quiet_participants(conn, case["scope"], date.today())
    assert case["pid"] in {r["id"] for r in quiet}


@pytest.mark.parametrize("backend", ["duckdb"])
def test_participant_page_opens_the_caseload_participant_but_not_the_company(tmp_path: Path, backend) -> None:
    path = tmp_path / "app.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    found = _setup(engine)
    engine.dispose()
    at = app_as("coach2", path)
    at.query_params["participant"] = str(found["pid"])
    at.run()
    at.switch_page("pages/participant.py").run()
    assert not at.exception
    assert at.query_params.get("participant") in (str(found["pid"]), [str(found["pid"])])
    assert not at.error
    assert at.selectbox(key="participant_pick").value == found["pid"]
    at = app_as("coach2", path)
    at.query_params["company"] = str(found["other"])
    at.run()
    assert not at.exception
    assert "company" not in at.query_params
    db.dispose_shared()
