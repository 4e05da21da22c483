"""The admin's users page (issue 17): the add form forgets the password after a success, the
table says "yes" to whole-pilot access for the roles that see the whole pilot (admin, services),
and shows when each account last signed in, in Helsinki time."""
from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pilot import db, i18n
from pilot.records import users
from tests.forms_support import open_page, submit, world  # noqa: F401  (fixture)

PAGE = "pages/admin_users.py"


def tr(key: str, **params) -> str:  # type: ignore[no-untyped-def]
    # Finnish: AppTest formats picker values outside the script run, in the default language
    return i18n.t(key, "fi", **params)


def user_table(at):  # type: ignore[no-untyped-def]
    frame = next(d.value for d in at.dataframe if tr("admin.field.username") in d.value.columns)
    return frame.set_index(tr("admin.field.username"))


def test_add_form_is_empty_after_a_success(world) -> None:  # noqa: F811
    at = open_page(world, PAGE, "admin-olli", "fi")
    at.text_input(key="user_add_username").set_value("coach-new")
    at.text_input(key="user_add_password").set_value("a long enough password 1")
    submit(at, "form_user_add")
    assert any("coach-new" in s.value for s in at.success)
    assert at.text_input(key="user_add_password").value == ""
    assert at.text_input(key="user_add_username").value == ""
    with world["engine"].connect() as conn:
        assert users.get_by_username(conn, "coach-new") is not None


def test_add_form_keeps_what_was_typed_when_it_is_refused(world) -> None:  # noqa: F811
    at = open_page(world, PAGE, "admin-olli", "fi")
    at.text_input(key="user_add_username").set_value("coach-anna")  # exists already
    submit(at, "form_user_add")
    assert tr("admin.users.bad_username") in [e.value for e in at.error]
    assert at.text_input(key="user_add_username").value == "coach-anna"


def test_whole_pilot_is_yes_for_roles_that_see_the_whole_pilot(world) -> None:  # noqa: F811
    with db.transaction(world["engine"]) as conn:
        users.create_user(conn, "services-sini", "services", "Sini")
        users.create_user(conn, "coach-all", "coach", "Kaisa", whole_pilot=True)
    at = open_page(world, PAGE, "admin-olli", "fi")
    column = user_table(at)[tr("admin.field.whole_pilot")]
    assert column["admin-olli"] == tr("common.yes")
    assert column["services-sini"] == tr("common.yes")
    assert column["coach-all"] == tr("common.yes")
    assert column["coach-anna"] == tr("common.no")


def test_last_sign_in_is_shown_in_helsinki_time(world) -> None:  # noqa: F811
    at = open_page(world, PAGE, "admin-olli", "fi")  # opens a login session for admin-olli
    with world["engine"].connect() as conn:
        started = conn.execute(sa.text(
            "SELECT MAX(s.created_at) FROM login_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.username = 'admin-olli'")).scalar_one()
    local = started.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Helsinki"))
    column = user_table(at)[tr("frictions.users.last_sign_in")]
    assert column["admin-olli"] == f"{local:%d.%m.%Y} {local:%H.%M}"
    assert column["coach-anna"] == tr("frictions.users.never")


def test_last_sign_in_of_an_english_reader_uses_the_english_clock(world) -> None:  # noqa: F811
    at = open_page(world, PAGE, "admin-olli", "en")
    with world["engine"].connect() as conn:
        started = conn.execute(sa.text(
            "SELECT MAX(s.created_at) FROM login_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.username = 'admin-olli'")).scalar_one()
    local = started.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Helsinki"))
    frame = next(d.value for d in at.dataframe if i18n.t("admin.field.username", "en") in d.value.columns)
    frame = frame.set_index(i18n.t("admin.field.username", "en"))
    assert frame[i18n.t("frictions.users.last_sign_in", "en")]["admin-olli"] == \
        f"{local:%d.%m.%Y} {local:%H:%M}"


def test_no_picker_offers_streamlits_english_select_all(world) -> None:  # noqa: F811
    at = open_page(world, PAGE, "admin-olli", "fi")
    assert at.multiselect and all(m.proto.select_all == 0 for m in at.multiselect)
