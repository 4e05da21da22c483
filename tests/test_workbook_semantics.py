"""What an import changes (DATA-FILES.md): only what the file holds (issue 13.2), and never an app
edit made after the workbook was exported (issue 13.3, the ``about`` sheet and --overwrite)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import cli, db, workbook
from pilot.access import SYSTEM, Scope
from pilot.domain.dates import HELSINKI
from pilot.records import audit, participants, users
from tests.test_workbook import B1, dataset, write_csv_folder

COACH = Scope("coach-x", "coach")


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Engine:
    with db.transaction(engine) as conn:
        users.create_user(conn, "coach1", "coach")
        users.create_user(conn, "coach-x", "coach", whole_pilot=True)
    assert workbook.import_workbook(engine, write_csv_folder(dataset(), tmp_path / "seed"), SYSTEM).ok
    return engine


def without(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != column} for r in rows]


def write_sheet(folder: Path, sheet: str, rows: list[dict[str, Any]]) -> Path:
    """One <sheet>.csv with exactly the columns the rows name."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([r.get(c, "") for c in columns])
    return folder


def value(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


# ---------------------------------------------------------------- only what the file holds changes

@pytest.mark.parametrize("sheet,column,sql,kept", [
    ("participants", "exited_on", "SELECT exited_on FROM participants WHERE code = 'P-002'", date(2024, 6, 30)),
    ("participants", "coach", "SELECT u.username FROM participants p JOIN users u ON u.id = p.coach_id "
                              "WHERE p.code = 'P-001'", "coach1"),
    ("participants", "share_with_employer", "SELECT share_with_employer FROM participants WHERE code = 'P-001'", True),
    ("participants", "display_name", "SELECT display_name FROM participants WHERE code = 'P-001'", "Ääli Öö"),
    ("adaptations", "agreed_on", "SELECT agreed_on FROM adaptations WHERE ref = 'A-1'", date(2024, 2, 20)),
    ("sessions", "topics", "SELECT topics FROM sessions WHERE ref = 'S-1'", "Työturvallisuus"),
    ("employment", "weekly_hours", "SELECT weekly_hours FROM employment e JOIN participants p "
                                   "ON p.id = e.participant_id WHERE p.code = 'P-001'", 37.5),
])
def test_a_missing_optional_column_keeps_the_stored_value(loaded: Engine, tmp_path: Path, sheet: str, column: str,
                                                          sql: str, kept: Any) -> None:
    rows = without(dataset()[sheet], column)
    other = {"participants": "job_title", "adaptations": "description", "sessions": "minutes",
             "employment": "status"}[sheet]
    for r in rows:  # every row also changes, so each one is an update
        r[other] = {"job_title": "Uusi", "description": "Uusi", "minutes": "60", "status": "fixed_term"}[other]
    result = workbook.import_workbook(loaded, write_sheet(tmp_path / "in", sheet, rows), SYSTEM, lang="en")
    assert result.ok, result.lines("en")
    assert result.counts[sheet].updated >= 1
    stored = value(loaded, sql)
    assert (float(stored) if column == "weekly_hours" else stored) == kept


def test_an_empty_cell_of_a_present_column_clears(loaded: Engine, tmp_path: Path) -> None:
    rows = dataset()["participants"]
    rows[1]["exited_on"] = ""
    result = workbook.import_workbook(loaded, write_sheet(tmp_path / "in", "participants", rows), SYSTEM)
    assert result.ok and result.counts["participants"].updated == 1
    assert value(loaded, "SELECT exited_on FROM participants WHERE code = 'P-002'") is None


def test_a_missing_coach_column_gives_no_errors(loaded: Engine, tmp_path: Path) -> None:
    """P-001 and S-1 are referenced by attendance: a cleared coach would be 'locked' on DuckDB."""
    data = dataset()
    folder = write_sheet(tmp_path / "in", "participants", without(data["participants"], "coach"))
    write_sheet(folder, "sessions", without(data["sessions"], "coach"))
    result = workbook.import_workbook(loaded, folder, SYSTEM, lang="en")
    assert result.ok, result.lines("en")
    assert {s: (c.added, c.updated) for s, c in result.counts.items()} == {"participants": (0, 0),
                                                                          "sessions": (0, 0)}


def test_a_missing_column_is_checked_with_its_stored_value(loaded: Engine, tmp_path: Path) -> None:
    """P-002 left on 30.6.2024: enrolling it later than that, without an exited_on column, is an error
    (not a database failure), and nothing is written."""
    rows = without(dataset()["participants"], "exited_on")
    rows[1]["enrolled_on"] = "2024-07-15"
    result = workbook.import_workbook(loaded, write_sheet(tmp_path / "in", "participants", rows), SYSTEM)
    assert {(e.sheet, e.row, e.column, e.key) for e in result.errors} == \
        {("participants", 3, "exited_on", "error.date_order")}
    assert value(loaded, "SELECT enrolled_on FROM participants WHERE code = 'P-002'") == date(2024, 2, 1)


# ---------------------------------------------------------------- no silent overwrite

def about_of(path: Path) -> dict[str, str]:
    if path.is_dir():
        rows = list(csv.reader((path / "about.csv").read_text(encoding="utf-8-sig").splitlines()))
    else:
        rows = [list(r) for r in openpyxl.load_workbook(path)["about"].iter_rows(values_only=True)]
    assert rows[0] == ["key", "value"]
    return {k: v for k, v in rows[1:]}


@pytest.mark.parametrize("fmt,name", [("csv", "out"), ("xlsx", "out.xlsx")])
def test_export_carries_the_about_sheet(loaded: Engine, tmp_path: Path, fmt: str, name: str) -> None:
    with db.transaction(loaded) as conn:
        workbook.export_workbook(conn, SYSTEM, tmp_path / name, fmt)
    about = about_of(tmp_path / name)
    assert about["format"] == "pilot-workbook-2"
    stamp = datetime.fromisoformat(about["exported_at"])
    assert stamp.tzinfo is not None
    if fmt == "xlsx":
        assert openpyxl.load_workbook(tmp_path / name).sheetnames[0] == "companies"


def export_now(engine: Engine, folder: Path) -> Path:
    with db.transaction(engine) as conn:
        workbook.export_workbook(conn, SYSTEM, folder, "csv")
    return folder


def edit_in_app(engine: Engine, code: str, job_title: str) -> None:
    with db.transaction(engine) as conn:
        pid = participants.id_by_code(conn, code)
        version = conn.execute(sa.text("SELECT version FROM participants WHERE id = :i"), {"i": pid}).scalar_one()
        participants.update_participant(conn, COACH, pid, version, {"job_title": job_title})


def test_a_stale_workbook_is_refused_and_overwrite_applies_it(loaded: Engine, tmp_path: Path) -> None:
    stale = export_now(loaded, tmp_path / "stale")
    edit_in_app(loaded, "P-001", "Kerroshoitaja")
    for dry in (True, False):
        result = workbook.import_workbook(loaded, stale, SYSTEM, dry_run=dry, lang="en")
        assert {(e.sheet, e.row, e.key) for e in result.errors} == {("participants", 2, "importscope.error.stale")}
        message = result.errors[0].message("en")
        assert "coach-x" in message and "--overwrite" in message
        # The edit's own time in Helsinki time (not the clock read again here: an edit at 21:59:59
        # UTC in winter is on the day before the one the clock shows a moment later).
        with loaded.connect() as conn:
            edited = audit.entries(conn, action="update", entity="participant")[0]["occurred_at"]
        assert edited.replace(tzinfo=timezone.utc).astimezone(HELSINKI).strftime("%d.%m.%Y %H:%M") in message
    assert value(loaded, "SELECT job_title FROM participants WHERE code = 'P-001'") == "Kerroshoitaja"
    forced = workbook.import_workbook(loaded, stale, SYSTEM, overwrite=True)
    assert forced.ok and forced.counts["participants"].updated == 1
    assert value(loaded, "SELECT job_title FROM participants WHERE code = 'P-001'") == "Siivooja"


def test_stale_rows_equal_to_the_database_and_rows_changed_only_in_the_file_import(loaded: Engine,
                                                                                  tmp_path: Path) -> None:
    folder = export_now(loaded, tmp_path / "old")
    edit_in_app(loaded, "P-001", "Kerroshoitaja")
    rows = list(csv.DictReader((folder / "participants.csv").read_text(encoding="utf-8-sig").splitlines()))
    rows[0]["job_title"] = "Kerroshoitaja"  # the user made the same change in the file
    rows[1]["job_title"] = "Kokki"  # and one more that the app never touched
    write_sheet(folder, "participants", rows)
    result = workbook.import_workbook(loaded, folder, SYSTEM, lang="en")
    assert result.ok, result.lines("en")
    assert result.counts["participants"].updated == 1


def test_another_users_import_after_the_export_also_counts(loaded: Engine, tmp_path: Path) -> None:
    stale = export_now(loaded, tmp_path / "stale")
    rows = dataset()["companies"]
    rows[0]["name"] = "Toisen Tuoma Oy"
    assert workbook.import_workbook(loaded, write_sheet(tmp_path / "other", "companies", rows), COACH).ok
    result = workbook.import_workbook(loaded, stale, SYSTEM)
    assert {(e.sheet, e.row, e.key) for e in result.errors} == {("companies", 2, "importscope.error.stale")}


def test_a_workbook_without_about_is_not_checked(loaded: Engine, tmp_path: Path) -> None:
    folder = export_now(loaded, tmp_path / "hand")
    (folder / "about.csv").unlink()
    edit_in_app(loaded, "P-001", "Kerroshoitaja")
    result = workbook.import_workbook(loaded, folder, SYSTEM)
    assert result.ok and result.counts["participants"].updated == 1


def test_an_about_sheet_in_a_zip_and_an_xlsx_is_read(loaded: Engine, tmp_path: Path) -> None:
    folder = export_now(loaded, tmp_path / "z")
    edit_in_app(loaded, "P-001", "Kerroshoitaja")
    archive = tmp_path / "z.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, f"pilot/{file.name}")
    assert [e.key for e in workbook.import_workbook(loaded, archive, SYSTEM).errors] == ["importscope.error.stale"]
    with db.transaction(loaded) as conn:
        workbook.export_workbook(conn, SYSTEM, tmp_path / "x.xlsx", "xlsx")
    edit_in_app(loaded, "P-001", "Siivoustyönjohtaja")
    assert [e.key for e in workbook.import_workbook(loaded, tmp_path / "x.xlsx", SYSTEM).errors] == \
        ["importscope.error.stale"]


def test_cli_refuses_a_stale_workbook_until_overwrite(loaded: Engine, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_LANG", "en")
    stale = export_now(loaded, tmp_path / "stale")
    edit_in_app(loaded, "P-001", "Kerroshoitaja")
    loaded.dispose()
    db.dispose_shared()
    assert cli.main(["import", str(stale)]) == 1
    err = capsys.readouterr().err
    assert "participants, row 2" in err and "--overwrite" in err and "coach-x" in err
    assert cli.main(["import", str(stale), "--overwrite"]) == 0
    assert value(loaded, "SELECT job_title FROM participants WHERE code = 'P-001'") == "Siivooja"


def test_round_trip_with_about_still_holds_the_same_rows(loaded: Engine, tmp_path: Path) -> None:
    with db.transaction(loaded) as conn:
        workbook.export_workbook(conn, SYSTEM, tmp_path / "one.xlsx", "xlsx")
    wb = workbook.read_workbook(tmp_path / "one.xlsx")
    assert set(wb.sheets) == set(workbook.SHEETS)  # the about sheet is no data sheet
    assert B1 in {r.values["business_id"] for r in wb.sheets["companies"].rows}


def test_an_about_sheet_without_a_readable_time_is_one_error(loaded: Engine, tmp_path: Path) -> None:
    folder = export_now(loaded, tmp_path / "bad")
    (folder / "about.csv").write_text("key,value\nformat,pilot-workbook-2\nexported_at,eilen\n", encoding="utf-8")
    result = workbook.import_workbook(loaded, folder, SYSTEM, lang="en")
    assert [(e.sheet, e.column, e.key) for e in result.errors] == [("about", "exported_at", "importscope.error.about")]
    assert not result.written
