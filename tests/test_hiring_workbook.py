"""The employer_surveys and hires sheets in the pilot workbook (issue 15): the same rules as the
forms, the cross-sheet rules of DATA-FILES.md, the caller's scope and the stale-workbook check.
The round trip of every sheet, these included, is tests/test_workbook.py's (its dataset holds them)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import db, workbook
from pilot.access import SYSTEM, Scope
from pilot.records import surveys
from tests.test_workbook import B1, B2, dataset, pilot_db, write_csv_folder  # noqa: F401 (fixture)


@pytest.fixture
def loaded(pilot_db: Engine, tmp_path: Path) -> Engine:  # noqa: F811
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "in"), SYSTEM).ok
    return pilot_db


def company_id(engine: Engine, business_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM companies WHERE business_id = :b"),
                            {"b": business_id}).scalar_one()


def errors(result) -> set[tuple[str, str, str]]:
    return {(e.sheet, e.column, e.key) for e in result.errors}


def test_the_sheets_are_stored_as_the_file_says(loaded: Engine) -> None:
    with loaded.connect() as conn:
        answers = conn.execute(sa.text("SELECT answered_on, readiness, planned_hires_12m, comment "
                                       "FROM employer_surveys ORDER BY answered_on")).all()
        hired = conn.execute(sa.text("SELECT h.ref, h.contract, h.weekly_hours, p.code FROM hires h "
                                     "LEFT JOIN participants p ON p.id = h.participant_id ORDER BY h.ref")).all()
    assert [tuple(a) for a in answers] == [(date(2024, 1, 20), 2, 1, "=Aluksi epävarma"), (date(2024, 7, 15), 4, None, None)]
    assert [(h[0], h[1], None if h[2] is None else float(h[2]), h[3]) for h in hired] == [
        ("H-1", "permanent", 30.0, "P-002"), ("H-2", "apprenticeship", None, None)]


@pytest.mark.parametrize("sheet, row, column, key", [
    ("employer_surveys", {"business_id": B1, "answered_on": "2023-10-16", "readiness": "3"},  # joined 15.1.2024
     "answered_on", "hiring.error.before_joining"),
    ("employer_surveys", {"business_id": B1, "answered_on": "2024-02-01", "readiness": "7"}, "readiness", "error.range"),
    ("hires", {"ref": "H-9", "business_id": B1, "hired_on": "2024-05-01", "contract": "permanent",
               "participant_code": "P-003"}, "participant_code", "hiring.error.not_of_company"),  # P-003 is B2's
    ("hires", {"ref": "H-9", "business_id": B1, "hired_on": "2024-05-01", "contract": "work_trial"},
     "contract", "error.choice"),
])
def test_rows_break_the_rules_and_nothing_is_written(loaded: Engine, tmp_path: Path, sheet, row, column, key) -> None:
    with loaded.connect() as conn:
        before = workbook.export_rows(conn, SYSTEM)
    result = workbook.import_workbook(loaded, write_csv_folder({sheet: [row]}, tmp_path / "bad"), SYSTEM)
    assert (sheet, column, key) in errors(result)
    with loaded.connect() as conn:
        assert workbook.export_rows(conn, SYSTEM) == before


def test_on_the_ninetieth_day_before_joining_an_answer_is_accepted(loaded: Engine, tmp_path: Path) -> None:
    row = {"business_id": B1, "answered_on": "2023-10-17", "readiness": "3"}
    assert workbook.import_workbook(loaded, write_csv_folder({"employer_surveys": [row]}, tmp_path / "ok"), SYSTEM).ok


def test_a_coach_bound_to_one_company_imports_no_row_of_another(loaded: Engine, tmp_path: Path) -> None:
    coach = Scope("coach1", "coach", company_ids=frozenset({company_id(loaded, B1)}))
    data = {"employer_surveys": [{"business_id": B2, "answered_on": "2024-03-01", "readiness": "5"}],
            "hires": [{"ref": "H-2", "business_id": B2, "hired_on": "2024-06-01", "contract": "permanent"},
                      {"ref": "H-7", "business_id": B2, "hired_on": "2024-06-01", "contract": "permanent"}]}
    result = workbook.import_workbook(loaded, write_csv_folder(data, tmp_path / "other"), coach)
    found = {(e.sheet, e.row, e.key) for e in result.errors}
    assert found >= {("employer_surveys", 2, workbook.OUTSIDE), ("hires", 2, workbook.OUTSIDE),
                     ("hires", 3, workbook.OUTSIDE)}
    with loaded.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM hires")).scalar_one() == 2
        assert conn.execute(sa.text("SELECT contract FROM hires WHERE ref = 'H-2'")).scalar_one() == "apprenticeship"
    own = {"hires": [{"ref": "H-8", "business_id": B1, "hired_on": "2024-06-01", "contract": "permanent"}]}
    assert workbook.import_workbook(loaded, write_csv_folder(own, tmp_path / "own"), coach).ok


def test_an_answer_changed_in_the_app_after_the_export_is_not_overwritten(loaded: Engine, tmp_path: Path) -> None:
    with db.transaction(loaded) as conn:
        workbook.export_workbook(conn, SYSTEM, tmp_path / "out", "csv")
    employer = Scope("boss", "employer", company_ids=frozenset({company_id(loaded, B1)}))
    clean, _ = surveys.check_survey({"answered_on": "2024-07-15", "readiness": 5})
    db.run_in_transaction(loaded, lambda c: surveys.answer(c, employer, company_id(loaded, B1), clean))
    path = tmp_path / "out" / "employer_surveys.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("2024-07-15,4", "2024-07-15,3"), encoding="utf-8")
    result = workbook.import_workbook(loaded, tmp_path / "out", SYSTEM)
    assert ("employer_surveys", "business_id", workbook.STALE) in errors(result)
    assert workbook.import_workbook(loaded, tmp_path / "out", SYSTEM, overwrite=True).ok
