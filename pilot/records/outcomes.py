"""Chart data of the outcome screens (services dashboard, employer page, costs), in SQL.

Every function takes the caller's ``Scope`` (applied in the SQL), the reference date R and the
dashboard's ``Filters``, and returns rows (list of dicts) ready for a chart and its table view.
The rules are those of shared/spec/INDICATORS.md, so the charts add up to the tiles:

- Records dated after R are ignored; participants exist from their enrolled_on.
- Company and industry narrow participants and the company-level records (sessions, adaptations,
  feedback, costs). First language and enrolment cohort narrow participants; then sessions are those
  a filtered participant has an attendance row on, attendance rows are theirs, adaptations are
  those made for them; feedback and costs belong to companies, not people, and are not narrowed.
- The small-number rule (``exact`` False): a count of people, attendance marks or adaptations
  from 1 to 4 becomes the string "<5" and a rate whose denominator is under 5 becomes None.
  Sessions, hours and euros are not counts of people and stay as they are. ``exact`` defaults to
  ``exact_figures(conn, scope, as_of, filters)``: coaches and admins; an employer only when every
  participant counted agreed to share with the employer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot import disclosure, indicators
from pilot.access import Scope, require_company
from pilot.config import settings
from pilot.domain import codes
from pilot.domain.levels import LEVELS
from pilot.records import aggregates, attendance_totals
from pilot.records._scope import bound, company_condition

SMALL = 5
SMALL_TEXT = "<5"
UNKNOWN = "unknown"
NOT_REACHED = "not_reached"
EXIT_STATUSES = codes.EMPLOYMENT_STATUSES + (UNKNOWN,)
AFTER_6M_STATUSES = codes.EMPLOYMENT_STATUSES + (NOT_REACHED,)  # the measured follow-up, or none


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters; None means no filter. ``cohort`` is an enrolment date range
    (both ends included), e.g. a calendar quarter."""

    company_id: int | None = None
    industry: str | None = None
    first_language: str | None = None
    cohort: tuple[date, date] | None = None

    @property
    def by_participant(self) -> bool:
        return self.first_language is not None or self.cohort is not None


NO_FILTERS = Filters()


def quarter(year: int, q: int) -> tuple[date, date]:
    """The first and last day of a calendar quarter (q = 1..4)."""
    first = date(year, 3 * q - 2, 1)
    last = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


# ---- SQL fragments (fixed text; values always go through named binds) ------------------------

def _month(column: str) -> str:
    """yyyymm as an integer: portable between DuckDB and PostgreSQL."""
    return f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 100 + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER))"


def _company_where(scope: Scope, f: Filters, column: str) -> tuple[list[str], dict[str, Any]]:
    """Scope, company and industry on a company-id column."""
    cond, params = company_condition(scope, column)
    where = [cond]
    if f.company_id is not None:
        where.append(f"{column} = :f_company")
        params["f_company"] = int(f.company_id)
    if f.industry is not None:
        where.append(f"{column} IN (SELECT fi.id FROM companies fi WHERE fi.industry = :f_industry)")
        params["f_industry"] = f.industry
    return where, params


def _participant_where(scope: Scope, f: Filters, alias: str = "p") -> tuple[list[str], dict[str, Any]]:
    """Scope and every filter on a participants alias (enrolled on or before :r)."""
    where, params = _company_where(scope, f, f"{alias}.company_id")
    where.append(f"{alias}.enrolled_on <= :r")
    if f.first_language is not None:
        where.append(f"{alias}.first_language = :f_language")
        params["f_language"] = f.first_language
    if f.cohort is not None:
        where.append(f"{alias}.enrolled_on >= :f_cohort_from AND {alias}.enrolled_on <= :f_cohort_to")
        params["f_cohort_from"], params["f_cohort_to"] = f.cohort
    return where, params


def _filtered_participants(scope: Scope, f: Filters, people_only: bool = True) -> tuple[str, dict[str, Any]]:
    """A subquery of participant ids for IN (...). By default only the person-level filters: the
    company-level ones stay on the record (session, adaptation) it narrows, exactly as
    pilot.indicators does, so the charts add up to the tiles. ``people_only=False``: every filter."""
    if people_only:
        f = Filters(first_language=f.first_language, cohort=f.cohort)
    where, params = _participant_where(scope, f, "fp")
    return f"SELECT fp.id FROM participants fp WHERE {' AND '.join(where)}", params


