"""Issue 16: the 100 000-row import at national size (10 million sessions, 15 million marks).

Most of the time that grew with the size of the database went to DuckDB's commit: every new
attendance row and session was written into two ART indexes on the same column (the one DuckDB
keeps for each foreign key itself and an explicit CREATE INDEX on that column), each of them loaded
from disk for keys spread over the whole table and written back at the checkpoint. And before
writing, the import read which of the 50 000 participants it named other rows point at, although
it changed none of them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import db, workbook
from pilot.access import SYSTEM
from tests.test_workbook import dataset, pilot_db, write_csv_folder  # noqa: F401  (fixture)

# The explicit indexes on a foreign-key column (migrations 001, 005, 006, 009, 012): PostgreSQL
# needs them to look up rows by that column; DuckDB's own foreign-key index already does it.
FOREIGN_KEY_INDEXES = {"participants_company_idx", "sessions_company_idx", "attendance_participant_idx",
                       "adaptations_company_idx", "participant_notes_participant_idx", "hires_company_idx"}


def _index_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if db.backend(engine) == "duckdb":
            return {r[0] for r in conn.execute(sa.text("SELECT index_name FROM duckdb_indexes()"))}
        return {r[0] for r in conn.execute(sa.text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))}


def _foreign_key_columns(engine: Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'FOREIGN KEY'")).all()
    return {(table, column) for table, columns in rows for column in columns}


def test_duckdb_indexes_each_foreign_key_column_once(engine: Engine) -> None:
    """No explicit index repeats the index DuckDB keeps for a foreign key; PostgreSQL, which keeps
    none, keeps them all."""
    names = _index_names(engine)
    if db.backend(engine) != "duckdb":
        assert FOREIGN_KEY_INDEXES <= names
        return
    assert names.isdisjoint(FOREIGN_KEY_INDEXES)
    foreign = _foreign_key_columns(engine)
    with engine.connect() as conn:
        explicit = conn.execute(sa.text(
            "SELECT table_name, index_name, expressions FROM duckdb_indexes()")).all()
    repeated = [name for table, name, expressions in explicit
                if len(expressions) == 1 and (table, expressions[0].strip('"')) in foreign]
    assert repeated == []


def test_an_older_duckdb_file_loses_the_repeated_indexes_and_keeps_its_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older = tmp_path / "older"
    older.mkdir()
    for path in db.MIGRATIONS.iterdir():
        if path.suffix in (".sql", ".py") and path.stem[:3].isdigit() and path.stem < "015":
            (older / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(db, "MIGRATIONS", older)
    engine = db.make_engine(str(tmp_path / "old.duckdb"))
    try:
        db.migrate(engine)
        assert FOREIGN_KEY_INDEXES <= _index_names(engine)
        _world(engine)
        monkeypatch.setattr(db, "MIGRATIONS", Path(db.__file__).parent / "migrations")
        assert "015_duckdb_one_index_per_foreign_key" in db.migrate(engine)
        assert _index_names(engine).isdisjoint(FOREIGN_KEY_INDEXES)
        _found_and_kept(engine, 1, 1)
    finally:
        engine.dispose()


def _world(engine: Engine) -> tuple[int, int]:
    """A company, a participant and three sessions with the participant's marks."""
    with db.transaction(engine) as conn:
        company = conn.execute(sa.text(
            "INSERT INTO companies (business_id, name, joined_on) VALUES ('0000000-0', 'Oy', DATE '2024-01-01') "
            "RETURNING id")).scalar_one()
        person = conn.execute(sa.text(
            "INSERT INTO participants (code, company_id, enrolled_on, first_language) "
            "VALUES ('P-1', :c, DATE '2024-01-02', 'ar') RETURNING id"), {"c": company}).scalar_one()
        for n in range(3):
            session = conn.execute(sa.text(
                "INSERT INTO sessions (ref, company_id, held_on, minutes, kind, mode) "
                "VALUES (:r, :c, DATE '2024-02-01', 60, 'other', 'onsite') RETURNING id"),
                {"r": f"S-{n}", "c": company}).scalar_one()
            conn.execute(sa.text("INSERT INTO attendance (session_id, participant_id, status) "
                                 "VALUES (:s, :p, 'present')"), {"s": session, "p": person})
    return int(company), int(person)


