"""The pilot workbook: import validation, all-or-nothing, idempotence, export round trip, CLI."""
from __future__ import annotations

import copy
import csv
import io
import json
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import cli, db, workbook
from pilot.access import SYSTEM
from pilot.domain.identifiers import business_id_check_digit
from pilot.i18n import t
from pilot.records import users

HETU = "131052-308T"  # the well-known example identity code (valid check character)


def bid(n: int) -> str:
    """The n-th valid Y-tunnus from a counter (skips bodies that have no check digit)."""
    while True:
        body = f"{n:07d}"
        check = business_id_check_digit(body)
        if check is not None:
            return f"{body}-{check}"
        n += 1


B1, B2, B3, UNKNOWN = bid(1000001), bid(2000001), bid(3000001), bid(4000001)


def dataset() -> dict[str, list[dict[str, Any]]]:
    """A small workbook touching every sheet and column, with ä/ö/å and formula-like text."""
    return {
        "companies": [
            {"business_id": B1, "name": "Siivous Ähtäri Oy", "industry": "81", "size_class": "10-49",
             "joined_on": "2024-01-15", "contact_name": "Åsa Öberg", "contact_email": "asa@example.fi"},
            {"business_id": B2, "name": "=Keittiö & Co", "industry": "I", "size_class": "250+",
             "joined_on": "1.2.2024", "left_on": "2024-12-31"},
            {"business_id": B3, "name": "Hoiva Oy", "joined_on": "2024-03-01"},
        ],
        "participants": [
            {"code": "P-001", "business_id": B1, "enrolled_on": "2024-02-01", "first_language": "ar",
             "job_title": "Siivooja", "occupation_code": "9112", "share_with_employer": "yes",
             "coach": "coach1", "display_name": "Ääli Öö"},
            {"code": "P-002", "business_id": B1, "enrolled_on": "2024-02-01", "exited_on": "2024-06-30",
             "first_language": "so", "job_title": "-vuoro", "share_with_employer": "no"},
            {"code": "P-003", "business_id": B2, "enrolled_on": "2024-03-01", "first_language": "rus",
             "job_title": "+kokki", "coach": "coach1"},
        ],
        "sessions": [
            {"ref": "S-1", "business_id": B1, "held_on": "2024-03-05", "minutes": "90",
             "kind": "language_lesson", "mode": "onsite", "coach": "coach1", "topics": "Työturvallisuus",
             "notes": "@muistio"},
            {"ref": "S-2", "business_id": B2, "held_on": "2024-04-10", "minutes": "45",
             "kind": "on_the_job", "mode": "remote"},
        ],
        "attendance": [
            {"session_ref": "S-1", "participant_code": "P-001", "status": "present"},
            {"session_ref": "S-1", "participant_code": "P-002", "status": "excused"},
            {"session_ref": "S-2", "participant_code": "P-003", "status": "absent"},
        ],
        "adaptations": [
            {"ref": "A-1", "business_id": B1, "participant_code": "P-001", "type": "plain_language",
             "description": "Selkokieliset ohjeet", "proposed_on": "2024-02-10", "agreed_on": "2024-02-20",
             "in_use_on": "2024-03-01", "evaluated_on": "2024-05-01", "effect": "4", "owner": "Esihenkilö"},
            {"ref": "A-2", "business_id": B2, "type": "glossary", "description": "'=sanasto",
             "proposed_on": "2024-03-10", "dropped_on": "2024-04-01"},
        ],
        "assessments": [
            {"participant_code": "P-001", "skill": "speaking", "assessed_on": "2024-02-01",
             "source": "coach", "level": "A2.1"},
            {"participant_code": "P-001", "skill": "speaking", "assessed_on": "2024-06-01",
             "source": "yki", "level": "C1.1"},
        ],
        "employment": [
            {"participant_code": "P-001", "effective_on": "2024-02-01", "status": "fixed_term",
             "weekly_hours": "37.5", "subsidised": "yes", "employer_business_id": B1},
            {"participant_code": "P-002", "effective_on": "2024-02-01", "status": "work_trial"},
        ],
        "feedback": [{"business_id": B1, "given_on": "2024-06-15", "score": "5", "comment": "Hyvä å"}],
        "costs": [
            {"ref": "K-1", "incurred_on": "2024-03-31", "category": "service_purchase", "amount_eur": "1250.50",
             "description": "Kielikoulutus", "business_id": B1},
            {"ref": "K-2", "incurred_on": "2024-04-30", "category": "staff", "amount_eur": "99.9"},
        ],
        "employer_surveys": [
            {"business_id": B1, "answered_on": "2024-01-20", "readiness": "2", "planned_hires_12m": "1",
             "comment": "=Aluksi epävarma"},
            {"business_id": B1, "answered_on": "15.7.2024", "readiness": "4"},
        ],
        "hires": [
            {"ref": "H-1", "business_id": B1, "hired_on": "2024-05-02", "contract": "permanent",
             "weekly_hours": "30", "participant_code": "P-002", "occupation_code": "9112"},
            {"ref": "H-2", "business_id": B2, "hired_on": "2024-06-01", "contract": "Oppisopimus"},
        ],
        "followups": [
            {"participant_code": "P-002", "contacted_on": "2024-12-02", "reached": "no", "source": "phone",
             "notes": "-ei vastannut"},
            {"participant_code": "P-002", "contacted_on": "20.12.2024", "reached": "kyllä",
             "status": "Vakituinen työsuhde", "weekly_hours": "32,5", "subsidised": "yes",
             "source": "employer", "notes": "Työnantaja kertoi"},
        ],
    }


