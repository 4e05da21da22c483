"""The 6-month follow-up is measured, not assumed (issue 14; INDICATORS.md "The 6-month follow-up").

Tables of edge cases (window boundaries with clamped calendar months, the nearest-to-6-months rule
and its tie, not reached never counts, contacts after R ignored, employment rows never used) and a
brute-force Python cross-check on random worlds. Every database case runs on DuckDB, and on
PostgreSQL when PILOT_TEST_PG is set (the ``eng`` fixture of tests/test_indicators.py).
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from pilot import db
from pilot.domain import codes
from pilot.domain import followups as rules
from pilot.domain.dates import add_months
from pilot.records.bulk import ids_by_key, insert_many

from .test_indicators import A, B, check, d, eng, load, run  # noqa: F401  (eng is a fixture)


def load_followups(engine: Engine, rows: list[tuple]) -> None:
    """rows: (code, contacted_on, reached, status, weekly_hours)."""
    with db.transaction(engine) as conn:
        person = ids_by_key(conn, "participants")
        insert_many(conn, "followups", [
            {"participant_id": person[code], "contacted_on": d(on), "reached": reached, "status": status,
             "weekly_hours": hours, "source": "phone"}
            for code, on, reached, status, hours in rows])


def world(engine: Engine, exited: str, followups: list[tuple], employment: list[tuple] = (),
          enrolled: str = "2023-01-02") -> None:
    load(engine, {"participants": [("P1", A, enrolled, exited)],
                  "employment": [("P1", *row) for row in employment]})
    load_followups(engine, [("P1", *row) for row in followups])


# Exited 31.8.2024: window 31.1.2025 (+5 months, clamped) .. 30.4.2025 (+8, clamped), target 28.2.
# Exited 30.6.2024: window 30.11.2024 .. 28.2.2025 (+8 clamped to February), target 30.12.2024.
# Exited 30.6.2023: window ends 29.2.2024 (leap year).
@pytest.mark.parametrize("exited, contacted, reached", [
    ("2024-08-31", "2025-01-30", 0),
    ("2024-08-31", "2025-01-31", 1),
    ("2024-08-31", "2025-04-30", 1),
    ("2024-08-31", "2025-05-01", 0),
    ("2024-06-30", "2024-11-29", 0),
    ("2024-06-30", "2024-11-30", 1),
    ("2024-06-30", "2025-02-28", 1),
    ("2024-06-30", "2025-03-01", 0),
    ("2023-06-30", "2024-02-29", 1),
    ("2023-06-30", "2024-03-01", 0),
    ("2024-03-31", "2024-08-31", 1),   # 31.3. + 5 months = 31.8.
    ("2024-03-31", "2024-08-30", 0),
    ("2024-03-31", "2024-11-30", 1),   # 31.3. + 8 months = 30.11.
    ("2024-03-31", "2024-12-01", 0),
])
def test_window_boundaries(eng: Engine, exited: str, contacted: str, reached: int) -> None:
    world(eng, exited, [(contacted, True, "permanent", 37.5)])
    check(run(eng, "2025-12-31"), {
        "followup_6m_due": 1, "followup_6m_reached": reached, "followup_6m_reach_rate": float(reached),
        "employed_6m_after_exit": reached,
        "employed_6m_after_exit_rate": 1.0 if reached else None})


# Exited 30.6.2024, target 30.12.2024. (contacted_on, reached, status) rows -> employed at follow-up.
@pytest.mark.parametrize("rows, as_of, reached, employed", [
    ([("2024-12-20", True, "permanent"), ("2025-01-05", True, "unemployed")], "2025-06-30", 1, 0),  # 6 < 10 days
    ([("2024-12-10", True, "unemployed"), ("2024-12-29", True, "permanent")], "2025-06-30", 1, 1),
    ([("2024-12-25", True, "unemployed"), ("2025-01-04", True, "permanent")], "2025-06-30", 1, 1),  # tie: later
    ([("2024-12-25", True, "permanent"), ("2025-01-04", True, "unemployed")], "2025-06-30", 1, 0),  # tie: later
    ([("2024-12-30", False, None), ("2025-02-01", True, "fixed_term")], "2025-06-30", 1, 1),  # not reached skipped
    ([("2024-12-30", False, None), ("2025-01-15", False, None)], "2025-06-30", 0, 0),  # never reached
    ([("2024-12-01", True, "unemployed"), ("2024-12-31", True, "permanent")], "2024-12-30", 1, 0),  # after R
    ([("2024-12-31", True, "permanent")], "2024-12-30", 0, 0),        # due, only contact after R
    ([("2025-01-10", True, "work_trial")], "2025-06-30", 1, 0),       # a work trial is no job
    ([("2024-12-01", True, "permanent")], "2024-12-29", 0, 0),        # reached but not yet due
])
def test_nearest_and_tie(eng: Engine, rows: list[tuple], as_of: str, reached: int, employed: int) -> None:
    world(eng, "2024-06-30", [(on, ok, status, None) for on, ok, status in rows])
    due = 1 if d(as_of) >= date(2024, 12, 30) else 0
    check(run(eng, as_of), {"followup_6m_due": due, "followup_6m_reached": reached,
                            "employed_6m_after_exit": employed,
                            "employed_6m_after_exit_rate": (float(employed) if reached else None)})


def test_employment_rows_never_stand_in(eng: Engine) -> None:
    """The issue's case: seven due, the status at exit carried forward in employment rows, three reached."""
    people = [(f"P{i}", A, "2024-01-10", "2024-06-30") for i in range(1, 8)]
    load(eng, {"participants": people,
               "employment": [(f"P{i}", "2024-06-01", "permanent", 37.5, False) for i in range(1, 8)]
               + [(f"P{i}", "2024-12-30", "permanent", 37.5, False) for i in range(1, 8)]})
    load_followups(eng, [("P1", "2024-12-30", True, "permanent", 37.5),
                         ("P2", "2025-01-02", True, "unemployed", None),
                         ("P3", "2024-12-15", True, "fixed_term", 20),
                         ("P4", "2024-12-20", False, None, None)])
    check(run(eng, "2025-03-31"), {
        "followup_6m_due": 7, "followup_6m_reached": 3, "followup_6m_reach_rate": 0.429,
        "employed_6m_after_exit": 2, "employed_6m_after_exit_rate": 0.667,
        "improved_6m": 2, "improved_6m_rate": 0.667})  # unknown at enrolment -> permanent, fixed_term


