"""Outcome indicators exactly as shared/spec/INDICATORS.md defines them: one implementation for the
dashboard, the employer page, exports, the follow-up report and ``python -m pilot indicators``.

Everything is computed in SQL (a few aggregate queries, portable to DuckDB and PostgreSQL) with two
parameters: the reference date R and an optional company id. No table is loaded into memory. The
dashboard's extra keyword filters (industry, first language, enrolment cohort) are outside the spec
and change nothing when left out; _Filters says what each narrows.

``compute()`` returns exact figures with exactly the spec's keys in the spec's order.
``suppress()`` applies the small-number rule for services, employers and exports (through
pilot/disclosure.py, which holds the rule for every view).

Denominators used by the small-number rule (a rate or mean is null when this is under 5):

- employed_at_exit_rate: participants_exited
- followup_6m_reach_rate: followup_6m_due
- employed_6m_after_exit_rate, improved_6m_rate: followup_6m_reached
- attendance_rate: attendance rows counted in it (present + absent). The spec says "its own
  denominator", so rows, not people: a handful of people with many sessions still shows a rate,
  while every count of people is suppressed on its own.
- adaptation_mean_effect: adaptations whose stage as of R is evaluated (= adaptations["evaluated"])
- employer_satisfaction_mean: companies with feedback on or before R
- cost_per_participant_eur: participants_enrolled; cost_per_employed_at_exit_eur: employed_at_exit
- language entries: n (mean_gain and improved_share null when n < 5; n itself "<5" when 1-4)

Counts of people, companies and adaptations that are 1-4 become "<5" (0 stays 0). Money
(cost_total_eur) and hours (coaching_hours, participant_hours) are not counts and are left as is.

Spec ambiguities resolved here:

- "Every record dated after R is ignored": participants enrolled after R do not exist, so their
  employment rows, assessments and adaptations do not count either (language and
  participants_with_adaptation_in_use only look at participants enrolled on or before R).
  Employment rows dated after R are ignored; status_at never needs them, since every date it is
  asked about is on or before R.
- The 6-month follow-up is measured (the ``followups`` table), never assumed: a participant due
  but not reached counts in followup_6m_due only; employment rows are never read in its place.
- A participant with exited_on > R is active at R (exited_on is "dated after R").
- The company filter keeps: participants of that company; attendance rows of that company's
  sessions (whoever attended); adaptations, feedback and costs carrying that company_id. Without
  the filter, costs without a company count in cost_total_eur.
- improved_6m with the same employed rank needs weekly_hours on both rows; when either is empty
  the hours cannot be compared and the participant is not counted as improved by hours.
- subsidised_at_exit counts rows whose subsidised is true; empty counts as not subsidised.
- Money sums are exact decimals and rounded only at the end; cost_total_eur is 0.0 with no costs.
- A participant's level on a date is the highest level of any non-self source that day.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.domain.codes import ADAPTATION_STAGES, SKILLS
from pilot.domain.levels import LEVELS
from pilot.i18n import format_number, format_percent_value, t
from pilot.records import aggregates, attendance_totals

INDICATOR_KEYS: tuple[str, ...] = (
    "participants_enrolled",
    "participants_active",
    "participants_exited",
    "companies_active",
    "coaching_hours",
    "participant_hours",
    "attendance_rate",
    "employed_at_exit",
    "employed_at_exit_rate",
    "exit_status_unknown",
    "subsidised_at_exit",
    "followup_6m_due",
    "followup_6m_reached",
    "followup_6m_reach_rate",
    "employed_6m_after_exit",
    "employed_6m_after_exit_rate",
    "improved_6m",
    "improved_6m_rate",
    "language",
    "adaptations",
    "participants_with_adaptation_in_use",
    "adaptation_mean_effect",
    "employer_satisfaction_mean",
    "cost_total_eur",
    "cost_per_participant_eur",
    "cost_per_employed_at_exit_eur",
    "hiring_readiness",
    "companies_hiring",
    "hires_total",
    "hires_of_participants",
)

SMALL = 5
SMALL_TEXT = "<5"
RATE_KEYS = ("attendance_rate", "employed_at_exit_rate", "followup_6m_reach_rate",
             "employed_6m_after_exit_rate", "improved_6m_rate")
EURO_KEYS = ("cost_total_eur", "cost_per_participant_eur", "cost_per_employed_at_exit_eur")
HOUR_KEYS = ("coaching_hours", "participant_hours")
MEAN_KEYS = ("adaptation_mean_effect", "employer_satisfaction_mean")


class Indicators(dict):
    """The indicator dict (exactly INDICATOR_KEYS) plus the denominators that are not themselves
    indicators (attendance rows, companies with feedback), which suppress() needs."""

    denominators: dict[str, int]


# Fixed SQL fragments (never values): status rank and employed test, per the spec's table.
def _rank(col: str) -> str:
    return (f"(CASE WHEN {col} = 'permanent' THEN 3 "
            f"WHEN {col} IN ('fixed_term', 'apprenticeship') THEN 2 "
            f"WHEN {col} IN ('training', 'work_trial') THEN 1 ELSE 0 END)")


def _employed(col: str) -> str:
    return f"{col} IN ('permanent', 'fixed_term', 'apprenticeship')"


_LEVEL_ORDINAL = "(CASE a.level " + " ".join(
    f"WHEN '{level}' THEN {i + 1}" for i, level in enumerate(LEVELS)) + " END)"

# Participants that exist at R (optionally of one company); {company} is a fixed fragment.
_PARTICIPANTS_AT_R = """
    SELECT p.id, p.company_id, p.enrolled_on, p.exited_on
    FROM participants p
    WHERE p.enrolled_on <= :r {company}