def write_csv_folder(data: dict[str, list[dict[str, Any]]], folder: Path, bom: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, rows in data.items():
        columns = list(workbook.SHEETS[sheet])
        with (folder / f"{sheet}.csv").open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row.get(c, "") for c in columns])
    return folder


def write_zip(data: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    folder = write_csv_folder(data, path.parent / (path.stem + "_csv"), bom=False)
    with zipfile.ZipFile(path, "w") as archive:
        for file in folder.iterdir():
            archive.write(file, f"pilot/{file.name}")
    return path


def write_xlsx(data: dict[str, list[dict[str, Any]]], path: Path, help_lang: str | None = None,
               date_cells: bool = False) -> Path:
    """An xlsx of the data; with help_lang the template's help row is kept above the data."""
    if help_lang:
        book = openpyxl.load_workbook(io.BytesIO(workbook.template_bytes(help_lang)))
    else:
        book = openpyxl.Workbook()
        book.remove(book.active)
    for sheet, rows in data.items():
        columns = list(workbook.SHEETS[sheet])
        ws = book[sheet] if help_lang else book.create_sheet(sheet)
        if not help_lang:
            ws.append(columns)
        for row in rows:
            values = []
            for c in columns:
                v = row.get(c)
                if date_cells and c.endswith("_on") and v:
                    from pilot.domain.dates import parse_date
                    v = parse_date(v)
                values.append(v)
            ws.append(values)
    book.save(path)
    return path


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {s: conn.execute(sa.text(f"SELECT COUNT(*) FROM {s}")).scalar_one() for s in workbook.SHEETS}


def exported(engine: Engine) -> dict[str, list[list[Any]]]:
    with engine.connect() as conn:
        return workbook.export_rows(conn, SYSTEM)


@pytest.fixture
def pilot_db(engine: Engine) -> Engine:
    """The test database with the coach account the dataset names."""
    with db.transaction(engine) as conn:
        users.create_user(conn, "coach1", "coach")
    return engine


def other_db(tmp_path: Path, name: str) -> Engine:
    eng = db.make_engine(str(tmp_path / f"{name}.duckdb"))
    db.migrate(eng)
    with db.transaction(eng) as conn:
        users.create_user(conn, "coach1", "coach")
    return eng


def errors_of(result: workbook.ImportResult) -> set[tuple[str, int, str, str]]:
    return {(e.sheet, e.row, e.column, e.key) for e in result.errors}


# ---------------------------------------------------------------- every rule names sheet/row/column

# (sheet, row index (len = append a copy of row 0), column, value (a dict: several columns),
#  expected row number, key)
RULES = [
    ("companies", 2, "business_id", "1234567-2", 4, "error.business_id"),
    ("companies", 0, "name", "", 2, "error.required"),
    ("companies", 1, "left_on", "2023-12-31", 3, "error.date_order"),
    ("companies", 0, "contact_email", "asa@", 2, "error.email"),
    ("companies", 0, "size_class", "huge", 2, "error.choice"),
    ("companies", 2, "joined_on", "31.2.2024", 4, "error.date"),
    ("participants", 0, "business_id", UNKNOWN, 2, "error.unknown_company"),
    ("participants", 0, "coach", "nobody", 2, "error.unknown_coach"),
    ("participants", 3, "exited_on", {"code": "P-010", "exited_on": "2024-01-01"}, 5, "error.date_order"),
    ("participants", 3, "code", {"code": "P 1!"}, 5, "error.participant_code"),
    ("participants", 0, "share_with_employer", "maybe", 2, "error.boolean"),
    ("participants", 0, "job_title", f"hetu {HETU}", 2, "error.hetu"),
    ("participants", 3, "code", {"display_name": "copy"}, 5, "workbook.error.duplicate_key"),
    ("sessions", 0, "minutes", "4", 2, "error.range"),
    ("sessions", 1, "minutes", "481", 3, "error.range"),
    ("sessions", 0, "kind", "dance", 2, "error.choice"),
    ("sessions", 0, "mode", "", 2, "error.required"),
    ("attendance", 0, "session_ref", "S-9", 2, "workbook.error.unknown_session"),
    ("attendance", 0, "participant_code", "P-999", 2, "workbook.error.unknown_participant"),
    ("attendance", 2, "status", "late", 4, "error.choice"),
    ("adaptations", 0, "agreed_on", "2024-02-01", 2, "error.date_order"),
    ("adaptations", 0, "effect", "", 2, "workbook.error.effect_required"),
    ("adaptations", 1, "effect", "3", 3, "workbook.error.effect_without_evaluation"),
    ("adaptations", 0, "effect", "6", 2, "error.range"),
    ("adaptations", 0, "participant_code", "P-404", 2, "workbook.error.unknown_participant"),
    ("assessments", 0, "level", "D1", 2, "error.level"),
    ("assessments", 0, "skill", "singing", 2, "error.choice"),
    ("assessments", 2, "participant_code", {"level": "B1.1"}, 4, "workbook.error.duplicate_key"),
    ("employment", 1, "subsidised", "yes", 3, "error.subsidised_status"),
    ("employment", 0, "weekly_hours", "61", 2, "error.range"),
    ("employment", 0, "employer_business_id", "1234567-2", 2, "error.business_id"),
    ("feedback", 0, "score", "6", 2, "error.range"),
    ("feedback", 0, "business_id", UNKNOWN, 2, "error.unknown_company"),
    ("costs", 0, "amount_eur", "0", 2, "error.amount_range"),
    ("costs", 1, "amount_eur", "12.345", 3, "error.decimals"),
    ("costs", 0, "category", "beer", 2, "error.choice"),
    ("costs", 0, "description", HETU, 2, "error.hetu"),
    ("costs", 2, "ref", {"amount_eur": "5.00"}, 4, "workbook.error.duplicate_key"),
]


@pytest.mark.parametrize("sheet,index,column,value,row,key", RULES)
def test_each_rule_names_sheet_row_and_column(pilot_db: Engine, tmp_path: Path, sheet: str, index: int,
                                              column: str, value: Any, row: int, key: str) -> None:
    data = dataset()
    if index == len(data[sheet]):
        data[sheet].append(copy.deepcopy(data[sheet][0]))
    data[sheet][index].update(value if isinstance(value, dict) else {column: value})
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "in"), SYSTEM)
    assert errors_of(result) == {(sheet, row, column, key)}
    assert not result.written
    assert table_counts(pilot_db) == dict.fromkeys(workbook.SHEETS, 0)