def _found_and_kept(engine: Engine, company: int, person: int) -> None:
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM attendance WHERE participant_id = :p"),
                            {"p": person}).scalar_one() == 3
        assert conn.execute(sa.text("SELECT COUNT(*) FROM sessions WHERE company_id = :c"),
                            {"c": company}).scalar_one() == 3
    for statement, key in (("DELETE FROM participants WHERE id = :k", person),
                           ("DELETE FROM companies WHERE id = :k", company)):
        try:
            with db.transaction(engine) as conn:
                conn.execute(sa.text(statement), {"k": key})
        except sa.exc.DBAPIError:
            pass
        else:
            raise AssertionError(f"{statement} deleted a referenced row")


def test_rows_are_found_by_foreign_key_and_a_referenced_row_stays(engine: Engine) -> None:
    """Without the explicit indexes a participant's marks and a company's sessions are still
    found, and a participant or company other rows point at still cannot be deleted."""
    _found_and_kept(engine, *_world(engine))


def _statements_of(engine: Engine, work: Any) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_an_import_that_changes_no_record_reads_no_references(pilot_db: Engine, tmp_path: Path) -> None:  # noqa: F811
    """Whether other rows point at a participant or session matters only to a row that changes its
    company or coach: an import of new sessions and their marks reads no such thing (at national
    size it read the marks of 50 000 participants out of 15 million)."""
    data = dataset()
    assert workbook.import_workbook(pilot_db, write_csv_folder(data, tmp_path / "a"), SYSTEM).ok
    new_session = {**data["sessions"][0], "ref": "S-NEW"}
    mark = {**data["attendance"][0], "session_ref": "S-NEW"}
    again = {**data, "sessions": [*data["sessions"], new_session], "attendance": [*data["attendance"], mark]}
    folder = write_csv_folder(again, tmp_path / "b")
    result: list[Any] = []
    statements = _statements_of(pilot_db, lambda: result.append(workbook.import_workbook(pilot_db, folder, SYSTEM)))
    assert result[0].ok and result[0].counts["sessions"].added == 1 and result[0].counts["attendance"].added == 1
    assert not [s for s in statements if "FROM attendance WHERE participant_id" in s
                or "FROM attendance WHERE session_id" in s]


def test_new_sessions_are_written_once_with_their_totals(engine: Engine, tmp_path: Path) -> None:
    """A session the file adds is inserted with the totals of the marks the file gives it (it can
    have no other); only stored sessions whose marks change are recounted. At national size the
    recount rewrote all 50 000 new sessions a second time (on PostgreSQL through the aggregates'
    triggers too)."""
    from tests.test_attendance_totals import _write, recounted, stored
    from tests import work_seed

    cid = work_seed.company(engine)
    for i in range(3):
        work_seed.participant(engine, cid, f"P-{i}")
    first = _write(tmp_path / "a", [["S-1", "0101263-6", "2024-03-05", 60, "on_the_job", "onsite"]],
                   [["S-1", "P-0", "present"]])
    assert workbook.import_workbook(engine, first, SYSTEM, lang="en").ok
    rows = [["S-1", "0101263-6", "2024-03-05", 60, "on_the_job", "onsite"],
            ["S-2", "0101263-6", "2024-03-06", 45, "language_lesson", "onsite"],
            ["S-3", "0101263-6", "2024-03-07", 30, "other", "remote"]]  # S-3: no marks
    second = _write(tmp_path / "b", rows, [["S-1", "P-0", "present"], ["S-1", "P-1", "absent"],
                                           ["S-2", "P-0", "present"], ["S-2", "P-1", "excused"],
                                           ["S-2", "P-2", "excused"]])
    result: list[Any] = []
    statements = _statements_of(engine, lambda: result.append(
        workbook.import_workbook(engine, second, SYSTEM, lang="en")))
    assert result[0].ok
    assert stored(engine) == recounted(engine)
    assert sorted(stored(engine).values()) == [(0, 0, 0), (1, 0, 2), (1, 1, 0)]
    with engine.connect() as conn:
        s1 = conn.execute(sa.text("SELECT id FROM sessions WHERE ref = 'S-1'")).scalar_one()
    recounts = [s for s in statements if s.lstrip().startswith("UPDATE sessions SET attendance_present")]
    assert len(recounts) == 1  # S-1, a stored session, got a mark
    only_new = _write(tmp_path / "c", [["S-4", "0101263-6", "2024-03-08", 60, "other", "onsite"]],
                      [["S-4", "P-2", "absent"]])
    statements = _statements_of(engine, lambda: result.append(
        workbook.import_workbook(engine, only_new, SYSTEM, lang="en")))
    assert result[1].ok and stored(engine) == recounted(engine) and s1 in stored(engine)
    assert not [s for s in statements if s.lstrip().startswith("UPDATE sessions")]