"""

_EXITED = "s.exited_on IS NOT NULL AND s.exited_on <= :r"
_DUE = "s.followup_on IS NOT NULL AND s.followup_on <= :r"
_REACHED = f"{_DUE} AND s.followup_status IS NOT NULL"

# A participant's 6-month follow-up candidates, nearest = 1 the one that counts; reads a CTE "pts"
# (id, exited_on, followup_on = exit + 6 months). Also the dashboard's "6 months after exit" point.
FOLLOWUP_NEAREST = """
    SELECT f.participant_id, f.status, f.weekly_hours,
        ROW_NUMBER() OVER (PARTITION BY f.participant_id
                           ORDER BY ABS(CAST(f.contacted_on - pts.followup_on AS BIGINT)),
                                    f.contacted_on DESC) AS nearest
    FROM followups f
    JOIN pts ON pts.id = f.participant_id
    WHERE pts.followup_on IS NOT NULL AND f.reached = TRUE AND f.contacted_on <= :r
      AND f.contacted_on >= CAST(pts.exited_on + INTERVAL '5 months' AS DATE)
      AND f.contacted_on <= CAST(pts.exited_on + INTERVAL '8 months' AS DATE)
"""

_EMPLOYMENT_AT_R = """
-- The dated employment row in force at enrolment and exit: one grouping pass over
-- each participant's rows (three correlated look-ups took twice as long at national size).
rows_on AS (
    SELECT pts.id, pts.company_id, pts.exited_on, pts.followup_on,
        MAX(CASE WHEN e.effective_on <= pts.enrolled_on THEN e.effective_on END) AS enrol_row_on,
        MAX(CASE WHEN e.effective_on <= pts.exited_on THEN e.effective_on END) AS exit_row_on
    FROM pts
    LEFT JOIN employment e ON e.participant_id = pts.id AND e.effective_on <= :r
    GROUP BY pts.id, pts.company_id, pts.exited_on, pts.followup_on
),
s AS (
    SELECT r.id, r.company_id, r.exited_on, r.followup_on,
        e0.status AS enrol_status, e0.weekly_hours AS enrol_hours,
        e1.status AS exit_status, e1.subsidised AS exit_subsidised,
        fu.status AS followup_status, fu.weekly_hours AS followup_hours
    FROM rows_on r
    LEFT JOIN employment e0 ON e0.participant_id = r.id AND e0.effective_on = r.enrol_row_on
    LEFT JOIN employment e1 ON e1.participant_id = r.id AND e1.effective_on = r.exit_row_on
    LEFT JOIN fu ON fu.participant_id = r.id AND fu.nearest = 1
)
"""
_PARTICIPANT_SQL = f"""
WITH base AS ({_PARTICIPANTS_AT_R}),
pts AS (
    SELECT b.id, b.company_id, b.enrolled_on, b.exited_on,
        CASE WHEN b.exited_on <= :r
             THEN CAST(b.exited_on + INTERVAL '6 months' AS DATE) END AS followup_on
    FROM base b
),
-- The 6-month follow-up as of R: of the reached follow-ups in the window (exit + 5 months ..
-- exit + 8 months, both included, contacted on or before R) the one nearest exit + 6 months, a tie
-- going to the later. Only the followups table: an employment row never stands in for one.
fu AS ({FOLLOWUP_NEAREST}),
{_EMPLOYMENT_AT_R}SELECT
    COUNT(*) AS participants_enrolled,
    COALESCE(SUM(CASE WHEN s.exited_on IS NULL OR s.exited_on > :r THEN 1 ELSE 0 END), 0)
        AS participants_active,
    COALESCE(SUM(CASE WHEN {_EXITED} THEN 1 ELSE 0 END), 0) AS participants_exited,
    COUNT(DISTINCT CASE WHEN s.exited_on IS NULL OR s.exited_on > :r THEN s.company_id END)
        AS companies_active,
    COALESCE(SUM(CASE WHEN {_EXITED} AND {_employed('s.exit_status')} THEN 1 ELSE 0 END), 0)
        AS employed_at_exit,
    COALESCE(SUM(CASE WHEN {_EXITED} AND s.exit_status IS NULL THEN 1 ELSE 0 END), 0)
        AS exit_status_unknown,
    COALESCE(SUM(CASE WHEN {_EXITED} AND {_employed('s.exit_status')}
                       AND s.exit_subsidised = TRUE THEN 1 ELSE 0 END), 0) AS subsidised_at_exit,
    COALESCE(SUM(CASE WHEN {_DUE} THEN 1 ELSE 0 END), 0) AS followup_6m_due,
    COALESCE(SUM(CASE WHEN {_REACHED} THEN 1 ELSE 0 END), 0) AS followup_6m_reached,
    COALESCE(SUM(CASE WHEN {_REACHED} AND {_employed('s.followup_status')} THEN 1 ELSE 0 END), 0)
        AS employed_6m_after_exit,
    COALESCE(SUM(CASE WHEN {_REACHED} AND (
            {_rank('s.followup_status')} > {_rank('s.enrol_status')}
            OR ({_rank('s.followup_status')} = {_rank('s.enrol_status')}
                AND {_rank('s.followup_status')} >= 2
                AND s.followup_hours > s.enrol_hours))
        THEN 1 ELSE 0 END), 0) AS improved_6m
