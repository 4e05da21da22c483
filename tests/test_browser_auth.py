"""In a real Chromium against the running app (app.py): sign-in that survives a reload, sign-out
and Back, an employer who cannot reach another company by any page, path or query parameter (and
the attempt is in the audit log), services who never see a display name, and the lockout."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.ui import nav
from tests.helpers_app import launch_chromium, login, prepare_demo_db, start_app

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    missing = [w for w, ok in (("/usr/bin/chromium", Path("/usr/bin/chromium").exists()),
                               ("playwright", _has_playwright())) if not ok]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests must run in CI, missing: {missing}")
        pytest.skip(f"missing {missing}")


def _has_playwright() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def demo_db(tmp_path) -> Path:
    _require_browser()
    return prepare_demo_db(tmp_path / "pilot.duckdb")


@pytest.fixture
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


def facts(path: Path) -> dict:
    """What the test needs to know about the demo data (read while the app is not running)."""
    engine = db.make_engine(str(path))
    try:
        with engine.connect() as conn:
            own = conn.execute(sa.text("SELECT uc.company_id FROM user_companies uc JOIN users u ON u.id = uc.user_id "
                                       "WHERE u.username = 'employer'")).scalar_one()
            other = [dict(r._mapping) for r in conn.execute(sa.text(
                "SELECT p.id, p.code, p.display_name, p.company_id, c.name AS company FROM participants p "
                "JOIN companies c ON c.id = p.company_id WHERE p.company_id <> :c ORDER BY p.id"), {"c": own})]
            names = conn.execute(sa.text("SELECT display_name FROM participants "
                                         "WHERE display_name IS NOT NULL")).scalars().all()
        return {"own": own, "other": other, "names": names}
    finally:
        engine.dispose()


def audit_rows(path: Path, action: str) -> list[dict]:
    engine = db.make_engine(str(path))
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.text(
                "SELECT actor, entity, entity_id, reason FROM audit_log WHERE action = :a ORDER BY id"), {"a": action})]
    finally:
        engine.dispose()


def signed_in(page) -> bool:
    return page.locator("form[action='/account/logout']").count() > 0


def wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid=stSidebar]", timeout=30000)
    page.wait_for_timeout(1500)  # let the script run finish


def test_reload_keeps_the_session_and_logout_then_back_shows_nothing(demo_db, browser) -> None:
    with start_app(demo_db) as base:
        page = browser.new_page()
        login(page, base, "coach", next_path="/participants")
        wait_for_app(page)
        assert signed_in(page) and "/participants" in page.url and "lang=en" in page.url
        cookie = next(c for c in page.context.cookies() if c["name"] == "pilot_session")
        assert cookie["httpOnly"] and cookie["sameSite"] in ("Lax", "Strict")
        page.reload()
        wait_for_app(page)
        assert signed_in(page), "a reload must keep the session"
        page.click("form[action='/account/logout'] button")
        page.wait_for_url("**/account/login**")
        assert not any(c["name"] == "pilot_session" for c in page.context.cookies())
        page.go_back()
        page.wait_for_timeout(4000)
        assert not signed_in(page)
        assert page.locator("input[name=password]").count() == 1
        assert "P-0001" not in page.content()
    assert [r["actor"] for r in audit_rows(demo_db, "logout")] == ["coach"]


def test_sign_in_from_a_deep_link_keeps_page_and_language(demo_db, browser) -> None:
    with start_app(demo_db) as base:
        page = browser.new_page()
        page.goto(f"{base}/participants?lang=sv")
        # without a session the page answers with the sign-in form, which comes back here after
        page.wait_for_selector("#username", timeout=30000)
        assert "/account/login" in page.url and "Logga in" in page.inner_text("body")
        page.fill("#username", "coach")
        page.fill("#password", "demo-password")
        page.click("form[action='/account/login'] button")
        wait_for_app(page)
        page.wait_for_selector("form[action='/account/logout']", timeout=30000)
        assert signed_in(page) and "/participants" in page.url and "lang=sv" in page.url
        assert "Logga ut" in page.inner_text("body")


def test_employer_reaches_no_other_company(demo_db, browser) -> None:
    known = facts(demo_db)
    target = known["other"][0]
    secrets_of_b = {target["code"], target["company"]} | ({target["display_name"]} if target["display_name"] else set())
    with start_app(demo_db) as base:
        page = browser.new_page()
        login(page, base, "employer")
        wait_for_app(page)
        urls = [f"/{spec.url_path}?lang=en" for spec in nav.PAGES]
        urls += [f"/participant?participant={target['id']}&lang=en", f"/?participant={target['id']}&lang=en",
                 f"/participants?participant={target['id']}&lang=en", f"/companies?company={target['company_id']}",
                 f"/employer?company={target['company_id']}&lang=en"]
        for url in urls:
            page.goto(base + url)
            wait_for_app(page)
            html = page.content()
            leaked = [s for s in secrets_of_b if s in html]
            assert not leaked, f"{url} shows {leaked}"
    denied = audit_rows(demo_db, "denied")
    assert ("employer", "participant", str(target["id"])) in {(d["actor"], d["entity"], d["entity_id"]) for d in denied}
    assert ("employer", "company", str(target["company_id"])) in {(d["actor"], d["entity"], d["entity_id"])
                                                                  for d in denied}


def test_services_never_see_a_display_name(demo_db, browser) -> None:
    known = facts(demo_db)
    assert known["names"]
    with start_app(demo_db) as base:
        page = browser.new_page()
        login(page, base, "services")
        wait_for_app(page)
        for url in ["/"] + [f"/{spec.url_path}?lang=en" for spec in nav.PAGES if "services" in spec.roles] + \
                [f"/participant?participant={known['other'][0]['id']}"]:
            page.goto(base + url)
            wait_for_app(page)
            html = page.content()
            assert not [n for n in known["names"] if n in html], url


def test_five_wrong_passwords_make_this_client_wait(demo_db, browser) -> None:
    with start_app(demo_db) as base:
        page = browser.new_page()
        for attempt in range(5):
            page.goto(f"{base}/account/login?lang=en")
            page.fill("#username", "admin")
            page.fill("#password", f"wrong-{attempt}")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "The username or password is wrong." in page.inner_text("body")
        page.goto(f"{base}/account/login?lang=en")
        page.fill("#username", "admin")
        page.fill("#password", "demo-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "Too many failed attempts from this device." in page.inner_text("body")
        assert "/account/login" in page.url
        assert not any(c["name"] == "pilot_session" for c in page.context.cookies())


def test_a_cross_site_form_cannot_sign_in(demo_db, browser) -> None:
    with start_app(demo_db) as base:
        page = browser.new_page()
        # A page of another origin (a data: URL has the opaque origin "null") posting our form.
        page.set_content(f"""<form method="post" action="{base}/account/login">
            <input name="ui_lang" value="en"><input name="username" value="coach"><input name="password" value="demo-password">
            <button type="submit">go</button></form>""")
        page.click("button")
        page.wait_for_load_state()
        assert "Sign-in refused: the form did not come from this service." in page.inner_text("body")
        assert not any(c["name"] == "pilot_session" for c in page.context.cookies())