@pytest.mark.parametrize("sheet,first,exited,held", [
    ("enrolled after the session", "2024-03-06", "", "2024-03-05"),
    ("exited before the session", "2024-02-01", "2024-03-04", "2024-03-05"),
])
def test_attendance_needs_enrolment_on_the_session_date(pilot_db: Engine, tmp_path: Path, sheet: str,
                                                        first: str, exited: str, held: str) -> None:
    data = dataset()
    data["participants"][0].update(enrolled_on=first, exited_on=exited)
    data["employment"][0]["effective_on"] = first
    data["assessments"] = []
    data["sessions"][0]["held_on"] = held
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "in"), SYSTEM)
    assert errors_of(result) == {("attendance", 2, "participant_code", "workbook.error.not_enrolled")}


def test_attendance_checks_enrolment_against_stored_participants(pilot_db: Engine, tmp_path: Path) -> None:
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "a"), SYSTEM).ok
    data = {"sessions": [{"ref": "S-3", "business_id": B1, "held_on": "2024-01-10", "minutes": "60",
                          "kind": "other", "mode": "onsite"}],
            "attendance": [{"session_ref": "S-3", "participant_code": "P-001", "status": "present"}]}
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "b"), SYSTEM)
    assert errors_of(result) == {("attendance", 2, "participant_code", "workbook.error.not_enrolled")}


def test_missing_required_column_is_one_error_on_the_header(pilot_db: Engine, tmp_path: Path) -> None:
    folder = write_csv_folder(dataset(), tmp_path / "in")
    (folder / "feedback.csv").write_text(f"business_id,given_on,comment\n{B1},2024-06-15,x\n", encoding="utf-8")
    result = workbook.import_workbook(pilot_db, folder, SYSTEM)
    assert errors_of(result) == {("feedback", 1, "score", "workbook.error.missing_column")}