FROM s
"""

# The same from PostgreSQL's participant_status (records/aggregates.py): each participant's rows in
# force at enrolment and exit kept by the database, instead of grouping every employment row.
_PARTICIPANT_STATUS_SQL = _PARTICIPANT_SQL.replace(_EMPLOYMENT_AT_R, """s AS (
    SELECT pts.id, pts.company_id, pts.exited_on, pts.followup_on,
        st.enrol_status, st.enrol_hours, st.exit_status, st.exit_subsidised,
        fu.status AS followup_status, fu.weekly_hours AS followup_hours
    FROM pts
    LEFT JOIN participant_status st ON st.participant_id = pts.id
    LEFT JOIN fu ON fu.participant_id = pts.id AND fu.nearest = 1
)
""")

# Sessions with their own totals of marks (pilot/records/attendance_totals.py): one scan of
# sessions. Used when no person-level filter applies and the totals add up to the attendance rows.
_SESSION_TOTALS_SQL = """
SELECT
    COALESCE(SUM(s.minutes), 0) AS session_minutes,
    COALESCE(SUM(s.minutes * s.attendance_present), 0) AS present_minutes,
    COALESCE(SUM(s.attendance_present), 0) AS present_rows,
    COALESCE(SUM(s.attendance_present + s.attendance_absent), 0) AS attendance_rows
