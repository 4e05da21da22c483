"""Issue 17: the global search finds only records in the caller's scope, refuses an identity code,
and is not offered to employers and employment services (PILOT.md roles)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from pilot import db
from pilot.access import AccessDenied, Scope
from pilot.domain.identifiers import IdentityCodeFound
from pilot.records import adaptations, search, sessions, users
from tests import work_seed

ADMIN = Scope(username="seed", role="admin")


@pytest.fixture
def two(engine):
    """Two companies, a coach bound to the first, an employer of the first; a participant, a
    session and an adaptation at each (codes share the prefix P-, names share 'Name')."""
    a = work_seed.company(engine, "0101263-6", "Alpha Kitchen Oy")
    b = work_seed.company(engine, "1927400-1", "Beta Cleaning Oy")
    pa = work_seed.participant(engine, a, "P-A001")
    pb = work_seed.participant(engine, b, "P-B001")
    with db.transaction(engine) as conn:
        coach_id = users.create_user(conn, "coach-bound", "coach", "Bound", company_ids=[a])
        users.create_user(conn, "boss-a", "employer", "Boss", company_ids=[a])
        refs = {}
        for cid, pid in ((a, pa), (b, pb)):
            sid = sessions.log_session(conn, ADMIN, cid, {"held_on": date(2024, 3, 1), "minutes": 60,
                                                          "kind": "language_lesson", "mode": "onsite"}, {pid: "present"})
            aid = adaptations.propose(conn, ADMIN, cid, None, {"type": "glossary", "description": "Words",
                                                               "proposed_on": date(2024, 3, 2)})
            refs[cid] = (sessions.get_session(conn, ADMIN, sid)["ref"], adaptations.get_adaptation(conn, ADMIN, aid)["ref"])
        scopes = {name: users.scope_for(conn, users.get_by_username(conn, name)) for name in ("coach-bound", "boss-a")}
    return {"engine": engine, "a": a, "b": b, "pa": pa, "pb": pb, "refs": refs, "coach": coach_id, **scopes}


def found(engine, scope, text):
    with engine.connect() as conn:
        return search.search(conn, scope, text)


def test_admin_finds_each_kind_and_what_to_open(two):
    admin = Scope(username="adm", role="admin")
    assert {(r["kind"], r["id"]) for r in found(two["engine"], admin, "p-a0")} == {("participant", two["pa"])}
    assert [r["name"] for r in found(two["engine"], admin, "beta clean")] == ["Beta Cleaning Oy"]
    assert [r["id"] for r in found(two["engine"], admin, "1927400")] == [two["b"]]
    session_ref, adaptation_ref = two["refs"][two["b"]]
    assert [(r["kind"], r["company_id"]) for r in found(two["engine"], admin, session_ref)] == [("session", two["b"])]
    assert [(r["kind"], r["company_id"]) for r in found(two["engine"], admin, adaptation_ref.lower())] == \
        [("adaptation", two["b"])]
    assert {r["code"] for r in found(two["engine"], admin, "name p-")} == {"P-A001", "P-B001"}


def test_bound_coach_never_finds_another_company(two):
    coach = two["coach-bound"]
    for text in ("P-", "Name", "Oy", "1927400-1", "Beta", "S-", "A-", two["refs"][two["b"]][0]):
        rows = found(two["engine"], coach, text)
        assert all(r["company_id"] == two["a"] for r in rows), (text, rows)
    assert {r["code"] for r in found(two["engine"], coach, "P-")} == {"P-A001"}


def test_bound_coach_finds_their_own_caseload_elsewhere(two):
    """A coach's own participant at another company is on their caseload (participant_condition)."""
    with db.transaction(two["engine"]) as conn:
        conn.exec_driver_sql(f"UPDATE participants SET coach_id = {two['coach']} WHERE id = {two['pb']}")
    assert {r["code"] for r in found(two["engine"], two["coach-bound"], "P-")} == {"P-A001", "P-B001"}
    assert not found(two["engine"], two["coach-bound"], "Beta Cleaning")  # the company itself stays out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hs.text(alphabet="PAB-01%_!Oyeta ", min_size=0, max_size=6))
def test_no_search_text_reaches_outside_the_scope(two, text):
    rows = found(two["engine"], two["coach-bound"], text)
    assert all(r["company_id"] == two["a"] for r in rows)


def test_wildcards_are_literal(two):
    admin = Scope(username="adm", role="admin")
    assert found(two["engine"], admin, "%%") == [] and found(two["engine"], admin, "__") == []


@pytest.mark.parametrize("role", ["employer", "services"])
def test_employer_and_services_have_no_search(two, role):
    scope = two["boss-a"] if role == "employer" else Scope(username="svc", role="services")
    with pytest.raises(AccessDenied):
        found(two["engine"], scope, "P-A001")


def test_an_identity_code_is_refused_not_searched(two):
    admin = Scope(username="adm", role="admin")
    with pytest.raises(IdentityCodeFound):
        found(two["engine"], admin, "131052-308T")