def test_errors_are_rendered_in_the_users_language(pilot_db: Engine, tmp_path: Path) -> None:
    data = dataset()
    data["sessions"][0]["minutes"] = "4"
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "in"), SYSTEM)
    for lang in ("fi", "sv", "en"):
        (line,) = result.lines(lang)
        assert line == t("workbook.error_line", lang, sheet="sessions", row="2", column="minutes",
                         value="4", message=t("error.range", lang, low=5, high=480))
        assert "workbook." not in line and "error." not in line


# ---------------------------------------------------------------- henkilötunnus

@pytest.mark.parametrize("sheet,column", [("participants", "display_name"), ("sessions", "notes"),
                                          ("feedback", "comment"), ("companies", "contact_name")])
def test_identity_code_is_refused_masked_and_never_stored(pilot_db: Engine, tmp_path: Path, sheet: str,
                                                          column: str) -> None:
    data = dataset()
    data[sheet][0][column] = f"Matti {HETU} Meikäläinen"
    result = workbook.import_workbook(pilot_db, write_xlsx(data, tmp_path / "in.xlsx"), SYSTEM)
    assert errors_of(result) == {(sheet, 2, column, "error.hetu")}
    report = "\n".join(result.lines("fi") + [e.value for e in result.errors])
    assert HETU not in report and "*" * len(HETU) in report
    with pilot_db.connect() as conn:
        audit_text = json.dumps([list(r) for r in conn.execute(sa.text("SELECT * FROM audit_log"))], default=str)
    assert HETU not in audit_text
    assert table_counts(pilot_db) == dict.fromkeys(workbook.SHEETS, 0)


def test_identity_code_in_an_unknown_column_is_refused(pilot_db: Engine, tmp_path: Path) -> None:
    folder = write_csv_folder({"companies": dataset()["companies"]}, tmp_path / "in")
    text = (folder / "companies.csv").read_text(encoding="utf-8-sig").splitlines()
    text = [text[0] + ",extra", text[1] + f",{HETU}"] + text[2:]
    (folder / "companies.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    result = workbook.import_workbook(pilot_db, folder, SYSTEM)
    assert errors_of(result) == {("companies", 2, "extra", "error.hetu")}


# ---------------------------------------------------------------- all or nothing, at scale

def big_dataset(n: int) -> dict[str, list[dict[str, Any]]]:
    data = {k: v for k, v in dataset().items() if k in ("companies", "participants")}
    data["costs"] = [{"ref": f"K-{i:06d}", "incurred_on": "2024-03-31", "category": "grant",
                      "amount_eur": f"{i % 997 + 1}.25", "business_id": B1} for i in range(n)]
    return data


def test_ten_thousand_rows_with_one_bad_row_write_nothing_and_name_it(pilot_db: Engine, tmp_path: Path) -> None:
    data = big_dataset(10_000)
    data["costs"][7777]["amount_eur"] = "-3"
    started = time.perf_counter()
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "in"), SYSTEM)
    assert errors_of(result) == {("costs", 7779, "amount_eur", "error.amount_range")}
    assert table_counts(pilot_db) == dict.fromkeys(workbook.SHEETS, 0)
    data["costs"][7777]["amount_eur"] = "3"
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "in2"), SYSTEM)
    assert result.ok and result.counts["costs"].added == 10_000
    assert table_counts(pilot_db)["costs"] == 10_000
    assert time.perf_counter() - started < 30


# ---------------------------------------------------------------- idempotence, updates, dry run

def test_the_same_workbook_twice_leaves_identical_exports(pilot_db: Engine, tmp_path: Path) -> None:
    path = write_xlsx(dataset(), tmp_path / "in.xlsx")
    first = workbook.import_workbook(pilot_db, path, SYSTEM)
    assert first.ok and first.counts["attendance"].added == 3
    after_first = exported(pilot_db)
    second = workbook.import_workbook(pilot_db, path, SYSTEM)
    assert second.ok
    assert {s: (c.added, c.updated) for s, c in second.counts.items()} == dict.fromkeys(workbook.SHEETS, (0, 0))
    assert exported(pilot_db) == after_first
    with pilot_db.connect() as conn:
        versions = conn.execute(sa.text("SELECT MAX(version) FROM participants")).scalar_one()
    assert versions == 1


def test_dry_run_writes_nothing_and_counts_right(pilot_db: Engine, tmp_path: Path) -> None:
    data = dataset()
    assert workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "a"), SYSTEM).ok
    before = exported(pilot_db)
    data["participants"][1]["job_title"] = "Kokki"
    data["participants"].append({"code": "P-004", "business_id": B3, "enrolled_on": "2024-04-01",
                                 "first_language": "fa"})
    data["costs"][0]["amount_eur"] = "1250.5"  # the same amount written differently: unchanged
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "b"), SYSTEM, dry_run=True)
    assert result.ok and not result.written
    assert (result.counts["participants"].added, result.counts["participants"].updated,
            result.counts["participants"].unchanged) == (1, 1, 2)
    assert (result.counts["costs"].added, result.counts["costs"].updated, result.counts["costs"].unchanged) == (0, 0, 2)
    assert exported(pilot_db) == before


