"""The dashboard's extra filters of pilot.indicators.compute(): industry, first language and
enrolment cohort. None changes nothing; each filter narrows exactly the records it should."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pilot import db, demo
from pilot.indicators import compute
from pilot.records.bulk import ids_by_key, insert_many

A, B = "1111111-1", "2222222-2"
R = date(2024, 12, 31)


@pytest.fixture
def world(engine: Engine) -> Engine:
    """Company A (cleaning, 81.21) with P1 (ar, Q1), P2 (so, Q1), P3 (ar, Q2); company B
    (restaurant, 56.10) with P4 (ar, Q1). Sessions, attendance, adaptations, feedback, costs."""
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [
            {"business_id": A, "name": "A Oy", "industry": "81.21", "joined_on": date(2024, 1, 1)},
            {"business_id": B, "name": "B Oy", "industry": "56.10", "joined_on": date(2024, 1, 1)}])
        company = ids_by_key(conn, "companies")
        insert_many(conn, "participants", [
            {"code": code, "company_id": company[b], "enrolled_on": on, "first_language": lang,
             "share_with_employer": False}
            for code, b, on, lang in (("P1", A, date(2024, 1, 10), "ar"), ("P2", A, date(2024, 2, 1), "so"),
                                      ("P3", A, date(2024, 4, 2), "ar"), ("P4", B, date(2024, 3, 31), "ar"))])
        person = ids_by_key(conn, "participants")
        insert_many(conn, "sessions", [
            {"ref": ref, "company_id": company[b], "held_on": on, "minutes": minutes, "kind": "language_lesson",
             "mode": "onsite"}
            for ref, b, on, minutes in (("S1", A, date(2024, 5, 1), 60), ("S2", A, date(2024, 5, 8), 120),
                                        ("S3", B, date(2024, 5, 9), 30), ("S4", A, date(2024, 5, 10), 40))])
        session = ids_by_key(conn, "sessions")
        insert_many(conn, "attendance", [
            {"session_id": session[ref], "participant_id": person[code], "status": status}
            for ref, code, status in (("S1", "P1", "present"), ("S1", "P2", "absent"), ("S2", "P2", "present"),
                                      ("S3", "P4", "present"), ("S2", "P3", "absent"))])
        insert_many(conn, "adaptations", [
            {"ref": ref, "company_id": company[b], "participant_id": person[code] if code else None,
             "type": "glossary", "description": "x", "proposed_on": date(2024, 5, 1)}
            for ref, b, code in (("AD1", A, "P1"), ("AD2", A, None), ("AD3", B, "P4"))])
        insert_many(conn, "feedback", [
            {"company_id": company[A], "given_on": date(2024, 6, 1), "score": 2},
            {"company_id": company[B], "given_on": date(2024, 6, 1), "score": 5}])
        insert_many(conn, "costs", [
            {"ref": ref, "incurred_on": date(2024, 6, 1), "category": "staff", "amount_eur": Decimal(amount),
             "company_id": company[b] if b else None}
            for ref, amount, b in (("C1", "100", A), ("C2", "50", B), ("C3", "1000", None))])
    return engine


Q1 = (date(2024, 1, 1), date(2024, 3, 31))


@pytest.mark.parametrize("filters, expected", [
    ({}, {"participants_enrolled": 4, "coaching_hours": 4.2, "attendance_rate": 0.6,
          "adaptations": 3, "employer_satisfaction_mean": 3.5, "cost_total_eur": 1150.0}),
    ({"industry": "81.21"}, {"participants_enrolled": 3, "coaching_hours": 3.7, "attendance_rate": 0.5,
                             "adaptations": 2, "employer_satisfaction_mean": 2.0, "cost_total_eur": 100.0}),
    ({"industry": "99.99"}, {"participants_enrolled": 0, "coaching_hours": 0.0, "attendance_rate": None,
                             "adaptations": 0, "employer_satisfaction_mean": None, "cost_total_eur": 0.0}),
    # ar: P1, P3, P4. Sessions attended: S1 (P1), S2 (P3 absent), S3 (P4); S4 had nobody.
    ({"first_language": "ar"}, {"participants_enrolled": 3, "coaching_hours": 3.5, "attendance_rate": 0.667,
                                "adaptations": 2, "employer_satisfaction_mean": 3.5, "cost_total_eur": 1150.0}),
    # Q1 cohort: P1, P2, P4 (P4 enrolled on the quarter's last day).
    ({"cohort": Q1}, {"participants_enrolled": 3, "coaching_hours": 3.5, "attendance_rate": 0.75,
                      "adaptations": 2, "employer_satisfaction_mean": 3.5, "cost_total_eur": 1150.0}),
    ({"cohort": Q1, "first_language": "ar", "industry": "81.21"},
     {"participants_enrolled": 1, "coaching_hours": 1.0, "attendance_rate": 1.0, "adaptations": 1,
      "employer_satisfaction_mean": 2.0, "cost_total_eur": 100.0}),
])
def test_filters_narrow_what_they_should(world, filters, expected):
    with world.connect() as conn:
        result = compute(conn, R, **filters)
    got = {**{k: result[k] for k in expected if k != "adaptations"},
           "adaptations": sum(result["adaptations"].values())}
    assert got == {**expected}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Engine:
    engine = db.make_engine(str(Path(tmp_path_factory.mktemp("demo")) / "demo.duckdb"))
    db.migrate(engine)
    demo.load(engine, today=date(2025, 6, 30))
    yield engine
    engine.dispose()


PERSON_KEYS = ("participants_enrolled", "participants_active", "participants_exited", "companies_active",
               "participant_hours", "attendance_rate", "employed_at_exit", "exit_status_unknown",
               "followup_6m_due", "employed_6m_after_exit", "improved_6m", "language",
               "participants_with_adaptation_in_use")


@pytest.mark.parametrize("as_of", [date(2024, 3, 31), date(2024, 12, 31), date(2025, 6, 30)])
def test_no_filter_changes_nothing(demo_db, as_of):
    with demo_db.connect() as conn:
        plain = compute(conn, as_of)
        assert compute(conn, as_of, industry=None, first_language=None, cohort=None) == plain
        wide = compute(conn, as_of, cohort=(date(2000, 1, 1), date(2100, 1, 1)))
    # A cohort covering every enrolment keeps every person-level figure; session hours and
    # adaptations then count only what some participant took part in (workplace-wide ones drop).
    for key in PERSON_KEYS:
        assert wide[key] == plain[key], key
    assert wide["coaching_hours"] <= plain["coaching_hours"]


@pytest.mark.parametrize("as_of", [date(2024, 12, 31), date(2025, 6, 30)])
def test_industry_of_one_company_equals_that_company(demo_db, as_of):
    """In the demo each workplace has its own industry, so the two filters must agree."""
    with demo_db.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, industry FROM companies ORDER BY id").fetchall()
        assert len({industry for _, industry in rows}) == len(rows)
        for company_id, industry in rows:
            assert compute(conn, as_of, industry=industry) == compute(conn, as_of, int(company_id))


def test_cohorts_partition_the_participants(demo_db):
    """The quarters of the demo's enrolments add up to all participants, whatever the language."""
    from pilot.records.outcomes import quarter
    as_of = date(2025, 6, 30)
    with demo_db.connect() as conn:
        total = compute(conn, as_of)["participants_enrolled"]
        by_quarter = [compute(conn, as_of, cohort=quarter(y, q))["participants_enrolled"]
                      for y in (2024, 2025) for q in (1, 2, 3, 4)]
        arabic = compute(conn, as_of, first_language="ar")["participants_enrolled"]
        arabic_by_quarter = [compute(conn, as_of, first_language="ar", cohort=quarter(y, q))["participants_enrolled"]
                             for y in (2024, 2025) for q in (1, 2, 3, 4)]
    assert sum(by_quarter) == total and sum(arabic_by_quarter) == arabic and 0 < arabic < total
