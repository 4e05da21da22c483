"""What the dashboards show about the pilot's own question (issue 15), as exact rows: each
company's baseline and follow-up readiness, hires per quarter and planned against actual hires.
The definitions are pilot.indicators' own SQL (READINESS_PAIRS_SQL, COUNTED_HIRES_SQL), narrowed
by the caller's scope and the dashboard's company-level filters (company, industry) exactly as
the indicators are, so the charts add up to the tiles. pilot.dashboard puts them under the rule.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from pilot.access import Scope
from pilot.domain.dates import add_months
from pilot.indicators import COUNTED_HIRES_SQL, READINESS_PAIRS_SQL
from pilot.domain.codes import SESSION_KINDS
from pilot.records._scope import bound, company_condition
from pilot.records.outcomes import NO_FILTERS, Filters
from pilot.records.outcomes import _company_where as company_where  # the one scope + filter fragment

CHANGES = tuple(range(-4, 5))  # readiness 1-5: a change is -4 .. +4


def _fragment(scope: Scope, filters: Filters, column: str) -> tuple[str, dict[str, Any]]:
    where, params = company_where(scope, filters, column)
    return "".join(f" AND {w}" for w in where), params


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]


def readiness_pairs(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
    """The companies counted in hiring_readiness: name, baseline and follow-up (date, readiness),
    the change and the hires planned at the baseline; largest change first."""
    fragment, params = _fragment(scope, filters, "s.company_id")
    params["r"] = as_of
    sql = (f"WITH pairs AS ({READINESS_PAIRS_SQL.format(company_s=fragment)}) "
           "SELECT c.name AS company, c.business_id, p.base_on, p.base_readiness, p.follow_on, "
           "p.follow_readiness, p.follow_readiness - p.base_readiness AS change, b.planned_hires_12m AS planned "
           "FROM pairs p JOIN companies c ON c.id = p.company_id "
           "JOIN employer_surveys b ON b.company_id = p.company_id AND b.answered_on = p.base_on "
           "ORDER BY change DESC, c.name")
    return _rows(conn, sql, params)


def change_distribution(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Companies per change of readiness (-4 .. +4), zeros included."""
    counts = Counter(int(p["change"]) for p in pairs)
    return [{"change": c, "n": counts.get(c, 0)} for c in CHANGES]


def _counted_hires(conn: Connection, scope: Scope, as_of: date, filters: Filters) -> list[dict[str, Any]]:
    fragment, params = _fragment(scope, filters, "h.company_id")
    params["r"] = as_of
    return _rows(conn, COUNTED_HIRES_SQL.format(company_h=fragment), params)