def _session_where(scope: Scope, f: Filters, alias: str = "s") -> tuple[list[str], dict[str, Any]]:
    where, params = _company_where(scope, f, f"{alias}.company_id")
    where.append(f"{alias}.held_on <= :r")
    if f.by_participant:
        sub, more = _filtered_participants(scope, f)
        where.append(f"EXISTS (SELECT 1 FROM attendance fa WHERE fa.session_id = {alias}.id "
                     f"AND fa.participant_id IN ({sub}))")
        params.update(more)
    return where, params


def _totals_hold(conn: Connection, scope: Scope, f: Filters) -> bool:
    """Whether the sessions' own totals of marks answer (no person-level filter, and they add up
    to the attendance rows of the sessions in view); otherwise the rows are read one by one."""
    if f.by_participant:
        return False
    where, params = _company_where(scope, f, "s.company_id")
    narrowed = [w for w in where if w != "TRUE"]  # a whole-pilot scope adds no condition
    return attendance_totals.consistent(conn, "".join(f" AND {w}" for w in narrowed), params)


def _summed(conn: Connection, scope: Scope, f: Filters) -> bool:
    """Whether PostgreSQL's whole-pilot day totals answer (records/aggregates.py): a whole-pilot
    reader, no filter, and the aggregates' check holds; otherwise the sessions are read."""
    return scope.whole_pilot and f == NO_FILTERS and aggregates.ready(conn)


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]


def _small(value: int, exact: bool) -> int | str:
    return SMALL_TEXT if not exact and 1 <= value < SMALL else value


