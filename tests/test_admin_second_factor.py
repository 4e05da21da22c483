"""The admin sets which roles need a second factor and resets a user's (AppTest on the Users page),
and the same from the command line (`python -m pilot user totp-reset / totp-roles`)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
import streamlit as st

from pilot import auth, cli, db
from pilot.records import users
from tests.helpers_app import app_as

PASSWORD = "correct horse battery"


@pytest.fixture
def app_db(engine):
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    with db.transaction(engine) as conn:
        users.create_user(conn, "boss", "admin", password_hash=auth.hash_password(PASSWORD))
        users.create_user(conn, "anna", "coach", password_hash=auth.hash_password(PASSWORD))
        auth.enrol_totp(conn, users.get_by_username(conn, "anna")["id"], auth.DEMO_TOTP_SECRET)
    yield engine
    st.cache_resource.clear()
    db.dispose_shared()


def submit(at, form: str):
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-")).click().run()
    assert not at.exception, at.exception
    return at


def users_page(lang: str = "fi"):
    # Finnish: AppTest formats picker values outside the script run, in the default language
    at = app_as("boss", os.environ["PILOT_DB"], timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/admin_users.py").run()
    assert not at.exception, at.exception
    return at


def test_admin_requires_a_second_factor_for_coaches(app_db) -> None:
    at = users_page()
    roles = next(m for m in at.multiselect if m.label == "Roolit, joiden on käytettävä kaksivaiheista tunnistautumista")
    assert roles.value == ["admin"]
    roles.set_value(["coach", "admin"])
    submit(at, "form_totp_roles")
    assert any("tallennettu" in s.value for s in at.success)
    with app_db.connect() as conn:
        assert auth.totp_required_roles(conn) == {"coach", "admin"}
        assert conn.execute(sa.text("SELECT COUNT(*) FROM audit_log WHERE entity = 'totp_roles'")).scalar_one() == 1


def test_admin_resets_a_users_second_factor(app_db) -> None:
    with app_db.connect() as conn:
        anna = users.get_by_username(conn, "anna")["id"]
    token = db.run_in_transaction(app_db, lambda c: auth.open_session(c, anna))
    at = users_page()
    picker = at.selectbox(key="totp_reset_pick")
    assert picker.options == ["anna"]  # only accounts with a second factor can be reset
    picker.set_value(anna)
    submit(at, "form_totp_reset")
    assert any("anna" in s.value and "nollattiin" in s.value for s in at.success)
    with app_db.connect() as conn:
        assert anna not in auth.totp_enrolled(conn)
        assert auth.session_user(conn, token) is None  # a lost phone: the sessions end too


def test_cli_resets_and_sets_roles(app_db, capsys) -> None:
    db.dispose_shared()
    app_db.dispose()
    os.environ["PILOT_LANG"] = "en"
    try:
        assert cli.main(["user", "totp-reset", "anna"]) == 0
        assert "Two-step verification of anna was reset" in capsys.readouterr().out
        assert cli.main(["user", "totp-reset", "nobody"]) != 0
        assert cli.main(["user", "totp-roles", "--require", "admin", "--require", "services"]) == 0
        assert "services, admin" in capsys.readouterr().out
        assert cli.main(["user", "totp-roles"]) == 0
        assert "services, admin" in capsys.readouterr().out
    finally:
        os.environ.pop("PILOT_LANG", None)
    with app_db.connect() as conn:
        assert auth.totp_enrolled(conn) == set()
        assert auth.totp_required_roles(conn) == {"admin", "services"}
