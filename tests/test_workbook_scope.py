"""The workbook import and its preview honour the caller's scope (issue 12.1, DATA-FILES.md "Scope").

A coach bound to companies (the demo's coach2) may import only rows of their own companies and
caseload: a row of another company is an error that reads the same whether or not such a record
exists, nothing is written, and the preview counts only rows inside the scope. Costs only by an
admin. Every test runs on DuckDB and, with PILOT_TEST_PG, on PostgreSQL.
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import db, demo, workbook
from pilot.access import SYSTEM, Scope
from pilot.records import users

OUTSIDE = "importscope.error.outside"


@pytest.fixture
def pilot(engine: Engine) -> Engine:
    demo.load(engine)
    return engine


def coach2(engine: Engine) -> Scope:
    with engine.connect() as conn:
        return users.scope_for(conn, users.get_by_username(conn, "coach2"))


def exported_csv(engine: Engine, scope: Scope, folder: Path) -> dict[str, list[dict[str, str]]]:
    """The workbook as the scope exports it, read back as CSV rows (text as a spreadsheet holds it)."""
    with db.transaction(engine) as conn:
        workbook.export_workbook(conn, scope, folder, "csv")
    return {name: list(csv.DictReader((folder / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()))
            for name in workbook.SHEETS}


def write_zip(path: Path, sheets: dict[str, list[dict[str, Any]]]) -> Path:
    """A .zip of <sheet>.csv holding exactly the columns the rows name (as a user's own file would)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, rows in sheets.items():
            columns = list(dict.fromkeys(c for row in rows for c in row))
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row.get(c, "") for c in columns])
            archive.writestr(f"{name}.csv", buffer.getvalue())
    return path


def bound_business_ids(engine: Engine, scope: Scope) -> set[str]:
    with engine.connect() as conn:
        return {r.business_id for r in conn.execute(sa.text("SELECT id, business_id FROM companies"))
                if r.id in scope.company_ids}


def snapshot(engine: Engine) -> dict[str, list[list[Any]]]:
    with engine.connect() as conn:
        return workbook.export_rows(conn, SYSTEM)


def others(full: dict[str, list[dict[str, str]]], sheet: str, mine: set[str]) -> list[dict[str, str]]:
    return [r for r in full[sheet] if r["business_id"] and r["business_id"] not in mine
            and r.get("coach") != "coach2"]


def test_a_row_of_another_company_reads_the_same_whether_or_not_it_exists(pilot: Engine, tmp_path: Path) -> None:
    scope = coach2(pilot)
    mine = bound_business_ids(pilot, scope)
    full = exported_csv(pilot, SYSTEM, tmp_path / "full")
    stored = others(full, "participants", mine)[0]
    new = {**stored, "code": "ZZ-NEW-1", "display_name": "Keksitty Nimi"}
    results = {}
    for label, row in (("stored", stored), ("new", new)):
        path = write_zip(tmp_path / f"{label}.zip", {"participants": [row]})
        results[label] = [workbook.import_workbook(pilot, path, scope, dry_run=dry, lang="en")
                          for dry in (True, False)]
    for label, (preview, real) in results.items():
        assert preview.counts == {} and real.counts == {} and not real.written, label
        assert {(e.sheet, e.row, e.key) for e in preview.errors} == {("participants", 2, OUTSIDE)}
    assert results["stored"][0].lines("en") == results["new"][0].lines("en")
    assert results["stored"][1].lines("en") == results["new"][1].lines("en")
    assert "unchanged" not in " ".join(results["stored"][0].lines("en"))


def test_a_participant_for_another_company_is_refused_and_the_scope_stays(pilot: Engine, tmp_path: Path) -> None:
    scope = coach2(pilot)
    mine = bound_business_ids(pilot, scope)
    full = exported_csv(pilot, SYSTEM, tmp_path / "full")
    other_company = others(full, "participants", mine)[0]["business_id"]
    before = snapshot(pilot)
    row = {"code": "ZZ-NEW-2", "business_id": other_company, "enrolled_on": "2025-01-10",
           "first_language": "ar", "coach": "coach2"}
    result = workbook.import_workbook(pilot, write_zip(tmp_path / "in.zip", {"participants": [row]}), scope)
    assert {(e.sheet, e.row, e.column, e.key) for e in result.errors} == {("participants", 2, "business_id", OUTSIDE)}
    assert snapshot(pilot) == before
    assert coach2(pilot).company_ids == scope.company_ids


def test_another_companys_share_flag_feedback_and_an_admin_cost_are_refused(pilot: Engine, tmp_path: Path) -> None:
    scope = coach2(pilot)
    mine = bound_business_ids(pilot, scope)
    full = exported_csv(pilot, SYSTEM, tmp_path / "full")
    participant = dict(others(full, "participants", mine)[0])
    participant["share_with_employer"] = "no" if participant["share_with_employer"] == "yes" else "yes"
    feedback = dict(next(r for r in full["feedback"] if r["business_id"] not in mine))
    feedback["score"] = "1" if feedback["score"] != "1" else "5"
    cost = {"ref": "K-NEW-1", "incurred_on": "2025-01-31", "category": "grant", "amount_eur": "500.00",
            "business_id": sorted(mine)[0]}
    before = snapshot(pilot)
    path = write_zip(tmp_path / "second.zip", {"participants": [participant], "feedback": [feedback], "costs": [cost]})
    for dry in (True, False):
        result = workbook.import_workbook(pilot, path, scope, dry_run=dry)
        # Feedback is the employer's and the admin's in the app too: a coach changes none of it.
        assert {(e.sheet, e.key) for e in result.errors} == {
            ("participants", OUTSIDE), ("feedback", "importscope.error.admin_only"),
            ("costs", "importscope.error.admin_only")}
        assert result.counts == {}
    assert snapshot(pilot) == before