def _month_start(key: int) -> date:
    return date(key // 100, key % 100, 1)


def _months(first: int, last: int) -> list[int]:
    out, key = [], first
    while key <= last:
        out.append(key)
        key = key + 1 if key % 100 < 12 else (key // 100 + 1) * 100 + 1
    return out


# ---- who sees exact figures -------------------------------------------------------------------

def exact_figures(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> bool:
    """Coaches and admins: always. An employer: only when every participant counted (in their
    scope and the filters, enrolled on or before R) agreed to share with the employer."""
    if scope.exact_figures:
        return True
    if scope.role != "employer":
        return False
    where, params = _participant_where(scope, filters)
    params["r"] = as_of
    sql = (f"SELECT COUNT(*) FROM participants p WHERE {' AND '.join(where)} "
           "AND p.share_with_employer = FALSE")
    return conn.execute(bound(sql, params), params).scalar_one() == 0


def employer_rule_exact(conn: Connection, company_id: int, as_of: date) -> bool:
    """The employer's rule for one company (its page, its report): exact figures only when every
    participant counted agreed to share with the employer."""
    scope = Scope(username="employer-rule", role="employer", company_ids=frozenset({company_id}))
    return exact_figures(conn, scope, as_of, Filters(company_id=company_id))


def narrowing_sizes(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> list[int]:
    """For disclosure rule D4: the size of the group a person-level filter (first language,
    cohort) narrows to, and of the rest outside it within each coarser view the same reader can
    ask for (the other filters only, the person filters only, the whole scope). Empty when no
    person-level filter is set. Participants enrolled on or before R."""
    if not filters.by_participant:
        return []

    def size(f: Filters) -> int:
        where, more = _participant_where(scope, f)
        more["r"] = as_of
        return int(conn.execute(bound(f"SELECT COUNT(*) FROM participants p WHERE {' AND '.join(where)}", more),
                                more).scalar_one())

    group = size(filters)
    coarser = (Filters(company_id=filters.company_id, industry=filters.industry),
               Filters(first_language=filters.first_language, cohort=filters.cohort), NO_FILTERS)
    return [group] + [size(f) - group for f in coarser]


def _exact(conn: Connection, scope: Scope, as_of: date, f: Filters, exact: bool | None) -> bool:
    return exact_figures(conn, scope, as_of, f) if exact is None else exact


def tiles(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
          exact: bool | None = None) -> dict[str, Any]:
    """The KPI tiles: pilot.indicators.compute() for the filters, under the small-number rule
    unless the caller sees exact figures. The same figures as ``python -m pilot indicators``
    (with ``--suppress`` for services). A company-bound scope never sees the whole pilot: without
    a company it sees all its own companies together (a coach's "all my companies")."""
    if filters.company_id is not None:
        require_company(scope, filters.company_id)
    own = scope.company_ids if filters.company_id is None and not scope.whole_pilot else None
    result = indicators.compute(conn, as_of, filters.company_id, industry=filters.industry,
                                first_language=filters.first_language, cohort=filters.cohort, company_ids=own)
    if exact is True:  # the exact figures, for pilot.dashboard to put under the rule of the whole page
        return result
    return dict(result) if _exact(conn, scope, as_of, filters, exact) else indicators.suppress(result)


def any_masked(rows: list[dict[str, Any]]) -> bool:
    """Whether the small-number rule hid anything (the page then says so under the chart)."""
    return any(disclosure.is_hidden(v) for row in rows for v in row.values())


# ---- the chart data ---------------------------------------------------------------------------

def activity_by_month(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                      exact: bool | None = None) -> list[dict[str, Any]]:
    """Per month up to R: new enrolments, exits, participants active at the month's end (or at R),
    sessions held and coaching hours."""
    exact = _exact(conn, scope, as_of, filters, exact)
    where, params = _participant_where(scope, filters)
    params["r"] = as_of
    people = " AND ".join(where)
    enrolled = {r["m"]: int(r["n"]) for r in _rows(conn, (
        f"SELECT {_month('p.enrolled_on')} AS m, COUNT(*) AS n FROM participants p "
        f"WHERE {people} GROUP BY 1"), params)}
    exited = {r["m"]: int(r["n"]) for r in _rows(conn, (
        f"SELECT {_month('p.exited_on')} AS m, COUNT(*) AS n FROM participants p "
        f"WHERE {people} AND p.exited_on IS NOT NULL AND p.exited_on <= :r GROUP BY 1"), params)}
    swhere, sparams = _session_where(scope, filters)
    sparams["r"] = as_of
    sql = (aggregates.SESSIONS_BY_MONTH_SQL if _summed(conn, scope, filters) else
           f"SELECT {_month('s.held_on')} AS m, COUNT(*) AS n, SUM(s.minutes) AS minutes FROM sessions s "
           f"WHERE {' AND '.join(swhere)} GROUP BY 1")
    held = {r["m"]: (int(r["n"]), int(r["minutes"])) for r in _rows(conn, sql, sparams)}
    keys = set(enrolled) | set(held)
    if not keys:
        return []
    out, active = [], 0
    for key in _months(min(keys), as_of.year * 100 + as_of.month):
        active += enrolled.get(key, 0) - exited.get(key, 0)
        sessions, minutes = held.get(key, (0, 0))
        out.append({"month": _month_start(key), "enrolled": _small(enrolled.get(key, 0), exact),
                    "exited": _small(exited.get(key, 0), exact), "active": _small(active, exact),
                    "sessions": sessions, "coaching_hours": round(minutes / 60, 1)})
    return out


def hours_by_kind(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
    """Per session kind: sessions, coaching hours and participant hours (present marks x minutes).
    Hours are not counts of people, so no small-number rule here."""
    where, params = _session_where(scope, filters)
    params["r"] = as_of
    present = "a.status = 'present'"
    if filters.by_participant:
        sub, more = _filtered_participants(scope, filters)
        present += f" AND a.participant_id IN ({sub})"
        params.update(more)
    if _summed(conn, scope, filters):  # the day totals by kind
        sql = aggregates.HOURS_BY_KIND_SQL
    else:
        if _totals_hold(conn, scope, filters):  # the session's own count of present marks
            marks = "s.attendance_present"
        else:
            marks = f"(SELECT COUNT(*) FROM attendance a WHERE a.session_id = s.id AND {present})"
        sql = ("SELECT s.kind, COUNT(*) AS sessions, SUM(s.minutes) AS minutes, "
               f"SUM(s.minutes * {marks}) AS present_minutes FROM sessions s WHERE {' AND '.join(where)} "
               "GROUP BY s.kind")
    found = {r["kind"]: r for r in _rows(conn, sql, params)}
    out = []
    for kind in codes.SESSION_KINDS:
        row = found.get(kind) or {"sessions": 0, "minutes": 0, "present_minutes": 0}
        out.append({"kind": kind, "sessions": int(row["sessions"]),
                    "coaching_hours": round(int(row["minutes"] or 0) / 60, 1),
                    "participant_hours": round(int(row["present_minutes"] or 0) / 60, 1)})
    return out


def attendance_by_month(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                        exact: bool | None = None) -> list[dict[str, Any]]:
    """Per month: present, absent and excused marks and the attendance rate (present / (present +
    absent), excused left out, 3 decimals; None when that denominator is 0, or under 5 when the
    small-number rule applies)."""
    exact = _exact(conn, scope, as_of, filters, exact)
    where, params = _session_where(scope, filters)
    params["r"] = as_of
    if _summed(conn, scope, filters):  # the day totals: months with marks only
        sql = aggregates.ATTENDANCE_BY_MONTH_SQL
    elif _totals_hold(conn, scope, filters):  # the sessions' own totals: months with marks only
        sql = (f"SELECT {_month('s.held_on')} AS m, SUM(s.attendance_present) AS present, "
               "SUM(s.attendance_absent) AS absent, SUM(s.attendance_excused) AS excused "
               f"FROM sessions s WHERE {' AND '.join(where)} GROUP BY 1 "
               f"HAVING SUM({attendance_totals.TOTAL}) > 0 ORDER BY 1")
    else:
        if filters.by_participant:
            sub, more = _filtered_participants(scope, filters)
            where.append(f"a.participant_id IN ({sub})")
            params.update(more)
        sql = (f"SELECT {_month('s.held_on')} AS m, "
               "SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END) AS present, "
               "SUM(CASE WHEN a.status = 'absent' THEN 1 ELSE 0 END) AS absent, "
               "SUM(CASE WHEN a.status = 'excused' THEN 1 ELSE 0 END) AS excused "
               f"FROM attendance a JOIN sessions s ON s.id = a.session_id WHERE {' AND '.join(where)} "
               "GROUP BY 1 ORDER BY 1")
    rows = _rows(conn, sql, params)
    out = []
    for r in rows:
        present, absent, excused = int(r["present"]), int(r["absent"]), int(r["excused"])
        marks = present + absent
        rate = None if marks == 0 or (not exact and marks < SMALL) else round(present / marks, 3)
        out.append({"month": _month_start(int(r["m"])), "present": _small(present, exact),
                    "absent": _small(absent, exact), "excused": _small(excused, exact), "rate": rate})
    return out


def employment_status(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                      exact: bool | None = None) -> list[dict[str, Any]]:
    """Status at exit (exited on or before R; "unknown" when no employment row is dated on or
    before the exit) and 6 months after exit (when exit + 6 months <= R): the measured 6-month
    follow-up as the indicators count it, "not_reached" when there is none. One row per point
    ('exit', 'after_6m') and status; zeros are kept so both points show every status."""
    exact = _exact(conn, scope, as_of, filters, exact)
    where, params = _participant_where(scope, filters)
    params["r"] = as_of
    if aggregates.ready(conn) and aggregates.statuses_hold(conn):  # PostgreSQL keeps it per participant
        at_exit = "(SELECT st.exit_status FROM participant_status st WHERE st.participant_id = pts.id)"
    else:
        at_exit = ("(SELECT e.status FROM employment e WHERE e.participant_id = pts.id "
                   "AND e.effective_on <= pts.exited_on ORDER BY e.effective_on DESC LIMIT 1)")
    sql = (
        "WITH pts AS (SELECT p.id, p.exited_on, "
        "CAST(p.exited_on + INTERVAL '6 months' AS DATE) AS followup_on FROM participants p "
        f"WHERE {' AND '.join(where)} AND p.exited_on IS NOT NULL AND p.exited_on <= :r), "
        f"fu AS ({indicators.FOLLOWUP_NEAREST}), "
        "y AS (SELECT pts.id, pts.followup_on, "
        f"{at_exit} AS at_exit, "
        "fu.status AS after_6m FROM pts LEFT JOIN fu ON fu.participant_id = pts.id AND fu.nearest = 1) "
        "SELECT 'exit' AS point, COALESCE(at_exit, 'unknown') AS status, COUNT(*) AS n FROM y GROUP BY 2 "
        "UNION ALL "
        "SELECT 'after_6m' AS point, COALESCE(after_6m, 'not_reached') AS status, COUNT(*) AS n FROM y "
        "WHERE y.followup_on <= :r GROUP BY 2")
    found = {(r["point"], r["status"]): int(r["n"]) for r in _rows(conn, sql, params)}
    return [{"point": point, "status": status, "employed": status in codes.EMPLOYED,
             "n": _small(found.get((point, status), 0), exact)}
            for point, statuses in (("exit", EXIT_STATUSES), ("after_6m", AFTER_6M_STATUSES))
            for status in statuses]


_LEVEL_ORDINAL = "(CASE a.level " + " ".join(
    f"WHEN '{level}' THEN {i + 1}" for i, level in enumerate(LEVELS)) + " END)"


def language_gains(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                   exact: bool | None = None) -> list[dict[str, Any]]:
    """Distribution of the language gain per skill, as the indicator counts it: non-self
    assessments dated <= R, the highest level per date, participants with levels on at least two
    dates; gain = level on the latest date minus level on the earliest (ordinal steps)."""
    exact = _exact(conn, scope, as_of, filters, exact)
    sub, params = _filtered_participants(scope, filters, people_only=False)
    params["r"] = as_of
    gains = indicators.gains_sql(sub)
    if aggregates.ready(conn):  # PostgreSQL's spans, the rows only for spans assessed after R
        gains = aggregates.gains_sql(sub, gains)
    sql = f"SELECT g.skill, g.gain, COUNT(*) AS n FROM ({gains}) g GROUP BY g.skill, g.gain"
    found = sorted(((r["skill"], int(r["gain"]), int(r["n"])) for r in _rows(conn, sql, params)),
                   key=lambda x: (codes.SKILLS.index(x[0]), x[1]))
    return [{"skill": skill, "gain": gain, "n": _small(n, exact)} for skill, gain, n in found]


_STAGE = indicators.STAGE_SQL  # one definition of "stage as of R" for tiles and charts


def _adaptation_where(scope: Scope, f: Filters) -> tuple[list[str], dict[str, Any]]:
    where, params = _company_where(scope, f, "d.company_id")
    where.append("d.proposed_on <= :r")
    if f.by_participant:
        sub, more = _filtered_participants(scope, f)
        where.append(f"d.participant_id IN ({sub})")
        params.update(more)
    return where, params


def adaptations_by_type_stage(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                              exact: bool | None = None) -> list[dict[str, Any]]:
    """Adaptations proposed on or before R, counted by type and by their stage as of R."""
    exact = _exact(conn, scope, as_of, filters, exact)
    where, params = _adaptation_where(scope, filters)
    params["r"] = as_of
    rows = _rows(conn, (f"SELECT d.type, {_STAGE} AS stage, COUNT(*) AS n FROM adaptations d "
                        f"WHERE {' AND '.join(where)} GROUP BY 1, 2"), params)
    rows.sort(key=lambda r: (codes.ADAPTATION_TYPES.index(r["type"]), codes.ADAPTATION_STAGES.index(r["stage"])))
    return [{"type": r["type"], "stage": r["stage"], "n": _small(int(r["n"]), exact)} for r in rows]


def adaptation_totals(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS,
                      exact: bool | None = None) -> dict[str, list[dict[str, Any]]]:
    """The same adaptations counted by stage and, apart, by type: the coarser view that stays
    readable when the small-number rule hides most cells of type x stage."""
    exact = _exact(conn, scope, as_of, filters, exact)
    where, params = _adaptation_where(scope, filters)
    params["r"] = as_of
    out: dict[str, list[dict[str, Any]]] = {}
    for name, expression, order in (("stage", _STAGE, codes.ADAPTATION_STAGES),
                                    ("type", "d.type", codes.ADAPTATION_TYPES)):
        found = {r["code"]: int(r["n"]) for r in _rows(conn, (
            f"SELECT {expression} AS code, COUNT(*) AS n FROM adaptations d "
            f"WHERE {' AND '.join(where)} GROUP BY 1"), params)}
        out[name] = [{"code": code, "n": _small(found[code], exact)} for code in order if code in found]
    return out


def company_adaptations(conn: Connection, scope: Scope, company_id: int, as_of: date) -> list[dict[str, Any]]:
    """One company's adaptations as of R with their stage and owner (the employer's page).
    No participant is named: the workplace sees what changes, not whom a change was for."""
    where, params = _adaptation_where(scope, Filters(company_id=company_id))
    params["r"] = as_of
    rows = _rows(conn, (f"SELECT d.type, d.description, d.owner, d.proposed_on, {_STAGE} AS stage, "
                        "CASE WHEN d.evaluated_on <= :r THEN d.effect END AS effect FROM adaptations d "
                        f"WHERE {' AND '.join(where)} ORDER BY d.proposed_on DESC"), params)
    rows.sort(key=lambda r: codes.ADAPTATION_STAGES.index(r["stage"]))
    return rows


def feedback_latest(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
    """Each company's latest feedback score given on or before R (their mean is the indicator
    employer_satisfaction_mean). A company's score is not a count of people: shown as is."""
    where, params = _company_where(scope, filters, "f.company_id")
    params["r"] = as_of
    return _rows(conn, (
        "SELECT c.name AS company, c.business_id, f.given_on, f.score FROM feedback f "
        "JOIN companies c ON c.id = f.company_id "
        f"WHERE {' AND '.join(where)} AND f.given_on <= :r AND f.given_on = "
        "(SELECT MAX(g.given_on) FROM feedback g WHERE g.company_id = f.company_id AND g.given_on <= :r) "
        "ORDER BY f.score DESC, c.name"), params)


def _cost_where(scope: Scope, f: Filters) -> tuple[list[str], dict[str, Any]]:
    # Costs without a company belong to the whole pilot: only a whole-pilot view without a
    # company or industry filter counts them (as cost_total_eur does).
    return _company_where(scope, f, "c.company_id")


def costs_by_month(conn: Connection, scope: Scope, as_of: date, filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
    """Euros per month and category of costs incurred on or before R."""
    where, params = _cost_where(scope, filters)
    params["r"] = as_of
    rows = _rows(conn, (
        f"SELECT {_month('c.incurred_on')} AS m, c.category, SUM(c.amount_eur) AS amount FROM costs c "
        f"WHERE {' AND '.join(where)} AND c.incurred_on <= :r GROUP BY 1, 2 ORDER BY 1, 2"), params)
    return [{"month": _month_start(int(r["m"])), "category": r["category"],
             "amount_eur": Decimal(r["amount"]).quantize(Decimal("0.01"))} for r in rows]


def budget_vs_actual(conn: Connection, scope: Scope, as_of: date | None = None) -> list[dict[str, Any]]:
    """Per year: the appropriation (its row, else the configured default), the costs incurred
    in the year (up to R when given), what remains and the share used. Whole pilot only: a
    company-bound scope gets nothing, since the appropriation is not split by company."""
    if not scope.whole_pilot:
        return []
    params: dict[str, Any] = {"r": as_of or date(2100, 12, 31)}
    actual = {int(r["y"]): Decimal(r["amount"]) for r in _rows(conn, (
        "SELECT CAST(EXTRACT(YEAR FROM c.incurred_on) AS INTEGER) AS y, SUM(c.amount_eur) AS amount "
        "FROM costs c WHERE c.incurred_on <= :r GROUP BY 1"), params)}
    budget = {int(r["year"]): Decimal(r["amount_eur"]) for r in _rows(
        conn, "SELECT year, amount_eur FROM appropriations", {})}
    default = Decimal(str(settings().appropriation_eur)).quantize(Decimal("0.01"))
    out = []
    for year in sorted(set(actual) | set(budget)):
        appropriation = budget.get(year, default)
        spent = actual.get(year, Decimal("0.00")).quantize(Decimal("0.01"))
        out.append({"year": year, "appropriation_eur": appropriation, "actual_eur": spent,
                    "remaining_eur": appropriation - spent,
                    "used_share": None if not appropriation else round(float(spent / appropriation), 3)})
    return out


def shared_progress(conn: Connection, scope: Scope, company_id: int, as_of: date) -> list[dict[str, Any]]:
    """The employer's view of its participants: only those who agreed to share with the employer.
    Code and job title (never the name), dates, the first and latest assessed level per skill
    (non-self, the highest level of the day) and the employment status as of R."""
    where, params = _participant_where(scope, Filters(company_id=company_id))
    params["r"] = as_of
    people = _rows(conn, (
        "SELECT p.id, p.code, p.job_title, p.enrolled_on, "
        "CASE WHEN p.exited_on <= :r THEN p.exited_on END AS exited_on, "
        "(SELECT e.status FROM employment e WHERE e.participant_id = p.id AND e.effective_on <= :r "
        " ORDER BY e.effective_on DESC LIMIT 1) AS status "
        f"FROM participants p WHERE {' AND '.join(where)} AND p.share_with_employer = TRUE "
        "AND p.anonymised_at IS NULL ORDER BY p.code"), params)
    if not people:
        return []
    ids = [p["id"] for p in people]
    levels = _rows(conn, (
        f"SELECT a.participant_id, a.skill, a.assessed_on, MAX({_LEVEL_ORDINAL}) AS lvl FROM assessments a "
        "WHERE a.participant_id IN :ids AND a.assessed_on <= :r AND a.source <> 'self' "
        "GROUP BY 1, 2, 3 ORDER BY 3"), {"ids": ids, "r": as_of})
    by_person: dict[int, dict[str, list[int]]] = {}
    for row in levels:
        by_person.setdefault(row["participant_id"], {}).setdefault(row["skill"], []).append(int(row["lvl"]))
    out = []
    for p in people:
        entry = {k: p[k] for k in ("code", "job_title", "enrolled_on", "exited_on")}
        entry["status"] = p["status"] or UNKNOWN
        for skill in codes.SKILLS:
            seen = by_person.get(p["id"], {}).get(skill, [])
            entry[skill] = (f"{LEVELS[seen[0] - 1]} → {LEVELS[seen[-1] - 1]}" if len(seen) > 1
                            else LEVELS[seen[0] - 1] if seen else "")
        out.append(entry)
    return out


def company_sessions(conn: Connection, scope: Scope, company_id: int, as_of: date, limit: int = 50) -> list[dict[str, Any]]:
    """The latest sessions of one company (date, kind, mode, minutes): no topics or notes, which
    may speak about people."""
    where, params = _session_where(scope, Filters(company_id=company_id))
    params.update(r=as_of, n=limit)
    return _rows(conn, (f"SELECT s.held_on, s.kind, s.mode, s.minutes FROM sessions s "
                        f"WHERE {' AND '.join(where)} ORDER BY s.held_on DESC, s.id DESC LIMIT :n"), params)


def industries(conn: Connection, scope: Scope) -> list[str]:
    """The industries of the companies in scope (filter options)."""
    cond, params = company_condition(scope, "c.id")
    return [r["industry"] for r in _rows(conn, (
        f"SELECT DISTINCT c.industry FROM companies c WHERE {cond} AND c.industry IS NOT NULL "
        "ORDER BY c.industry"), params)]


def first_languages(conn: Connection, scope: Scope) -> list[str]:
    """The first languages of participants in scope (filter options), most common first."""
    cond, params = company_condition(scope, "p.company_id")
    return [r["first_language"] for r in _rows(conn, (
        f"SELECT p.first_language, COUNT(*) AS n FROM participants p WHERE {cond} "
        "GROUP BY p.first_language ORDER BY n DESC, p.first_language"), params)]


def enrolment_range(conn: Connection, scope: Scope) -> tuple[date, date] | None:
    """The first and last enrolment date in scope (to offer cohort quarters)."""
    cond, params = company_condition(scope, "p.company_id")
    row = conn.execute(bound(f"SELECT MIN(p.enrolled_on), MAX(p.enrolled_on) FROM participants p WHERE {cond}",
                             params), params).first()
    return None if row is None or row[0] is None else (row[0], row[1])
