"""Benchmark data generated inside the database: pilot, city and national size.

Every value is arithmetic on a row number from ``generate_series``, so the same scale always gives
the same rows, on DuckDB and PostgreSQL alike, and ten million sessions are written by the
database itself instead of crossing the driver one by one. The rows obey
shared/spec/DATA-FILES.md:

- business ids are valid Y-tunnus: the check digit is computed in SQL from the weights
  7 9 10 5 8 4 2, and bodies whose remainder is 1 (no check digit exists) are skipped;
- a participant's exit is at least 150 days after enrolment; attendance rows exist only for a
  participant of the session's company who is enrolled and not exited on the session's date;
- a work trial is one period of 60-119 days at the participant's own employer, so it stays within
  the 6-month (employer) and 12-month (total) limits of pilot/domain/work_trial.py;
- employment rows have unique dates per participant; subsidised only with an employed status;
- adaptation dates follow proposed <= agreed <= in_use <= evaluated <= dropped, and effect is set
  exactly when evaluated_on is;
- assessments are unique per (participant, skill, date, source) with levels from the scale.

Natural keys carry the row number (companies are numbered by id order, participants ``BP<n>``,
sessions ``BS<n>``), which is how one generated table finds its parents without relying on the
ids a sequence hands out. Sessions and their attendance are written in chunks, one transaction
each, so memory stays flat.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot.domain.levels import LEVELS
from pilot.records import attendance_totals, participants

START = date(2023, 1, 2)
DAYS = 1095  # three years of pilot
AS_OF = START + timedelta(days=DAYS - 1)  # the reference date the benchmark measures at
CHUNK = 1_000_000  # sessions per transaction


@dataclass(frozen=True)
class Scale:
    companies: int
    participants: int
    sessions: int


SCALES: dict[str, Scale] = {
    "pilot": Scale(20, 150, 3_000),
    "city": Scale(500, 10_000, 300_000),
    "national": Scale(20_000, 200_000, 10_000_000),
}
USERS = (("bench-admin", "admin"), ("bench-services", "services"), ("bench-coach", "coach"),
         ("bench-employer", "employer"))

# Fixed SQL fragments. {n} is the generated row number (BIGINT), :start the first day.
_DAY = "CAST(:start AS DATE) + CAST({x} AS INTEGER)"
_SERIES = "generate_series(CAST(1 AS BIGINT), CAST(:count AS BIGINT)) AS g(n)"
_COMPANY_K = "(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS k FROM companies)"
_DIGITS = " + ".join(f"{w} * CAST(SUBSTRING(b.body, {i + 1}, 1) AS INTEGER)"
                     for i, w in enumerate((7, 9, 10, 5, 8, 4, 2)))
_LEVEL = "(CASE {x} " + " ".join(f"WHEN {i + 1} THEN '{lvl}'" for i, lvl in enumerate(LEVELS)) + " END)"


def _pick(x: str, values: tuple[str, ...]) -> str:
    """CASE on ``x`` modulo len(values): a fixed fragment choosing one of fixed literals."""
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE ({x}) % {len(values)} {whens} END)"


_COMPANIES_SQL = f"""
INSERT INTO companies (business_id, name, industry, size_class, joined_on, contact_name, contact_email)
SELECT y.body || '-' || CAST(CASE WHEN y.r = 0 THEN 0 ELSE 11 - y.r END AS VARCHAR),
    'Benchmark Oy ' || CAST(y.k AS VARCHAR),
    {_pick('y.k', ('81.21', '56.10', '87.30', '52.10', '41.20', '55.10', '47.11', '56.29'))},
    {_pick('y.k', ('1-9', '10-49', '50-249', '250+', '10-49'))},
    {_DAY.format(x='y.k % 60')},
    'Yhteyshenkilö ' || CAST(y.k AS VARCHAR),
    'contact' || CAST(y.k AS VARCHAR) || '@bench.example'