def test_a_changed_row_updates_and_is_audited(pilot_db: Engine, tmp_path: Path) -> None:
    data = dataset()
    assert workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "a"), SYSTEM).ok
    data["participants"][0]["job_title"] = "Kerroshoitaja"  # P-001 has attendance: still updatable
    data["attendance"][0]["status"] = "absent"
    data["companies"][0]["name"] = "Uusi Nimi Oy"
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "b"), SYSTEM)
    assert result.ok
    assert {s: c.updated for s, c in result.counts.items() if c.updated} == \
        {"participants": 1, "attendance": 1, "companies": 1}
    with pilot_db.connect() as conn:
        rows = conn.execute(sa.text("SELECT entity, entity_id, before_json, after_json FROM audit_log "
                                    "WHERE action = 'import' AND before_json IS NOT NULL ORDER BY entity")).all()
        version = conn.execute(sa.text("SELECT version FROM participants WHERE code = 'P-001'")).scalar_one()
    assert [(r.entity, r.entity_id, json.loads(r.before_json), json.loads(r.after_json)) for r in rows] == [
        ("attendance", "S-1/P-001", {"status": "present"}, {"status": "absent"}),
        ("company", B1, {"name": "Siivous Ähtäri Oy"}, {"name": "Uusi Nimi Oy"}),
        ("participant", "P-001", {"job_title": "Siivooja"}, {"job_title": "Kerroshoitaja"}),
    ]
    assert version == 2


def test_rows_absent_from_the_file_are_kept(pilot_db: Engine, tmp_path: Path) -> None:
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "a"), SYSTEM).ok
    before = table_counts(pilot_db)
    only = {"costs": [dataset()["costs"][0]]}
    result = workbook.import_workbook(pilot_db, write_csv_folder(only, tmp_path / "b"), SYSTEM)
    assert result.ok and result.counts == {"costs": workbook.Counts(0, 0, 1)}
    assert table_counts(pilot_db) == before


@pytest.mark.parametrize("sheet,index,changes,locked_column", [
    ("participants", 0, {"business_id": B3}, "business_id"),
    ("participants", 0, {"coach": ""}, "coach"),
    ("sessions", 0, {"coach": ""}, "coach"),
    ("sessions", 0, {"held_on": "2024-03-06"}, None),  # a date is no foreign key: it changes
    ("participants", 0, {"enrolled_on": "2024-01-31"}, None),
])
def test_referenced_rows_change_only_where_the_database_can(pilot_db: Engine, tmp_path: Path, sheet: str,
                                                            index: int, changes: dict, locked_column: str | None) -> None:
    """DuckDB cannot set a foreign-key column of a row other rows reference: a clear error; PostgreSQL can."""
    data = dataset()
    assert workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "a"), SYSTEM).ok
    data[sheet][index].update(changes)
    result = workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "b"), SYSTEM)
    if locked_column and db.backend(pilot_db) == "duckdb":
        assert errors_of(result) == {(sheet, index + 2, locked_column, "workbook.error.locked_reference")}
    else:
        assert result.ok and result.counts[sheet].updated == 1
        assert exported(pilot_db) == exported_after(tmp_path, data)


def exported_after(tmp_path: Path, data: dict[str, list[dict[str, Any]]]) -> dict[str, list[list[Any]]]:
    """What a fresh database holds after importing ``data`` once."""
    fresh = other_db(tmp_path, "fresh")
    assert workbook.import_workbook(fresh, write_csv_folder(data, tmp_path / "fresh"), SYSTEM).ok
    rows = exported(fresh)
    fresh.dispose()
    return rows


# ---------------------------------------------------------------- formats, help row, labels, dates

@pytest.mark.parametrize("form", ["xlsx", "folder", "folder_no_bom", "zip"])
def test_every_file_form_imports_the_same(pilot_db: Engine, tmp_path: Path, form: str) -> None:
    data = dataset()
    path = {"xlsx": lambda: write_xlsx(data, tmp_path / "in.xlsx"),
            "folder": lambda: write_csv_folder(data, tmp_path / "in"),
            "folder_no_bom": lambda: write_csv_folder(data, tmp_path / "in", bom=False),
            "zip": lambda: write_zip(data, tmp_path / "in.zip")}[form]()
    result = workbook.import_workbook(pilot_db, path, SYSTEM)
    assert result.ok, result.lines("en")
    assert table_counts(pilot_db) == {s: len(rows) for s, rows in data.items()}
    with pilot_db.connect() as conn:
        row = conn.execute(sa.text("SELECT name, contact_name, joined_on FROM companies WHERE business_id = :b"),
                           {"b": B2}).one()
        assert row.name == "=Keittiö & Co" and row.joined_on == date(2024, 2, 1)
        assert conn.execute(sa.text("SELECT description FROM adaptations WHERE ref = 'A-2'")).scalar_one() == "=sanasto"


