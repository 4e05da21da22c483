"""python -m pilot dashboard: the page's JSON for each role, from the same code as the page, and
bad input as one sentence with exit code 2."""
from __future__ import annotations

import json
from datetime import date

import pytest

from pilot import cli, dashboard, db, demo, disclosure
from pilot.access import Scope
from pilot.records.outcomes import Filters

MADE = date(2026, 11, 30)


@pytest.fixture(scope="module")
def pilot_db(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("dashboard_cli") / "pilot.duckdb"
    engine = db.make_engine(str(path))
    db.migrate(engine)
    demo.load(engine, today=MADE)
    with engine.connect() as conn:
        companies = conn.exec_driver_sql("SELECT id, business_id FROM companies ORDER BY id").fetchall()
        language = conn.exec_driver_sql("SELECT first_language FROM participants GROUP BY 1 "
                                        "ORDER BY COUNT(*) DESC LIMIT 1").scalar_one()
    engine.dispose()
    yield path, companies, language
    db.dispose_shared()


def run(capsys, *argv: str) -> dict:  # type: ignore[no-untyped-def]
    assert cli.main(["dashboard", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_services_coach_and_employer(pilot_db, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    path, companies, language = pilot_db
    monkeypatch.setenv("PILOT_DB", str(path))
    services = run(capsys, "--role", "services", "--as-of", "2026-06-30", "--first-language", language,
                   "--cohort", "2025-Q3", "--format", "json")
    coach = run(capsys, "--role", "coach", "--as-of", "2026-06-30", "--first-language", language,
                "--cohort", "2025-Q3")
    assert services["filters"]["first_language"] == language
    assert services["filters"]["cohort"] == ["2025-07-01", "2025-09-30"]
    assert coach["exact"] is True and services["exact"] is False
    if not services["narrowed_too_small"]:
        assert set(services["charts"]) == set(coach["charts"]) and set(services["tiles"]) == set(coach["tiles"])
    # the same code as the page: the JSON is pilot.dashboard's page, as_json'd
    engine = db.make_engine(str(path))
    with engine.connect() as conn:
        page = dashboard.services_page(conn, Scope(username="cli", role="coach"), date(2026, 6, 30),
                                       Filters(first_language=language, cohort=(date(2025, 7, 1), date(2025, 9, 30))))
    engine.dispose()
    assert dashboard.as_json(page, "coach") == coach

    company_id, business_id = companies[0]
    employer = run(capsys, "--role", "employer", "--company", business_id, "--as-of", "2026-06-30")
    assert employer["page"] == "employer" and employer["filters"]["company_id"] == company_id
    assert set(employer["tiles"]) == {k for _, keys in dashboard.EMPLOYER_TILES for k in keys}
    assert set(employer["tables"]) == {"sessions", "adaptations", "progress", "readiness_answers", "hires"}
    if not employer["exact"]:
        assert not any(disclosure.is_small(v) for v in employer["tiles"].values())


@pytest.mark.parametrize("argv, message", [
    (["--role", "employer"], "--company"),
    (["--role", "services", "--cohort", "2025-5"], "2025-5"),
    (["--role", "services", "--as-of", "2026-02-30"], "2026-02-30"),
    (["--role", "services", "--company", "9999999-9"], "9999999-9"),
])
def test_bad_input_is_one_sentence(pilot_db, monkeypatch, capsys, argv, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PILOT_DB", str(pilot_db[0]))
    monkeypatch.setenv("PILOT_LANG", "en")
    assert cli.main(["dashboard", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and "\n" not in captured.err.strip()
    db.dispose_shared()


def test_every_backend_gives_the_page_and_the_company_report(engine) -> None:  # type: ignore[no-untyped-def]
    """DuckDB and (with PILOT_TEST_PG) PostgreSQL: the page under each rule, D4's sizes and a
    company's report run on the same portable SQL."""
    from pilot import report
    from tests.test_attacker import attack, holding

    demo.load(engine, today=MADE)
    as_of = date(2026, 6, 30)
    with engine.connect() as conn:
        language = conn.exec_driver_sql("SELECT first_language FROM participants GROUP BY 1 "
                                        "ORDER BY COUNT(*) DESC, 1 LIMIT 1").scalar_one()
        company_id = conn.exec_driver_sql("SELECT MIN(id) FROM companies").scalar_one()
        for filters in (Filters(), Filters(first_language=language), Filters(company_id=company_id)):
            exact = dashboard.as_json(dashboard.services_page(conn, Scope(username="c", role="coach"), as_of, filters),
                                      "coach")
            shown = dashboard.as_json(dashboard.services_page(conn, Scope(username="s", role="services"), as_of,
                                                              filters), "services")
            assert attack(shown, holding(exact)) == {}
        scope = Scope(username="e", role="employer", company_ids=frozenset({company_id}))
        assert dashboard.employer_page(conn, scope, company_id, as_of).tiles
        built = report.build(conn, as_of, "fi", company_id=company_id)
        assert built.company and report.to_html(built).startswith("<!DOCTYPE html>")