FROM (
    SELECT x.body, x.r, ROW_NUMBER() OVER (ORDER BY x.body) AS k
    FROM (SELECT b.body, ({_DIGITS}) % 11 AS r
          FROM (SELECT CAST(1000000 + g.n AS VARCHAR) AS body FROM {_SERIES}) b) x
    WHERE x.r <> 1
) y
WHERE y.k <= :companies
"""

# Enrolment day e in [0, DAYS - 400); exit (3 in 5) 150-449 days later, only when on or before R.
_ENROL = "((g.n * 53) % (:days - 400))"
_EXIT = f"({_ENROL} + 150 + (g.n * 17) % 300)"
_PARTICIPANTS_SQL = f"""
INSERT INTO participants (code, company_id, enrolled_on, exited_on, first_language, job_title,
                          occupation_code, share_with_employer, coach_id)
SELECT 'BP' || CAST(g.n AS VARCHAR), c.id, {_DAY.format(x=_ENROL)},
    CASE WHEN g.n % 5 < 3 AND {_EXIT} < :days THEN {_DAY.format(x=_EXIT)} END,
    {_pick('g.n', ('ar', 'so', 'ru', 'fa', 'et', 'uk', 'vi', 'ti'))},
    {_pick('g.n', ('Siivooja', 'Keittiöapulainen', 'Hoiva-avustaja', 'Varastotyöntekijä'))},
    {_pick('g.n', ('9112', '9412', '5329', '9333'))},
    g.n % 2 = 0, :coach
FROM {_SERIES}
JOIN {_COMPANY_K} c ON c.k = (g.n - 1) % :companies + 1
"""

# Participant number n and its dates, for the tables that hang on participants.
# (_FOLLOWUPS_SQL below: 4 in 5 exited participants are asked 5.5-7.5 months after exit, and
# 6 in 7 of those are reached; the rest of the due ones stay unmeasured.)
_P = """(SELECT p.id, CAST(SUBSTRING(p.code, 3) AS BIGINT) AS n, p.enrolled_on, p.exited_on,
                p.company_id, c.business_id
         FROM participants p JOIN companies c ON c.id = p.company_id WHERE p.code LIKE 'BP%')"""
_EMPLOYED = ("permanent", "fixed_term", "apprenticeship")
_EXIT_STATUS = ("permanent", "fixed_term", "unemployed", "apprenticeship", "training", "other",
                "fixed_term")
_EMPLOYMENT_SQL = f"""
INSERT INTO employment (participant_id, effective_on, status, weekly_hours, subsidised, employer_business_id)
SELECT q.id, q.effective_on, q.status,
    CASE WHEN q.status IN ('permanent', 'fixed_term', 'apprenticeship') THEN 20 + q.n % 21 END,
    CASE WHEN q.status IN ('permanent', 'fixed_term', 'apprenticeship') THEN q.n % 3 = 0 END,
    CASE WHEN q.status IN ('permanent', 'fixed_term', 'apprenticeship', 'work_trial')
         THEN q.business_id END
