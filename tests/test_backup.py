"""Backup and restore: consistent copies while writes go on, restore with the old file kept, CLI."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
import streamlit as st

from pilot import backup, cli, db
from pilot.access import Scope
from pilot.records import bulk, companies, users
from tests.helpers_app import app_as

ADMIN = Scope(username="admin", role="admin")


def company_rows(n: int, start: int = 0) -> list[dict]:
    from pilot.domain.identifiers import business_id_check_digit
    rows, body = [], 2000000 + start * 3
    while len(rows) < n:
        body += 1
        digit = business_id_check_digit(str(body))
        if digit is not None:
            rows.append({"business_id": f"{body}-{digit}", "name": f"Yritys {body}", "joined_on": date(2024, 1, 1)})
    return rows


@pytest.fixture
def duck(engine):
    if db.backend(engine) != "duckdb":
        pytest.skip("file backups are for the embedded DuckDB; PostgreSQL uses pg_dump")
    return engine


def count(engine) -> int:
    with engine.connect() as conn:
        return len(companies.list_companies(conn, ADMIN))


def test_backup_while_writers_run_is_consistent(duck, tmp_path):
    with db.transaction(duck) as conn:
        bulk.insert_many(conn, "companies", company_rows(50))
    stop = threading.Event()
    written = []

    def writer(offset: int) -> None:
        i = 0
        while not stop.is_set() and i < 200:
            with db.transaction(duck) as conn:
                bulk.insert_many(conn, "companies", company_rows(1, start=1000 + offset * 1000 + i))
            written.append(1)
            i += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    target = backup.backup(duck, tmp_path / "copy.duckdb")
    stop.set()
    for th in threads:
        th.join()
    copy = db.make_engine(str(target))
    try:
        copied = count(copy)
        assert 50 <= copied <= 50 + len(written)
        with copy.connect() as conn:  # the copy is a whole database: constraints and sequences work
            assert db.schema_version(copy) == db.schema_version(duck)
            conn.rollback()
    finally:
        copy.dispose()
    assert not (tmp_path / "copy.duckdb.partial").exists()


def test_restore_brings_back_the_backup_and_keeps_the_old_file(duck, tmp_path):
    with db.transaction(duck) as conn:
        bulk.insert_many(conn, "companies", company_rows(3))
    saved = backup.backup(duck, tmp_path / "b.duckdb")
    with db.transaction(duck) as conn:
        bulk.insert_many(conn, "companies", company_rows(2, start=500))
    assert count(duck) == 5
    live = Path(os.environ["PILOT_DB"])
    backup.restore(duck, saved)
    fresh = db.make_engine(str(live))
    try:
        assert count(fresh) == 3
        with db.transaction(fresh) as conn:  # sequences continue after the restored ids
            companies.create_company(conn, ADMIN, company_rows(1, start=900)[0])
        assert count(fresh) == 4
    finally:
        fresh.dispose()
    assert live.with_name(live.name + ".before-restore").exists()


@pytest.mark.parametrize("content, key", [(None, "backup.missing"), (b"not a database", "backup.not_a_database")])
def test_restore_refuses_what_is_not_a_backup(duck, tmp_path, content, key):
    path = tmp_path / "bad.duckdb"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(backup.BackupNotPossible) as err:
        backup.restore(duck, path)
    assert err.value.key == key
    assert count(duck) == 0


def test_cli_backup_and_restore(duck, tmp_path, capsys):
    with db.transaction(duck) as conn:
        bulk.insert_many(conn, "companies", company_rows(2))
    duck.dispose()
    db.dispose_shared()
    assert cli.main(["backup", str(tmp_path / "cli.duckdb")]) == 0
    assert "cli.duckdb" in capsys.readouterr().out
    assert cli.main(["restore", str(tmp_path / "cli.duckdb")]) == 0


def test_cli_backup_says_one_sentence_while_the_app_holds_the_file(duck, tmp_path, capsys):
    duck.dispose()
    db.dispose_shared()
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(30)",
                               os.environ["PILOT_DB"]], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert cli.main(["backup", str(tmp_path / "x.duckdb")]) == 1
        err = capsys.readouterr().err
        assert "sovellus" in err and "Traceback" not in err
    finally:
        holder.kill()
        holder.wait()


def test_backup_page_makes_a_backup(duck):
    with db.transaction(duck) as conn:
        users.create_user(conn, "admin", "admin")
    st.cache_resource.clear()
    at = app_as("admin", os.environ["PILOT_DB"])
    at.run()
    at.switch_page("pages/admin_backup.py").run()
    assert not at.exception
    at.button(key="backup_make").click().run()
    assert not at.exception
    folder = Path(os.environ["PILOT_DB"]).parent / "backups"
    assert len(list(folder.glob("pilot-*.duckdb"))) == 1
    assert any("pilot-" in s.value for s in at.success)
    db.dispose_shared()


def test_workbook_page_offers_template_and_export(duck):
    with db.transaction(duck) as conn:
        users.create_user(conn, "coach", "coach", whole_pilot=True)
        bulk.insert_many(conn, "companies", company_rows(1))
    st.cache_resource.clear()
    at = app_as("coach", os.environ["PILOT_DB"])
    at.query_params["lang"] = "sv"
    at.run()
    at.switch_page("pages/workbook.py").run()
    assert not at.exception
    assert at.title[0].value == "Arbetsbok: import och export"
    at.button(key="wb_export").click().run()
    assert not at.exception
    with duck.connect() as conn:
        from pilot.records import audit
        assert [r["action"] for r in audit.entries(conn, entity="workbook")] == ["export"]
    db.dispose_shared()
