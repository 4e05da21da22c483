"""Costs of the pilot and the yearly appropriation they are followed against.

The admin records each cost (category, amount, date, optional company). The appropriation of a
year comes from the ``appropriations`` table; a year without a row uses the configured default
(``PILOT_APPROPRIATION_EUR``, pilot/config.py), so a fresh pilot still has a budget to compare to.
A wrong cost is corrected (``edit_cost``, at the version the admin saw) or removed with a reason
(``remove_cost``, restorable for 30 days: pilot/records/removed.py).
"""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope
from pilot.config import settings
from pilot.domain.codes import COST_CATEGORIES
from pilot.domain.validation import Checker, Problem
from pilot.db import WriteConflict
from pilot.records import audit, removed
from pilot.records._scope import bound, company_condition
from pilot.records._versioned import expect_version, update_versioned

MAX_AMOUNT = Decimal("9999999999.99")  # NUMERIC(12, 2)
CENT = Decimal("0.01")


def require_admin(actor: Scope) -> None:
    """Costs and appropriations are the admin's: other roles only see them as aggregates."""
    if actor.role != "admin":
        raise AccessDenied(actor.role)


def new_ref(on: date) -> str:
    """C-<yyyymmdd>-<6 random characters>: unique without a counter shared between sessions."""
    alphabet = string.ascii_lowercase + string.digits
    return f"C-{on:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


def check_cost(values: dict[str, Any], lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Validate a cost from the form: category, amount > 0 with two decimals, date, description.
    ``lang`` reads a typed amount in the user's locale (``12,50`` in fi is 12.50)."""
    c = Checker(values, lang)
    c.choice("category", COST_CATEGORIES, required=True)
    c.decimal("amount_eur", Decimal(0), MAX_AMOUNT, 2, required=True, low_exclusive=True)
    c.date("incurred_on", required=True)
    c.text("description", max_len=2000)
    company_id = values.get("company_id")
    c.clean["company_id"] = None if company_id in (None, "") else int(company_id)
    return c.clean, c.problems


def check_appropriation(values: dict[str, Any], lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values, lang)
    c.integer("year", 2000, 2100, required=True)
    c.decimal("amount_eur", Decimal(0), MAX_AMOUNT, 2, required=True)
    return c.clean, c.problems


def add_cost(conn: Connection, actor: Scope, clean: dict[str, Any]) -> tuple[int, str]:
    """Insert a validated cost with a new ref; returns (id, ref)."""
    require_admin(actor)
    if clean.get("company_id") is not None:
        found = conn.execute(sa.text("SELECT COUNT(*) FROM companies WHERE id = :c"),
                             {"c": clean["company_id"]}).scalar_one()
        if not found:
            raise AccessDenied(clean["company_id"])
    row = {"ref": new_ref(clean["incurred_on"]), "incurred_on": clean["incurred_on"],
           "category": clean["category"], "amount_eur": clean["amount_eur"],
           "description": clean.get("description"), "company_id": clean.get("company_id")}
    new_id = conn.execute(sa.text(
        "INSERT INTO costs (ref, incurred_on, category, amount_eur, description, company_id) "
        "VALUES (:ref, :incurred_on, :category, :amount_eur, :description, :company_id) RETURNING id"),
        row).scalar_one()
    audit.record(conn, actor, "create", "cost", row["ref"], after=row)
    return int(new_id), row["ref"]


def _own(conn: Connection, actor: Scope, cost_id: int) -> dict[str, Any]:
    require_admin(actor)
    found = conn.execute(sa.text("SELECT id, ref, incurred_on, category, amount_eur, description, company_id, "
                                 "version FROM costs WHERE id = :id"), {"id": cost_id}).first()
    if found is None:
        raise WriteConflict(f"cost {cost_id} is gone")
    return dict(found._mapping)


def edit_cost(conn: Connection, actor: Scope, cost_id: int, version: int, clean: dict[str, Any]) -> int:
    """Correct a cost seen at ``version`` (checked by ``check_cost``); returns the new version."""
    before = _own(conn, actor, cost_id)
    expect_version("costs", cost_id, before["version"], version)
    if clean.get("company_id") is not None:
        found = conn.execute(sa.text("SELECT COUNT(*) FROM companies WHERE id = :c"),
                             {"c": clean["company_id"]}).scalar_one()
        if not found:
            raise AccessDenied(clean["company_id"])
    fields = ("incurred_on", "category", "amount_eur", "description", "company_id")
    changes = {f: clean.get(f) for f in fields if f in clean and clean.get(f) != before[f]}
    new_version = update_versioned(conn, "costs", cost_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "cost", before["ref"], before=old, after=new)
    return new_version


def remove_cost(conn: Connection, actor: Scope, cost_id: int, version: int, reason: str) -> int:
    """Take a cost out with a reason (restorable by an admin for 30 days)."""
    before = _own(conn, actor, cost_id)
    return removed.take_out(conn, actor, "cost", cost_id, version, reason, before["company_id"])


def list_costs(conn: Connection, scope: Scope, year: int | None = None) -> list[dict[str, Any]]:
    """Costs, newest first, with the company's name. A company-bound scope sees only its companies'
    costs (costs without a company belong to the whole pilot)."""
    cond, params = company_condition(scope, "c.company_id")
    where = [cond]
    if year is not None:
        where.append("c.incurred_on >= :y0 AND c.incurred_on < :y1")
        params.update(y0=date(year, 1, 1), y1=date(year + 1, 1, 1))
    sql = ("SELECT c.id, c.ref, c.incurred_on, c.category, c.amount_eur, c.description, c.company_id, "
           "c.version, co.name AS company_name FROM costs c LEFT JOIN companies co ON co.id = c.company_id "
           f"WHERE {' AND '.join(where)} ORDER BY c.incurred_on DESC, c.id DESC")
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]


