"""Costs against the yearly appropriation: validation, refs, the overspend check, appropriations."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from pilot import db
from pilot.access import AccessDenied, Scope
from pilot.records import audit, costs
from pilot.records.bulk import insert_many

ADMIN = Scope(username="admin", role="admin")


@pytest.fixture
def company(engine) -> int:
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [{"business_id": "1111111-1", "name": "A Oy", "joined_on": date(2024, 1, 1)}])
        return int(conn.exec_driver_sql("SELECT id FROM companies").scalar_one())


def add(engine, amount: str, on: date, category: str = "staff", company_id: int | None = None) -> str:
    clean, problems = costs.check_cost({"category": category, "amount_eur": amount, "incurred_on": on,
                                        "company_id": company_id})
    assert not problems, problems
    return db.run_in_transaction(engine, lambda c: costs.add_cost(c, ADMIN, clean))[1]


@pytest.mark.parametrize("values, field, key", [
    ({"category": "staff", "amount_eur": "0", "incurred_on": "2025-01-01"}, "amount_eur", "error.amount_range"),
    ({"category": "staff", "amount_eur": "-5", "incurred_on": "2025-01-01"}, "amount_eur", "error.amount_range"),
    ({"category": "staff", "amount_eur": "10.005", "incurred_on": "2025-01-01"}, "amount_eur", "error.decimals"),
    ({"category": "staff", "amount_eur": "abc", "incurred_on": "2025-01-01"}, "amount_eur", "error.number"),
    ({"category": "travel", "amount_eur": "10", "incurred_on": "2025-01-01"}, "category", "error.choice"),
    ({"category": "staff", "amount_eur": "10", "incurred_on": None}, "incurred_on", "error.required"),
    ({"category": "staff", "amount_eur": "10", "incurred_on": "31.2.2025"}, "incurred_on", "error.date"),
])
def test_invalid_costs_are_refused(values, field, key):
    _, problems = costs.check_cost(values)
    assert (field, key) in {(p.field, p.key) for p in problems}


@pytest.mark.parametrize("amount, stored", [("0.01", Decimal("0.01")), ("1 234,50", Decimal("1234.50")),
                                            ("200000", Decimal("200000.00"))])
def test_valid_amounts_are_kept_with_two_decimals(amount, stored):
    clean, problems = costs.check_cost({"category": "grant", "amount_eur": amount, "incurred_on": "1.3.2025"})
    assert not problems and clean["amount_eur"] == stored and clean["incurred_on"] == date(2025, 3, 1)


def test_cost_gets_a_dated_random_ref_and_an_audit_row(engine, company):
    ref = add(engine, "150.00", date(2025, 3, 4), company_id=company)
    assert re.fullmatch(r"C-20250304-[a-z0-9]{6}", ref)
    with engine.connect() as conn:
        rows = costs.list_costs(conn, ADMIN, 2025)
        assert [(r["ref"], r["amount_eur"], r["company_name"]) for r in rows] == [(ref, Decimal("150.00"), "A Oy")]
        assert [e["entity_id"] for e in audit.entries(conn, entity="cost")] == [ref]


@pytest.mark.parametrize("role", ["coach", "services", "employer"])
def test_only_the_admin_records_costs(engine, role):
    clean, _ = costs.check_cost({"category": "staff", "amount_eur": "10", "incurred_on": "2025-01-01"})
    with pytest.raises(AccessDenied):
        db.run_in_transaction(engine, lambda c: costs.add_cost(c, Scope(username="x", role=role), clean))


@pytest.mark.parametrize("appropriation, spent, amount, over", [
    (None, ["150000"], "50000", False),      # default 200 000 from the configuration: exactly at budget
    (None, ["150000"], "50000.01", True),
    ("1000", ["600"], "400.01", True),
    ("1000", ["600"], "400", False),
    ("1000", [], "1000.01", True),
])
def test_warning_before_a_cost_would_take_the_year_over(engine, appropriation, spent, amount, over):
    if appropriation is not None:
        db.run_in_transaction(engine, lambda c: costs.set_appropriation(c, ADMIN, 2025, Decimal(appropriation)))
    for value in spent:
        add(engine, value, date(2025, 6, 1))
    add(engine, "99999", date(2024, 12, 31))  # another year never counts
    with engine.connect() as conn:
        check = costs.budget_check(conn, date(2025, 12, 31), Decimal(amount))
    assert check.over is over
    assert check.spent == sum((Decimal(v) for v in spent), Decimal(0))


def test_appropriation_defaults_to_the_configuration_and_can_be_changed(engine, monkeypatch):
    monkeypatch.setenv("PILOT_APPROPRIATION_EUR", "150000")
    with engine.connect() as conn:
        assert costs.appropriation_for(conn, 2026) == Decimal("150000.00")
    db.run_in_transaction(engine, lambda c: costs.set_appropriation(c, ADMIN, 2026, Decimal("180000")))
    db.run_in_transaction(engine, lambda c: costs.set_appropriation(c, ADMIN, 2026, Decimal("190000.50")))
    with engine.connect() as conn:
        assert costs.appropriations(conn) == {2026: Decimal("190000.50")}
        assert [e["action"] for e in audit.entries(conn, entity="appropriation")] == ["update", "create"]

