"""Employer feedback: score 1-5 and a comment, one per company and day (a second one updates it)."""
from __future__ import annotations

from datetime import date

import pytest

from pilot import db
from pilot.access import AccessDenied, Scope
from pilot.records import audit, feedback
from pilot.records.bulk import ids_by_key, insert_many

A, B = "1111111-1", "2222222-2"


@pytest.fixture
def ids(engine) -> dict[str, int]:
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [{"business_id": b, "name": n, "joined_on": date(2024, 1, 1)}
                                        for b, n in ((A, "A Oy"), (B, "B Oy"))])
        return ids_by_key(conn, "companies")


def employer_of(company_id: int) -> Scope:
    return Scope(username="boss", role="employer", company_ids=frozenset({company_id}))


def give(engine, scope: Scope, company_id: int, score, on: date, comment: str | None = None):
    clean, problems = feedback.check_feedback({"score": score, "given_on": on, "comment": comment})
    assert not problems, problems
    return db.run_in_transaction(engine, lambda c: feedback.give(c, scope, company_id, clean))


@pytest.mark.parametrize("values, field, key", [
    ({"score": None, "given_on": "2025-01-01"}, "score", "error.required"),
    ({"score": 0, "given_on": "2025-01-01"}, "score", "error.range"),
    ({"score": 6, "given_on": "2025-01-01"}, "score", "error.range"),
    ({"score": "3.5", "given_on": "2025-01-01"}, "score", "error.integer"),
    ({"score": 3, "given_on": "2025-01-01", "comment": "x" * 2001}, "comment", "error.too_long"),
    ({"score": 3, "given_on": "2025-01-01", "comment": "Matti 131052-308T"}, "comment", "error.hetu"),
])
def test_invalid_feedback_is_refused(values, field, key):
    _, problems = feedback.check_feedback(values)
    assert (field, key) in {(p.field, p.key) for p in problems}


def test_second_feedback_on_the_same_day_updates_the_first(engine, ids):
    boss = employer_of(ids[A])
    first_id, replaced = give(engine, boss, ids[A], 2, date(2025, 5, 1), "slow start")
    assert not replaced
    second_id, replaced = give(engine, boss, ids[A], 4, date(2025, 5, 1), "better now")
    assert replaced and second_id == first_id
    give(engine, boss, ids[A], 5, date(2025, 6, 1))
    with engine.connect() as conn:
        rows = feedback.for_company(conn, boss, ids[A])
        assert [(r["given_on"], r["score"], r["comment"]) for r in rows] == [
            (date(2025, 6, 1), 5, None), (date(2025, 5, 1), 4, "better now")]
        assert [e["action"] for e in audit.entries(conn, entity="feedback")] == ["create", "update", "create"]


@pytest.mark.parametrize("scope_of", [
    lambda ids: employer_of(ids[B]),                                  # another company's employer
    lambda ids: Scope(username="s", role="services"),                  # services only read aggregates
    lambda ids: Scope(username="c", role="coach"),
])
def test_only_the_company_employer_or_admin_gives_feedback(engine, ids, scope_of):
    with pytest.raises(AccessDenied):
        give(engine, scope_of(ids), ids[A], 3, date(2025, 5, 1))


def test_admin_may_record_feedback_and_employer_b_sees_none_of_a(engine, ids):
    give(engine, Scope(username="admin", role="admin"), ids[A], 3, date(2025, 5, 1))
    with engine.connect() as conn:
        assert feedback.for_company(conn, employer_of(ids[B]), ids[A]) == []
        assert len(feedback.for_company(conn, employer_of(ids[A]), ids[A])) == 1
        assert feedback.for_company(conn, employer_of(ids[A]), ids[A], as_of=date(2025, 4, 30)) == []