FROM sessions s
WHERE s.held_on <= :r {company_s}
"""

# The same figures from the attendance rows themselves (person-level filters, or the safety net).
_SESSION_SQL = """
SELECT
    (SELECT COALESCE(SUM(x.minutes), 0) FROM sessions x
      WHERE x.held_on <= :r {company_x}) AS session_minutes,
    COALESCE(SUM(CASE WHEN a.status = 'present' THEN s.minutes ELSE 0 END), 0) AS present_minutes,
    COALESCE(SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END), 0) AS present_rows,
    COALESCE(SUM(CASE WHEN a.status IN ('present', 'absent') THEN 1 ELSE 0 END), 0)
        AS attendance_rows
FROM attendance a
JOIN sessions s ON s.id = a.session_id
WHERE s.held_on <= :r {company_s}
"""

# The stage of an adaptation as of R (INDICATORS.md), shared with the dashboard's charts.
STAGE_SQL = """CASE
    WHEN d.dropped_on IS NOT NULL AND d.dropped_on <= :r THEN 'dropped'
    WHEN d.evaluated_on IS NOT NULL AND d.evaluated_on <= :r THEN 'evaluated'
    WHEN d.in_use_on IS NOT NULL AND d.in_use_on <= :r THEN 'in_use'
    WHEN d.agreed_on IS NOT NULL AND d.agreed_on <= :r THEN 'agreed'
    ELSE 'proposed' END"""

_ADAPTATION_SQL = f"""
SELECT {STAGE_SQL} AS stage, COUNT(*) AS n, AVG(d.effect) AS mean_effect
FROM adaptations d
WHERE d.proposed_on <= :r {{company_d}}
GROUP BY 1
"""

# Distinct participants (existing at R) with an adaptation in use or evaluated as of R.
_ADAPTED_PARTICIPANTS_SQL = f"""
SELECT COUNT(DISTINCT d.participant_id)
FROM adaptations d
JOIN participants p ON p.id = d.participant_id AND p.enrolled_on <= :r
WHERE d.proposed_on <= :r {{company_d}}
  AND ({STAGE_SQL}) IN ('in_use', 'evaluated')
"""

# Level ordinals must fit in two decimal digits for the packing in gains_sql().
assert len(LEVELS) < 99


def gains_sql(participants: str) -> str:
    """Per participant (of the ``participants`` id subquery) and skill with non-self levels on at
    least two dates on or before :r: the gain, level on the latest date minus level on the earliest,
    the highest level of a day counting. Shared by the indicator and the dashboard's chart.

    One grouping pass: a date and a level are packed into one number, days since year 1 x 100 plus
    the level. MAX of it is the latest date with that day's highest level; MIN of days x 100 plus
    (99 - level) is the earliest date with that day's highest level. Two dates exist exactly when
    the earliest date is before the latest."""
    days = "CAST(a.assessed_on - DATE '0001-01-01' AS BIGINT) * 100"  # positive for any real date
    return f"""
    SELECT a.participant_id, a.skill,
        MOD(MAX({days} + {_LEVEL_ORDINAL}), 100)
            - (99 - MOD(MIN({days} + 99 - {_LEVEL_ORDINAL}), 100)) AS gain
    FROM assessments a
    WHERE a.assessed_on <= :r AND a.source <> 'self' AND a.participant_id IN ({participants})
    GROUP BY a.participant_id, a.skill
    HAVING MIN(a.assessed_on) < MAX(a.assessed_on)
    """


_ALL_ENROLLED = "SELECT p.id FROM participants p WHERE p.enrolled_on <= :r {company}"


def _language_sql(spans: bool) -> str:
    """Per skill: n, mean gain, improved. ``spans``: PostgreSQL's assessment_spans where they answer."""
    gains = gains_sql(_ALL_ENROLLED)
    if spans:
        gains = aggregates.gains_sql(_ALL_ENROLLED, gains)
    return f"""
WITH gains AS ({gains})
SELECT skill, COUNT(*) AS n, AVG(gain) AS mean_gain,
    SUM(CASE WHEN gain >= 1 THEN 1 ELSE 0 END) AS improved
FROM gains
GROUP BY skill
"""