# Enrolled 2024-01-10, exited 2024-06-30; follow-up on 2024-12-30, R 2025-01-31.
@pytest.mark.parametrize("at_enrolment, at_followup, improved, employed", [
    (None, ("training", None), 1, 0),
    (("unemployed", None), ("permanent", 37.5), 1, 1),
    (("other", None), ("unemployed", None), 0, 0),
    (("fixed_term", 20), ("fixed_term", 30), 1, 1),
    (("fixed_term", 30), ("apprenticeship", 30), 0, 1),
    (("permanent", 30), ("permanent", 20), 0, 1),
    (("work_trial", 20), ("work_trial", 37.5), 0, 0),
    (("permanent", 37.5), ("fixed_term", 40), 0, 1),
    (("fixed_term", None), ("fixed_term", 30), 0, 1),
    (("permanent", 20), ("unemployed", None), 0, 0),
])
def test_improved_6m_from_the_followup(eng: Engine, at_enrolment: tuple | None, at_followup: tuple,
                                       improved: int, employed: int) -> None:
    employment = [("2024-01-10", at_enrolment[0], at_enrolment[1], None)] if at_enrolment else []
    employment.append(("2024-12-30", "permanent", 60, False))  # an employment row is never the follow-up
    world(eng, "2024-06-30", [("2024-12-30", True, at_followup[0], at_followup[1])], employment,
          enrolled="2024-01-10")
    check(run(eng, "2025-01-31"), {
        "followup_6m_due": 1, "followup_6m_reached": 1, "improved_6m": improved,
        "improved_6m_rate": float(improved), "employed_6m_after_exit": employed})


def test_company_filter_keeps_that_company(eng: Engine) -> None:
    load(eng, {"participants": [("P1", A, "2024-01-10", "2024-06-30"), ("Q1", B, "2024-01-10", "2024-06-30")]})
    load_followups(eng, [("P1", "2024-12-30", True, "permanent", None), ("Q1", "2024-12-30", True, "unemployed", None)])
    check(run(eng, "2025-03-31", A), {"followup_6m_due": 1, "followup_6m_reached": 1, "employed_6m_after_exit": 1})
    check(run(eng, "2025-03-31", B), {"followup_6m_due": 1, "followup_6m_reached": 1, "employed_6m_after_exit": 0})


