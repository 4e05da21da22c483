"""The followups sheet (DATA-FILES.md): its rules in the import, and that a follow-up is an
observation the importer never turns into an employment row. The exact round trip is
tests/test_workbook.py's (its dataset holds follow-ups)."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import workbook
from pilot.access import SYSTEM

from .test_workbook import dataset, pilot_db, write_csv_folder  # noqa: F401  (pilot_db is a fixture)

OK = {"participant_code": "P-002", "contacted_on": "2025-01-02", "reached": "yes", "status": "fixed_term",
      "source": "register"}


def _import(engine: Engine, tmp_path: Path, rows: list[dict]) -> workbook.ImportResult:
    data = dataset()
    data["followups"] = rows
    return workbook.import_workbook(engine, write_csv_folder(data, tmp_path / "in"), SYSTEM, lang="en")


@pytest.mark.parametrize("row, column, message", [
    ({**OK, "reached": "no"}, "status", "Leave this empty when the person was not reached."),
    ({**OK, "status": ""}, "status", "required"),
    ({**OK, "reached": "no", "status": "", "weekly_hours": "20"}, "weekly_hours", "Leave this empty"),
    ({**OK, "contacted_on": "2024-06-29"}, "contacted_on", "cannot be before the participant's exit"),
    ({**OK, "participant_code": "P-001"}, "contacted_on", "has not left the pilot"),
    ({**OK, "source": "rumour"}, "source", "phone, email"),
    ({**OK, "subsidised": "yes", "status": "training"}, "subsidised", ""),
    ({**OK, "notes": "soitettu 131052-308T"}, "notes", ""),
])
def test_rules_of_the_sheet(pilot_db: Engine, tmp_path: Path, row: dict, column: str, message: str) -> None:
    result = _import(pilot_db, tmp_path, [row])
    assert not result.ok
    mine = [e for e in result.errors if e.sheet == "followups"]
    assert [e.column for e in mine] == [column], result.lines("en")
    assert message in mine[0].line("en")
    with pilot_db.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM followups")).scalar_one() == 0


def test_a_followup_is_never_an_employment_row_and_a_second_import_changes_nothing(pilot_db: Engine,
                                                                                    tmp_path: Path) -> None:
    with pilot_db.connect() as conn:
        before = conn.execute(sa.text("SELECT COUNT(*) FROM employment")).scalar_one()
    first = _import(pilot_db, tmp_path, [OK])
    assert first.ok, first.lines("en")
    assert first.counts["followups"].added == 1
    with pilot_db.connect() as conn:
        employment = conn.execute(sa.text("SELECT COUNT(*) FROM employment")).scalar_one()
        stored = conn.execute(sa.text("SELECT contacted_on, reached, status, source FROM followups")).all()
    assert employment - before == len(dataset()["employment"])  # the sheet's rows only
    assert [tuple(r) for r in stored][0][1:] == (True, "fixed_term", "register")
    again = _import(pilot_db, tmp_path / "2", [OK])
    assert again.ok and again.counts["followups"].unchanged == 1 and again.counts["followups"].added == 0
