"""Whole-pilot aggregates on PostgreSQL (migration 014): what the readers may take from them.

``session_days`` (per day and session kind: sessions, minutes, marks, present x minutes),
``attendance_counts`` (attendance rows, in shards), ``assessment_spans`` (per participant and
skill: first and last non-self date, packed first and last level) and ``participant_status``
(per participant: the employment rows in force at enrolment and exit) are kept by triggers in the
transaction of every write, whoever writes (see the migration's docstring).

``ready()`` is the readers' check, the same guarantee as attendance_totals.consistent(): the
aggregates answer only when this is PostgreSQL, every trigger that keeps them is in place and
enabled, and the attendance rows counted add up to the marks the sessions carry (the sessions'
own totals, summed per day). Otherwise the readers read the rows, slower and always right. It
costs three small reads (about 20 000 day rows per year of a national pilot), not a scan.

DuckDB answers from the rows (a columnar scan is fast there) and has no such tables.
"""
from __future__ import annotations

import importlib.util

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.db import MIGRATIONS

TRIGGERS = tuple(f"pilot_agg_{table}_{op}" for table, ops in (
    ("sessions", ("ins", "del", "upd", "trunc")), ("attendance", ("ins", "del", "trunc")),
    ("assessments", ("ins", "del", "upd", "trunc")), ("employment", ("ins", "del", "upd", "trunc")),
    ("participants", ("ins", "del", "upd"))) for op in ops)

_TRIGGERS_ON = """
SELECT COUNT(*) FROM pg_trigger t
WHERE t.tgrelid IN (to_regclass('sessions'), to_regclass('attendance'), to_regclass('assessments'),
                    to_regclass('employment'), to_regclass('participants'))
  AND t.tgname IN (SELECT UNNEST(CAST(:names AS VARCHAR[]))) AND t.tgenabled IN ('O', 'A')
"""
_MARKS_ADD_UP = """
SELECT (SELECT COALESCE(SUM(n), 0) FROM attendance_counts),
       (SELECT COALESCE(SUM(present + absent + excused), 0) FROM session_days)
"""


def ready(conn: Connection) -> bool:
    """Whether the whole-pilot aggregates answer exactly (see the module's docstring)."""
    if conn.dialect.name != "postgresql":
        return False
    on = conn.execute(sa.text(_TRIGGERS_ON), {"names": list(TRIGGERS)}).scalar_one()
    if int(on) != len(TRIGGERS):
        return False
    rows, marks = conn.execute(sa.text(_MARKS_ADD_UP)).one()
    return int(rows) == int(marks)


def statuses_hold(conn: Connection) -> bool:
    """Whether participant_status has a row for every participant (two counts of about 200 000
    rows at national size: called once per computation of the indicators, after ready())."""
    held, people = conn.execute(sa.text(
        "SELECT (SELECT COUNT(*) FROM participant_status), (SELECT COUNT(*) FROM participants)")).one()
    return int(held) == int(people)


# The figures of pilot.indicators' session part for the whole pilot, from the day totals.
SESSION_TOTALS_SQL = """
SELECT
    COALESCE(SUM(d.minutes), 0) AS session_minutes,
    COALESCE(SUM(d.present_minutes), 0) AS present_minutes,
    COALESCE(SUM(d.present), 0) AS present_rows,
    COALESCE(SUM(d.present + d.absent), 0) AS attendance_rows
FROM session_days d
WHERE d.held_on <= :r
"""


def month(column: str) -> str:
    """yyyymm as an integer (the same expression as pilot.records.outcomes uses)."""
    return (f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 100 "
            f"+ CAST(EXTRACT(MONTH FROM {column}) AS INTEGER))")


# The dashboard's whole-pilot charts from the day totals (days on or before :r).
SESSIONS_BY_MONTH_SQL = f"""
SELECT {month('d.held_on')} AS m, SUM(d.sessions) AS n, SUM(d.minutes) AS minutes
FROM session_days d WHERE d.held_on <= :r GROUP BY 1 HAVING SUM(d.sessions) > 0
"""
HOURS_BY_KIND_SQL = """
SELECT d.kind, SUM(d.sessions) AS sessions, SUM(d.minutes) AS minutes, SUM(d.present_minutes) AS present_minutes
FROM session_days d WHERE d.held_on <= :r GROUP BY d.kind HAVING SUM(d.sessions) > 0
"""
ATTENDANCE_BY_MONTH_SQL = f"""
SELECT {month('d.held_on')} AS m, SUM(d.present) AS present, SUM(d.absent) AS absent, SUM(d.excused) AS excused
FROM session_days d WHERE d.held_on <= :r GROUP BY 1 HAVING SUM(d.present + d.absent + d.excused) > 0 ORDER BY 1
"""


