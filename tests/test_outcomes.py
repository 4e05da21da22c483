"""Chart data of the outcome screens (pilot/records/outcomes.py): hand-made worlds for the
rules, the demo pilot for "the charts add up to the tiles", and the tiles against the CLI's JSON."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pilot import cli, db, demo, indicators
from pilot.access import AccessDenied, Scope
from pilot.records import outcomes
from pilot.records.bulk import ids_by_key, insert_many
from pilot.records.outcomes import Filters

A, B = "1111111-1", "2222222-2"
ADMIN = Scope(username="admin", role="admin")
SERVICES = Scope(username="services", role="services")
DEMO_TODAY = date(2025, 6, 30)


def d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def load(engine: Engine, world: dict[str, list[tuple]]) -> dict[str, int]:
    """A small pilot from natural keys; returns company ids by business id.

    participants: (code, business_id, enrolled_on, exited_on, first_language, share_with_employer)
    employment: (code, effective_on, status); sessions: (ref, business_id, held_on, minutes, kind)
    attendance: (ref, code, status); assessments: (code, skill, assessed_on, source, level)
    adaptations: (ref, business_id, code, type, proposed, in_use, dropped)
    """
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [
            {"business_id": A, "name": "A Oy", "industry": "81.21", "joined_on": date(2024, 1, 1)},
            {"business_id": B, "name": "B Oy", "industry": "56.10", "joined_on": date(2024, 1, 1)}])
        company = ids_by_key(conn, "companies")
        insert_many(conn, "participants", [
            {"code": code, "company_id": company[b], "enrolled_on": d(on), "exited_on": d(off),
             "first_language": lang, "share_with_employer": share}
            for code, b, on, off, lang, share in world.get("participants", [])])
        person = ids_by_key(conn, "participants")
        insert_many(conn, "employment", [
            {"participant_id": person[code], "effective_on": d(on), "status": status}
            for code, on, status in world.get("employment", [])])
        insert_many(conn, "sessions", [
            {"ref": ref, "company_id": company[b], "held_on": d(on), "minutes": minutes, "kind": kind,
             "mode": "onsite"} for ref, b, on, minutes, kind in world.get("sessions", [])])
        session = ids_by_key(conn, "sessions")
        insert_many(conn, "attendance", [
            {"session_id": session[ref], "participant_id": person[code], "status": status}
            for ref, code, status in world.get("attendance", [])])
        insert_many(conn, "assessments", [
            {"participant_id": person[code], "skill": skill, "assessed_on": d(on), "source": source,
             "level": level} for code, skill, on, source, level in world.get("assessments", [])])
        insert_many(conn, "adaptations", [
            {"ref": ref, "company_id": company[b], "participant_id": person[code] if code else None,
             "type": kind, "description": "x", "proposed_on": d(proposed), "in_use_on": d(in_use),
             "dropped_on": d(dropped), "owner": "Boss"}
            for ref, b, code, kind, proposed, in_use, dropped in world.get("adaptations", [])])
    return company


WORLD = {
    "participants": [
        ("P1", A, "2024-01-10", "2024-03-31", "ar", True),    # permanent at exit and 6 m later
        ("P2", A, "2024-01-20", "2024-04-30", "ar", True),    # no employment row: unknown
        ("P3", A, "2024-02-05", None, "so", False),
        ("P4", B, "2024-02-15", "2024-09-30", "ar", True),    # exit + 6 m is after R: not due
        ("P5", B, "2024-05-01", None, "ru", True),
        ("P6", B, "2025-01-01", None, "ru", True),            # enrolled after R: does not exist yet
    ],
    "employment": [("P1", "2024-03-01", "permanent"), ("P4", "2024-09-01", "work_trial"),
                   ("P1", "2024-12-01", "permanent")],
    "sessions": [("S1", A, "2024-01-15", 60, "language_lesson"), ("S2", A, "2024-02-15", 90, "on_the_job"),
                 ("S3", B, "2024-02-20", 30, "language_lesson"), ("S4", B, "2025-01-05", 60, "language_lesson")],
    "attendance": [("S1", "P1", "present"), ("S1", "P2", "absent"), ("S2", "P1", "present"),
                   ("S2", "P2", "excused"), ("S2", "P3", "present"), ("S3", "P4", "present")],
    "assessments": [("P1", "speaking", "2024-01-10", "coach", "A1.1"), ("P1", "speaking", "2024-03-01", "coach", "A2.1"),
                    ("P1", "speaking", "2024-03-01", "self", "B2.2"), ("P2", "speaking", "2024-01-20", "yki", "A2.1"),
                    ("P2", "speaking", "2024-04-01", "coach", "A2.1"), ("P3", "speaking", "2024-02-05", "coach", "A1.2")],
    "adaptations": [("AD1", A, "P1", "glossary", "2024-01-15", "2024-02-01", None),
                    ("AD2", A, None, "glossary", "2024-02-01", None, None),
                    ("AD3", B, "P4", "working_time", "2024-03-01", "2024-03-10", "2024-06-01"),
                    ("AD4", B, None, "glossary", "2025-01-02", None, None)],
}
R = date(2024, 12, 31)


@pytest.fixture
def world(engine) -> dict[str, int]:
    return load(engine, WORLD)


def by(rows, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_activity_per_month_counts_enrolments_exits_and_sessions(engine, world):
    with engine.connect() as conn:
        rows = outcomes.activity_by_month(conn, ADMIN, R)
    months = by(rows, "month")
    assert [r["month"] for r in rows][0] == date(2024, 1, 1) and rows[-1]["month"] == date(2024, 12, 1)
    assert (months[date(2024, 1, 1)]["enrolled"], months[date(2024, 1, 1)]["sessions"]) == (2, 1)
    assert months[date(2024, 2, 1)]["active"] == 4
    assert months[date(2024, 4, 1)]["active"] == 2            # P1 left in March, P2 in April
    assert months[date(2024, 12, 1)]["active"] == 2           # P3 and P5; P6 enrols after R
    assert months[date(2024, 2, 1)]["coaching_hours"] == 2.0  # 90 + 30 minutes


@pytest.mark.parametrize("filters, expected", [
    (Filters(), {("language_lesson", "coaching_hours"): 1.5, ("on_the_job", "participant_hours"): 3.0}),
    (Filters(industry="81.21"), {("language_lesson", "coaching_hours"): 1.0, ("on_the_job", "participant_hours"): 3.0}),
    (Filters(first_language="so"), {("language_lesson", "coaching_hours"): 0.0, ("on_the_job", "participant_hours"): 1.5}),
])
def test_hours_by_kind_follow_the_filters(engine, world, filters, expected):
    with engine.connect() as conn:
        rows = by(outcomes.hours_by_kind(conn, ADMIN, R, filters), "kind")
    for (kind, column), value in expected.items():
        assert rows[kind][column] == value


def test_employment_status_at_exit_and_after_six_months_shows_unknown(engine, world):
    """Six months after exit is the measured follow-up (INDICATORS.md), never an employment row
    carried forward: P1 was reached in the window; P2 was asked too early, so not reached."""
    with db.transaction(engine) as conn:
        person = ids_by_key(conn, "participants")
        insert_many(conn, "followups", [
            {"participant_id": person["P1"], "contacted_on": date(2024, 9, 20), "reached": True,
             "status": "fixed_term", "source": "phone"},
            {"participant_id": person["P2"], "contacted_on": date(2024, 8, 1), "reached": True,
             "status": "permanent", "source": "phone"}])
    with engine.connect() as conn:
        rows = by(outcomes.employment_status(conn, ADMIN, R), "point", "status")
    assert {k: r["n"] for k, r in rows.items() if r["n"]} == {
        ("exit", "permanent"): 1, ("exit", "unknown"): 1, ("exit", "work_trial"): 1,
        ("after_6m", "fixed_term"): 1, ("after_6m", "not_reached"): 1}
    assert rows[("exit", "work_trial")]["employed"] is False


@pytest.mark.parametrize("scope, expected", [
    (ADMIN, {"rate": 0.5, "present": 1, "absent": 1}),
    (SERVICES, {"rate": None, "present": "<5", "absent": "<5"}),   # 2 marks: denominator under 5
])
def test_attendance_rate_per_month_and_the_small_number_rule(engine, world, scope, expected):
    with engine.connect() as conn:
        rows = outcomes.attendance_by_month(conn, scope, R)
    january = by(rows, "month")[date(2024, 1, 1)]
    assert {k: january[k] for k in expected} == expected
    assert outcomes.any_masked(rows) is (scope is SERVICES)


def test_language_gain_distribution_ignores_self_assessment_and_single_dates(engine, world):
    with engine.connect() as conn:
        rows = outcomes.language_gains(conn, ADMIN, R)
    assert [(r["skill"], r["gain"], r["n"]) for r in rows] == [("speaking", 0, 1), ("speaking", 3, 1)]


def test_adaptations_by_type_and_stage_as_of_r(engine, world):
    with engine.connect() as conn:
        rows = outcomes.adaptations_by_type_stage(conn, ADMIN, R)
        only_ar = outcomes.adaptations_by_type_stage(conn, ADMIN, R, Filters(first_language="ar"))
    assert [(r["type"], r["stage"], r["n"]) for r in rows] == [
        ("glossary", "proposed", 1), ("glossary", "in_use", 1), ("working_time", "dropped", 1)]
    # workplace-wide adaptations have no participant, so a participant filter leaves them out
    assert [(r["type"], r["stage"]) for r in only_ar] == [("glossary", "in_use"), ("working_time", "dropped")]


def test_employer_sees_only_own_company_and_only_shared_participants(engine, world):
    boss_a = Scope(username="boss", role="employer", company_ids=frozenset({world[A]}))
    with engine.connect() as conn:
        own = outcomes.shared_progress(conn, boss_a, world[A], R)
        other = outcomes.shared_progress(conn, boss_a, world[B], R)
        sessions_b = outcomes.company_sessions(conn, boss_a, world[B], R)
        adaptations_b = outcomes.company_adaptations(conn, boss_a, world[B], R)
        activity = outcomes.activity_by_month(conn, boss_a, R)
    assert [p["code"] for p in own] == ["P1", "P2"]              # P3 did not agree to share
    assert own[0]["speaking"] == "A1.1 → A2.1" and own[1]["status"] == "unknown"
    assert other == [] and sessions_b == [] and adaptations_b == []
    assert sum(r["sessions"] for r in activity) == 2             # only company A's sessions


@pytest.mark.parametrize("scope, filters, exact", [
    (ADMIN, Filters(), True),
    (Scope(username="c", role="coach"), Filters(), True),
    (SERVICES, Filters(), False),
    ("employer_a", Filters(), False),                            # P3 of company A did not agree
    ("employer_a", Filters(first_language="ar"), True),          # P1 and P2 both agreed
    ("employer_b", Filters(), True),
])
def test_who_sees_exact_figures(engine, world, scope, filters, exact):
    if isinstance(scope, str):
        scope = Scope(username="boss", role="employer",
                      company_ids=frozenset({world[A] if scope.endswith("a") else world[B]}))
    with engine.connect() as conn:
        assert outcomes.exact_figures(conn, scope, R, filters) is exact


def test_costs_budget_and_feedback(engine, world):
    with db.transaction(engine) as conn:
        insert_many(conn, "costs", [
            {"ref": "C1", "incurred_on": date(2024, 1, 5), "category": "staff", "amount_eur": Decimal("100.10")},
            {"ref": "C2", "incurred_on": date(2024, 1, 9), "category": "staff", "amount_eur": Decimal("0.20"),
             "company_id": world[A]},
            {"ref": "C3", "incurred_on": date(2025, 2, 1), "category": "grant", "amount_eur": Decimal("50")}])
        insert_many(conn, "appropriations", [{"year": 2024, "amount_eur": Decimal("1000")}])
        insert_many(conn, "feedback", [
            {"company_id": world[A], "given_on": date(2024, 3, 1), "score": 2},
            {"company_id": world[A], "given_on": date(2024, 6, 1), "score": 4},
            {"company_id": world[B], "given_on": date(2025, 1, 1), "score": 1}])
    with engine.connect() as conn:
        assert outcomes.costs_by_month(conn, ADMIN, R) == [
            {"month": date(2024, 1, 1), "category": "staff", "amount_eur": Decimal("100.30")}]
        assert outcomes.costs_by_month(conn, ADMIN, R, Filters(company_id=world[A]))[0]["amount_eur"] == Decimal("0.20")
        budget = outcomes.budget_vs_actual(conn, ADMIN)
        assert [(r["year"], r["appropriation_eur"], r["actual_eur"]) for r in budget] == [
            (2024, Decimal("1000"), Decimal("100.30")), (2025, Decimal("200000.00"), Decimal("50.00"))]
        assert outcomes.budget_vs_actual(conn, Scope(username="b", role="employer", company_ids=frozenset())) == []
        assert [(r["business_id"], r["score"]) for r in outcomes.feedback_latest(conn, ADMIN, R)] == [(A, 4)]


def test_quarter_bounds():
    assert outcomes.quarter(2024, 1) == (date(2024, 1, 1), date(2024, 3, 31))
    assert outcomes.quarter(2024, 4) == (date(2024, 10, 1), date(2024, 12, 31))


# --- the demo pilot: the charts add up to the indicator tiles --------------------------------

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Engine:
    path = Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    demo.load(engine, today=DEMO_TODAY)
    yield engine
    engine.dispose()


def filter_cases(conn) -> list[Filters]:
    first = conn.exec_driver_sql("SELECT MIN(id) FROM companies").scalar_one()
    return [Filters(), Filters(company_id=int(first)), Filters(industry="81.21"),
            Filters(first_language="ar"), Filters(cohort=outcomes.quarter(2024, 2)),
            Filters(industry="56.10", first_language="ru")]


@pytest.mark.parametrize("case", range(6))
@pytest.mark.parametrize("as_of", [date(2024, 9, 30), DEMO_TODAY])
def test_charts_add_up_to_the_tiles(demo_db, case, as_of):
    with demo_db.connect() as conn:
        f = filter_cases(conn)[case]
        tiles = outcomes.tiles(conn, ADMIN, as_of, f)
        activity = outcomes.activity_by_month(conn, ADMIN, as_of, f)
        hours = outcomes.hours_by_kind(conn, ADMIN, as_of, f)
        status = by(outcomes.employment_status(conn, ADMIN, as_of, f), "point", "status")
        gains = outcomes.language_gains(conn, ADMIN, as_of, f)
        adaptations = outcomes.adaptations_by_type_stage(conn, ADMIN, as_of, f)
        feedback = outcomes.feedback_latest(conn, ADMIN, as_of, f)
    assert (activity[-1]["active"] if activity else 0) == tiles["participants_active"]
    assert sum(r["enrolled"] for r in activity) == tiles["participants_enrolled"]
    # each kind is rounded to 0.1 h on its own: the sum may differ by up to 7 x 0.05 h
    assert round(sum(r["coaching_hours"] for r in hours), 1) == pytest.approx(tiles["coaching_hours"], abs=0.4)
    assert round(sum(r["participant_hours"] for r in hours), 1) == pytest.approx(tiles["participant_hours"], abs=0.4)
    exit_rows = [r for (point, _), r in status.items() if point == "exit"]
    assert sum(r["n"] for r in exit_rows) == tiles["participants_exited"]
    assert sum(r["n"] for r in exit_rows if r["employed"]) == tiles["employed_at_exit"]
    assert status[("exit", "unknown")]["n"] == tiles["exit_status_unknown"]
    assert sum(r["n"] for (p, s), r in status.items() if p == "after_6m") == tiles["followup_6m_due"]
    assert sum(r["n"] for (p, s), r in status.items() if p == "after_6m" and r["employed"]) == \
        tiles["employed_6m_after_exit"]
    for skill, entry in tiles["language"].items():
        rows = [r for r in gains if r["skill"] == skill]
        assert sum(r["n"] for r in rows) == entry["n"]
        if entry["n"]:
            mean = sum(r["gain"] * r["n"] for r in rows) / entry["n"]
            assert mean == pytest.approx(entry["mean_gain"], abs=0.01)
    for stage, n in tiles["adaptations"].items():
        assert sum(r["n"] for r in adaptations if r["stage"] == stage) == n
    with demo_db.connect() as conn:
        totals = outcomes.adaptation_totals(conn, ADMIN, as_of, f)
    assert {r["code"]: r["n"] for r in totals["stage"]} == {s: n for s, n in tiles["adaptations"].items() if n}
    assert sum(r["n"] for r in totals["type"]) == sum(tiles["adaptations"].values())
    if feedback and not f.by_participant:
        assert sum(r["score"] for r in feedback) / len(feedback) == pytest.approx(
            tiles["employer_satisfaction_mean"], abs=0.01)


@pytest.mark.parametrize("as_of", ["2024-06-30", "2025-06-30"])
@pytest.mark.parametrize("company", [None, 0, 3])
def test_dashboard_tiles_equal_the_cli_json(demo_db, monkeypatch, capsys, as_of, company):
    """Done when: for the same filters the CLI's JSON equals the dashboard's tiles (services)."""
    monkeypatch.setenv("PILOT_DB", str(demo_db.url.database))
    with demo_db.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, business_id FROM companies ORDER BY id").fetchall()
        chosen = None if company is None else rows[company]
        tiles = outcomes.tiles(conn, SERVICES, date.fromisoformat(as_of),
                               Filters(company_id=None if chosen is None else int(chosen[0])))
    demo_db.dispose()  # DuckDB: one process, one holder of the file; let the CLI open it
    args = ["indicators", "--format", "json", "--as-of", as_of, "--suppress"]
    if chosen is not None:
        args += ["--company", chosen[1]]
    assert cli.main(args) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(indicators.as_json(tiles, date.fromisoformat(as_of))))
    assert any(v == "<5" for v in printed.values()) or company is None


def test_a_company_bound_scope_cannot_ask_for_the_whole_pilot(demo_db):
    """Without a company a bound scope gets its own companies together, never the whole pilot."""
    boss = Scope(username="boss", role="employer", company_ids=frozenset({1}))
    two = Scope(username="coach-two", role="coach", company_ids=frozenset({1, 2}))
    with demo_db.connect() as conn:
        assert outcomes.tiles(conn, boss, DEMO_TODAY, Filters(), exact=True) == \
            indicators.compute(conn, DEMO_TODAY, 1)
        both = outcomes.tiles(conn, two, DEMO_TODAY, Filters())
        assert both["participants_enrolled"] == sum(
            indicators.compute(conn, DEMO_TODAY, c)["participants_enrolled"] for c in (1, 2))
        assert both["participants_enrolled"] < indicators.compute(conn, DEMO_TODAY)["participants_enrolled"]
        with pytest.raises(AccessDenied):
            outcomes.tiles(conn, boss, DEMO_TODAY, Filters(company_id=2))


@pytest.mark.parametrize("scope, expected", [
    (ADMIN, {"stage": [("proposed", 1), ("in_use", 1), ("dropped", 1)], "type": [("glossary", 2), ("working_time", 1)]}),
    (SERVICES, {"stage": [("proposed", "<5"), ("in_use", "<5"), ("dropped", "<5")],
                "type": [("glossary", "<5"), ("working_time", "<5")]}),
])
def test_adaptation_totals_by_stage_and_by_type(engine, world, scope, expected):
    with engine.connect() as conn:
        totals = outcomes.adaptation_totals(conn, scope, R)
    assert {k: [(r["code"], r["n"]) for r in v] for k, v in totals.items()} == expected
