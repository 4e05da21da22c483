"""Employer surveys: the company's own answer to "how ready is your workplace to hire a person whose
Finnish is still at a beginner level?" (1-5) and the hires it plans in the next 12 months.

One answer per company and day (UNIQUE(company_id, answered_on)): a second answer the same day
replaces the first, and the audit log keeps the earlier values. The employer answers for their own
company; a coach (or the admin) records an answer given on paper or by phone. The indicator
``hiring_readiness`` (pilot/indicators.py) compares a company's baseline with its follow-up.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import AccessDenied, Scope, require_company
from pilot.db import WriteConflict
from pilot.domain.dates import add_months, today as helsinki_today
from pilot.domain.validation import Checker, Problem
from pilot.records import audit, removed
from pilot.records._scope import bound, company_condition
from pilot.records._versioned import DuplicateRecord, expect_version, update_versioned

ANSWERERS = ("employer", "coach", "admin")
EARLIEST_BEFORE_JOINING = timedelta(days=90)  # DATA-FILES.md: answered_on >= joined_on - 90 days
ASK_AGAIN_MONTHS = 6  # the employer page asks again when the latest answer is this old


class BeforeJoining(Exception):
    """The answer is dated more than 90 days before the company joined the pilot."""


def survey_fields(c: Checker) -> None:
    """The checks of one answer (the form's and the workbook's alike), business_id aside."""
    c.date("answered_on", required=True)
    day = c.clean.get("answered_on")
    if day is not None and day > helsinki_today():
        c.fail("answered_on", "hiring.error.future")
    c.integer("readiness", 1, 5, required=True)
    c.integer("planned_hires_12m", 0, 999)
    c.text("comment", max_len=2000)


def check_survey(values: dict[str, Any], lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values, lang)
    survey_fields(c)
    return c.clean, c.problems


def _may(actor: Scope, company_id: int) -> None:
    if actor.role not in ANSWERERS:
        raise AccessDenied(actor.role)
    require_company(actor, company_id)


def _joined_on(conn: Connection, company_id: int) -> date:
    joined = conn.execute(sa.text("SELECT joined_on FROM companies WHERE id = :c"), {"c": company_id}).scalar()
    if joined is None:
        raise WriteConflict(f"company {company_id} is gone")
    return joined


_FIELDS = ("answered_on", "readiness", "planned_hires_12m", "comment")


def answer(conn: Connection, actor: Scope, company_id: int, clean: dict[str, Any]) -> tuple[int, bool]:
    """Save the company's answer of the day (checked by ``check_survey``); returns (id, replaced an
    earlier answer of the same day)."""
    _may(actor, company_id)
    if clean["answered_on"] < _joined_on(conn, company_id) - EARLIEST_BEFORE_JOINING:
        raise BeforeJoining(company_id)
    params = {"c": company_id, "d": clean["answered_on"], "r": clean["readiness"],
              "p": clean.get("planned_hires_12m"), "m": clean.get("comment"), "by": actor.username}
    before = conn.execute(sa.text(
        "SELECT id, readiness, planned_hires_12m, comment, version FROM employer_surveys "
        "WHERE company_id = :c AND answered_on = :d"), params).first()
    after = {"company_id": company_id, **{f: clean.get(f) for f in _FIELDS}}
    if before is None:
        new_id = int(conn.execute(sa.text(
            "INSERT INTO employer_surveys (company_id, answered_on, readiness, planned_hires_12m, comment, "
            "answered_by) VALUES (:c, :d, :r, :p, :m, :by) RETURNING id"), params).scalar_one())
        audit.record(conn, actor, "create", "employer_survey", new_id, after=after)
        return new_id, False
    changes = {"readiness": clean["readiness"], "planned_hires_12m": clean.get("planned_hires_12m"),
               "comment": clean.get("comment"), "answered_by": actor.username}
    update_versioned(conn, "employer_surveys", before.id, before.version, changes)
    audit.record(conn, actor, "update", "employer_survey", before.id,
                 before={"readiness": before.readiness, "planned_hires_12m": before.planned_hires_12m,
                         "comment": before.comment}, after=after)
    return int(before.id), True


def _own(conn: Connection, actor: Scope, survey_id: int) -> dict[str, Any]:
    found = conn.execute(sa.text(
        "SELECT id, company_id, answered_on, readiness, planned_hires_12m, comment, version "
        "FROM employer_surveys WHERE id = :id"), {"id": survey_id}).first()
    if found is None:
        raise WriteConflict(f"employer survey {survey_id} is gone")
    _may(actor, found.company_id)
    return dict(found._mapping)


def edit_survey(conn: Connection, actor: Scope, survey_id: int, version: int, clean: dict[str, Any]) -> int:
    """Correct an answer seen at ``version``; returns the new version."""
    before = _own(conn, actor, survey_id)
    expect_version("employer_surveys", survey_id, before["version"], version)
    changes = {f: clean.get(f) for f in _FIELDS if f in clean and clean.get(f) != before[f]}
    if "answered_on" in changes:
        if changes["answered_on"] < _joined_on(conn, before["company_id"]) - EARLIEST_BEFORE_JOINING:
            raise BeforeJoining(before["company_id"])
        taken = conn.execute(sa.text(
            "SELECT COUNT(*) FROM employer_surveys WHERE company_id = :c AND answered_on = :d AND id <> :id"),
            {"c": before["company_id"], "d": changes["answered_on"], "id": survey_id}).scalar_one()
        if taken:
            raise DuplicateRecord("employer_surveys")
    new_version = update_versioned(conn, "employer_surveys", survey_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "employer_survey", survey_id, before=old, after=new)
    return new_version


def remove_survey(conn: Connection, actor: Scope, survey_id: int, version: int, reason: str) -> int:
    """Take an answer out with a reason (restorable by an admin, pilot/records/removed.py)."""
    before = _own(conn, actor, survey_id)
    return removed.take_out(conn, actor, "employer_survey", survey_id, version, reason, before["company_id"])


def for_company(conn: Connection, scope: Scope, company_id: int, as_of: date | None = None) -> list[dict[str, Any]]:
    """The company's answers, oldest first (nothing when the scope does not cover the company)."""
    cond, params = company_condition(scope, "s.company_id")
    params["c"] = company_id
    where = ["s.company_id = :c", cond]
    if as_of is not None:
        where.append("s.answered_on <= :r")
        params["r"] = as_of
    sql = ("SELECT s.id, s.answered_on, s.readiness, s.planned_hires_12m, s.comment, s.answered_by, s.version "
           f"FROM employer_surveys s WHERE {' AND '.join(where)} ORDER BY s.answered_on")
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]


def is_due(answers: list[dict[str, Any]], today: date) -> bool:
    """Whether the employer page asks the question: no answer yet, or the latest one is at least
    ASK_AGAIN_MONTHS old (calendar months)."""
    if not answers:
        return True
    latest = max(a["answered_on"] for a in answers)
    return add_months(latest, ASK_AGAIN_MONTHS) <= today
