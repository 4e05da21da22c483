"""The outcome indicators (shared/spec/INDICATORS.md) against hand-computed expectations.

Each case builds a small world with plain inserts, computes the indicators as of R and compares
the keys the case is about. The world is described with natural keys (business ids, participant
codes, refs) so that a row reads like the situation it tests. With PILOT_TEST_PG set to a
postgresql:// URL every database case also runs on PostgreSQL, in a throwaway schema.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import cli, db, indicators
from pilot.indicators import INDICATOR_KEYS, Indicators, compute, suppress
from pilot.records.bulk import ids_by_key, insert_many

from .conftest import TEST_PG

A, B, C = "1111111-1", "2222222-2", "3333333-3"


def d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


@pytest.fixture(params=["duckdb"] + (["postgresql"] if TEST_PG else []))
def eng(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Engine]:
    """The empty migrated DuckDB of the `engine` fixture, or a fresh PostgreSQL schema."""
    if request.param == "duckdb":
        yield engine
        return
    schema = "ind_" + uuid.uuid4().hex[:12]
    url = db.make_engine(TEST_PG).url
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    pg = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    db.migrate(pg)
    yield pg
    pg.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def load(engine: Engine, world: dict[str, list[tuple]]) -> None:
    """Insert a world given with natural keys.

    participants: (code, business_id, enrolled_on, exited_on)
    employment: (code, effective_on, status, weekly_hours, subsidised)
    sessions: (ref, business_id, held_on, minutes); attendance: (session ref, code, status)
    adaptations: (ref, business_id, code or None, proposed, agreed, in_use, evaluated, dropped, effect)
    assessments: (code, skill, assessed_on, source, level)
    feedback: (business_id, given_on, score); costs: (ref, incurred_on, amount_eur, business_id or None)
    followups: (code, contacted_on, reached, status, weekly_hours)
    """
    with db.transaction(engine) as conn:
        businesses = {A, B, C}
        insert_many(conn, "companies", [
            {"business_id": b, "name": f"Company {b}", "joined_on": date(2020, 1, 1)}
            for b in sorted(businesses)])
        company = ids_by_key(conn, "companies")
        insert_many(conn, "participants", [
            {"code": code, "company_id": company[b], "enrolled_on": d(enrolled),
             "exited_on": d(exited), "first_language": "ar", "share_with_employer": False}
            for code, b, enrolled, exited in world.get("participants", [])])
        person = ids_by_key(conn, "participants")
        insert_many(conn, "employment", [
            {"participant_id": person[code], "effective_on": d(on), "status": status,
             "weekly_hours": hours, "subsidised": subsidised}
            for code, on, status, hours, subsidised in world.get("employment", [])])
        insert_many(conn, "sessions", [
            {"ref": ref, "company_id": company[b], "held_on": d(on), "minutes": minutes,
             "kind": "language_lesson", "mode": "onsite"}
            for ref, b, on, minutes in world.get("sessions", [])])
        session = ids_by_key(conn, "sessions")
        insert_many(conn, "attendance", [
            {"session_id": session[ref], "participant_id": person[code], "status": status}
            for ref, code, status in world.get("attendance", [])])
        insert_many(conn, "adaptations", [
            {"ref": ref, "company_id": company[b], "participant_id": person[code] if code else None,
             "type": "glossary", "description": "A glossary", "proposed_on": d(proposed),
             "agreed_on": d(agreed), "in_use_on": d(in_use), "evaluated_on": d(evaluated),
             "dropped_on": d(dropped), "effect": effect}
            for ref, b, code, proposed, agreed, in_use, evaluated, dropped, effect
            in world.get("adaptations", [])])
        insert_many(conn, "assessments", [
            {"participant_id": person[code], "skill": skill, "assessed_on": d(on), "source": source,
             "level": level}
            for code, skill, on, source, level in world.get("assessments", [])])
        insert_many(conn, "feedback", [
            {"company_id": company[b], "given_on": d(on), "score": score}
            for b, on, score in world.get("feedback", [])])
        insert_many(conn, "costs", [
            {"ref": ref, "incurred_on": d(on), "category": "service_purchase", "amount_eur": amount,
             "company_id": company[b] if b else None}
            for ref, on, amount, b in world.get("costs", [])])
        insert_many(conn, "followups", [
            {"participant_id": person[code], "contacted_on": d(on), "reached": reached, "status": status,
             "weekly_hours": hours, "source": "phone"}
            for code, on, reached, status, hours in world.get("followups", [])])


def run(engine: Engine, as_of: str, business_id: str | None = None) -> Indicators:
    with engine.connect() as conn:
        cid = None if business_id is None else indicators.company_id_for(conn, business_id)
        return compute(conn, d(as_of), cid)


def check(result: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        if isinstance(value, float):
            assert result[key] == pytest.approx(value, abs=1e-9), key
        else:
            assert result[key] == value, key


# --- status at exit --------------------------------------------------------------------------

EXIT_WORLD = {
    "participants": [
        ("P1", A, "2024-01-01", "2024-06-30"),   # permanent since before exit: employed
        ("P2", A, "2024-01-01", "2024-06-30"),   # work trial on the exit date: not employed
        ("P3", A, "2024-01-01", "2024-06-30"),   # only a row after exit: unknown
        ("P4", A, "2024-01-01", "2024-06-30"),   # permanent, then unemployed before exit
        ("P5", B, "2024-01-01", None),           # active
        ("P6", B, "2024-01-01", "2024-06-30"),   # subsidised fixed term: employed, subsidised
        ("P7", A, "2024-01-01", "2024-06-30"),   # apprenticeship, not subsidised
        ("P8", C, "2024-01-01", "2024-09-01"),   # exits after R: still active at R
        ("P9", C, "2024-09-01", None),           # enrolled after R: does not exist
    ],
    "employment": [
        ("P1", "2024-01-01", "permanent", 37.5, False),
        ("P2", "2024-06-30", "work_trial", 30, None),
        ("P3", "2024-07-01", "permanent", 37.5, False),
        ("P4", "2024-01-01", "permanent", 37.5, False),
        ("P4", "2024-05-01", "unemployed", None, None),
        ("P6", "2024-03-01", "fixed_term", 20, True),
        ("P7", "2024-02-01", "apprenticeship", 30, False),
        ("P8", "2024-02-01", "permanent", 30, False),
    ],
}


@pytest.mark.parametrize("as_of, business_id, expected", [
    ("2024-08-01", None, dict(
        participants_enrolled=8, participants_active=2, participants_exited=6, companies_active=2,
        employed_at_exit=3, employed_at_exit_rate=0.5, exit_status_unknown=1, subsidised_at_exit=1,
        followup_6m_due=0, employed_6m_after_exit=0, employed_6m_after_exit_rate=None,
        improved_6m=0, improved_6m_rate=None)),
    ("2024-08-01", A, dict(
        participants_enrolled=5, participants_active=0, participants_exited=5, companies_active=0,
        employed_at_exit=2, employed_at_exit_rate=0.4, exit_status_unknown=1, subsidised_at_exit=0)),
    ("2024-08-01", B, dict(
        participants_enrolled=2, participants_active=1, participants_exited=1, companies_active=1,
        employed_at_exit=1, employed_at_exit_rate=1.0, subsidised_at_exit=1)),
    ("2024-09-01", C, dict(participants_enrolled=2, participants_active=1, participants_exited=1,
                           employed_at_exit=1, exit_status_unknown=0)),
    ("2024-06-29", None, dict(participants_exited=0, participants_active=8,
                              employed_at_exit=0, employed_at_exit_rate=None)),
    ("2023-12-31", None, dict(participants_enrolled=0, participants_active=0, companies_active=0)),
], ids=["all", "company_A", "company_B", "exit_on_R", "before_exits", "before_everything"])
def test_status_at_exit(eng: Engine, as_of: str, business_id: str | None,
                        expected: dict[str, Any]) -> None:
    load(eng, EXIT_WORLD)
    check(run(eng, as_of, business_id), expected)


# --- follow-up six months after exit -----------------------------------------------------------

@pytest.mark.parametrize("exited, as_of, due", [
    ("2024-08-31", "2025-02-27", 0),
    ("2024-08-31", "2025-02-28", 1),   # 31.8. + 6 months = 28.2. (not a leap year)
    ("2023-08-31", "2024-02-28", 0),
    ("2023-08-31", "2024-02-29", 1),   # leap year: 29.2.
    ("2024-03-31", "2024-09-29", 0),
    ("2024-03-31", "2024-09-30", 1),   # 30-day month clamps to the 30th
    ("2024-06-15", "2024-12-14", 0),
    ("2024-06-15", "2024-12-15", 1),
])
def test_followup_due_on_clamped_date(eng: Engine, exited: str, as_of: str, due: int) -> None:
    load(eng, {"participants": [("P1", A, "2023-01-02", exited)]})
    check(run(eng, as_of), {"followup_6m_due": due})


# The status six months after exit comes from follow-ups only, never from employment rows:
# tests/test_followups_indicators.py.


def test_followup_not_due_counts_nothing(eng: Engine) -> None:
    load(eng, {"participants": [("P1", A, "2024-01-10", "2024-06-30")],
               "employment": [("P1", "2024-07-01", "permanent", 37.5, False)]})
    check(run(eng, "2024-12-29"), {"followup_6m_due": 0, "employed_6m_after_exit": 0,
                                   "improved_6m": 0, "improved_6m_rate": None})


# --- sessions and attendance -------------------------------------------------------------------

SESSION_WORLD = {
    "participants": [("P1", A, "2024-01-01", None), ("P2", A, "2024-01-01", None),
                     ("P3", A, "2024-01-01", None), ("Q1", B, "2024-01-01", None)],
    "sessions": [("S1", A, "2024-05-01", 60), ("S2", A, "2024-05-02", 90),
                 ("S3", A, "2024-09-01", 45),   # after R
                 ("S4", B, "2024-05-03", 50), ("S5", B, "2024-05-04", 20)],
    "attendance": [("S1", "P1", "present"), ("S1", "P2", "absent"), ("S1", "P3", "excused"),
                   ("S2", "P1", "present"), ("S2", "P2", "present"),
                   ("S3", "P1", "present"), ("S3", "P2", "absent"),
                   ("S4", "Q1", "present"), ("S4", "P1", "present"),  # P1 visits B's session
                   ("S5", "Q1", "excused")],
}


@pytest.mark.parametrize("business_id, expected", [
    # all: 60+90+50+20 = 220 min; present 60+90+90+50+50 = 340 min; 5 present of 6
    (None, dict(coaching_hours=3.7, participant_hours=5.7, attendance_rate=0.833)),
    # A: 150 min; present 60+90+90 = 240 min; 3 present of 4 present/absent
    (A, dict(coaching_hours=2.5, participant_hours=4.0, attendance_rate=0.75)),
    # B: 70 min = 1.17 h; present 2 x 50 min; excused left out
    (B, dict(coaching_hours=1.2, participant_hours=1.7, attendance_rate=1.0)),
    (C, dict(coaching_hours=0.0, participant_hours=0.0, attendance_rate=None)),
])
def test_sessions_and_attendance(eng: Engine, business_id: str | None,
                                 expected: dict[str, Any]) -> None:
    load(eng, SESSION_WORLD)
    check(run(eng, "2024-08-01", business_id), expected)


def test_attendance_rate_null_with_only_excused(eng: Engine) -> None:
    load(eng, {"participants": [("P1", A, "2024-01-01", None)],
               "sessions": [("S1", A, "2024-05-01", 60)],
               "attendance": [("S1", "P1", "excused")]})
    check(run(eng, "2024-08-01"), dict(coaching_hours=1.0, participant_hours=0.0,
                                       attendance_rate=None))


# --- language ----------------------------------------------------------------------------------

LANGUAGE_WORLD = {
    "participants": [(f"P{i}", A, "2024-01-01", None) for i in range(1, 8)]
    + [("L1", B, "2024-01-01", None), ("LATE", A, "2024-09-01", None)],
    "assessments": [
        # P1: a self-assessment never counts, so only one date: not counted
        ("P1", "speaking", "2024-02-01", "coach", "A1.1"),
        ("P1", "speaking", "2024-05-01", "self", "B1.1"),
        # P2: two on one day, the highest (A2.1 = 4) counts; later B1.1 = 6: gain 2
        ("P2", "speaking", "2024-02-01", "coach", "A2.1"),
        ("P2", "speaking", "2024-02-01", "yki", "A1.2"),
        ("P2", "speaking", "2024-05-01", "coach", "B1.1"),
        # P3: one date only
        ("P3", "speaking", "2024-02-01", "coach", "A1.1"),
        # P4: latest minus earliest, whatever happened between: 5 -> 4 -> 5 = 0
        ("P4", "speaking", "2024-02-01", "coach", "A2.2"),
        ("P4", "speaking", "2024-03-01", "coach", "A2.1"),
        ("P4", "speaking", "2024-05-01", "other", "A2.2"),
        # P5: second date after R: not counted
        ("P5", "speaking", "2024-02-01", "coach", "A1.1"),
        ("P5", "speaking", "2024-09-01", "coach", "B2.2"),
        # P6: C1 = 10 -> C2 = 11 in listening; a drop in reading
        ("P6", "listening", "2024-02-01", "yki", "C1"),
        ("P6", "listening", "2024-06-01", "yki", "C2"),
        ("P6", "reading", "2024-02-01", "coach", "B1.2"),
        ("P6", "reading", "2024-06-01", "coach", "B1.1"),
        # P7: the self-assessment on the later date is not the latest level
        ("P7", "reading", "2024-02-01", "coach", "A1.3"),
        ("P7", "reading", "2024-04-01", "coach", "A2.2"),
        ("P7", "reading", "2024-06-01", "self", "C2"),
        # L1 (company B): gain 3 in writing
        ("L1", "writing", "2024-02-01", "coach", "A1.1"),
        ("L1", "writing", "2024-03-01", "coach", "A2.1"),
        # LATE: enrolled after R, does not exist yet
        ("LATE", "writing", "2024-02-01", "coach", "A1.1"),
        ("LATE", "writing", "2024-03-01", "coach", "C2"),
    ],
}


def _entry(n: int, mean_gain: float | None, improved_share: float | None) -> dict[str, Any]:
    return {"n": n, "mean_gain": mean_gain, "improved_share": improved_share}


@pytest.mark.parametrize("business_id, expected", [
    (None, {"speaking": _entry(2, 1.0, 0.5), "listening": _entry(1, 1.0, 1.0),
            "reading": _entry(2, 0.5, 0.5), "writing": _entry(1, 3.0, 1.0)}),
    (A, {"speaking": _entry(2, 1.0, 0.5), "listening": _entry(1, 1.0, 1.0),
         "reading": _entry(2, 0.5, 0.5), "writing": _entry(0, None, None)}),
    (C, {skill: _entry(0, None, None) for skill in ("speaking", "listening", "reading", "writing")}),
])
def test_language(eng: Engine, business_id: str | None, expected: dict[str, Any]) -> None:
    load(eng, LANGUAGE_WORLD)
    result = run(eng, "2024-08-01", business_id)
    assert list(result["language"]) == ["speaking", "listening", "reading", "writing"]
    assert result["language"] == expected


def test_language_gain_with_two_levels_on_one_day_and_dates_far_apart(eng: Engine) -> None:
    """The highest level of a day counts on the first and on the last day alike, whatever the
    dates (the SQL packs a date and a level into one number)."""
    load(eng, {"participants": [("OLD", A, "1899-12-01", None), ("DAY", A, "2024-01-01", None)],
               "assessments": [("OLD", "speaking", "1899-12-30", "coach", "A1.2"),
                               ("OLD", "speaking", "1899-12-30", "yki", "A2.1"),
                               ("OLD", "speaking", "2024-05-01", "coach", "B1.1"),
                               ("DAY", "writing", "2024-02-01", "coach", "A1.1"),
                               ("DAY", "writing", "2024-02-01", "other", "A1.3"),
                               ("DAY", "writing", "2024-03-01", "coach", "A2.2"),
                               ("DAY", "writing", "2024-03-01", "yki", "A2.1")]})
    language = run(eng, "2024-08-01")["language"]
    assert language["speaking"] == _entry(1, 2.0, 1.0)   # A2.1 (4) -> B1.1 (6)
    assert language["writing"] == _entry(1, 2.0, 1.0)    # A1.3 (3) -> A2.2 (5)


def test_language_rounding(eng: Engine) -> None:
    # gains 2, 0, 0: mean 0.67, improved share 0.333
    load(eng, {"participants": [("P1", A, "2024-01-01", None), ("P2", A, "2024-01-01", None),
                                ("P3", A, "2024-01-01", None)],
               "assessments": [("P1", "speaking", "2024-02-01", "coach", "A1.1"),
                               ("P1", "speaking", "2024-03-01", "coach", "A1.3"),
                               ("P2", "speaking", "2024-02-01", "coach", "A1.1"),
                               ("P2", "speaking", "2024-03-01", "coach", "A1.1"),
                               ("P3", "speaking", "2024-02-01", "coach", "B1.1"),
                               ("P3", "speaking", "2024-03-01", "coach", "B1.1")]})
    entry = run(eng, "2024-08-01")["language"]["speaking"]
    assert entry["n"] == 3
    assert entry["mean_gain"] == pytest.approx(0.67, abs=0.01)
    assert entry["improved_share"] == pytest.approx(0.333, abs=0.001)


# --- adaptations -------------------------------------------------------------------------------

ADAPTATION_WORLD = {
    "participants": [("P1", A, "2024-01-01", None), ("P2", A, "2024-01-01", None),
                     ("P3", A, "2024-01-01", None), ("Q1", B, "2024-01-01", None)],
    # ref, company, participant, proposed, agreed, in_use, evaluated, dropped, effect
    "adaptations": [
        ("AD1", A, None, "2024-02-01", None, None, None, None, None),                  # proposed
        ("AD2", A, "P1", "2024-02-01", "2024-03-01", None, None, None, None),          # agreed
        ("AD3", A, "P1", "2024-02-01", "2024-03-01", "2024-04-01", "2024-09-01", None, 1),  # in_use
        ("AD4", A, "P1", "2024-02-01", None, "2024-03-01", "2024-05-01", None, 4),     # evaluated
        ("AD5", A, "P3", "2024-02-01", None, "2024-03-01", "2024-05-01", "2024-06-01", 2),  # dropped
        ("AD6", A, "P2", "2024-09-01", None, None, None, None, None),                  # after R
        ("AD7", B, "Q1", "2024-02-01", "2024-02-02", "2024-02-03", "2024-07-01", None, 5),  # evaluated
        ("AD8", A, "P2", "2024-02-01", "2024-03-01", None, None, "2024-09-01", None),  # agreed
        ("AD9", A, None, "2024-02-01", None, "2024-03-01", None, None, None),          # in_use, nobody
        ("AD10", B, "Q1", "2024-02-01", None, "2024-03-01", None, None, None),         # in_use
    ],
}


@pytest.mark.parametrize("as_of, business_id, expected", [
    ("2024-08-01", None, dict(
        adaptations={"proposed": 1, "agreed": 2, "in_use": 3, "evaluated": 2, "dropped": 1},
        participants_with_adaptation_in_use=2, adaptation_mean_effect=4.5)),
    ("2024-08-01", A, dict(
        adaptations={"proposed": 1, "agreed": 2, "in_use": 2, "evaluated": 1, "dropped": 1},
        participants_with_adaptation_in_use=1, adaptation_mean_effect=4.0)),
    ("2024-08-01", C, dict(
        adaptations={"proposed": 0, "agreed": 0, "in_use": 0, "evaluated": 0, "dropped": 0},
        participants_with_adaptation_in_use=0, adaptation_mean_effect=None)),
    # later: AD3 evaluated (1), AD6 proposed, AD8 dropped
    ("2024-09-01", None, dict(
        adaptations={"proposed": 2, "agreed": 1, "in_use": 2, "evaluated": 3, "dropped": 2},
        participants_with_adaptation_in_use=2, adaptation_mean_effect=3.33)),
    ("2024-01-31", None, dict(
        adaptations={"proposed": 0, "agreed": 0, "in_use": 0, "evaluated": 0, "dropped": 0},
        participants_with_adaptation_in_use=0, adaptation_mean_effect=None)),
])
def test_adaptations(eng: Engine, as_of: str, business_id: str | None,
                     expected: dict[str, Any]) -> None:
    load(eng, ADAPTATION_WORLD)
    result = run(eng, as_of, business_id)
    check(result, expected)
    assert list(result["adaptations"]) == ["proposed", "agreed", "in_use", "evaluated", "dropped"]


# --- feedback and costs ------------------------------------------------------------------------

MONEY_WORLD = {
    "participants": [("P1", A, "2024-01-01", "2024-05-01"), ("P2", A, "2024-01-01", "2024-05-01"),
                     ("P3", B, "2024-01-01", None)],
    "employment": [("P1", "2024-04-01", "permanent", 37.5, False),
                   ("P2", "2024-04-01", "fixed_term", 20, False)],
    "feedback": [(A, "2024-01-01", 2), (A, "2024-06-01", 4), (A, "2024-09-01", 1),
                 (B, "2024-03-01", 5), (C, "2024-09-01", 1)],
    "costs": [("K1", "2024-02-01", 1000.50, A), ("K2", "2024-08-01", 499.50, None),
              ("K3", "2024-08-02", 300, A), ("K4", "2024-03-01", 120.25, B)],
}


@pytest.mark.parametrize("as_of, business_id, expected", [
    ("2024-08-01", None, dict(employer_satisfaction_mean=4.5, cost_total_eur=1620.25,
                              cost_per_participant_eur=540.08, cost_per_employed_at_exit_eur=810.13)),
    ("2024-08-01", A, dict(employer_satisfaction_mean=4.0, cost_total_eur=1000.5,
                           cost_per_participant_eur=500.25, cost_per_employed_at_exit_eur=500.25)),
    ("2024-08-01", B, dict(employer_satisfaction_mean=5.0, cost_total_eur=120.25,
                           cost_per_participant_eur=120.25, cost_per_employed_at_exit_eur=None)),
    ("2024-09-01", None, dict(employer_satisfaction_mean=2.33, cost_total_eur=1920.25)),
    ("2024-02-15", None, dict(employer_satisfaction_mean=2.0, cost_total_eur=1000.5,
                              cost_per_participant_eur=333.5, cost_per_employed_at_exit_eur=None)),
    ("2023-12-31", None, dict(employer_satisfaction_mean=None, cost_total_eur=0.0,
                              cost_per_participant_eur=None, cost_per_employed_at_exit_eur=None)),
])
def test_feedback_and_costs(eng: Engine, as_of: str, business_id: str | None,
                            expected: dict[str, Any]) -> None:
    load(eng, MONEY_WORLD)
    result = run(eng, as_of, business_id)
    for key, value in expected.items():
        if value is None:
            assert result[key] is None, key
        else:  # the spec allows one unit in the last stated decimal
            assert result[key] == pytest.approx(value, abs=0.01), key


# --- everything dated after R ------------------------------------------------------------------

def test_records_after_r_are_ignored_in_every_table(eng: Engine) -> None:
    with eng.connect() as conn:
        empty = compute(conn, date(2024, 6, 30))
    load(eng, {
        "participants": [("P1", A, "2024-07-01", "2024-07-15"), ("P2", A, "2024-01-01", None)],
        "employment": [("P1", "2024-07-01", "permanent", 30, True),
                       ("P2", "2024-07-01", "permanent", 30, True)],
        "sessions": [("S1", A, "2024-07-01", 60)],
        "attendance": [("S1", "P1", "present"), ("S1", "P2", "absent")],
        "adaptations": [("AD1", A, "P2", "2024-07-01", "2024-07-02", "2024-07-03", "2024-07-04",
                         None, 5)],
        "assessments": [("P2", "speaking", "2024-07-01", "coach", "A1.1"),
                        ("P2", "speaking", "2024-07-02", "coach", "B1.1")],
        "feedback": [(A, "2024-07-01", 5)],
        "costs": [("K1", "2024-07-01", 100, A)],
    })
    result = run(eng, "2024-06-30")
    # one participant exists at R; costs 0 € over one participant is 0.0, not null
    expected = dict(empty, participants_enrolled=1, participants_active=1, companies_active=1,
                    cost_per_participant_eur=0.0)
    assert result == expected


def test_empty_database_gives_zeros_and_nulls(eng: Engine) -> None:
    result = run(eng, "2024-06-30")
    assert list(result) == list(INDICATOR_KEYS)
    assert result["participants_enrolled"] == 0 and result["attendance_rate"] is None
    assert result["cost_total_eur"] == 0.0 and result["cost_per_participant_eur"] is None
    assert result["language"]["speaking"] == {"n": 0, "mean_gain": None, "improved_share": None}


# --- small numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("count, shown", [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (12, 12)])
def test_suppress_counts(eng: Engine, count: int, shown: Any) -> None:
    load(eng, {"participants": [(f"P{i}", A, "2024-01-01", "2024-03-01") for i in range(count)],
               "employment": [(f"P{i}", "2024-02-01", "permanent", 30, True) for i in range(count)],
               "followups": [(f"P{i}", "2024-09-01", True, "permanent", 30) for i in range(count)]})
    result = suppress(run(eng, "2024-12-31"))
    for key in ("participants_enrolled", "participants_exited", "employed_at_exit", "subsidised_at_exit",
                "followup_6m_due", "followup_6m_reached", "employed_6m_after_exit", "improved_6m"):
        assert result[key] == shown, key
    assert result["participants_active"] == 0 and result["companies_active"] == 0
    # unknown at enrolment (the first row comes later), permanent six months after exit
    rate = 1.0 if count >= 5 else None
    for key in ("employed_at_exit_rate", "employed_6m_after_exit_rate", "improved_6m_rate"):
        assert result[key] == rate, key
    assert result["cost_per_participant_eur"] == (0.0 if count >= 5 else None)  # no costs


@pytest.mark.parametrize("rows, rate", [(4, None), (5, 0.8)])
def test_suppress_attendance_rate_by_its_rows(eng: Engine, rows: int, rate: float | None) -> None:
    statuses = ["present", "present", "present", "present", "absent"][:rows]
    load(eng, {"participants": [("P1", A, "2024-01-01", None)],
               "sessions": [(f"S{i}", A, "2024-02-01", 60) for i in range(rows)] + [
                   ("SX", A, "2024-02-02", 60)],
               "attendance": [(f"S{i}", "P1", s) for i, s in enumerate(statuses)]
               + [("SX", "P1", "excused")]})
    exact = run(eng, "2024-12-31")
    assert exact["attendance_rate"] == (1.0 if rows == 4 else 0.8)
    shown = suppress(exact)
    assert shown["attendance_rate"] == rate
    assert shown["coaching_hours"] == exact["coaching_hours"]  # hours are not counts of people
    assert shown["participants_enrolled"] == "<5"


@pytest.mark.parametrize("companies, mean", [(4, None), (5, 3.0)])
def test_suppress_satisfaction_by_companies(eng: Engine, companies: int, mean: float | None) -> None:
    load(eng, {"feedback": [(b, "2024-02-01", 3) for b in (A, B, C)]})
    with db.transaction(eng) as conn:  # two more companies beyond the three load() creates
        insert_many(conn, "companies", [{"business_id": f"444444{i}-4", "name": f"X{i}",
                                         "joined_on": date(2020, 1, 1)} for i in range(2)])
        ids = ids_by_key(conn, "companies")
        insert_many(conn, "feedback", [{"company_id": ids[f"444444{i}-4"], "given_on": date(2024, 2, 1),
                                        "score": 3} for i in range(companies - 3)])
    assert suppress(run(eng, "2024-12-31"))["employer_satisfaction_mean"] == mean


@pytest.mark.parametrize("evaluated, mean, shown_count", [(4, None, "<5"), (5, 4.0, 5)])
def test_suppress_adaptations(eng: Engine, evaluated: int, mean: float | None,
                              shown_count: Any) -> None:
    load(eng, {"participants": [("P1", A, "2024-01-01", None)],
               "adaptations": [(f"AD{i}", A, "P1", "2024-02-01", None, "2024-03-01", "2024-04-01",
                                None, 4) for i in range(evaluated)]
               + [("ADX", A, None, "2024-02-01", None, None, None, None, None)]})
    result = suppress(run(eng, "2024-12-31"))
    assert result["adaptation_mean_effect"] == mean
    assert result["adaptations"] == {"proposed": "<5", "agreed": 0, "in_use": 0,
                                     "evaluated": shown_count, "dropped": 0}
    assert result["participants_with_adaptation_in_use"] == "<5"


@pytest.mark.parametrize("people, expected", [
    (4, {"n": "<5", "mean_gain": None, "improved_share": None}),
    (5, {"n": 5, "mean_gain": 1.0, "improved_share": 1.0}),
])
def test_suppress_language(eng: Engine, people: int, expected: dict[str, Any]) -> None:
    load(eng, {"participants": [(f"P{i}", A, "2024-01-01", None) for i in range(people)],
               "assessments": [row for i in range(people) for row in (
                   (f"P{i}", "writing", "2024-02-01", "coach", "A1.1"),
                   (f"P{i}", "writing", "2024-03-01", "coach", "A1.2"))]})
    result = suppress(run(eng, "2024-12-31"))
    assert result["language"]["writing"] == expected
    assert result["language"]["speaking"] == {"n": 0, "mean_gain": None, "improved_share": None}


@pytest.mark.parametrize("employed, per_employed", [(4, None), (5, 200.0)])
def test_suppress_costs(eng: Engine, employed: int, per_employed: float | None) -> None:
    load(eng, {"participants": [(f"P{i}", A, "2024-01-01", "2024-03-01") for i in range(employed)],
               "employment": [(f"P{i}", "2024-02-01", "permanent", 30, False)
                              for i in range(employed)],
               "costs": [("K1", "2024-02-01", 1000, None)]})
    exact = run(eng, "2024-12-31")
    shown = suppress(exact)
    assert shown["cost_total_eur"] == 1000.0  # money is not a count
    assert shown["cost_per_employed_at_exit_eur"] == per_employed
    assert shown["cost_per_participant_eur"] == per_employed


def test_suppress_plain_dict_nulls_what_it_cannot_check(eng: Engine) -> None:
    load(eng, SESSION_WORLD)
    plain = dict(run(eng, "2024-08-01"))
    assert suppress(plain)["attendance_rate"] is None
    assert list(suppress(plain)) == list(INDICATOR_KEYS)


# --- company lookup, definitions, JSON ---------------------------------------------------------

def test_unknown_company_id(eng: Engine) -> None:
    load(eng, {})
    with eng.connect() as conn:
        assert indicators.company_id_for(conn, "9999999-9") is None
        assert indicators.company_id_for(conn, A) is not None


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_key_has_label_and_definition(lang: str) -> None:
    definitions = indicators.definitions(lang)
    labels = indicators.labels(lang)
    assert list(definitions) == list(INDICATOR_KEYS) == list(labels)
    for key in INDICATOR_KEYS:
        assert definitions[key] != f"indicator.{key}.definition" and definitions[key].endswith(".")
        assert labels[key] != f"indicator.{key}.label"


def test_as_json_puts_as_of_first() -> None:
    result = {key: 0 for key in INDICATOR_KEYS}
    out = indicators.as_json(result, date(2025, 6, 30))
    assert list(out) == ["as_of", *INDICATOR_KEYS] and out["as_of"] == "2025-06-30"


# --- command line ------------------------------------------------------------------------------

def test_cli_json(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    load(engine, EXIT_WORLD)
    engine.dispose()
    assert cli.main(["indicators", "--as-of", "2024-08-01", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["as_of", *INDICATOR_KEYS]
    assert out["as_of"] == "2024-08-01"
    assert out["employed_at_exit"] == 3 and out["employed_at_exit_rate"] == 0.5

    assert cli.main(["indicators", "--as-of", "2024-08-01", "--company", A, "--format", "json",
                     "--suppress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["participants_enrolled"] == 5 and out["employed_at_exit"] == "<5"
    # D2: a share of people whose numerator is 1-4 is null too (0.4 x 5 would give the hidden 2 back)
    assert out["employed_at_exit_rate"] is None and out["participants_active"] == 0


@pytest.mark.parametrize("argv, message", [
    (["--as-of", "2024-02-30"], "2024-02-30"),
    (["--as-of", "yesterday"], "yesterday"),
    (["--company", "9999999-9"], "9999999-9"),
])
def test_cli_bad_input_exits_2(engine: Engine, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str) -> None:
    monkeypatch.setenv("PILOT_LANG", "en")
    engine.dispose()
    assert cli.main(["indicators", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert message in err and "\n" not in err


def test_cli_table_in_english(engine: Engine, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_LANG", "en")
    load(engine, EXIT_WORLD)
    engine.dispose()
    assert cli.main(["indicators", "--as-of", "2024-08-01"]) == 0
    out = capsys.readouterr().out
    assert "Employed at exit, share" in out and "50.0" in out
    assert "Participants enrolled" in out