@pytest.mark.parametrize("help_lang", [None, "fi", "sv", "en"])
def test_template_help_row_present_or_removed_both_import(pilot_db: Engine, tmp_path: Path,
                                                          help_lang: str | None) -> None:
    data = dataset()
    data["sessions"][0]["minutes"] = "999"
    path = write_xlsx(data, tmp_path / "in.xlsx", help_lang=help_lang)
    result = workbook.import_workbook(pilot_db, path, SYSTEM)
    first_data_row = 3 if help_lang else 2
    assert errors_of(result) == {("sessions", first_data_row, "minutes", "error.range")}
    data["sessions"][0]["minutes"] = "90"
    result = workbook.import_workbook(pilot_db, write_xlsx(data, tmp_path / "ok.xlsx", help_lang=help_lang), SYSTEM)
    assert result.ok and table_counts(pilot_db)["companies"] == 3


def test_template_has_every_sheet_with_a_translated_help_row() -> None:
    for lang in ("fi", "sv", "en"):
        book = openpyxl.load_workbook(io.BytesIO(workbook.template_bytes(lang)))
        assert book.sheetnames == list(workbook.SHEETS)
        for sheet, columns in workbook.SHEETS.items():
            rows = list(book[sheet].iter_rows(values_only=True))
            assert rows[0] == columns
            assert all(h and not h.startswith("workbook.") for h in rows[1])


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_code_labels_in_every_language_are_accepted(pilot_db: Engine, tmp_path: Path, lang: str) -> None:
    lists = {("sessions", "kind"): "kind", ("sessions", "mode"): "mode",
             ("attendance", "status"): "attendance", ("adaptations", "type"): "adaptation_type",
             ("assessments", "skill"): "skill", ("assessments", "source"): "source",
             ("employment", "status"): "employment_status", ("costs", "category"): "cost_category",
             ("companies", "size_class"): "size_class"}
    labelled = dataset()
    for (sheet, column), code_list in lists.items():
        for row in labelled[sheet]:
            if row.get(column):
                row[column] = t(f"code.{code_list}.{row[column]}", lang).upper()
                assert row[column] and not row[column].startswith("CODE.")
    result = workbook.import_workbook(pilot_db, write_csv_folder(labelled, tmp_path / "in"), SYSTEM)
    assert result.ok, result.lines("en")
    by_code = other_db(tmp_path, "codes")
    assert workbook.import_workbook(by_code, write_csv_folder(dataset(), tmp_path / "codes"), SYSTEM).ok
    assert exported(pilot_db) == exported(by_code)
    by_code.dispose()


@pytest.mark.parametrize("written,stored", [("2024-02-03", date(2024, 2, 3)), ("3.2.2024", date(2024, 2, 3)),
                                            ("03.02.2024", date(2024, 2, 3)), ("cell", date(2024, 2, 3))])
def test_dates_as_iso_finnish_or_date_cells(pilot_db: Engine, tmp_path: Path, written: str, stored: date) -> None:
    data = {"companies": [{"business_id": B1, "name": "A", "joined_on": "2024-02-03" if written == "cell" else written}]}
    path = write_xlsx(data, tmp_path / "in.xlsx", date_cells=written == "cell")
    if written == "cell":
        assert isinstance(openpyxl.load_workbook(path)["companies"]["E2"].value, date)
    assert workbook.import_workbook(pilot_db, path, SYSTEM).ok
    with pilot_db.connect() as conn:
        assert conn.execute(sa.text("SELECT joined_on FROM companies")).scalar_one() == stored


@pytest.mark.parametrize("written,stored", [("kyllä", True), ("ei", False), ("ja", True), ("nej", False),
                                            ("TRUE", True), ("false", False), ("1", True), ("0", False),
                                            ("", False)])
def test_booleans_in_every_language(pilot_db: Engine, tmp_path: Path, written: str, stored: bool) -> None:
    data = dataset()
    data["participants"][0]["share_with_employer"] = written
    assert workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "in"), SYSTEM).ok
    with pilot_db.connect() as conn:
        assert conn.execute(sa.text("SELECT share_with_employer FROM participants WHERE code = 'P-001'")
                            ).scalar_one() is stored