_LANGUAGE_SQL = _language_sql(False)
_LANGUAGE_SPANS_SQL = _language_sql(True)

_FEEDBACK_SQL = """
SELECT COUNT(*) AS companies, AVG(f.score) AS mean_score
FROM feedback f
WHERE f.given_on <= :r {company_f}
  AND f.given_on = (SELECT MAX(g.given_on) FROM feedback g
                     WHERE g.company_id = f.company_id AND g.given_on <= :r)
"""

_COST_SQL = """
SELECT COALESCE(SUM(c.amount_eur), 0) AS total FROM costs c WHERE c.incurred_on <= :r {company_c}
"""

# Hiring readiness (INDICATORS.md "Hiring readiness"): per company its baseline (the earliest
# answer, when answered on or before joined_on + 60 days) and its follow-up (the latest answer on
# or before R and at least 90 days after the baseline). {company_s} narrows s.company_id.
READINESS_PAIRS_SQL = """
WITH firsts AS (
    SELECT s.company_id, MIN(s.answered_on) AS base_on
    FROM employer_surveys s WHERE s.answered_on <= :r {company_s}
    GROUP BY s.company_id
),
base AS (
    SELECT f.company_id, f.base_on, s.readiness AS base_readiness
    FROM firsts f
    JOIN companies c ON c.id = f.company_id
    JOIN employer_surveys s ON s.company_id = f.company_id AND s.answered_on = f.base_on
    WHERE f.base_on <= CAST(c.joined_on + INTERVAL '60 days' AS DATE)
),
lasts AS (
    SELECT b.company_id, MAX(s.answered_on) AS follow_on
    FROM base b JOIN employer_surveys s ON s.company_id = b.company_id
    WHERE s.answered_on <= :r AND CAST(s.answered_on - b.base_on AS BIGINT) >= 90
    GROUP BY b.company_id
)
SELECT b.company_id, b.base_on, b.base_readiness, l.follow_on, s.readiness AS follow_readiness
FROM base b
JOIN lasts l ON l.company_id = b.company_id
JOIN employer_surveys s ON s.company_id = l.company_id AND s.answered_on = l.follow_on
"""

_READINESS_SQL = f"""
WITH pairs AS ({READINESS_PAIRS_SQL})
SELECT COUNT(*) AS n, AVG(CAST(follow_readiness - base_readiness AS DECIMAL(6, 2))) AS mean_change,
    COALESCE(SUM(CASE WHEN follow_readiness - base_readiness >= 1 THEN 1 ELSE 0 END), 0) AS improved
FROM pairs
"""

# Hires counted: hired on or after the company joined and on or before R. {company_h} narrows h.
COUNTED_HIRES_SQL = """
SELECT h.id, h.company_id, h.hired_on, h.participant_id
FROM hires h JOIN companies c ON c.id = h.company_id
WHERE h.hired_on >= c.joined_on AND h.hired_on <= :r {company_h}
"""

_HIRES_SQL = f"""
SELECT COUNT(DISTINCT k.company_id) AS companies_hiring, COUNT(*) AS hires_total,
    COALESCE(SUM(CASE WHEN k.participant_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS hires_of_participants
FROM ({COUNTED_HIRES_SQL}) k
"""


