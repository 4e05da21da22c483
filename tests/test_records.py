"""Records against a real temporary database: companies, participants, employment, audit, scope."""
from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.access import AccessDenied, Scope
from pilot.domain.validation import check_company, check_participant
from pilot.records import audit, companies, employment, participants, users


def add_company(conn, actor, business_id="0101263-6", name="Espoon siivous"):
    clean, problems = check_company({"business_id": business_id, "name": name, "joined_on": "1.1.2024"})
    assert not problems
    return companies.create_company(conn, actor, clean)


def enrol(conn, actor, company_id, code="P-0001", enrolled_on="2024-02-01", status="unemployed"):
    clean, problems = check_participant({"code": code, "enrolled_on": enrolled_on, "first_language": "so",
                                         "display_name": "Amina H."})
    assert not problems
    return participants.enrol(conn, actor, clean, company_id, None, {"status": status})


def test_migrate_twice_changes_nothing(engine):
    assert db.migrate(engine) == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM schema_migrations")).scalar_one() >= 1


def test_company_and_participant_survive_a_restart(engine, coach, tmp_path):
    with db.transaction(engine) as conn:
        cid = add_company(conn, coach)
        enrol(conn, coach, cid)
    url = os.environ["PILOT_DB"]  # the fixture's database, whichever backend
    engine.dispose()
    again = db.make_engine(url)
    with again.connect() as conn:
        assert [c["business_id"] for c in companies.list_companies(conn, coach)] == ["0101263-6"]
        assert [p["code"] for p in participants.list_participants(conn, coach)] == ["P-0001"]
    again.dispose()


@pytest.mark.parametrize("table, row, fragment", [
    ("companies", {"business_id": "0101263-6", "name": "", "joined_on": date(2024, 1, 1)}, "CHECK"),
    ("companies", {"business_id": "0101263-6", "name": "X", "joined_on": date(2024, 2, 1),
                   "left_on": date(2024, 1, 1)}, "CHECK"),
    ("companies", {"business_id": "0101263-6", "name": "X", "joined_on": date(2024, 1, 1), "size_class": "7"},
     "CHECK"),
])
def test_schema_constraints_refuse_bad_rows(engine, table, row, fragment):
    from pilot.records import bulk
    with pytest.raises(sa.exc.DBAPIError):
        with db.transaction(engine) as conn:
            bulk.insert_many(conn, table, [row])


def test_duplicate_business_id_is_refused_by_the_database(engine, coach):
    with db.transaction(engine) as conn:
        add_company(conn, coach)
    with pytest.raises(sa.exc.DBAPIError):
        with db.transaction(engine) as conn:
            add_company(conn, coach)


def test_enrolment_writes_the_employment_row(engine, coach):
    with db.transaction(engine) as conn:
        pid = enrol(conn, coach, add_company(conn, coach), status="work_trial")
        assert employment.history(conn, pid) == [{"effective_on": date(2024, 2, 1), "status": "work_trial",
                                                 "weekly_hours": None, "subsidised": None,
                                                 "employer_business_id": None}]


def test_exit_records_date_and_status_at_exit(engine, coach):
    with db.transaction(engine) as conn:
        pid = enrol(conn, coach, add_company(conn, coach))
        participants.exit_participant(conn, coach, pid, 1, date(2024, 8, 31),
                                      {"status": "fixed_term", "weekly_hours": Decimal("30"), "subsidised": True})
        person = participants.get_participant(conn, coach, pid)
        assert person["exited_on"] == date(2024, 8, 31)
        assert employment.status_at(conn, pid, date(2024, 9, 1))["status"] == "fixed_term"
        assert employment.status_at(conn, pid, date(2024, 8, 30))["status"] == "unemployed"
        assert [p["code"] for p in participants.list_participants(conn, coach, status="exited",
                                                                   as_of=date(2024, 9, 1))] == ["P-0001"]
        assert participants.list_participants(conn, coach, status="active", as_of=date(2024, 9, 1)) == []