# --- brute force: the SQL against a direct Python reading of the spec -------------------------

def _status_at(rows: list[dict[str, Any]], on: date) -> dict[str, Any] | None:
    found = [r for r in rows if r["effective_on"] <= on]
    return max(found, key=lambda r: r["effective_on"]) if found else None


def _expected(people: list[dict], employment: dict[str, list], followups: dict[str, list], r: date) -> dict:
    due = reached = employed = improved = 0
    for p in people:
        if p["enrolled_on"] > r or p["exited_on"] is None or p["exited_on"] > r:
            continue
        if rules.target(p["exited_on"]) > r:
            continue
        due += 1
        f = rules.measured(p["exited_on"], followups[p["code"]], r)
        if f is None:
            continue
        reached += 1
        employed += codes.is_employed(f["status"])
        start = _status_at([e for e in employment[p["code"]] if e["effective_on"] <= r], p["enrolled_on"])
        r0 = codes.STATUS_RANK[start["status"] if start else "unknown"]
        r1 = codes.STATUS_RANK[f["status"]]
        more = (start is not None and start["weekly_hours"] is not None and f["weekly_hours"] is not None
                and f["weekly_hours"] > start["weekly_hours"])
        improved += r1 > r0 or (r1 == r0 and r1 >= 2 and more)
    ratio = (lambda a, b: None if not b else round(a / b, 3))
    return {"followup_6m_due": due, "followup_6m_reached": reached, "followup_6m_reach_rate": ratio(reached, due),
            "employed_6m_after_exit": employed, "employed_6m_after_exit_rate": ratio(employed, reached),
            "improved_6m": improved, "improved_6m_rate": ratio(improved, reached)}


@pytest.mark.parametrize("seed", range(3))
def test_brute_force_cross_check(eng: Engine, seed: int) -> None:
    rnd = random.Random(seed)
    base = date(2023, 1, 1)
    people, employment, followups = [], {}, {}
    for i in range(40):
        code = f"P{i:02d}"
        enrolled = base + timedelta(days=rnd.randrange(0, 300))
        exited = enrolled + timedelta(days=rnd.randrange(30, 400)) if rnd.random() < 0.8 else None
        if exited is not None and rnd.random() < 0.3:  # land on month ends, where clamping bites
            exited = add_months(date(exited.year, exited.month, 1), 1) - timedelta(days=1)
        people.append({"code": code, "enrolled_on": enrolled, "exited_on": exited})
        employment[code] = []
        for day in sorted({enrolled + timedelta(days=rnd.randrange(-60, 500)) for _ in range(rnd.randrange(0, 4))}):
            status = rnd.choice(codes.EMPLOYMENT_STATUSES)
            employment[code].append({"effective_on": day, "status": status,
                                     "weekly_hours": rnd.choice([None, 10, 20, 30, 37.5])})
        followups[code] = []
        if exited is not None:
            aim = rules.target(exited)
            for day in sorted({aim + timedelta(days=rnd.randrange(-70, 70)) for _ in range(rnd.randrange(0, 4))}):
                ok = rnd.random() < 0.7
                followups[code].append({"contacted_on": day, "reached": ok,
                                        "status": rnd.choice(codes.EMPLOYMENT_STATUSES) if ok else None,
                                        "weekly_hours": rnd.choice([None, 10, 20, 37.5]) if ok else None})
    load(eng, {"participants": [(p["code"], A, p["enrolled_on"].isoformat(),
                                 p["exited_on"] and p["exited_on"].isoformat()) for p in people],
               "employment": [(code, e["effective_on"].isoformat(), e["status"], e["weekly_hours"], None)
                              for code, rows in employment.items() for e in rows]})
    load_followups(eng, [(code, f["contacted_on"].isoformat(), f["reached"], f["status"], f["weekly_hours"])
                         for code, rows in followups.items() for f in rows])
    for r in (date(2023, 9, 30), date(2024, 2, 29), date(2024, 6, 15), date(2024, 12, 31), date(2025, 6, 1)):
        expected = _expected(people, employment, followups, r)
        result = run(eng, r.isoformat())
        check(result, expected)