def company_id_for(conn: Connection, business_id: str) -> int | None:
    """The id of the company with this business_id, or None when there is none."""
    row = conn.execute(sa.text("SELECT id FROM companies WHERE business_id = :b"),
                       {"b": business_id.strip()}).first()
    return None if row is None else int(row[0])


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _ratio(numerator: float | int, denominator: float | int, decimals: int) -> float | None:
    return None if not denominator else round(float(numerator) / float(denominator), decimals)


class _Filters:
    """Fixed SQL fragments (values always go through named binds) for the filters of compute().

    Company-level filters (company, industry) narrow participants and every company's records.
    Person-level filters (first language, enrolment cohort) narrow participants, and with them
    the attendance rows of those participants, the sessions some of them attended and the
    adaptations made for them; feedback and costs belong to companies, so only company-level
    filters narrow them.
    """

    def __init__(self, company_id: int | None, industry: str | None, first_language: str | None,
                 cohort: tuple[date, date] | None, company_ids: frozenset[int] | None = None) -> None:
        self.params: dict[str, Any] = {}
        self._company: list[str] = []
        self._person: list[str] = []
        if company_id is not None:
            self.params["cid"] = int(company_id)
            self._company.append("AND {col} = :cid")
        if company_ids is not None:  # a set of companies (a coach's own): one named bind each
            ids = sorted(int(i) for i in company_ids) or [-1]
            self.params.update({f"cids{i}": cid for i, cid in enumerate(ids)})
            self._company.append("AND {col} IN (" + ", ".join(f":cids{i}" for i in range(len(ids))) + ")")
        if industry is not None:
            self.params["industry"] = industry
            self._company.append(
                "AND {col} IN (SELECT ci.id FROM companies ci WHERE ci.industry = :industry)")
        if first_language is not None:
            self.params["first_language"] = first_language
            self._person.append("AND p.first_language = :first_language")
        if cohort is not None:
            self.params["cohort_start"], self.params["cohort_end"] = cohort
            self._person.append("AND p.enrolled_on >= :cohort_start AND p.enrolled_on <= :cohort_end")

    @property
    def by_person(self) -> bool:
        """Whether a person-level filter applies (attendance must then be read row by row)."""
        return bool(self._person)

    def company(self, column: str) -> str:
        return " ".join(fragment.format(col=column) for fragment in self._company)

    def participants(self) -> str:
        """Conditions on participants aliased p: their company and the person-level filters."""
        return self.company("p.company_id") + " " + " ".join(self._person)

    def _persons_in(self, column: str) -> str:
        if not self._person:
            return ""
        return (f"AND {column} IN (SELECT p.id FROM participants p WHERE p.enrolled_on <= :r "
                + " ".join(self._person) + ")")

    def sessions(self, alias: str) -> str:
        extra = "" if not self._person else (
            f"AND EXISTS (SELECT 1 FROM attendance ax WHERE ax.session_id = {alias}.id "
            + self._persons_in("ax.participant_id") + ")")
        return self.company(f"{alias}.company_id") + " " + extra

    def attendance(self) -> str:
        return self.company("s.company_id") + " " + self._persons_in("a.participant_id")

    def adaptations(self) -> str:
        return self.company("d.company_id") + " " + self._persons_in("d.participant_id")