FROM (
    -- the row at enrolment (1 in 11 has none: status unknown)
    SELECT p.id, p.n, p.business_id, p.enrolled_on AS effective_on,
        {_pick('p.n', ('unemployed', 'training', 'fixed_term', 'unemployed', 'other', 'permanent'))} AS status
    FROM {_P} p WHERE p.n % 11 <> 0
    UNION ALL
    -- a work trial of 60-119 days (one period, own employer), starting 10 days after enrolment
    SELECT p.id, p.n, p.business_id, p.enrolled_on + 10, 'work_trial' FROM {_P} p WHERE p.n % 4 = 0
    UNION ALL
    SELECT p.id, p.n, p.business_id, p.enrolled_on + CAST(70 + p.n % 60 AS INTEGER),
        {_pick('p.n', ('unemployed', 'fixed_term', 'training'))}
    FROM {_P} p WHERE p.n % 4 = 0
    UNION ALL
    -- the row at exit, and for some a change four months later (before the 6-month follow-up)
    SELECT p.id, p.n, p.business_id, p.exited_on, {_pick('p.n', _EXIT_STATUS)}
    FROM {_P} p WHERE p.exited_on IS NOT NULL AND p.n % 11 <> 0
    UNION ALL
    SELECT p.id, p.n, p.business_id, p.exited_on + 120, {_pick('p.n * 3', _EXIT_STATUS)}
    FROM {_P} p WHERE p.exited_on IS NOT NULL AND p.n % 3 = 1
        AND p.exited_on + 120 <= CAST(:as_of AS DATE)
) q
"""

# Three dates per skill (enrolment + 5, + 100, + 200 days, the last two only up to R); coach or
# YKI assessments with a level that grows, plus a self-assessment on the first date.
_ASSESSMENTS_SQL = f"""
INSERT INTO assessments (participant_id, skill, assessed_on, source, level)
SELECT q.id, q.skill, q.assessed_on, q.source, {_LEVEL.format(x='q.lvl')}
FROM (
    SELECT p.id, sk.skill, p.enrolled_on + CAST(5 + 95 * st.step + sk.i AS INTEGER) AS assessed_on,
        CASE WHEN st.step = 2 AND p.n % 4 = 0 THEN 'yki' ELSE 'coach' END AS source,
        1 + (p.n + sk.i) % 5 + CASE WHEN (p.n + sk.i) % 3 = 0 THEN 0 ELSE st.step END AS lvl
    FROM {_P} p
    CROSS JOIN (SELECT 0 AS i, 'speaking' AS skill UNION ALL SELECT 1, 'listening'
                UNION ALL SELECT 2, 'reading' UNION ALL SELECT 3, 'writing') sk
    CROSS JOIN (SELECT 0 AS step UNION ALL SELECT 1 UNION ALL SELECT 2) st
    WHERE p.enrolled_on + CAST(5 + 95 * st.step + sk.i AS INTEGER) <= CAST(:as_of AS DATE)
    UNION ALL
    SELECT p.id, 'speaking', p.enrolled_on + 5, 'self', 2 + p.n % 6 FROM {_P} p WHERE p.n % 2 = 0
) q
"""

_TYPES = ("plain_language", "visual_instructions", "translated_materials", "glossary",
          "language_buddy", "task_restructuring", "working_time", "supervisor_training",
          "digital_aid", "other")
# One adaptation for every second participant, at a stage by n % 5: proposed, agreed, in use,
# evaluated (with an effect), dropped. Dates only move forward.
_ADAPTATIONS_SQL = f"""
INSERT INTO adaptations (ref, company_id, participant_id, type, description, proposed_on, agreed_on,
                         in_use_on, evaluated_on, dropped_on, effect, owner)
SELECT 'BA' || CAST(p.n AS VARCHAR), p.company_id, p.id, {_pick('p.n', _TYPES)},
    'Benchmark adaptation ' || CAST(p.n AS VARCHAR),
    p.enrolled_on + 15,
    CASE WHEN p.n % 5 >= 1 THEN p.enrolled_on + 25 END,
    CASE WHEN p.n % 5 >= 2 THEN p.enrolled_on + 45 END,
    CASE WHEN p.n % 5 = 3 THEN p.enrolled_on + 125 END,
    CASE WHEN p.n % 5 = 4 THEN p.enrolled_on + 145 END,
    CASE WHEN p.n % 5 = 3 THEN 1 + (p.n % 7) % 5 END,
    'Esihenkilö'
FROM {_P} p WHERE p.n % 2 = 0
UNION ALL
SELECT 'BW' || CAST(c.k AS VARCHAR), c.id, NULL, {_pick('c.k + 3', _TYPES)},
    'Workplace adaptation ' || CAST(c.k AS VARCHAR),
    {_DAY.format(x='30 + c.k % 200')}, {_DAY.format(x='40 + c.k % 200')},
    {_DAY.format(x='60 + c.k % 200')}, NULL, NULL, NULL, NULL
