"""Names for codes the tables show: people by username and id, companies by id and Y-tunnus.

Read in the caller's scope (a company outside it keeps its Y-tunnus on screen); pilot/names.py
turns a table's codes into these names, pilot/ui/names.py caches them per scope.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.access import Scope
from pilot.names import Lookups
from pilot.records._scope import bound, company_condition, participant_condition


def lookups(conn: Connection, scope: Scope) -> Lookups:
    users = {}
    user_ids = {}
    for r in conn.execute(sa.text("SELECT id, username, display_name FROM users")):
        shown = r.display_name or r.username
        users[r.username] = shown
        user_ids[int(r.id)] = shown
    cond, params = company_condition(scope, "id")
    companies = {}
    business_ids = {}
    for r in conn.execute(bound(f"SELECT id, name, business_id FROM companies WHERE {cond}", params), params):
        companies[int(r.id)] = r.name
        business_ids[r.business_id] = r.name
    cond, params = participant_condition(scope, "company_id", "coach_id")
    codes = {int(r.id): r.code for r in conn.execute(
        bound(f"SELECT id, code FROM participants WHERE {cond}", params), params)}
    return Lookups(users=users, user_ids=user_ids, companies=companies, business_ids=business_ids,
                   participants=codes)