def compute(conn: Connection, as_of: date, company_id: int | None = None, *,
            industry: str | None = None, first_language: str | None = None,
            cohort: tuple[date, date] | None = None, company_ids: frozenset[int] | None = None) -> Indicators:
    """Every indicator as of ``as_of`` (R), exact figures.

    ``company_id`` is the spec's company filter. The keyword filters serve the dashboard: the
    companies of one industry (TOL code), participants of one first language, participants
    enrolled within ``cohort`` (first and last day, inclusive); see _Filters for what they narrow.
    ``company_ids`` narrows to a set of companies as ``company_id`` does to one (a coach's own).
    """
    where = _Filters(company_id, industry, first_language, cohort, company_ids)
    params: dict[str, Any] = {"r": as_of, **where.params}

    def run(sql: str, **fragments: str):
        return conn.execute(sa.text(sql.format(**fragments)), params)

    summed = aggregates.ready(conn)  # PostgreSQL's whole-pilot aggregates (records/aggregates.py)
    statuses = _PARTICIPANT_STATUS_SQL if summed and aggregates.statuses_hold(conn) else _PARTICIPANT_SQL
    p = run(statuses, company=where.participants()).mappings().one()
    enrolled = int(p["participants_enrolled"])
    exited = int(p["participants_exited"])
    employed_at_exit = int(p["employed_at_exit"])
    due = int(p["followup_6m_due"])
    reached = int(p["followup_6m_reached"])
    employed_6m = int(p["employed_6m_after_exit"])
    improved = int(p["improved_6m"])

    company_s = where.company("s.company_id")
    if summed and not where.params:
        s = run(aggregates.SESSION_TOTALS_SQL).mappings().one()
    elif where.by_person or not attendance_totals.consistent(conn, company_s, where.params):
        s = run(_SESSION_SQL, company_x=where.sessions("x"),
                company_s=where.attendance()).mappings().one()
    else:
        s = run(_SESSION_TOTALS_SQL, company_s=company_s).mappings().one()
    attendance_rows = int(s["attendance_rows"])

    stages = {stage: 0 for stage in ADAPTATION_STAGES}
    evaluated_mean: float | None = None
    company_d = where.adaptations()
    for row in run(_ADAPTATION_SQL, company_d=company_d).mappings():
        stages[row["stage"]] = int(row["n"])
        if row["stage"] == "evaluated":
            evaluated_mean = _num(row["mean_effect"])
    with_in_use = int(run(_ADAPTED_PARTICIPANTS_SQL, company_d=company_d).scalar_one())

    language = {skill: {"n": 0, "mean_gain": None, "improved_share": None} for skill in SKILLS}
    for row in run(_LANGUAGE_SPANS_SQL if summed else _LANGUAGE_SQL, company=where.participants()).mappings():
        n = int(row["n"])
        language[row["skill"]] = {
            "n": n,
            "mean_gain": round(_num(row["mean_gain"]), 2) if n else None,
            "improved_share": _ratio(int(row["improved"]), n, 3),
        }

    f = run(_FEEDBACK_SQL, company_f=where.company("f.company_id")).mappings().one()
    companies_with_feedback = int(f["companies"])
    cost_total = Decimal(run(_COST_SQL, company_c=where.company("c.company_id")).scalar_one())

    ready = run(_READINESS_SQL, company_s=where.company("s.company_id")).mappings().one()
    ready_n = int(ready["n"])
    hiring = run(_HIRES_SQL, company_h=where.company("h.company_id")).mappings().one()

    result = Indicators(
        participants_enrolled=enrolled,
        participants_active=int(p["participants_active"]),
        participants_exited=exited,
        companies_active=int(p["companies_active"]),
        coaching_hours=round(int(s["session_minutes"]) / 60, 1),
        participant_hours=round(int(s["present_minutes"]) / 60, 1),
        attendance_rate=_ratio(int(s["present_rows"]), attendance_rows, 3),
        employed_at_exit=employed_at_exit,
        employed_at_exit_rate=_ratio(employed_at_exit, exited, 3),
        exit_status_unknown=int(p["exit_status_unknown"]),
        subsidised_at_exit=int(p["subsidised_at_exit"]),
        followup_6m_due=due,
        followup_6m_reached=reached,
        followup_6m_reach_rate=_ratio(reached, due, 3),
        employed_6m_after_exit=employed_6m,
        employed_6m_after_exit_rate=_ratio(employed_6m, reached, 3),
        improved_6m=improved,
        improved_6m_rate=_ratio(improved, reached, 3),
        language=language,
        adaptations=stages,
        participants_with_adaptation_in_use=with_in_use,
        adaptation_mean_effect=None if evaluated_mean is None else round(evaluated_mean, 2),
        employer_satisfaction_mean=(None if not companies_with_feedback
                                    else round(_num(f["mean_score"]), 2)),
        cost_total_eur=round(float(cost_total), 2),
        cost_per_participant_eur=_ratio(cost_total, enrolled, 2),
        cost_per_employed_at_exit_eur=_ratio(cost_total, employed_at_exit, 2),
        hiring_readiness={"n": ready_n,
                          "mean_change": round(_num(ready["mean_change"]), 2) if ready_n else None,
                          "improved_share": _ratio(int(ready["improved"]), ready_n, 3)},
        companies_hiring=int(hiring["companies_hiring"]),
        hires_total=int(hiring["hires_total"]),
        hires_of_participants=int(hiring["hires_of_participants"]),
    )
    result.denominators = {
        "participants_exited": exited,
        "followup_6m_due": due,
        "followup_6m_reached": reached,
        "participants_enrolled": enrolled,
        "employed_at_exit": employed_at_exit,
        "attendance_rows": attendance_rows,
        "adaptations_evaluated": stages["evaluated"],
        "companies_with_feedback": companies_with_feedback,
    }
    return result


