"""Issue 16 part 2: on PostgreSQL the workbook import streams its rows with COPY (and every
import reads plain ASCII cells for identity codes without a per-character pass).

The same file imported with COPY and with the portable UNNEST statement gives the same database:
the same rows in every sheet, the same audit rows, the same attendance totals. DuckDB keeps its
UNNEST statement (copy_rows answers False there).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from pilot import db, workbook
from pilot.access import SYSTEM
from pilot.domain import identifiers
from pilot.records import attendance_totals
from pilot.records import workbook_io as io_sql
from tests.conftest import TEST_PG, _pg_url_with_schema
from tests.test_workbook_chunks import _audit, _file, _stored, _zip


def _tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every imported table's rows without their surrogate ids and timestamps."""
    out = {}
    with engine.connect() as conn:
        out["sessions"] = [tuple(r) for r in conn.execute(sa.text(
            "SELECT ref, held_on, minutes, kind, mode, topics, notes, attendance_present, attendance_absent, "
            "attendance_excused, version FROM sessions ORDER BY ref"))]
        out["attendance"] = [tuple(r) for r in conn.execute(sa.text(
            "SELECT s.ref, p.code, a.status FROM attendance a JOIN sessions s ON s.id = a.session_id "
            "JOIN participants p ON p.id = a.participant_id ORDER BY 1, 2"))]
        out["participant_codes"] = [tuple(r) for r in conn.execute(sa.text(
            "SELECT c.code, p.code FROM participant_codes c JOIN participants p ON p.id = c.participant_id "
            "ORDER BY 1"))]
        out["audit"] = [tuple(r) for r in conn.execute(sa.text(
            "SELECT actor, action, entity, entity_id, before_json, after_json FROM audit_log ORDER BY entity, "
            "entity_id, id"))]
    return out


def _import_twice(engine: Engine, tmp_path: Path, name: str) -> None:
    first = _file()
    assert workbook.import_workbook(engine, _zip(tmp_path / f"{name}1.zip", first), SYSTEM, lang="en").ok
    changed = _file()
    changed["companies"][0]["name"] = "Uusi nimi"
    for mark in changed["attendance"][::2]:
        mark["status"] = "excused"
    changed["sessions"].append({"ref": "S-new", "business_id": changed["companies"][1]["business_id"],
                                "held_on": "2024-05-02", "minutes": "45", "kind": "on_the_job", "mode": "remote"})
    changed["sessions"][0]["notes"] = "tab\there, newline\nthere, backslash \\ and 'quotes'"
    assert workbook.import_workbook(engine, _zip(tmp_path / f"{name}2.zip", changed), SYSTEM, lang="en").ok


def test_copy_and_unnest_imports_store_the_same_database(engine: Engine, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if db.backend(engine) != "postgresql":
        with engine.connect() as conn:  # DuckDB keeps its one UNNEST statement
            assert io_sql.copy_rows(conn, "audit_log", ("actor",), [("x",)]) is False
        pytest.skip("COPY is PostgreSQL's")
    copied: list[str] = []
    original = io_sql.copy_rows

    def spy(conn: Any, table: str, columns: Any, rows: Any) -> bool:
        copied.append(table)
        return original(conn, table, columns, rows)
    monkeypatch.setattr(io_sql, "copy_rows", spy)
    _import_twice(engine, tmp_path, "copy")
    assert {"sessions", "attendance", "participants", "companies", "audit_log"} <= set(copied)
    with_copy = _tables(engine)
    exported = _stored(engine, tmp_path / "out-copy")
    audited = _audit(engine)
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)

    # The same files into an empty schema, with COPY turned off.
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(TEST_PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    other = db.make_engine(_pg_url_with_schema(TEST_PG, schema))
    try:
        db.migrate(other)
        monkeypatch.setattr(io_sql, "copy_rows", lambda *args: False)
        _import_twice(other, tmp_path, "unnest")
        assert _tables(other) == with_copy
        assert _stored(other, tmp_path / "out-unnest") == exported
        assert _audit(other) == audited
    finally:
        other.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# The import's validation scans every text cell for an identity code; plain ASCII cells (nearly
# all of them) skip the per-character NFKC pass, which NFKC would leave unchanged anyway.
_HETU_LIKE = st.text(alphabet="0123456789-+AYXBCDEFHJKLMNPRSTUVW :hetu", max_size=40)


@settings(max_examples=60, deadline=None)
@given(before=_HETU_LIKE, after=_HETU_LIKE, code=st.sampled_from(["131052-308T", "010594Y9032", "131052308T", ""]))
def test_ascii_text_is_read_as_the_per_character_pass_reads_it(before: str, after: str, code: str) -> None:
    text = before + code + after
    assert text.isascii()
    # A zero-width space at the end sends the same text through the per-character pass.
    assert identifiers.hetu_spans(text) == identifiers.hetu_spans(text + "\u200b")
    assert identifiers.mask_hetu(text) + "\u200b" == identifiers.mask_hetu(text + "\u200b")
    assert identifiers.contains_hetu(code + " ") == bool(code)  # the codes themselves are found