FROM {_COMPANY_K} c
"""

_FEEDBACK_SQL = f"""
INSERT INTO feedback (company_id, given_on, score, comment)
SELECT c.id, {_DAY.format(x='100 + c.k % 300')}, 1 + c.k % 5, NULL FROM {_COMPANY_K} c
UNION ALL
SELECT c.id, {_DAY.format(x='600 + c.k % 300')}, 1 + (c.k * 3) % 5, 'Hyvä' FROM {_COMPANY_K} c
WHERE c.k % 2 = 0
"""

_FOLLOWUPS_SQL = f"""
INSERT INTO followups (participant_id, contacted_on, reached, status, weekly_hours, subsidised, source)
SELECT p.id, p.exited_on + CAST(167 + p.n % 61 AS INTEGER), p.n % 7 <> 0,
    CASE WHEN p.n % 7 <> 0 THEN {_pick('p.n', ('permanent', 'unemployed', 'fixed_term', 'training', 'apprenticeship'))} END,
    CASE WHEN p.n % 7 <> 0 AND p.n % 5 IN (0, 2, 4) THEN 15 + p.n % 26 END,
    NULL, {_pick('p.n', ('phone', 'email', 'register'))}
FROM {_P} p WHERE p.exited_on IS NOT NULL AND p.n % 5 <> 0
"""

_COSTS_SQL = f"""
INSERT INTO costs (ref, incurred_on, category, amount_eur, description, company_id)
SELECT 'BK' || CAST(g.n AS VARCHAR), {_DAY.format(x='(g.n * 13) % :days')},
    {_pick('g.n', ('service_purchase', 'grant', 'co_funding', 'staff', 'other'))},
    CAST(100 + (g.n * 37) % 5000 AS NUMERIC(12, 2)) + 0.25, NULL,
    CASE WHEN g.n % 3 = 0 THEN NULL ELSE c.id END
FROM {_SERIES}
JOIN {_COMPANY_K} c ON c.k = (g.n - 1) % :companies + 1
"""

# Sessions n in [lo, hi]: company by n, a day in [60, DAYS) spread by a multiplier.
_SESSIONS_SQL = f"""
INSERT INTO sessions (ref, company_id, held_on, minutes, kind, mode, coach_id)
SELECT 'BS' || CAST(g.n AS VARCHAR), c.id, {_DAY.format(x='60 + (g.n * 7919) % (:days - 60)')},
    30 + 15 * CAST(g.n % 7 AS INTEGER),
    {_pick('g.n', ('language_lesson', 'on_the_job', 'supervisor_guidance', 'language_lesson',
                   'redesign_workshop', 'materials', 'assessment', 'other'))},
    CASE WHEN g.n % 4 = 0 THEN 'remote' ELSE 'onsite' END, :coach
FROM (SELECT CAST(:lo AS BIGINT) - 1 + x.n AS n
      FROM generate_series(CAST(1 AS BIGINT), CAST(:count AS BIGINT)) AS x(n)) g
JOIN {_COMPANY_K} c ON c.k = (g.n - 1) % :companies + 1
"""

# Attendance of the sessions just written (id > :after): the company's participants who are
# enrolled and not exited on the day, one in three of them (by session and participant number).
_ATTENDANCE_SQL = """
INSERT INTO attendance (session_id, participant_id, status)
SELECT s.id, p.id,
    CASE (s.n * 3 + p.n) % 10 WHEN 0 THEN 'absent' WHEN 1 THEN 'absent' WHEN 2 THEN 'excused'
         ELSE 'present' END
FROM (SELECT id, company_id, held_on, CAST(SUBSTRING(ref, 3) AS BIGINT) AS n FROM sessions
      WHERE id > :after AND ref LIKE 'BS%') s
