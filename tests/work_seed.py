"""Small seeds for the working-day tests: one company and participants, made through records."""
from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from pilot import db
from pilot.access import Scope
from pilot.records import companies, participants

ADMIN = Scope(username="seed", role="admin")


def company(engine: Engine, business_id: str = "0101263-6", name: str = "Espoo Works",
            joined: date = date(2024, 1, 1)) -> int:
    with db.transaction(engine) as conn:
        return companies.create_company(conn, ADMIN, {"business_id": business_id, "name": name,
                                                       "joined_on": joined})


def participant(engine: Engine, company_id: int, code: str, enrolled: date = date(2024, 1, 10),
                exited: date | None = None, coach_id: int | None = None) -> int:
    with db.transaction(engine) as conn:
        pid = participants.enrol(conn, ADMIN, {"code": code, "enrolled_on": enrolled, "first_language": "ar",
                                               "display_name": f"Name {code}"}, company_id, coach_id,
                                 {"status": "unemployed"})
        if exited is not None:
            version = participants.get_participant(conn, ADMIN, pid)["version"]
            participants.exit_participant(conn, ADMIN, pid, version, exited, {"status": "unemployed"})
        return pid
