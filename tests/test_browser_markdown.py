"""User text is never Markdown, in a real Chromium: a name that is a Markdown image fetches nothing.

A tiny HTTP server on 127.0.0.1 counts every request. The demo pilot's companies, participants,
sessions, adaptations, feedback, costs and accounts are named with Markdown images and HTML
pointing at it; a coach and an employer walk their pages (and a coach's flash message and opened
company show a name); not one request may arrive.
"""
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from pilot import db
from pilot.ui import nav
from pilot.ui.outcomes import EMPLOYER_SECTIONS
from tests.browser_support import require_browser, screenshot, wait_for_app
from tests.helpers_app import login, prepare_demo_db, start_app

pytestmark = pytest.mark.browser


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def trap() -> Iterator[tuple[str, list[str]]]:
    """A server on a random local port; yields its base URL and the list of paths requested."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Counter.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()
    server.server_close()


def payloads(host: str) -> dict[tuple[str, str], str]:
    def image(tag: str) -> str:
        return f"![{tag}]({host}/{tag}.png)"
    return {
        ("companies", "name"): f"{image('company')} <img src={host}/company-html.png>",
        ("participants", "display_name"): f"{image('person')} :red[x]",
        ("participants", "job_title"): image("job"),
        ("participants", "notes"): image("pnotes"),
        ("sessions", "topics"): image("topics"),
        ("sessions", "notes"): image("snotes"),
        ("adaptations", "description"): image("adapt"),
        ("adaptations", "owner"): image("owner"),
        ("feedback", "comment"): image("feedback"),
        ("costs", "description"): image("cost"),
        ("users", "display_name"): image("user"),
        ("participant_notes", "body"): image("note"),
    }


@pytest.fixture(scope="module")
def payload_db(tmp_path_factory: pytest.TempPathFactory, trap) -> dict:
    """The demo pilot with every free text replaced by a payload aimed at the trap, and the ids
    of a participant with adaptations and of the employer's company (read before the app holds
    the file)."""
    require_browser()
    path = prepare_demo_db(tmp_path_factory.mktemp("markdown") / "pilot.duckdb")
    engine = db.make_engine(str(path))
    with db.transaction(engine) as conn:
        for (table, column), text in payloads(trap[0]).items():
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :v || ' #' || CAST(id AS VARCHAR)"), {"v": text})
        participant = conn.execute(sa.text("SELECT MIN(participant_id) FROM adaptations")).scalar_one()
        business_id = conn.execute(sa.text("SELECT MIN(business_id) FROM companies")).scalar_one()
    engine.dispose()
    return {"path": path, "participant": participant, "business_id": business_id}


@pytest.fixture(scope="module")
def app_url(payload_db) -> Iterator[str]:
    with start_app(payload_db["path"]) as base:
        yield base


def settle(page) -> None:
    """Wait until the page is drawn and stops changing (charts and tiles come in after the run)."""
    wait_for_app(page)
    before = None
    for _ in range(30):
        now = page.content()
        if now == before:
            return
        before = now
        page.wait_for_timeout(1000)


def walk(browser, app_url: str, user: str, role: str, extra: dict[str, str]) -> list[str]:
    """Sign in and open every page of the role; returns each page's HTML (for the sanity check)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = []
    try:
        login(page, app_url, user, lang="fi", next_path="/?lang=fi")
        for spec in nav.PAGES:
            if role not in spec.roles:
                continue
            page.goto(f"{app_url}/{spec.url_path}?lang=fi{extra.get(spec.path, '')}")
            settle(page)
            seen.append(page.content())
            # the employer's page draws one section at a time (issue 16): every section is visited
            for section, _ in (EMPLOYER_SECTIONS[1:] if spec.path == "pages/employer.py" else ()):
                page.goto(f"{app_url}/{spec.url_path}?lang=fi&view={section}")
                settle(page)
                seen.append(page.content())
        if "business_id" in extra:
            # A known Y-tunnus opens that company: the flash message and the header carry its name.
            page.goto(f"{app_url}/companies?lang=fi")
            wait_for_app(page)
            page.get_by_text("Lisää yritys").first.click(timeout=30000)
            page.get_by_label("Y-tunnus").fill(extra["business_id"])
            page.get_by_label("Nimi", exact=True).fill("Jokin Oy")
            page.get_by_role("button", name="Tallenna").first.click()
            settle(page)
            seen.append(page.content())
    except Exception:
        screenshot(page, f"markdown-walk-{user}-failed")
        raise
    finally:
        context.close()
    return seen


def test_no_request_reaches_an_address_named_in_user_text(app_url, browser, trap, payload_db) -> None:
    host, hits = trap
    coach = walk(browser, app_url, "coach", "coach",
                 {"pages/participant.py": f"&participant={payload_db['participant']}",
                  "business_id": payload_db["business_id"]})
    employer = walk(browser, app_url, "employer", "employer", {})
    assert hits == [], f"the browser fetched {hits}"
    # The payloads were on the pages as text (an image would have left <img src=…> instead).
    assert f"![company]({host}/company.png)" in coach[-1]  # the opened company's header and flash
    assert f"![person]({host}/person.png)" in "\n".join(coach)
    assert f"![company]({host}/company.png)" in "\n".join(employer)
