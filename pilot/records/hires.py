"""Hires of foreign-language workers that a coach records for a company: date, contract, weekly
hours, the participant when a pilot participant was hired, the occupation. Never a name.

A hire is keyed by ``ref`` (the workbook's key); the form makes one up. The indicators
``companies_hiring``, ``hires_total`` and ``hires_of_participants`` (pilot/indicators.py) count
hires on or after the company joined.
"""
from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope, require_company, require_editor
from pilot.db import WriteConflict
from pilot.domain.dates import today as helsinki_today
from pilot.domain.validation import Checker, Problem
from pilot.i18n import label_lookup
from pilot.records import audit, removed
from pilot.records._scope import bound, company_condition
from pilot.records._versioned import DuplicateRecord, expect_version, update_versioned

CONTRACTS = ("permanent", "fixed_term", "apprenticeship")  # labels: code.employment_status.*


class NotOfCompany(Exception):
    """The participant code names no participant of the hiring company."""


def hire_fields(c: Checker) -> None:
    """The checks of one hire (the form's and the workbook's alike), ref and business_id aside."""
    c.date("hired_on", required=True)
    day = c.clean.get("hired_on")
    if day is not None and day > helsinki_today():
        c.fail("hired_on", "hiring.error.future")
    c.choice("contract", CONTRACTS, required=True, labels=label_lookup("employment_status", CONTRACTS))
    c.decimal("weekly_hours", Decimal(0), Decimal(60), 1)
    if c.raw("participant_code") is None:
        c.clean["participant_code"] = None
    else:
        c.participant_code("participant_code")
    c.occupation("occupation_code")


def check_hire(values: dict[str, Any], lang: str | None = None) -> tuple[dict[str, Any], list[Problem]]:
    c = Checker(values, lang)
    hire_fields(c)
    return c.clean, c.problems


def _participant_id(conn: Connection, company_id: int, code: str | None) -> int | None:
    if not code:
        return None
    found = conn.execute(sa.text("SELECT id FROM participants WHERE company_id = :c AND code = :code"),
                         {"c": company_id, "code": code}).scalar()
    if found is None:
        raise NotOfCompany(code)
    return int(found)


def new_ref(hired_on: date) -> str:
    """A key for a hire recorded in the app (the workbook's ``ref``)."""
    return f"H-{hired_on:%Y%m%d}-{secrets.token_hex(3)}"


def record_hire(conn: Connection, actor: Scope, company_id: int, clean: dict[str, Any]) -> int:
    """Record a hire of the company (checked by ``check_hire``); returns its id."""
    require_editor(actor)
    require_company(actor, company_id)
    pid = _participant_id(conn, company_id, clean.get("participant_code"))
    ref = clean.get("ref") or new_ref(clean["hired_on"])
    new_id = int(conn.execute(sa.text(
        "INSERT INTO hires (ref, company_id, hired_on, contract, weekly_hours, participant_id, occupation_code, "
        "created_by) VALUES (:ref, :c, :d, :k, :h, :p, :o, :by) RETURNING id"),
        {"ref": ref, "c": company_id, "d": clean["hired_on"], "k": clean["contract"],
         "h": clean.get("weekly_hours"), "p": pid, "o": clean.get("occupation_code"),
         "by": actor.username}).scalar_one())
    audit.record(conn, actor, "create", "hire", new_id,
                 after={"ref": ref, "company_id": company_id, "participant_id": pid,
                        **{f: clean.get(f) for f in ("hired_on", "contract", "weekly_hours", "occupation_code")}})
    return new_id


def _own(conn: Connection, actor: Scope, hire_id: int) -> dict[str, Any]:
    require_editor(actor)
    found = conn.execute(sa.text(
        "SELECT id, ref, company_id, hired_on, contract, weekly_hours, participant_id, occupation_code, version "
        "FROM hires WHERE id = :id"), {"id": hire_id}).first()
    if found is None:
        raise WriteConflict(f"hire {hire_id} is gone")
    require_company(actor, found.company_id)
    return dict(found._mapping)


def edit_hire(conn: Connection, actor: Scope, hire_id: int, version: int, clean: dict[str, Any]) -> int:
    """Correct a hire seen at ``version``; returns the new version."""
    before = _own(conn, actor, hire_id)
    expect_version("hires", hire_id, before["version"], version)
    wanted = {f: clean.get(f) for f in ("hired_on", "contract", "weekly_hours", "occupation_code") if f in clean}
    if "participant_code" in clean:
        wanted["participant_id"] = _participant_id(conn, before["company_id"], clean.get("participant_code"))
    if clean.get("ref") and clean["ref"] != before["ref"]:
        if conn.execute(sa.text("SELECT COUNT(*) FROM hires WHERE ref = :r"), {"r": clean["ref"]}).scalar_one():
            raise DuplicateRecord("hires")
        wanted["ref"] = clean["ref"]
    changes = {f: v for f, v in wanted.items() if v != before[f]}
    new_version = update_versioned(conn, "hires", hire_id, version, changes)
    old, new = audit.changed(before, changes)
    audit.record(conn, actor, "update", "hire", hire_id, before=old, after=new)
    return new_version


def remove_hire(conn: Connection, actor: Scope, hire_id: int, version: int, reason: str) -> int:
    """Take a hire out with a reason (restorable by an admin, pilot/records/removed.py)."""
    before = _own(conn, actor, hire_id)
    return removed.take_out(conn, actor, "hire", hire_id, version, reason, before["company_id"])


def for_company(conn: Connection, scope: Scope, company_id: int, as_of: date | None = None) -> list[dict[str, Any]]:
    """The company's hires, newest first, with the participant's code when one was hired (an
    employer sees the code only of a participant who shares with the employer)."""
    cond, params = company_condition(scope, "h.company_id")
    params["c"] = company_id
    where = ["h.company_id = :c", cond]
    if as_of is not None:
        where.append("h.hired_on <= :r")
        params["r"] = as_of
    code = ("CASE WHEN p.share_with_employer = TRUE THEN p.code ELSE NULL END" if scope.role == "employer"
            else "p.code")
    sql = (f"SELECT h.id, h.ref, h.hired_on, h.contract, h.weekly_hours, {code} AS participant_code, "
           "h.participant_id IS NOT NULL AS of_participant, h.occupation_code, h.version "
           "FROM hires h LEFT JOIN participants p ON p.id = h.participant_id "
           f"WHERE {' AND '.join(where)} ORDER BY h.hired_on DESC, h.id DESC")
    return [dict(r._mapping) for r in conn.execute(bound(sql, params), params)]