JOIN (SELECT id, company_id, enrolled_on, exited_on, CAST(SUBSTRING(code, 3) AS BIGINT) AS n
      FROM participants WHERE code LIKE 'BP%') p ON p.company_id = s.company_id
WHERE p.enrolled_on <= s.held_on AND (p.exited_on IS NULL OR p.exited_on >= s.held_on)
  AND (s.n + p.n) % 3 = 0
"""

# Rows for the import measurement: n new sessions (refs BI<n>) on a day when participant
# BP<m> of that company is enrolled, and that participant's attendance on each.
_IMPORT_ROWS_SQL = """
SELECT 'BI' || CAST(g.n AS VARCHAR) AS ref, c.business_id, p.code,
    p.enrolled_on + CAST(1 + g.n % 100 AS INTEGER) AS held_on
FROM generate_series(CAST(1 AS BIGINT), CAST(:count AS BIGINT)) AS g(n)
JOIN participants p ON p.code = 'BP' || CAST((g.n * 7) % :participants + 1 AS VARCHAR)
JOIN companies c ON c.id = p.company_id
ORDER BY g.n
"""


def _users(conn: sa.Connection) -> dict[str, int]:
    ids = {}
    for username, role in USERS:
        ids[username] = int(conn.execute(sa.text(
            "INSERT INTO users (username, display_name, role, whole_pilot) VALUES (:u, :d, :r, :w) "
            "RETURNING id"), {"u": username, "d": username, "r": role, "w": role != "employer"}).scalar_one())
    first = conn.execute(sa.text("SELECT MIN(id) FROM companies")).scalar_one()
    conn.execute(sa.text("INSERT INTO user_companies (user_id, company_id) VALUES (:u, :c)"),
                 {"u": ids["bench-employer"], "c": first})
    return ids


def generate(engine: Engine, scale: Scale, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write the benchmark pilot of ``scale`` into an empty migrated database; return row counts."""
    say = progress or (lambda _msg: None)
    base: dict[str, Any] = {"start": START, "days": DAYS, "as_of": AS_OF, "companies": scale.companies}
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT COUNT(*) FROM companies")).scalar_one():
            raise ValueError("the benchmark needs an empty database")
        conn.execute(sa.text(_COMPANIES_SQL), {**base, "count": scale.companies + scale.companies // 5 + 50})
        coach = _users(conn)["bench-coach"]
        base["coach"] = coach
        say("companies")
        conn.execute(sa.text(_PARTICIPANTS_SQL), {**base, "count": scale.participants})
        participants.claim_new_codes(conn)
        say("participants")
        for sql in (_EMPLOYMENT_SQL, _ASSESSMENTS_SQL, _ADAPTATIONS_SQL, _FEEDBACK_SQL, _FOLLOWUPS_SQL):
            conn.execute(sa.text(sql), base)
        conn.execute(sa.text(_COSTS_SQL), {**base, "count": max(scale.companies, 50)})
        conn.execute(sa.text("INSERT INTO appropriations (year, amount_eur) VALUES (2023, 5000000), "
                             "(2024, 5000000), (2025, 5000000)"))
        say("employment, assessments, adaptations, feedback, costs")
    for lo in range(1, scale.sessions + 1, CHUNK):
        count = min(CHUNK, scale.sessions - lo + 1)
        with engine.begin() as conn:
            after = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM sessions")).scalar_one()
            conn.execute(sa.text(_SESSIONS_SQL), {**base, "lo": lo, "count": count})
            if conn.dialect.name == "postgresql":
                # Statistics of the sessions just written: without them PostgreSQL joined every
                # participant to each new session in a nested loop (city size: minutes, not seconds).
                conn.execute(sa.text("ANALYZE sessions"))
                conn.execute(sa.text("ANALYZE participants"))
            conn.execute(sa.text(_ATTENDANCE_SQL), {"after": after})
            attendance_totals.refresh_all(conn, after)
        say(f"sessions {lo + count - 1:,}/{scale.sessions:,}")
    return counts(engine)


TABLES = ("companies", "participants", "sessions", "attendance", "employment", "assessments",
          "adaptations", "feedback", "costs")


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table (the fixed list above)."""
    with engine.connect() as conn:
        return {t: int(conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES}


def import_rows(engine: Engine, count: int, participants: int) -> list[dict[str, Any]]:
    """``count`` new sessions for the import measurement (see _IMPORT_ROWS_SQL)."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            sa.text(_IMPORT_ROWS_SQL), {"count": count, "participants": participants})]


def user_id(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT id FROM users WHERE username = :u"),
                                {"u": username}).scalar_one())


def company_ids(engine: Engine, limit: int) -> list[int]:
    """The first companies by id (the session-logging writers spread over them)."""
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(
            sa.text("SELECT id FROM companies ORDER BY id LIMIT :n"), {"n": limit})]


