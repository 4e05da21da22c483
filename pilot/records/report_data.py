"""Aggregates for the follow-up report beyond the outcome indicators: costs per year and category
against the yearly appropriation. Money only, no people: nothing here needs a scope or the
small-number rule."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# EXTRACT(YEAR ...) runs the same on DuckDB and PostgreSQL.
_COSTS_BY_YEAR = sa.text(
    "SELECT CAST(EXTRACT(YEAR FROM c.incurred_on) AS INTEGER) AS year, c.category AS category, "
    "SUM(c.amount_eur) AS amount_eur "
    "FROM costs c WHERE c.incurred_on <= :r "
    "GROUP BY CAST(EXTRACT(YEAR FROM c.incurred_on) AS INTEGER), c.category "
    "ORDER BY year, category")

_APPROPRIATIONS = sa.text(
    "SELECT a.year AS year, a.amount_eur AS amount_eur FROM appropriations a "
    "WHERE a.year <= :y ORDER BY a.year")


def costs_by_year(conn: Connection, as_of: date) -> dict[int, dict[str, Decimal]]:
    """Costs incurred on or before ``as_of``: year -> category -> euros (exact decimals)."""
    out: dict[int, dict[str, Decimal]] = {}
    for row in conn.execute(_COSTS_BY_YEAR, {"r": as_of}):
        out.setdefault(int(row.year), {})[row.category] = Decimal(row.amount_eur)
    return out


def appropriations(conn: Connection, as_of: date) -> dict[int, Decimal]:
    """The yearly appropriations up to the year of ``as_of``: year -> euros."""
    return {int(row.year): Decimal(row.amount_eur)
            for row in conn.execute(_APPROPRIATIONS, {"y": as_of.year})}
