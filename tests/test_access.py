"""Who sees what: each role's scope applied in SQL, caseload reassignment, and the app's URL guard."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st

from pilot import auth, db, demo
from pilot.access import AccessDenied, Scope
from pilot.records import audit, companies, participants, users
from tests.helpers_app import app_as


@pytest.fixture
def pilot(engine):
    """The demo pilot (8 companies, 40 participants, one account per role) in a fresh database."""
    demo.load(engine)
    return engine


def scope_of(engine, username: str) -> Scope:
    with engine.connect() as conn:
        return users.scope_for(conn, users.get_by_username(conn, username))


def all_participants(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(
            "SELECT p.id, p.company_id, p.coach_id, p.share_with_employer, p.display_name FROM participants p"))]


def employer_company(engine) -> int:
    with engine.connect() as conn:
        return users.company_ids(conn, users.get_by_username(conn, "employer")["id"])[0]


@pytest.mark.parametrize("username, sees", [
    ("coach", lambda p, ctx: True),                                    # whole pilot
    ("admin", lambda p, ctx: True),
    ("services", lambda p, ctx: True),                                 # all companies, codes only
    ("coach2", lambda p, ctx: p["company_id"] in ctx["coach2_companies"] or p["coach_id"] == ctx["coach2"]),
    ("employer", lambda p, ctx: p["company_id"] == ctx["employer_company"] and p["share_with_employer"]),
])
def test_participants_by_role(pilot, username, sees) -> None:
    with pilot.connect() as conn:
        coach2 = users.get_by_username(conn, "coach2")["id"]
        ctx = {"coach2": coach2, "coach2_companies": set(users.company_ids(conn, coach2)),
               "employer_company": employer_company(pilot)}
    scope = scope_of(pilot, username)
    with pilot.connect() as conn:
        visible = {p["id"] for p in participants.list_participants(conn, scope)}
        expected = {p["id"] for p in all_participants(pilot) if sees(p, ctx)}
        assert visible == expected and visible
        hidden = [p["id"] for p in all_participants(pilot) if p["id"] not in expected]
        for pid in hidden[:5]:  # a forged id gives nothing
            assert participants.get_participant(conn, scope, pid) is None


@pytest.mark.parametrize("username, names_shown", [
    ("coach", True), ("admin", True), ("services", False), ("employer", False),
])
def test_display_names_only_for_coach_and_admin(pilot, username, names_shown) -> None:
    scope = scope_of(pilot, username)
    with pilot.connect() as conn:
        rows = participants.list_participants(conn, scope)
        assert any(r["display_name"] for r in rows) is names_shown
        assert all(r["notes"] is None for r in rows) or names_shown
        # services searching by a name finds nothing: names are not even searched
        named = next(p for p in all_participants(pilot) if p["display_name"])
        found = participants.list_participants(conn, scope, search=named["display_name"][:4])
        assert bool(found) is names_shown or scope.role == "employer"


@pytest.mark.parametrize("username, company_count", [
    ("coach", 8), ("admin", 8), ("services", 8), ("employer", 1),
])
def test_companies_by_role(pilot, username, company_count) -> None:
    with pilot.connect() as conn:
        assert len(companies.list_companies(conn, scope_of(pilot, username))) == company_count


def test_employer_cannot_open_another_company(pilot) -> None:
    scope = scope_of(pilot, "employer")
    own = employer_company(pilot)
    with pilot.connect() as conn:
        others = [cid for cid, _ in companies.company_choices(conn, scope_of(pilot, "admin")) if cid != own]
        assert companies.get_company(conn, scope, own) is not None
        assert all(companies.get_company(conn, scope, cid) is None for cid in others)


def test_reassignment_takes_access_away_at_once(pilot) -> None:
    admin = scope_of(pilot, "admin")
    with db.transaction(pilot) as conn:
        newbie = users.add_user(conn, admin, "coach3", "coach")   # bound to no company
    pid = all_participants(pilot)[0]["id"]
    with pilot.connect() as conn:
        target = users.get_by_username(conn, "coach")["id"]
    second = next(p["id"] for p in all_participants(pilot) if p["id"] != pid and p["coach_id"] != target)
    with db.transaction(pilot) as conn:  # DuckDB: a referenced row is updated in its own transaction
        conn.execute(sa.text("UPDATE participants SET coach_id = :c WHERE id = :p"), {"c": newbie, "p": pid})
    # Bound to no company: the caseload participant is reached, their company is not (issue 12.2).
    assert scope_of(pilot, "coach3").company_ids == frozenset()
    with pilot.connect() as conn:
        assert participants.get_participant(conn, scope_of(pilot, "coach3"), pid) is not None
    moved = db.run_in_transaction(
        pilot, lambda c: users.reassign_caseload(c, admin, [pid, second], target, "holiday cover"))
    assert moved == 2
    with pilot.connect() as conn:
        assert participants.get_participant(conn, scope_of(pilot, "coach3"), pid) is None
        row = audit.entries(conn, entity="participant", action="update")[0]
    assert row["reason"] == "holiday cover" and row["actor"] == "admin"


@pytest.mark.parametrize("actor, reason, error", [
    ("coach", "because", AccessDenied),
    ("admin", "  ", ValueError),
])
def test_reassignment_rules(pilot, actor, reason, error) -> None:
    scope = scope_of(pilot, actor)
    with pytest.raises(error), db.transaction(pilot) as conn:
        users.reassign_caseload(conn, scope, [all_participants(pilot)[0]["id"]],
                                users.get_by_username(conn, "coach2")["id"], reason)


# --- the app: login gate, pages per role, forged URLs ------------------------------------------

@pytest.fixture
def app_db(pilot, tmp_path):
    """The database of ``pilot`` as the app opens it (PILOT_DB: a DuckDB file or a PostgreSQL URL)."""
    st.cache_resource.clear()
    db.dispose_shared()
    yield os.environ["PILOT_DB"]
    st.cache_resource.clear()
    db.dispose_shared()


def page_titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_no_session_shows_only_the_sign_in_page(app_db) -> None:
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Sign in" in [s.value for s in at.subheader]
    assert not at.dataframe and "scope" not in at.session_state


@pytest.mark.parametrize("token", ["forged-token", ""])
def test_a_forged_or_revoked_token_is_not_a_session(app_db, token) -> None:
    at = app_as("coach", app_db)
    with db.transaction(db.shared_engine(str(app_db))) as conn:
        auth.logout(conn, at.session_state["_apptest_login_token"])
    if token:
        at.session_state["_apptest_login_token"] = token
    at.run()
    assert not at.exception and not at.dataframe and "scope" not in at.session_state


@pytest.mark.parametrize("username, admin_pages", [
    ("admin", True), ("coach", False), ("coach2", False), ("employer", False), ("services", False),
])
def test_each_role_signs_in_and_sees_its_pages(app_db, username, admin_pages) -> None:
    at = app_as(username, app_db)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["scope"].username == username
    if admin_pages:
        for page, title in [("admin_users", "Käyttäjät ja roolit"), ("admin_audit", "Tapahtumaloki"),
                            ("admin_privacy", "Tietosuoja")]:
            at.switch_page(f"pages/{page}.py").run()
            assert not at.exception and title in page_titles(at)
    else:  # st.navigation does not even register the admin pages for other roles
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/admin_users.py")


@pytest.mark.parametrize("role", ["coach", "employer", "services"])
@pytest.mark.parametrize("page", ["admin_users", "admin_audit", "admin_privacy"])
def test_admin_pages_check_the_role_again(app_db, role, page) -> None:
    """Run the page file on its own with another role's scope: it stops before showing anything."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["scope"] = Scope(username=role, role=role)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Sinulla ei ole oikeutta tähän sivuun."]
    assert not at.title and not at.dataframe


@pytest.mark.parametrize("param", ["participant", "company"])
def test_forged_query_parameter_is_refused_and_logged(app_db, param) -> None:
    engine = db.shared_engine(str(app_db))
    own = employer_company(engine)
    rows = all_participants(engine)
    other = next(p["id"] for p in rows if p["company_id"] != own) if param == "participant" else \
        next(cid for cid in {p["company_id"] for p in rows} if cid != own)
    at = app_as("employer", app_db)
    at.query_params[param] = str(other)
    at.run()
    assert param not in at.query_params
    with engine.connect() as conn:
        denied = audit.entries(conn, action="denied", entity=param)
    assert [(d["actor"], d["entity_id"]) for d in denied] == [("employer", str(other))]


def test_coach_link_to_own_participant_passes_the_guard(app_db) -> None:
    engine = db.shared_engine(str(app_db))
    pid = all_participants(engine)[0]["id"]
    at = app_as("coach", app_db)
    at.query_params["participant"] = str(pid)
    at.run()
    assert at.query_params.get("participant") in (str(pid), [str(pid)])
    with engine.connect() as conn:
        assert audit.entries(conn, action="denied") == []
