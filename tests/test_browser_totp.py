"""In a real Chromium: a new admin enrols a second factor on the first sign-in (key shown as text
and QR code, a first code from pyotp, recovery codes shown once), signs out with the button, and
signs in again with a fresh code; a download handed out under /media/ opens only with the login
cookie. The sign-in pages pass axe-core."""
from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request

import pyotp
import pytest

from pilot import auth, i18n
from tests.browser_support import axe_violations, require_browser, screenshot, wait_for_app
from tests.helpers_app import PYTHON, ROOT, launch_chromium, prepare_demo_db, start_app, totp_code

pytestmark = pytest.mark.browser
PASSWORD = "boss-password-123"


@pytest.fixture
def boss_db(tmp_path):
    require_browser()
    path = prepare_demo_db(tmp_path / "pilot.duckdb")
    subprocess.run([PYTHON, "-m", "pilot", "user", "add", "boss", "--role", "admin", "--password-stdin"],
                   cwd=ROOT, env={**os.environ, "PILOT_DB": str(path)}, input=PASSWORD + "\n", text=True,
                   check=True, capture_output=True)
    return path


def fetch(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": f"{auth.COOKIE_NAME}={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_admin_enrols_signs_out_and_signs_in_with_a_code(boss_db) -> None:
    from playwright.sync_api import sync_playwright
    with start_app(boss_db) as base, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
        page.goto(f"{base}/workbook?lang=en")
        page.wait_for_selector("#username", timeout=30000)
        page.fill("#username", "boss")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        # first sign-in: the role needs a second factor and the account has none: enrol
        page.wait_for_selector("#totp-secret", timeout=30000)
        assert "Set up two-step verification" in page.inner_text("body")
        secret = page.inner_text("#totp-secret").strip()
        assert page.inner_text("#totp-uri").startswith("otpauth://totp/") and page.locator(".qr svg").count() == 1
        assert not axe_violations(page), "enrolment page"
        screenshot(page, "totp-1-enrol")
        # wrong for every step the server may accept by the time it checks (one step of drift
        # either way, and the step may turn before the click arrives)
        accepted = {pyotp.TOTP(secret).at(time.time() + 30 * k) for k in (-2, -1, 0, 1, 2)}
        page.fill("#code", next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555")
                                if c not in accepted))
        page.click("button[type=submit]")
        page.wait_for_selector(".error", timeout=30000)
        assert "The code is wrong or already used." in page.inner_text("body")
        page.fill("#code", totp_code(base, "boss", secret))
        page.click("button[type=submit]")
        page.wait_for_selector("#recovery-codes", timeout=30000)
        codes = page.locator("#recovery-codes li").all_inner_texts()
        assert len(codes) == 10 and all(len(c) == 19 for c in codes)
        assert not axe_violations(page), "recovery codes page"
        screenshot(page, "totp-2-recovery-codes")
        page.click("text=Continue to the app")
        wait_for_app(page)
        assert "/workbook" in page.url
        screenshot(page, "totp-2b-workbook")

        # a download under /media/ opens with the login cookie only
        with page.expect_download() as download:
            page.get_by_role("button", name=i18n.t("wbpage.template_download", "en")).click()
        media = download.value.url
        assert "/media/" in media
        cookie = next(c["value"] for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME)
        assert fetch(media) == 401
        assert fetch(media, cookie) == 200

        # sign out with the button (a POST), then in again: password, then a new code
        page.click("form[action='/account/logout'] button")
        page.wait_for_url("**/account/login**")
        assert fetch(media, cookie) == 401
        page.fill("#username", "boss")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#code", timeout=30000)
        assert "Two-step verification" in page.inner_text("body") and page.locator("#totp-secret").count() == 0
        assert not axe_violations(page), "code page"
        page.fill("#code", totp_code(base, "boss", secret))
        page.click("button[type=submit]")
        wait_for_app(page)
        assert page.locator("form[action='/account/logout']").count() == 1
        screenshot(page, "totp-3-signed-in")
        browser.close()
