"""My week: the coach's start page, as queries over the caller's scope."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from pilot.access import Scope
from pilot.records import adaptations, sessions
from pilot.records._scope import bound, participant_condition

QUIET_DAYS = 30  # a participant with no session attended in this many days needs a look
OVERDUE_DAYS = 30  # an open adaptation whose last step is older than this is overdue: it needs a push


def week_bounds(today: date) -> tuple[date, date]:
    """Monday and Sunday of the week of ``today``."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def sessions_this_week(conn: Connection, scope: Scope, today: date) -> list[dict[str, Any]]:
    """Sessions held this week by the caller (every session in scope when they have no account id)."""
    monday, sunday = week_bounds(today)
    return sessions.list_sessions(conn, scope, since=monday, until=sunday, coach_id=scope.user_id)


def _caseload(scope: Scope) -> tuple[str, dict[str, Any]]:
    cond, params = participant_condition(scope, "p.company_id", "p.coach_id")
    if scope.role == "coach" and scope.user_id is not None:
        # A coach's own caseload first: their participants, plus the unassigned ones they reach.
        cond += " AND (p.coach_id = :me OR p.coach_id IS NULL)"
        params["me"] = scope.user_id
    return cond, params


def quiet_participants(conn: Connection, scope: Scope, today: date) -> list[dict[str, Any]]:
    """Active participants with no session attended (present) in the last QUIET_DAYS days, with
    ``quiet_days``: days since the last session attended (or since enrolment)."""
    cond, params = _caseload(scope)
    params.update(today=today, since=today - timedelta(days=QUIET_DAYS))
    sql = ("SELECT p.id, p.code, p.display_name, p.enrolled_on, c.name AS company_name, "
           "MAX(s.held_on) AS last_session "
           "FROM participants p JOIN companies c ON c.id = p.company_id "
           "LEFT JOIN attendance a ON a.participant_id = p.id AND a.status = 'present' "
           "LEFT JOIN sessions s ON s.id = a.session_id AND s.held_on <= :today "
           f"WHERE {cond} AND p.enrolled_on <= :today AND (p.exited_on IS NULL OR p.exited_on > :today) "
           "AND p.anonymised_at IS NULL "
           "GROUP BY p.id, p.code, p.display_name, p.enrolled_on, c.name "
           "HAVING MAX(s.held_on) IS NULL OR MAX(s.held_on) < :since ORDER BY last_session NULLS FIRST, p.code")
    rows = [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]
    for row in rows:
        # Days without a session attended: since the last one, or since enrolment when none yet.
        row["quiet_days"] = (today - (row["last_session"] or row["enrolled_on"])).days
        if not scope.sees_names:
            row["display_name"] = None
    return rows


def waiting_adaptations(conn: Connection, scope: Scope, today: date) -> list[dict[str, Any]]:
    """Open adaptations (not evaluated or dropped), longest waiting since their last step first;
    ``overdue`` when that is more than OVERDUE_DAYS days."""
    rows = adaptations.list_adaptations(conn, scope, open_only=True)
    for row in rows:
        last = max(d for d in (row["proposed_on"], row["agreed_on"], row["in_use_on"]) if d is not None)
        row["last_step_on"] = last
        row["waiting_days"] = (today - last).days
        row["overdue"] = row["waiting_days"] > OVERDUE_DAYS
    return sorted(rows, key=lambda r: -r["waiting_days"])


def followups_due(conn: Connection, scope: Scope, today: date) -> list[dict[str, Any]]:
    """Exited participants whose 6-month follow-up window has begun and who have no reached
    follow-up in it yet: ``state`` is ``due`` while the window is open and ``overdue`` after it
    (INDICATORS.md: exit + 5 months .. exit + 8 months, both days included). An employment row
    never counts as a follow-up; a try that did not reach the person is shown as ``last_try``."""
    cond, params = _caseload(scope)
    params["today"] = today
    start = "CAST(p.exited_on + INTERVAL '5 months' AS DATE)"
    end = "CAST(p.exited_on + INTERVAL '8 months' AS DATE)"
    sql = (f"SELECT p.id, p.code, p.display_name, c.name AS company_name, p.exited_on, {start} AS window_start, "
           f"{end} AS window_end, CAST(p.exited_on + INTERVAL '6 months' AS DATE) AS due_on, "
           "(SELECT MAX(f.contacted_on) FROM followups f WHERE f.participant_id = p.id AND f.reached = FALSE "
           "AND f.contacted_on <= :today) AS last_try "
           "FROM participants p JOIN companies c ON c.id = p.company_id "
           f"WHERE {cond} AND p.exited_on IS NOT NULL AND p.anonymised_at IS NULL AND {start} <= :today "
           "AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.participant_id = p.id AND f.reached = TRUE "
           f"AND f.contacted_on >= {start} AND f.contacted_on <= {end} AND f.contacted_on <= :today) "
           "ORDER BY due_on, p.code")
    out = []
    for r in conn.execute(bound(sql, params), params):
        row = dict(r._mapping)
        row["state"] = "overdue" if today > row["window_end"] else "due"
        if not scope.sees_names:
            row["display_name"] = None
        out.append(row)
    return out


def my_week(conn: Connection, scope: Scope, today: date) -> dict[str, list[dict[str, Any]]]:
    """Everything the start page shows, in one call."""
    return {"sessions": sessions_this_week(conn, scope, today),
            "quiet": quiet_participants(conn, scope, today),
            "adaptations": waiting_adaptations(conn, scope, today),
            "followups": followups_due(conn, scope, today)}