def hires_by_quarter(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
    """Counted hires (hires_total) per calendar quarter, and of them those of participants; every
    quarter from the first hire to R."""
    hired = _counted_hires(conn, scope, as_of, filters)
    if not hired:
        return []
    key = lambda d: (d.year, (d.month - 1) // 3 + 1)  # noqa: E731
    total = Counter(key(h["hired_on"]) for h in hired)
    of_participants = Counter(key(h["hired_on"]) for h in hired if h["participant_id"] is not None)
    first, last = min(total), key(as_of)
    rows, (y, q) = [], first
    while (y, q) <= last:
        rows.append({"quarter": f"{y} Q{q}", "hires": total.get((y, q), 0),
                     "of_participants": of_participants.get((y, q), 0)})
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return rows


def planned_vs_actual(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                      pairs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Of the companies counted in hiring_readiness, those whose baseline named planned hires and
    lies at least 12 months before R: how many, the hires they planned at the baseline, and their
    counted hires in the 12 months after it. Empty when there are none."""
    pairs = readiness_pairs(conn, scope, as_of, filters) if pairs is None else pairs
    due = {p["business_id"]: p["base_on"] for p in pairs
           if p["planned"] is not None and add_months(p["base_on"], 12) <= as_of}
    planned = sum(int(p["planned"]) for p in pairs if p["business_id"] in due)
    ids = {p["business_id"] for p in pairs if p["business_id"] in due}
    hired = _counted_hires(conn, scope, as_of, filters)
    names = _rows(conn, "SELECT id, business_id FROM companies WHERE id IN :ids",
                  {"ids": sorted({h["company_id"] for h in hired}) or [-1]}) if ids else []
    bid = {r["id"]: r["business_id"] for r in names}
    actual = sum(1 for h in hired if bid.get(h["company_id"]) in due
                 and due[bid[h["company_id"]]] <= h["hired_on"] < add_months(due[bid[h["company_id"]]], 12))
    if not due:
        return []
    return [{"what": "companies", "n": len(due)}, {"what": "planned", "n": planned}, {"what": "actual", "n": actual}]


def what_works(conn: Connection, scope: Scope, as_of: date, exact: bool) -> list[dict[str, Any]]:
    """Per company in the scope that joined on or before R: its readiness change (as
    hiring_readiness counts it) and counted hires beside what the pilot did there: coaching hours
    per participant, the adaptation types in use or evaluated and their mean effect, and each
    session kind's share of the sessions. Descriptive, never a causal estimate.

    Under the rule (``exact`` False) the counts (participants, hires, evaluated adaptations) of 1-4
    read "<5" and a per-participant or mean figure is null below 5 in its denominator, row by row
    through pilot.disclosure."""
    from pilot import disclosure
    from pilot.indicators import STAGE_SQL

    cond, params = company_condition(scope, "c.id")
    params["r"] = as_of
    companies = _rows(conn, f"SELECT c.id, c.name, c.business_id FROM companies c WHERE {cond} "
                            "AND c.joined_on <= :r ORDER BY c.name", params)
    if not companies:
        return []
    ids = {"ids": [c["id"] for c in companies], "r": as_of}
    people = {r["company_id"]: int(r["n"]) for r in _rows(conn, (
        "SELECT company_id, COUNT(*) AS n FROM participants WHERE enrolled_on <= :r AND company_id IN :ids "
        "GROUP BY company_id"), ids)}
    sessions: dict[int, dict[str, int]] = {}
    minutes: dict[int, int] = {}
    for r in _rows(conn, ("SELECT company_id, kind, COUNT(*) AS n, SUM(minutes) AS m FROM sessions "
                          "WHERE held_on <= :r AND company_id IN :ids GROUP BY company_id, kind"), ids):
        sessions.setdefault(r["company_id"], {})[r["kind"]] = int(r["n"])
        minutes[r["company_id"]] = minutes.get(r["company_id"], 0) + int(r["m"])
    types: dict[int, set[str]] = {}
    effects: dict[int, list[int]] = {}
    for r in _rows(conn, (f"SELECT d.company_id, d.type, d.effect, {STAGE_SQL} AS stage FROM adaptations d "
                          "WHERE d.proposed_on <= :r AND d.company_id IN :ids"), ids):
        if r["stage"] in ("in_use", "evaluated"):
            types.setdefault(r["company_id"], set()).add(r["type"])
        if r["stage"] == "evaluated" and r["effect"] is not None:
            effects.setdefault(r["company_id"], []).append(int(r["effect"]))
    change = {p["business_id"]: int(p["change"]) for p in readiness_pairs(conn, scope, as_of)}
    hired = Counter(h["company_id"] for h in _counted_hires(conn, scope, as_of, NO_FILTERS))
    rows = []
    for c in companies:
        cid, n = c["id"], people.get(c["id"], 0)
        kinds = sessions.get(cid, {})
        total = sum(kinds.values())
        view = disclosure.View()
        view.count("participants", n)
        view.count("hires", hired.get(cid, 0))
        view.count("evaluated", len(effects.get(cid, [])))
        view.rate("hours_per_participant", round(minutes.get(cid, 0) / 60 / n, 1) if n else None, n, None,
                  ("participants",))
        mine = effects.get(cid, [])
        view.rate("mean_effect", round(sum(mine) / len(mine), 2) if mine else None, len(mine), None, ("evaluated",))
        shown = disclosure.protect(view, exact)
        rows.append({"company": c["name"], "business_id": c["business_id"],
                     "readiness_change": change.get(c["business_id"]), "hires": shown["hires"],
                     "participants": shown["participants"], "hours_per_participant": shown["hours_per_participant"],
                     "adaptation_types": sorted(types.get(cid, set())), "evaluated": shown["evaluated"],
                     "mean_effect": shown["mean_effect"], "sessions": total,
                     **{f"share_{k}": round(kinds.get(k, 0) / total, 3) if total else None for k in SESSION_KINDS}})
    return rows