# ---------------------------------------------------------------- export and round trip

def read_rows(path: Path) -> dict[str, list[tuple]]:
    wb = workbook.read_workbook(path)
    return {name: [tuple(r.values.get(c) for c in workbook.SHEETS[name]) for r in sheet.rows]
            for name, sheet in wb.sheets.items()}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_export_import_export_is_identical(pilot_db: Engine, tmp_path: Path, fmt: str) -> None:
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "in"), SYSTEM).ok
    first = tmp_path / ("one.xlsx" if fmt == "xlsx" else "one")
    with db.transaction(pilot_db) as conn:
        counts = workbook.export_workbook(conn, SYSTEM, first, fmt)
    assert counts == {s: len(rows) for s, rows in dataset().items()}
    empty = other_db(tmp_path, "empty")
    result = workbook.import_workbook(empty, first, SYSTEM)
    assert result.ok, result.lines("en")
    second = tmp_path / ("two.xlsx" if fmt == "xlsx" else "two")
    with db.transaction(empty) as conn:
        workbook.export_workbook(conn, SYSTEM, second, fmt)
    assert read_rows(first) == read_rows(second)
    assert exported(empty) == exported(pilot_db)
    empty.dispose()


def test_export_writes_codes_dates_booleans_and_neutralised_formulas(pilot_db: Engine, tmp_path: Path) -> None:
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "in"), SYSTEM).ok
    with db.transaction(pilot_db) as conn:
        workbook.export_workbook(conn, SYSTEM, tmp_path / "out.xlsx")
        workbook.export_workbook(conn, SYSTEM, tmp_path / "out", "csv")
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    companies = list(book["companies"].iter_rows(values_only=True))
    assert companies[0] == workbook.SHEETS["companies"]
    assert [r[0] for r in companies[1:]] == sorted([B1, B2, B3])  # stable order by key
    by_id = {r[0]: r for r in companies[1:]}
    assert by_id[B2][1] == "'=Keittiö & Co"
    assert by_id[B2][4].date() == date(2024, 2, 1)  # a real date cell
    assert book["companies"]["B2"].data_type == "s"
    participants = {r[0]: r for r in book["participants"].iter_rows(values_only=True)}
    assert participants["P-001"][7] == "yes" and participants["P-002"][7] == "no"
    assert participants["P-002"][5] == "'-vuoro" and participants["P-003"][5] == "'+kokki"
    assert [r[4] for r in book["adaptations"].iter_rows(values_only=True, min_row=2)] == \
        ["Selkokieliset ohjeet", "'=sanasto"]  # the file's "'=sanasto" was stored as "=sanasto"
    csv_rows = list(csv.reader((tmp_path / "out" / "sessions.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert csv_rows[1][:6] == ["S-1", B1, "2024-03-05", "90", "language_lesson", "onsite"]
    assert csv_rows[1][8] == "'@muistio"
    adaptations = list(csv.reader((tmp_path / "out" / "adaptations.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert adaptations[2][4] == "'=sanasto"


@pytest.mark.parametrize("text", ["=1+2", "+358 40 123", "-5 astetta", "@SUM(A1)", "'=kaksi", "''@", "plain ä"])
def test_formula_neutralisation_round_trips_exactly(pilot_db: Engine, tmp_path: Path, text: str) -> None:
    # The file holds the text as our export writes it; the import stores the text itself.
    data = {"companies": [{"business_id": B1, "name": "A", "joined_on": "2024-01-01",
                           "contact_name": workbook.neutralise(text)}]}
    assert workbook.import_workbook(pilot_db, write_xlsx(data, tmp_path / "in.xlsx"), SYSTEM).ok
    with pilot_db.connect() as conn:
        assert conn.execute(sa.text("SELECT contact_name FROM companies")).scalar_one() == text
    for fmt, name in (("xlsx", "out.xlsx"), ("csv", "out")):
        with db.transaction(pilot_db) as conn:
            workbook.export_workbook(conn, SYSTEM, tmp_path / name, fmt)
        target = other_db(tmp_path, f"copy_{fmt}")
        assert workbook.import_workbook(target, tmp_path / name, SYSTEM).ok
        with target.connect() as conn:
            assert conn.execute(sa.text("SELECT contact_name FROM companies")).scalar_one() == text
        target.dispose()


def test_export_respects_the_scope(pilot_db: Engine, tmp_path: Path) -> None:
    from pilot.access import Scope
    assert workbook.import_workbook(pilot_db, write_csv_folder(dataset(), tmp_path / "in"), SYSTEM).ok
    with pilot_db.connect() as conn:
        b1 = conn.execute(sa.text("SELECT id FROM companies WHERE business_id = :b"), {"b": B1}).scalar_one()
        rows = workbook.export_rows(conn, Scope("emp", "employer", company_ids=frozenset({b1})))
    assert [r[0] for r in rows["companies"]] == [B1]
    assert [r[0] for r in rows["participants"]] == ["P-001"]  # shared with the employer only
    assert rows["participants"][0][9] is None  # no display names outside coach/admin views
    assert [r[0] for r in rows["costs"]] == ["K-1"]


# ---------------------------------------------------------------- command line

def test_cli_import_and_export(pilot_db: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILOT_LANG", "en")
    data = dataset()
    data["costs"][1]["amount_eur"] = "0"
    data["sessions"][0]["minutes"] = "1"
    bad = write_csv_folder(data, tmp_path / "bad")
    assert cli.main(["import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "sessions, row 2, column minutes" in err and "costs, row 3, column amount_eur" in err
    good = write_csv_folder(dataset(), tmp_path / "good")
    assert cli.main(["import", str(good), "--dry-run"]) == 0
    assert "companies: 3 added, 0 updated, 0 unchanged." in capsys.readouterr().out
    assert table_counts(pilot_db)["companies"] == 0
    assert cli.main(["import", str(good)]) == 0
    assert "attendance: 3 added" in capsys.readouterr().out
    assert cli.main(["import", str(good)]) == 0
    assert "costs: 0 added, 0 updated, 2 unchanged." in capsys.readouterr().out
    assert cli.main(["export", str(tmp_path / "out"), "--format", "csv"]) == 0
    assert (tmp_path / "out" / "costs.csv").exists()
    assert cli.main(["import", str(tmp_path / "missing.xlsx")]) == 1
    assert "missing.xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_blank_rows_are_skipped_and_row_numbers_stay_as_shown(pilot_db: Engine, tmp_path: Path, form: str) -> None:
    rows = [["ref", "incurred_on", "category", "amount_eur"], ["K-1", "2024-01-01", "grant", "1.00"],
            [None, None, None, None], ["K-2", "2024-01-01", "grant", "0"]]
    if form == "xlsx":
        book = openpyxl.Workbook()
        book.active.title = "costs"
        for row in rows:
            book.active.append(row)
        path = tmp_path / "in.xlsx"
        book.save(path)
    else:
        path = tmp_path / "in"
        path.mkdir()
        (path / "costs.csv").write_text("\n".join(",".join(c or "" for c in r) for r in rows) + "\n", encoding="utf-8")
    result = workbook.import_workbook(pilot_db, path, SYSTEM)
    assert errors_of(result) == {("costs", 4, "amount_eur", "error.amount_range")}


def test_validate_reports_without_writing(pilot_db: Engine, tmp_path: Path) -> None:
    data = dataset()
    data["feedback"][0]["score"] = "0"
    wb = workbook.read_workbook(write_csv_folder(data, tmp_path / "in"))
    with pilot_db.connect() as conn:
        report = workbook.validate(conn, wb, "sv")
    assert not report.ok and report.counts == {}
    assert report.lines() == [t("workbook.error_line", "sv", sheet="feedback", row="2", column="score", value="0",
                                message=t("error.range", "sv", low=1, high=5))]


def test_cli_says_one_sentence_when_another_process_holds_the_database(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(30)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("PILOT_DB", str(path))
        monkeypatch.setenv("PILOT_LANG", "en")
        assert cli.main(["import", str(write_csv_folder(dataset(), tmp_path / "in"))]) == 1
        assert capsys.readouterr().err.strip() == t("cli.busy", "en")
    finally:
        holder.kill()
        holder.wait()


def test_exported_xlsx_opens_in_libreoffice_with_letters_intact(pilot_db: Engine, tmp_path: Path) -> None:
    """The export is a real spreadsheet: LibreOffice converts it, ä, ö and å survive, formulas stay text."""
    import os
    import shutil
    import subprocess
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("LibreOffice (soffice) must be installed in CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed here")
    assert workbook.import_workbook(pilot_db, write_xlsx(dataset(), tmp_path / "in.xlsx"), SYSTEM).ok
    with pilot_db.connect() as conn:
        workbook.export_workbook(conn, SYSTEM, tmp_path / "out.xlsx", "xlsx")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(tmp_path / "csv"), str(tmp_path / "out.xlsx")],
                   check=True, capture_output=True, timeout=180)
    text = (tmp_path / "csv" / "out.csv").read_text(encoding="utf-8")  # 76: UTF-8; the first sheet
    assert "Siivous Ähtäri Oy" in text
    assert "'=Keittiö & Co" in text or "=Keittiö & Co" in text
    assert "Keittiö" in text and "#NAME" not in text
