"""Each session's totals of attendance marks (present, absent, excused), kept on the session row.

At national size a pilot holds millions of sessions and more attendance rows; joining the two for
every indicator and chart was the slowest part of the outcome screens. So each session carries
``attendance_present``, ``attendance_absent`` and ``attendance_excused`` (migration 007), and every
write of attendance refreshes the sessions it touched in the same transaction: logging or editing a
session, bulk inserts (demo, tests), the workbook import, anonymisation and the benchmark data.

``consistent()`` is the readers' safety net: when the totals do not add up to the attendance rows
(someone wrote attendance rows outside the app), the readers fall back to the join, which is
slower and always right.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.domain.codes import ATTENDANCE
from pilot.records._scope import bound

COLUMNS = {"present": "attendance_present", "absent": "attendance_absent", "excused": "attendance_excused"}
TOTAL = "(COALESCE(s.attendance_present, 0) + COALESCE(s.attendance_absent, 0) " \
        "+ COALESCE(s.attendance_excused, 0))"

_UPDATE = """
UPDATE sessions SET attendance_present = t.present, attendance_absent = t.absent,
    attendance_excused = t.excused
FROM (SELECT s.id,
        SUM(CASE WHEN a.status = 'present' THEN 1 ELSE 0 END) AS present,
        SUM(CASE WHEN a.status = 'absent' THEN 1 ELSE 0 END) AS absent,
        SUM(CASE WHEN a.status = 'excused' THEN 1 ELSE 0 END) AS excused
      FROM sessions s LEFT JOIN attendance a ON a.session_id = s.id
      WHERE {where}
      GROUP BY s.id) t
WHERE sessions.id = t.id
"""


def counts(statuses: Iterable[str]) -> dict[str, int]:
    """The three totals of some marks, keyed by column name (for a session about to be inserted)."""
    found = {status: 0 for status in ATTENDANCE}
    for status in statuses:
        found[status] += 1
    return {COLUMNS[status]: n for status, n in found.items()}


def refresh(conn: Connection, session_ids: Iterable[int]) -> None:
    """Recount the marks of these sessions from their attendance rows."""
    ids = sorted({int(i) for i in session_ids})
    if ids:
        conn.execute(sa.text(_UPDATE.format(where="s.id IN (SELECT UNNEST(CAST(:ids AS BIGINT[])))")),
                     {"ids": ids})


def refresh_all(conn: Connection, after: int = 0) -> None:
    """Recount every session whose id is above ``after`` (the benchmark writes its data in SQL)."""
    conn.execute(sa.text(_UPDATE.format(where="s.id > :after")), {"after": int(after)})


def consistent(conn: Connection, sessions_where: str = "", params: Mapping[str, object] | None = None) -> bool:
    """Whether the sessions' totals add up to the attendance rows: of every session, or of those
    that ``sessions_where`` keeps (a fixed fragment on sessions aliased s, e.g. "AND s.company_id
    = :cid", with its binds), so that one company's figures check only that company's sessions.
    Whole tables take two cheap sums; a company's sessions an index look-up on PostgreSQL."""
    binds = dict(params or {})
    if sessions_where.strip():
        sql = ("SELECT COUNT(*) FROM attendance a WHERE a.session_id IN "
               f"(SELECT s.id FROM sessions s WHERE 1 = 1 {sessions_where})")
        rows = conn.execute(bound(sql, binds), binds).scalar_one()
    else:
        rows = conn.execute(sa.text("SELECT COUNT(*) FROM attendance")).scalar_one()
    sql = f"SELECT COALESCE(SUM({TOTAL}), 0) FROM sessions s WHERE 1 = 1 {sessions_where}"
    totals = conn.execute(bound(sql, binds), binds).scalar_one()
    return int(rows) == int(totals)


def by_session(rows: Iterable[Mapping[str, object]]) -> set[int]:
    """The session ids some attendance rows (dicts with ``session_id``) belong to."""
    return {int(r["session_id"]) for r in rows if r.get("session_id") is not None}
