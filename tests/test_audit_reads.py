"""Reads are on record where names are shown (issue 12.8): one audit row per view of a list with
names and its filter (not one per rerun), import dry runs, backup downloads, and a restore in both
the restored database and the replaced one's .before-restore copy."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from pilot import backup, db, workbook
from pilot.access import Scope
from pilot.records import audit, privacy
from tests.helpers_app import app_as, prepare_demo_db

ADMIN = Scope(username="admin", role="admin")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_demo_db(tmp_path_factory.mktemp("reads") / "demo.duckdb")


@pytest.fixture
def app_db(demo_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "pilot.duckdb"
    shutil.copyfile(demo_file, path)
    yield path
    db.dispose_shared()


def views(path: Path, entity: str) -> list[dict]:
    with db.shared_engine(str(path)).connect() as conn:
        rows = audit.entries(conn, action="read", entity=entity)
    return [{"actor": r["actor"], "filters": json.loads(r["after_json"]) if r["after_json"] else {}} for r in rows]


@pytest.mark.parametrize("username, page, entity", [
    ("coach", "participants", "participant_list"),
    ("coach", "companies", "company_list"),
    ("coach", "my_week", "my_week"),
    ("coach", "participant", "participant_picker"),
    ("admin", "admin_privacy", "privacy_picker"),
])
def test_a_list_with_names_is_on_record_once_per_view(app_db, username, page, entity) -> None:
    at = app_as(username, app_db)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    at.run()  # a rerun of the same view writes nothing more
    rows = views(app_db, entity)
    assert len(rows) == 1 and rows[0]["actor"] == username


def test_the_filter_is_on_record_and_a_new_filter_is_a_new_row(app_db) -> None:
    at = app_as("coach", app_db)
    at.run()
    at.switch_page("pages/participants.py").run()
    at.text_input(key="pf_search").input("P-00").run()
    at.run()
    rows = views(app_db, "participant_list")
    assert len(rows) == 2
    assert rows[0]["filters"].get("search") == "P-00" and rows[0]["filters"].get("status") == "active"
    assert "search" not in rows[1]["filters"]


def test_an_import_dry_run_is_on_record(app_db, tmp_path) -> None:
    engine = db.shared_engine(str(app_db))
    with db.transaction(engine) as conn:
        workbook.export_workbook(conn, ADMIN, tmp_path / "pilot.xlsx")
    result = workbook.import_workbook(engine, tmp_path / "pilot.xlsx", ADMIN, dry_run=True)
    assert result.dry_run
    with engine.connect() as conn:
        rows = audit.entries(conn, entity="import_dry_run")
    assert [(r["actor"], r["action"], r["entity_id"]) for r in rows] == [("admin", "read", "pilot.xlsx")]


def test_a_backup_download_is_on_record(app_db) -> None:
    engine = db.shared_engine(str(app_db))
    backup.backup(engine, app_db.parent / "backups" / "pilot-20250101-120000.duckdb")
    at = app_as("admin", app_db)
    at.run()
    at.switch_page("pages/admin_backup.py").run()
    assert not at.exception
    with engine.connect() as conn:
        assert audit.entries(conn, entity="backup") == []
    at.get("download_button")[0].click().run()
    assert not at.exception
    with engine.connect() as conn:
        rows = audit.entries(conn, entity="backup")
    assert [(r["actor"], r["action"], r["entity_id"]) for r in rows] == [
        ("admin", "export", "pilot-20250101-120000.duckdb")]


def test_a_restore_is_on_record_in_both_databases(app_db, tmp_path) -> None:
    engine = db.make_engine(str(app_db))
    saved = backup.backup(engine, tmp_path / "saved.duckdb")
    with db.transaction(engine) as conn:  # something happens after the backup
        audit.record(conn, ADMIN, "update", "company", 1)
    backup.restore(engine, saved, ADMIN, "monday.duckdb")
    restored = db.make_engine(str(app_db))
    with restored.connect() as conn:
        rows = audit.entries(conn, entity="database")
    restored.dispose()
    assert [(r["actor"], r["action"], r["entity_id"]) for r in rows] == [("admin", "import", "monday.duckdb")]
    before = db.make_engine(str(app_db.with_name(app_db.name + ".before-restore")))
    with before.connect() as conn:
        old = audit.entries(conn, entity="database")
        kept = audit.entries(conn, entity="company", action="update")
    before.dispose()
    assert [(r["actor"], r["action"], json.loads(r["after_json"])) for r in old] == [
        ("admin", "export", {"replaced_by": "monday.duckdb"})]
    assert kept  # the replaced database keeps its own log


def test_anonymisation_erases_a_search_for_the_person(app_db) -> None:
    engine = db.shared_engine(str(app_db))
    with engine.connect() as conn:
        person = conn.execute(sa.text("SELECT id, code, display_name FROM participants "
                                      "WHERE display_name IS NOT NULL ORDER BY id")).first()
    with db.transaction(engine) as conn:
        audit.record_view(conn, ADMIN, "participant_list", {"search": person.display_name.split()[0]})
        audit.record_view(conn, ADMIN, "participant_list", {"search": person.code.lower()})
        audit.record_view(conn, ADMIN, "participant_list", {"search": "zzz", "status": "active"})
    privacy.anonymise(engine, ADMIN, person.id, "retention period ended")
    searches = [v["filters"].get("search") for v in views(app_db, "participant_list")]
    assert sorted(searches) == sorted([privacy.ERASED, privacy.ERASED, "zzz"])