def busy_company_ids(engine: Engine, limit: int, on: date) -> list[int]:
    """The first companies by id with participants enrolled and not exited on a day: the
    session-logging writers, so that each one books a real group as a coach would."""
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(sa.text(
            "SELECT c.id FROM companies c WHERE EXISTS (SELECT 1 FROM participants p "
            "WHERE p.company_id = c.id AND p.enrolled_on <= :d AND (p.exited_on IS NULL OR p.exited_on >= :d)) "
            "ORDER BY c.id LIMIT :n"), {"d": on, "n": limit})]


def active_participants(engine: Engine, company_id: int, on: date) -> list[int]:
    """Participants of a company enrolled and not exited on a day (whom a new session books)."""
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(sa.text(
            "SELECT id FROM participants WHERE company_id = :c AND enrolled_on <= :d "
            "AND (exited_on IS NULL OR exited_on >= :d) ORDER BY id"), {"c": company_id, "d": on})]


# The naive baseline (pilot/bench.py) loads these whole tables into pandas.
NAIVE_SQL: dict[str, str] = {
    "participants": "SELECT id, company_id, enrolled_on, exited_on FROM participants",
    "employment": "SELECT participant_id, effective_on, status, weekly_hours, subsidised FROM employment",
    "sessions": "SELECT id, company_id, held_on, minutes FROM sessions",
    "attendance": "SELECT session_id, participant_id, status FROM attendance",
    "adaptations": ("SELECT participant_id, company_id, proposed_on, agreed_on, in_use_on, evaluated_on, "
                    "dropped_on, effect FROM adaptations"),
    "assessments": "SELECT participant_id, skill, assessed_on, source, level FROM assessments",
    "feedback": "SELECT company_id, given_on, score FROM feedback",
    "costs": "SELECT incurred_on, amount_eur, company_id FROM costs",
    "followups": "SELECT participant_id, contacted_on, reached, status, weekly_hours FROM followups",
    "companies": "SELECT id, joined_on FROM companies",
    "employer_surveys": "SELECT company_id, answered_on, readiness FROM employer_surveys",
    "hires": "SELECT company_id, hired_on, participant_id FROM hires",
}


def remove_measurement_rows(engine: Engine) -> None:
    """Take out what a measuring run added (logged and imported sessions, their attendance, audit
    rows, login sessions), so the next run measures the same database. Attendance goes first, in
    its own transaction: DuckDB checks a parent's delete against the committed children."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM attendance WHERE session_id IN "
                             "(SELECT id FROM sessions WHERE ref NOT LIKE 'BS%')"))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM sessions WHERE ref NOT LIKE 'BS%'"))
        conn.execute(sa.text("DELETE FROM audit_log"))
        conn.execute(sa.text("DELETE FROM login_sessions"))


def recreate_schema(admin: Engine, schema: str) -> None:
    """PostgreSQL: an empty schema for the benchmark (its name is fixed, bench_<scale>)."""
    if not schema.replace("_", "").isalnum():
        raise ValueError(schema)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