def appropriations(conn: Connection) -> dict[int, Decimal]:
    """The appropriations table: year -> amount."""
    rows = conn.execute(sa.text("SELECT year, amount_eur FROM appropriations ORDER BY year"))
    return {int(r.year): Decimal(r.amount_eur) for r in rows}


def appropriation_for(conn: Connection, year: int) -> Decimal:
    """The year's appropriation: its row, else the configured default."""
    found = conn.execute(sa.text("SELECT amount_eur FROM appropriations WHERE year = :y"),
                         {"y": year}).scalar_one_or_none()
    if found is None:
        return Decimal(str(settings().appropriation_eur)).quantize(CENT)
    return Decimal(found)


def set_appropriation(conn: Connection, actor: Scope, year: int, amount: Decimal) -> int:
    """Set one year's appropriation (insert or replace), keeping the old value in the audit log;
    returns the year."""
    require_admin(actor)
    before = conn.execute(sa.text("SELECT amount_eur FROM appropriations WHERE year = :y"),
                          {"y": year}).scalar_one_or_none()
    params = {"y": year, "a": amount}
    if before is None:
        conn.execute(sa.text("INSERT INTO appropriations (year, amount_eur) VALUES (:y, :a)"), params)
    else:
        conn.execute(sa.text("UPDATE appropriations SET amount_eur = :a WHERE year = :y"), params)
    audit.record(conn, actor, "create" if before is None else "update", "appropriation", year,
                 before=None if before is None else {"amount_eur": before}, after={"amount_eur": amount})
    return year


def spent_in_year(conn: Connection, year: int) -> Decimal:
    """All costs incurred in the calendar year (whatever the company)."""
    total = conn.execute(sa.text(
        "SELECT COALESCE(SUM(amount_eur), 0) FROM costs WHERE incurred_on >= :y0 AND incurred_on < :y1"),
        {"y0": date(year, 1, 1), "y1": date(year + 1, 1, 1)}).scalar_one()
    return Decimal(total)


@dataclass(frozen=True)
class BudgetCheck:
    """What a new cost would do to its year's budget."""

    year: int
    appropriation: Decimal
    spent: Decimal
    after: Decimal

    @property
    def over(self) -> bool:
        return self.after > self.appropriation

    @property
    def remaining_after(self) -> Decimal:
        return self.appropriation - self.after


def budget_check(conn: Connection, incurred_on: date, amount: Decimal) -> BudgetCheck:
    """Asked before saving a cost: would it take the year over its appropriation?"""
    year = incurred_on.year
    spent = spent_in_year(conn, year)
    return BudgetCheck(year=year, appropriation=appropriation_for(conn, year), spent=spent,
                       after=spent + Decimal(amount))