def test_costs_only_by_an_admin_even_in_the_coachs_own_company(pilot: Engine, tmp_path: Path) -> None:
    scope = coach2(pilot)
    cost = {"ref": "K-NEW-2", "incurred_on": "2025-01-31", "category": "grant", "amount_eur": "500.00",
            "business_id": sorted(bound_business_ids(pilot, scope))[0]}
    path = write_zip(tmp_path / "cost.zip", {"costs": [cost]})
    refused = workbook.import_workbook(pilot, path, scope)
    assert {(e.sheet, e.row, e.key) for e in refused.errors} == {("costs", 2, "importscope.error.admin_only")}
    admin = Scope("admin", "admin")
    done = workbook.import_workbook(pilot, path, admin)
    assert done.ok and done.counts["costs"].added == 1


def test_the_coachs_own_export_imports_back_unchanged_and_counts_only_their_rows(pilot: Engine,
                                                                                 tmp_path: Path) -> None:
    scope = coach2(pilot)
    own = exported_csv(pilot, scope, tmp_path / "own")
    preview = workbook.import_workbook(pilot, tmp_path / "own", scope, dry_run=True, lang="en")
    assert preview.ok, preview.lines("en")[:5]
    assert {s: (c.added, c.updated, c.unchanged) for s, c in preview.counts.items()} == \
        {s: (0, 0, len(rows)) for s, rows in own.items() if rows}
    assert len(own["participants"]) < len(snapshot(pilot)["participants"])
    # One change of the coach's own participant is one update.
    own["participants"][0]["job_title"] = "Varastotyöntekijä X"
    path = write_zip(tmp_path / "edit.zip", {"participants": own["participants"]})
    result = workbook.import_workbook(pilot, path, scope)
    assert result.ok and result.counts["participants"].updated == 1


def test_companies_rows_of_a_bound_coach(pilot: Engine, tmp_path: Path) -> None:
    scope = coach2(pilot)
    mine = bound_business_ids(pilot, scope)
    full = exported_csv(pilot, SYSTEM, tmp_path / "full")
    own = dict(next(r for r in full["companies"] if r["business_id"] in mine))
    other = dict(next(r for r in full["companies"] if r["business_id"] not in mine))
    own["contact_name"], other["contact_name"] = "Uusi Yhteyshenkilö", "Uusi Yhteyshenkilö"
    fresh = {**other, "business_id": "0101263-6", "name": "Uusi Oy"}
    ok = workbook.import_workbook(pilot, write_zip(tmp_path / "own.zip", {"companies": [own]}), scope)
    assert ok.ok and ok.counts["companies"].updated == 1
    for label, row in (("other", other), ("fresh", fresh)):
        result = workbook.import_workbook(pilot, write_zip(tmp_path / f"{label}.zip", {"companies": [row]}), scope)
        assert {(e.sheet, e.row, e.column, e.key) for e in result.errors} == {("companies", 2, "business_id", OUTSIDE)}
    whole = Scope("coach", "coach")  # a whole-pilot coach adds companies, as the company form lets them
    added = workbook.import_workbook(pilot, write_zip(tmp_path / "fresh.zip", {"companies": [fresh]}), whole)
    assert added.ok and added.counts["companies"].added == 1


def test_a_caseload_participant_outside_the_bound_companies_is_reachable_others_are_not(pilot: Engine,
                                                                                          tmp_path: Path) -> None:
    with db.transaction(pilot) as conn:
        uid = users.get_by_username(conn, "coach2")["id"]
        bound = frozenset(users.company_ids(conn, uid))
        taken, neighbour = conn.execute(sa.text(
            "SELECT p.code FROM participants p WHERE p.company_id = (SELECT MIN(company_id) FROM participants "
            "WHERE company_id NOT IN (SELECT company_id FROM user_companies WHERE user_id = :u)) ORDER BY p.code"),
            {"u": uid}).scalars().all()[:2]
        conn.execute(sa.text("UPDATE participants SET coach_id = :u WHERE code = :c"), {"u": uid, "c": taken})
    scope = Scope("coach2", "coach", user_id=uid, company_ids=bound, coach_user_id=uid)

    def assessment(code: str) -> dict[str, str]:
        return {"participant_code": code, "skill": "reading", "assessed_on": "2025-02-03", "source": "coach",
                "level": "A2.2"}
    done = workbook.import_workbook(pilot, write_zip(tmp_path / "a.zip", {"assessments": [assessment(taken)]}), scope)
    assert done.ok and done.counts["assessments"].added == 1
    lines = []
    for code in (neighbour, "ZZ-NONE"):
        result = workbook.import_workbook(pilot, write_zip(tmp_path / f"{code}.zip", {"assessments": [assessment(code)]}),
                                          scope, lang="en")
        assert {(e.sheet, e.row, e.column, e.key) for e in result.errors} == \
            {("assessments", 2, "participant_code", OUTSIDE)}
        lines.append(result.errors[0].message("en"))
    assert lines[0] == lines[1]


@pytest.mark.parametrize("role", ["employer", "services"])
def test_readers_cannot_import(pilot: Engine, tmp_path: Path, role: str) -> None:
    full = exported_csv(pilot, SYSTEM, tmp_path / "full")
    before = snapshot(pilot)
    scope = Scope("reader", role, company_ids=frozenset({1}) if role == "employer" else None)
    result = workbook.import_workbook(pilot, write_zip(tmp_path / "in.zip", {"feedback": full["feedback"][:1]}), scope)
    assert [e.key for e in result.errors] == ["importscope.error.role"]
    assert snapshot(pilot) == before