def suppress(result: dict[str, Any]) -> dict[str, Any]:
    """The small-number rule (INDICATORS.md D1-D3) on the indicator object: pilot.disclosure, the
    one implementation every view reads through. Takes compute()'s result; given a plain dict
    (without the attendance-row and feedback-company denominators) those two means are nulled,
    erring on the side of privacy."""
    from pilot import disclosure

    return disclosure.protect_indicators(result, getattr(result, "denominators", None))


def as_json(result: dict[str, Any], as_of: date) -> dict[str, Any]:
    """The export form: "as_of" (ISO date) first, then exactly the indicator keys."""
    return {"as_of": as_of.isoformat(), **{key: result[key] for key in INDICATOR_KEYS}}


def labels(lang: str) -> dict[str, str]:
    """Short label of every indicator key, in the given language."""
    return {key: t(f"indicator.{key}.label", lang) for key in INDICATOR_KEYS}


def definitions(lang: str) -> dict[str, str]:
    """One-sentence definition of every indicator key (hover text), in the given language."""
    return {key: t(f"indicator.{key}.definition", lang) for key in INDICATOR_KEYS}


def _show(key: str, value: Any, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if key in RATE_KEYS or key == "improved_share":
        return format_percent_value(value, lang, 1)
    if key in EURO_KEYS:
        return format_number(value, lang, 2) + " €"
    if key in HOUR_KEYS:
        return format_number(value, lang, 1)
    if key in MEAN_KEYS or key == "mean_gain":
        return format_number(value, lang, 2)
    return format_number(value, lang)


def format_table(result: dict[str, Any], as_of: date, lang: str) -> str:
    """A readable two-column table (label, value) with translated labels."""
    names = labels(lang)
    rows: list[tuple[str, str]] = [(t("indicators.as_of", lang), as_of.isoformat())]
    for key in INDICATOR_KEYS:
        value = result[key]
        if key == "language":
            for skill, entry in value.items():
                rows.append((f"{names[key]}: {t(f'code.skill.{skill}', lang)}", t(
                    "indicators.language_entry", lang, n=_show("n", entry["n"], lang),
                    mean_gain=_show("mean_gain", entry["mean_gain"], lang),
                    improved_share=_show("improved_share", entry["improved_share"], lang))))
        elif key == "hiring_readiness":
            rows.append((names[key], t(
                "hiring.readiness_entry", lang, n=_show("n", value["n"], lang),
                mean_change=_show("mean_gain", value["mean_change"], lang),
                improved_share=_show("improved_share", value["improved_share"], lang))))
        elif key == "adaptations":
            for stage, n in value.items():
                rows.append((f"{names[key]}: {t(f'code.stage.{stage}', lang)}", _show(key, n, lang)))
        else:
            rows.append((names[key], _show(key, value, lang)))
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {shown}" for label, shown in rows]
    lines.append("")
    lines.append(t("indicators.dash_note", lang))
    return "\n".join(lines)
