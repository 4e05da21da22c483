"""AppTest of the workbook page's import preview: as the bound coach coach2 a row of another
company is an error that reads the same whether or not the record exists, nothing can be saved;
a stale workbook offers the overwrite box, which applies it on purpose."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from pilot import db, demo, workbook
from pilot.access import SYSTEM, Scope
from pilot.records import participants, users
from tests.helpers_app import app_as
from tests.test_workbook_scope import bound_business_ids, exported_csv, others, snapshot

ZIP = "application/zip"


@pytest.fixture
def app_db(engine):
    st.cache_resource.clear()
    st.cache_data.clear()
    db.dispose_shared()
    demo.load(engine)
    yield engine
    st.cache_resource.clear()
    db.dispose_shared()


def workbook_page(username: str) -> AppTest:
    at = app_as(username, os.environ["PILOT_DB"], timeout=90)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("pages/workbook.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="wb_upload").set_value((name, data, ZIP)).run()
    assert not at.exception, at.exception
    return at


def zipped(folder: Path, only: set[str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            if only is None or file.stem in only:
                archive.write(file, file.name)
    return buffer.getvalue()


def participants_zip(rows: list[dict[str, str]]) -> bytes:
    import csv
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("participants.csv", text.getvalue())
    return buffer.getvalue()


def coach2_scope(engine) -> Scope:
    with engine.connect() as conn:
        return users.scope_for(conn, users.get_by_username(conn, "coach2"))


def test_coach2_preview_of_another_companys_row_reads_the_same_and_saves_nothing(app_db, tmp_path: Path) -> None:
    scope = coach2_scope(app_db)
    full = exported_csv(app_db, SYSTEM, tmp_path / "full")
    stored = others(full, "participants", bound_business_ids(app_db, scope))[0]
    before = snapshot(app_db)
    tables = []
    for row in (stored, {**stored, "code": "ZZ-NEW-9"}):
        at = upload(workbook_page("coach2"), "participants.zip", participants_zip([row]))
        assert at.error and "1 error" in at.error[0].value
        assert not [b for b in at.button if b.key == "wb_confirm"]
        assert not at.checkbox  # no overwrite offered for a scope error
        table = at.dataframe[0].value
        assert "outside the companies and participants you may change" in " ".join(table.iloc[:, -1])
        tables.append(table.to_dict("records"))
    assert tables[0] == tables[1]
    assert snapshot(app_db) == before


def test_coach2_preview_counts_only_their_own_rows(app_db, tmp_path: Path) -> None:
    scope = coach2_scope(app_db)
    own = exported_csv(app_db, scope, tmp_path / "own")
    at = upload(workbook_page("coach2"), "own.zip", zipped(tmp_path / "own"))
    assert not at.error
    counts = {r["Sheet"]: (r["Added"], r["Updated"], r["Unchanged"]) for r in at.dataframe[0].value.to_dict("records")}
    assert counts == {s: (0, 0, len(rows)) for s, rows in own.items() if rows}


def test_a_stale_workbook_offers_overwrite_which_applies_it(app_db, tmp_path: Path) -> None:
    scope = coach2_scope(app_db)
    own = exported_csv(app_db, scope, tmp_path / "own")
    code, title = own["participants"][0]["code"], own["participants"][0]["job_title"]
    with db.transaction(app_db) as conn:
        pid = participants.id_by_code(conn, code)
        version = conn.execute(sa.text("SELECT version FROM participants WHERE id = :i"), {"i": pid}).scalar_one()
        participants.update_participant(conn, Scope("admin", "admin"), pid, version, {"job_title": "Muutettu"})
    at = upload(workbook_page("coach2"), "own.zip", zipped(tmp_path / "own", {"participants", "about"}))
    assert at.error
    assert "by admin" in " ".join(at.dataframe[0].value.iloc[:, -1])
    at.checkbox(key="wb_overwrite").check().run()
    assert not at.exception and not at.error
    at.button(key="wb_confirm").click().run()
    assert not at.exception
    with app_db.connect() as conn:
        stored = conn.execute(sa.text("SELECT job_title FROM participants WHERE code = :c"), {"c": code}).scalar_one()
    assert stored == (title or None)
    assert workbook.FORMAT == "pilot-workbook-2"
