"""Employer feedback: a score 1-5 and a comment per company and day.

The table is UNIQUE(company_id, given_on): a second feedback on the same day replaces the first
(the employer changed their mind), and the audit log keeps the earlier values.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope, require_company
from pilot.domain.quotes import check_mark
from pilot.domain.validation import Checker, Problem
from pilot.db import WriteConflict
from pilot.records import audit, removed
from pilot.records._scope import bound, company_condition
from pilot.records._versioned import DuplicateRecord, expect_version, update_versioned

GIVERS = ("employer", "admin")  # the employer about their own workplace; the admin on their behalf


def check_feedback(values: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values)
    c.integer("score", 1, 5, required=True)
    c.date("given_on", required=True)
    c.text("comment", max_len=2000)
    check_mark(c, "comment")  # may be quoted in the report: a theme, and a comment to quote
    return c.clean, c.problems


def give(conn: Connection, actor: Scope, company_id: int, clean: dict[str, Any]) -> tuple[int, bool]:
    """Save the company's feedback of the day; returns (id, replaced an earlier one the same day)."""
    if actor.role not in GIVERS:
        raise AccessDenied(actor.role)
    require_company(actor, company_id)
    marked = bool(clean.get("for_report"))
    params = {"c": company_id, "d": clean["given_on"], "s": clean["score"], "m": clean.get("comment"),
              "by": actor.user_id, "fr": marked, "th": clean.get("report_theme") if marked else None}
    before = conn.execute(sa.text(
        "SELECT id, score, comment FROM feedback WHERE company_id = :c AND given_on = :d"), params).first()
    after = {"company_id": company_id, "given_on": clean["given_on"], "score": clean["score"],
             "comment": clean.get("comment"), "for_report": marked, "report_theme": params["th"]}
    if before is None:
        new_id = int(conn.execute(sa.text(
            "INSERT INTO feedback (company_id, given_on, score, comment, given_by, for_report, report_theme) "
            "VALUES (:c, :d, :s, :m, :by, :fr, :th) RETURNING id"), params).scalar_one())
        audit.record(conn, actor, "create", "feedback", new_id, after=after)
        return new_id, False
    conn.execute(sa.text("UPDATE feedback SET score = :s, comment = :m, given_by = :by, for_report = :fr, report_theme = :th, "
                         "version = version + 1 "
                         "WHERE id = :id"),
                 {**params, "id": before.id})
    audit.record(conn, actor, "update", "feedback", before.id,
                 before={"score": before.score, "comment": before.comment}, after=after)
    return int(before.id), True


def _own(conn: Connection, actor: Scope, feedback_id: int) -> dict[str, Any]:
    """The feedback as stored, once the actor may change it (a vanished one is a conflict)."""
    if actor.role not in GIVERS:
        raise AccessDenied(actor.role)
    found = conn.execute(sa.text("SELECT id, company_id, given_on, score, comment, version FROM feedback "
                                 "WHERE id = :id"), {"id": feedback_id}).first()
    if found is None:
        raise WriteConflict(f"feedback {feedback_id} is gone")
    require_company(actor, found.company_id)
    return dict(found._mapping)


def edit_feedback(conn: Connection, actor: Scope, feedback_id: int, version: int, clean: dict[str, Any]) -> int:
    """Correct a feedback seen at ``version`` (checked by ``check_feedback``); returns the new version."""
    before = _own(conn, actor, feedback_id)
    expect_version("feedback", feedback_id, before["version"], version)
    changes = {f: clean.get(f) for f in ("given_on", "score", "comment") if f in clean and clean.get(f) != before[f]}
    if "given_on" in changes:
        taken = conn.execute(sa.text("SELECT COUNT(*) FROM feedback WHERE company_id = :c AND given_on = :d "
                                     "AND id <> :id"),
                             {"c": before["company_id"], "d": changes["given_on"], "id": feedback_id}).scalar_one()
        if taken:
            raise DuplicateRecord("feedback")
    new_version = update_versioned(conn, "feedback", feedback_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "feedback", feedback_id, before=old, after=new)
    return new_version


def remove_feedback(conn: Connection, actor: Scope, feedback_id: int, version: int, reason: str) -> int:
    """Take a feedback out with a reason (restorable by an admin, pilot/records/removed.py)."""
    before = _own(conn, actor, feedback_id)
    return removed.take_out(conn, actor, "feedback", feedback_id, version, reason, before["company_id"])


def for_company(conn: Connection, scope: Scope, company_id: int, as_of: date | None = None) -> list[dict[str, Any]]:
    """The company's feedback, newest first (nothing when the scope does not cover the company)."""
    cond, params = company_condition(scope, "f.company_id")
    params["c"] = company_id
    where = ["f.company_id = :c", cond]
    if as_of is not None:
        where.append("f.given_on <= :r")
        params["r"] = as_of
    sql = ("SELECT f.id, f.given_on, f.score, f.comment, f.version FROM feedback f "
           f"WHERE {' AND '.join(where)} ORDER BY f.given_on DESC")
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]