def gains_sql(participants: str, rows_sql: str) -> str:
    """The language gains of pilot.indicators.gains_sql from the spans: a span whose last date is on
    or before :r holds exactly the rows on or before :r; the others (assessed after R) are
    computed from their rows by ``rows_sql`` (the row-reading query, narrowed to them here)."""
    late = ("AND EXISTS (SELECT 1 FROM assessment_spans z WHERE z.participant_id = a.participant_id "
            "AND z.skill = a.skill AND z.last_on > :r)")
    marker = "GROUP BY a.participant_id, a.skill"
    if rows_sql.count(marker) != 1:
        raise ValueError("gains_sql: the row query changed shape")
    return f"""
    SELECT g.participant_id, g.skill, MOD(g.hi, 100) - (99 - MOD(g.lo, 100)) AS gain
    FROM assessment_spans g
    WHERE g.last_on <= :r AND g.first_on < g.last_on AND g.participant_id IN ({participants})
    UNION ALL
    {rows_sql.replace(marker, late + " " + marker)}
    """


def recomputed(conn: Connection) -> dict[str, list[tuple]]:
    """The aggregates as the rows give them now (tests and ``verify``): session_days without
    all-zero days, the attendance row count, assessment_spans."""
    spec = importlib.util.spec_from_file_location("pilot_migration_014", MIGRATIONS / "014_pg_aggregates.py")
    assert spec is not None and spec.loader is not None
    m = importlib.util.module_from_spec(spec)  # the migration holds the one definition of a span
    spec.loader.exec_module(m)
    days = [tuple(r) for r in conn.execute(sa.text(
        "SELECT held_on, kind, COUNT(*), SUM(minutes), SUM(COALESCE(attendance_present, 0)), "
        "SUM(COALESCE(attendance_absent, 0)), SUM(COALESCE(attendance_excused, 0)), "
        "SUM(minutes * COALESCE(attendance_present, 0)) FROM sessions GROUP BY held_on, kind ORDER BY 1, 2"))]
    count = conn.execute(sa.text("SELECT COUNT(*) FROM attendance")).scalar_one()
    spans = [tuple(r) for r in conn.execute(sa.text(
        m.BACKFILL[2].replace("INSERT INTO assessment_spans (participant_id, skill, first_on, last_on, lo, hi)", "")
        + " ORDER BY 1, 2"))]
    status = [tuple(r) for r in conn.execute(sa.text(m.STATUS_SELECT + " ORDER BY 1"))]
    return {"session_days": days, "attendance_rows": [(int(count),)], "assessment_spans": spans,
            "participant_status": status}


def stored(conn: Connection) -> dict[str, list[tuple]]:
    """The aggregates as stored (all-zero days left out: a day whose sessions all left keeps a row of zeros)."""
    days = [tuple(r) for r in conn.execute(sa.text(
        "SELECT held_on, kind, SUM(sessions), SUM(minutes), SUM(present), SUM(absent), SUM(excused), "
        "SUM(present_minutes) FROM session_days GROUP BY held_on, kind "
        "HAVING SUM(sessions) <> 0 OR SUM(minutes) <> 0 OR SUM(present) <> 0 OR SUM(absent) <> 0 "
        "OR SUM(excused) <> 0 OR SUM(present_minutes) <> 0 ORDER BY 1, 2"))]
    count = conn.execute(sa.text("SELECT COALESCE(SUM(n), 0) FROM attendance_counts")).scalar_one()
    spans = [tuple(r) for r in conn.execute(sa.text(
        "SELECT participant_id, skill, first_on, last_on, lo, hi FROM assessment_spans ORDER BY 1, 2"))]
    status = [tuple(r) for r in conn.execute(sa.text(
        "SELECT participant_id, enrol_status, enrol_hours, exit_status, exit_subsidised FROM participant_status "
        "ORDER BY 1"))]
    return {"session_days": days, "attendance_rows": [(int(count),)], "assessment_spans": spans,
            "participant_status": status}


def verify(conn: Connection) -> bool:
    """Whether the stored aggregates equal a recomputation from the rows (a full scan: for tests
    and an administrator's check, never for a reader)."""
    return stored(conn) == recomputed(conn)
