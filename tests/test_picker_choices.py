"""Bounded pickers (issue 16): the data layer gives a picker at most N choices of the caller's
scope, narrowed by a search text, plus the one already chosen when the scope holds it, and counts
the scope without reading its rows."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.access import Scope
from pilot.records import companies, participants, users
from tests import work_seed


@pytest.fixture
def two(engine) -> dict:
    """Company A with seven participants (one named 'Ann_a 50%'), company B with three; a coach of A."""
    a = work_seed.company(engine, "0101263-6", "Alpha Works", date(2023, 1, 1))
    b = work_seed.company(engine, "1572860-0", "Beta_Bakery 100%", date(2023, 1, 1))
    pa = [work_seed.participant(engine, a, f"A-{i:03d}") for i in range(1, 8)]
    pb = [work_seed.participant(engine, b, f"B-{i:03d}") for i in range(1, 4)]
    with db.transaction(engine) as conn:
        conn.execute(sa.text("UPDATE participants SET display_name = 'Ann_a 50%' WHERE id = :p"), {"p": pa[5]})
        coach_id = users.create_user(conn, "coach-a", "coach", "A", company_ids=[a])
        coach = users.scope_for(conn, users.get_by_username(conn, "coach-a"))
    return {"a": a, "b": b, "pa": pa, "pb": pb, "coach": coach, "coach_id": coach_id}


ADMIN = Scope(username="adm", role="admin")
SERVICES = Scope(username="svc", role="services")


def test_limit_and_order(engine, two) -> None:
    with engine.connect() as conn:
        rows = participants.participant_choices(conn, ADMIN, limit=4)
        assert [r["code"] for r in rows] == ["A-001", "A-002", "A-003", "A-004"]
        assert participants.count_choices(conn, ADMIN) == 10
        assert participants.count_choices(conn, two["coach"]) == 7


def test_a_coach_never_gets_another_companys_participant(engine, two) -> None:
    with engine.connect() as conn:
        every = participants.participant_choices(conn, two["coach"], limit=100)
        assert {r["id"] for r in every} == set(two["pa"])
        found = participants.participant_choices(conn, two["coach"], search="B-", limit=100)
        assert found == []
        # A chosen id outside the scope (a forged ?participant=) is not added.
        forged = participants.participant_choices(conn, two["coach"], chosen=two["pb"][0], limit=3)
        assert two["pb"][0] not in {r["id"] for r in forged}
        assert len(forged) == 3


def test_the_chosen_one_outside_the_first_n_is_included(engine, two) -> None:
    last = two["pa"][6]
    with engine.connect() as conn:
        rows = participants.participant_choices(conn, two["coach"], chosen=last, limit=3)
        assert [r["id"] for r in rows] == [last, *two["pa"][:3]]
        # Also when the search text would leave it out: the open person stays in the picker.
        rows = participants.participant_choices(conn, two["coach"], search="A-001", chosen=last, limit=3)
        assert [r["id"] for r in rows] == [last, two["pa"][0]]
        # Not twice when it is among the first N anyway.
        rows = participants.participant_choices(conn, two["coach"], chosen=two["pa"][1], limit=3)
        assert [r["id"] for r in rows] == two["pa"][:3]


def test_search_takes_percent_and_underscore_literally(engine, two) -> None:
    with engine.connect() as conn:
        assert [r["id"] for r in participants.participant_choices(conn, ADMIN, search="n_a 50%")] == [two["pa"][5]]
        assert participants.count_choices(conn, ADMIN, search="n_a 50%") == 1
        assert [r["id"] for r in participants.participant_choices(conn, ADMIN, search="%")] == [two["pa"][5]]
        assert participants.participant_choices(conn, ADMIN, search="A_0") == []
        assert [r["code"] for r in participants.participant_choices(conn, ADMIN, search="a-00")][:2] == ["A-001", "A-002"]


def test_names_are_searched_only_where_the_role_sees_them(engine, two) -> None:
    with engine.connect() as conn:
        assert participants.participant_choices(conn, SERVICES, search="ann") == []
        assert participants.count_choices(conn, SERVICES, search="ann") == 0
        codes = participants.participant_choices(conn, SERVICES, limit=2)
        assert {r["display_name"] for r in codes} == {None}
        assert [r["id"] for r in participants.participant_choices(conn, ADMIN, search="ANN")] == [two["pa"][5]]


def test_company_choices_bounded_searched_and_scoped(engine, two) -> None:
    extra = [work_seed.company(engine, bid, f"Gamma {i}", date(2023, 1, 1))
             for i, bid in enumerate(["2617416-4", "0201256-6"])]
    with engine.connect() as conn:
        assert companies.count_choices(conn, ADMIN) == 4
        first = companies.company_choices(conn, ADMIN, limit=2)
        assert [name for _, name in first] == ["Alpha Works (0101263-6)", "Beta_Bakery 100% (1572860-0)"]
        # Unlimited, as before, for the small lookups that still want every company.
        assert len(companies.company_choices(conn, ADMIN)) == 4
        # By Y-tunnus and by name, with % and _ literal.
        assert [cid for cid, _ in companies.company_choices(conn, ADMIN, search="2617416", limit=5)] == [extra[0]]
        assert [cid for cid, _ in companies.company_choices(conn, ADMIN, search="a_b", limit=5)] == [two["b"]]
        assert companies.company_choices(conn, ADMIN, search="0%", limit=5)[0][0] == two["b"]
        assert companies.count_choices(conn, ADMIN, search="%") == 1
        # The chosen one beyond the first N comes first; one outside the scope never.
        assert [cid for cid, _ in companies.company_choices(conn, ADMIN, chosen=extra[1], limit=2)] == \
            [extra[1], two["a"], two["b"]]
        assert [cid for cid, _ in companies.company_choices(conn, two["coach"], chosen=two["b"], limit=5)] == [two["a"]]
        assert companies.count_choices(conn, two["coach"]) == 1
        assert companies.company_choices(conn, two["coach"], search="beta", limit=5) == []


def test_active_lists_count_on_the_pilots_day(engine, two, monkeypatch) -> None:
    """The caseload's and the company list's 'active' use the pilot's day (Helsinki), not the
    server's UTC date: between 22 and 24 UTC a participant who exits 'tomorrow' by UTC has exited today."""
    from datetime import timedelta

    from pilot.domain import dates
    ahead = dates.today() + timedelta(days=1)  # a clock where Helsinki is a day ahead of the server
    monkeypatch.setattr(dates, "today", lambda: ahead)
    with db.transaction(engine) as conn:
        conn.execute(sa.text("UPDATE participants SET exited_on = :d WHERE id = :p"), {"d": ahead, "p": two["pb"][0]})
    with engine.connect() as conn:
        active = participants.list_participants(conn, ADMIN, company_id=two["b"], status="active")
        assert two["pb"][0] not in [r["id"] for r in active]
        beta = next(c for c in companies.list_companies(conn, ADMIN) if c["id"] == two["b"])
        assert beta["active"] == 2