def test_second_save_of_a_stale_version_is_a_conflict(engine, coach):
    with db.transaction(engine) as conn:
        pid = enrol(conn, coach, add_company(conn, coach))
    with db.transaction(engine) as conn:
        participants.update_participant(conn, coach, pid, 1, {"job_title": "Siivooja"})
    with pytest.raises(db.WriteConflict):
        with db.transaction(engine) as conn:
            participants.update_participant(conn, coach, pid, 1, {"job_title": "Kokki"})
    with engine.connect() as conn:
        assert participants.get_participant(conn, coach, pid)["job_title"] == "Siivooja"


def test_changes_are_audited_with_before_and_after(engine, coach):
    with db.transaction(engine) as conn:
        cid = add_company(conn, coach)
        companies.update_company(conn, coach, cid, 1, {"name": "Uusi nimi"})
        rows = audit.entries(conn, entity="company")
    assert [r["action"] for r in rows] == ["update", "create"]
    assert '"Espoon siivous"' in rows[0]["before_json"] and '"Uusi nimi"' in rows[0]["after_json"]
    assert rows[0]["actor"] == "test-coach"


def test_scope_limits_every_list(engine, coach):
    with db.transaction(engine) as conn:
        a = add_company(conn, coach, "0101263-6", "A Oy")
        b = add_company(conn, coach, "1927400-1", "B Oy")
        enrol(conn, coach, a, "P-A")
        enrol(conn, coach, b, "P-B")
        employer = Scope(username="emp", role="employer", company_ids=frozenset({a}))
        assert [c["name"] for c in companies.list_companies(conn, employer)] == ["A Oy"]
        assert companies.get_company(conn, employer, b) is None
        # an employer sees a participant only when the participant agreed to share
        assert participants.list_participants(conn, employer) == []
        services = Scope(username="svc", role="services")
        assert {p["display_name"] for p in participants.list_participants(conn, services)} == {None}
        assert {p["display_name"] for p in participants.list_participants(conn, coach)} == {"Amina H."}
        with pytest.raises(AccessDenied):
            companies.update_company(conn, employer, a, 1, {"name": "Hacked"})


def test_coach_scope_covers_bound_companies_and_caseload(engine, coach):
    with db.transaction(engine) as conn:
        a = add_company(conn, coach, "0101263-6", "A Oy")
        b = add_company(conn, coach, "1927400-1", "B Oy")
        add_company(conn, coach, "0112038-9", "C Oy")
        uid = users.create_user(conn, "coach2", "coach", company_ids=[a])
        clean, _ = check_participant({"code": "P-B", "enrolled_on": "2024-01-02", "first_language": "ar"})
        participants.enrol(conn, coach, clean, b, uid, {"status": "unemployed"})
        scope = users.scope_for(conn, users.get_by_username(conn, "coach2"))
        # The caseload participant in B is reached, company B itself is not (issue 12.2).
        assert scope.company_ids == frozenset({a})
        assert {c["name"] for c in companies.list_companies(conn, scope)} == {"A Oy"}
        assert [p["code"] for p in participants.list_participants(conn, scope)] == ["P-B"]


def test_caseload_of_a_participant_with_attendance_can_be_reassigned(engine, coach):
    """DuckDB refuses UPDATEs of foreign-key columns of referenced rows; coach_id must stay free."""
    from pilot.records import bulk
    with db.transaction(engine) as conn:
        cid = add_company(conn, coach)
        pid = enrol(conn, coach, cid)
        old = users.create_user(conn, "old-coach", "coach")
        new = users.create_user(conn, "new-coach", "coach")
        bulk.insert_many(conn, "sessions", [{"ref": "S-1", "company_id": cid, "held_on": date(2024, 3, 1),
                                             "minutes": 60, "kind": "language_lesson", "mode": "onsite",
                                             "coach_id": old}])
        sid = bulk.ids_by_key(conn, "sessions")["S-1"]
        bulk.insert_many(conn, "attendance", [{"session_id": sid, "participant_id": pid, "status": "present"}])
    admin = Scope(username="admin", role="admin")
    with db.transaction(engine) as conn:
        assert users.reassign_caseload(conn, admin, [pid], new, "Valmentaja vaihtui") == 1
    with engine.connect() as conn:
        assert participants.get_participant(conn, coach, pid)["coach_id"] == new
