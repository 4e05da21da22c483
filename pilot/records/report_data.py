"""Aggregates for the follow-up report beyond the outcome indicators: costs per year and category
against the yearly appropriation (of one company, for a company's report), and the company's name.
Money only, no people: nothing here needs a scope or the small-number rule."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# EXTRACT(YEAR ...) runs the same on DuckDB and PostgreSQL.
_COSTS_BY_YEAR = (
    "SELECT CAST(EXTRACT(YEAR FROM c.incurred_on) AS INTEGER) AS year, c.category AS category, "
    "SUM(c.amount_eur) AS amount_eur "
    "FROM costs c WHERE c.incurred_on <= :r {company}"
    "GROUP BY CAST(EXTRACT(YEAR FROM c.incurred_on) AS INTEGER), c.category "
    "ORDER BY year, category")

_APPROPRIATIONS = sa.text(
    "SELECT a.year AS year, a.amount_eur AS amount_eur FROM appropriations a "
    "WHERE a.year <= :y ORDER BY a.year")


def costs_by_year(conn: Connection, as_of: date, company_id: int | None = None) -> dict[int, dict[str, Decimal]]:
    """Costs incurred on or before ``as_of`` (of one company when given): year -> category ->
    euros (exact decimals)."""
    out: dict[int, dict[str, Decimal]] = {}
    sql = sa.text(_COSTS_BY_YEAR.format(company="" if company_id is None else "AND c.company_id = :c "))
    for row in conn.execute(sql, {"r": as_of, **({} if company_id is None else {"c": company_id})}):
        out.setdefault(int(row.year), {})[row.category] = Decimal(row.amount_eur)
    return out


def appropriations(conn: Connection, as_of: date) -> dict[int, Decimal]:
    """The yearly appropriations up to the year of ``as_of``: year -> euros."""
    return {int(row.year): Decimal(row.amount_eur)
            for row in conn.execute(_APPROPRIATIONS, {"y": as_of.year})}


def company_name(conn: Connection, company_id: int) -> str | None:
    """The name of the company a per-company report is about."""
    return conn.execute(sa.text("SELECT name FROM companies WHERE id = :c"), {"c": company_id}).scalar_one_or_none()
