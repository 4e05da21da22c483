"""Issue 13.15: the import writes its plan in chunks (bounded memory), with the same outcome.

``workbook.WRITE_CHUNK`` is set to 3 here so every sheet spans several chunks: no statement gets
more rows than one chunk, and what is stored, audited and totalled is exactly the file; a second
file with updates of several column sets changes those rows only; the same file again changes
nothing; and a failure in a later chunk leaves nothing of the earlier ones (one transaction).
"""
from __future__ import annotations

import csv
import gc
import io
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import db, workbook
from pilot.access import SYSTEM, Scope
from pilot.records import attendance_totals, participants
from pilot.records import workbook_io as io_sql
from tests.workbook_files import bid

CHUNK = 3
COMPANIES = [bid(1100001 + 37 * i) for i in range(7)]


def _file() -> dict[str, list[dict[str, str]]]:
    companies = [{"business_id": b, "name": f"Yritys {i}", "joined_on": "2024-01-15"}
                 for i, b in enumerate(COMPANIES)]
    participants = [{"code": f"P-{i:03d}", "business_id": COMPANIES[i % 7], "enrolled_on": "2024-02-01",
                     "first_language": "ar", "job_title": "Kokki"} for i in range(8)]
    sessions = [{"ref": f"S-{i}", "business_id": COMPANIES[i % 7], "held_on": f"2024-03-{i + 1:02d}",
                 "minutes": "60", "kind": "language_lesson", "mode": "onsite"} for i in range(10)]
    # Every participant's company holds sessions i with i % 7 == its own: two marks each for some.
    attendance = [{"session_ref": s["ref"], "participant_code": p["code"], "status": "present"}
                  for s in sessions for p in participants if p["business_id"] == s["business_id"]]
    employment = [{"participant_code": p["code"], "effective_on": "2024-06-01", "status": "permanent"}
                  for p in participants]
    return {"companies": companies, "participants": participants, "sessions": sessions,
            "attendance": attendance, "employment": employment}


def _zip(path: Path, sheets: dict[str, list[dict[str, str]]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, rows in sheets.items():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"{name}.csv", buffer.getvalue())
    return path


def _stored(engine: Engine, folder: Path) -> dict[str, list[dict[str, str]]]:
    """The database as its CSV export holds it."""
    with db.transaction(engine) as conn:
        workbook.export_workbook(conn, SYSTEM, folder, "csv")
    return {name: list(csv.DictReader((folder / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()))
            for name in workbook.SHEETS}


def _same(file_rows: list[dict[str, str]], stored: list[dict[str, str]]) -> None:
    assert len(stored) == len(file_rows)
    key = lambda r: tuple(r[c] for c in sorted(file_rows[0]))  # noqa: E731
    assert sorted(({c: r[c] for c in file_rows[0]} for r in stored), key=key) == sorted(file_rows, key=key)


def _audit(engine: Engine) -> list[tuple[str, str, str | None, str | None]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT entity, entity_id, before_json, after_json FROM audit_log WHERE action = 'import' "
            "ORDER BY entity, entity_id, id"))]


@pytest.fixture
def chunked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """WRITE_CHUNK = 3 (KEY_CHUNK = 2), and every bulk statement's (kind, table or entity, rows) on record."""
    monkeypatch.setattr(workbook, "WRITE_CHUNK", CHUNK)
    monkeypatch.setattr(io_sql, "KEY_CHUNK", 2)  # look-ups by key in several statements too
    calls: list[tuple[str, str, int]] = []
    for kind, index in (("insert_rows", 2), ("update_rows", 3), ("audit_rows", 4)):
        original = getattr(io_sql, kind)

        def spy(*args: Any, _original=original, _kind=kind, _index=index) -> Any:
            calls.append((_kind, args[1] if _kind != "audit_rows" else args[3], len(args[_index])))
            return _original(*args)
        monkeypatch.setattr(io_sql, kind, spy)
    return calls


def test_a_file_larger_than_a_chunk_is_written_whole_in_chunks(engine: Engine, tmp_path: Path,
                                                               chunked: list[tuple[str, str, int]]) -> None:
    sheets = _file()
    result = workbook.import_workbook(engine, _zip(tmp_path / "new.zip", sheets), SYSTEM, lang="en")
    assert result.ok, result.lines("en")
    assert {s: c.added for s, c in result.counts.items() if c.added} == {s: len(r) for s, r in sheets.items()}
    # Chunked: no statement took more than one chunk, and a sheet of n rows took ceil(n / 3) inserts.
    assert max(n for _, _, n in chunked) <= CHUNK
    for name, rows in sheets.items():
        assert [n for kind, table, n in chunked if kind == "insert_rows" and table == name] == \
            [min(CHUNK, len(rows) - i) for i in range(0, len(rows), CHUNK)]
    stored = _stored(engine, tmp_path / "out1")
    for name, rows in sheets.items():
        _same(rows, stored[name])
    audited = _audit(engine)
    for name, rows in sheets.items():
        entity = workbook._ENTITY[name]
        assert len([a for a in audited if a[0] == entity]) == len(rows)
    assert {a[1] for a in audited if a[0] == "session"} == {s["ref"] for s in sheets["sessions"]}
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)
        present = dict(conn.execute(sa.text("SELECT ref, attendance_present FROM sessions")).all())
    assert present == {s["ref"]: sum(a["session_ref"] == s["ref"] for a in sheets["attendance"])
                       for s in sheets["sessions"]}

    # Updates of several column sets, across chunks, and new rows beside them.
    changed = _file()
    for i, company in enumerate(changed["companies"][:5]):
        company["name"] = f"Uusi nimi {i}"
    for i, participant in enumerate(changed["participants"]):
        participant["job_title"] = f"Kokki {i}" if i % 2 else participant["job_title"]
        if i % 3 == 0:
            participant["first_language"] = "so"
    for mark in changed["attendance"][1::2]:
        mark["status"] = "absent"
    changed["sessions"] += [{"ref": f"S-{i}", "business_id": COMPANIES[0], "held_on": "2024-05-02",
                             "minutes": "45", "kind": "on_the_job", "mode": "remote"} for i in range(10, 14)]
    chunked.clear()
    second = workbook.import_workbook(engine, _zip(tmp_path / "changed.zip", changed), SYSTEM, lang="en")
    assert second.ok, second.lines("en")
    participants_changed = sum(1 for i in range(8) if i % 2 or i % 3 == 0)
    absent = len(changed["attendance"][1::2])
    assert {s: (c.added, c.updated) for s, c in second.counts.items()} == {
        "companies": (0, 5), "participants": (0, participants_changed), "sessions": (4, 0),
        "attendance": (0, absent), "employment": (0, 0)}
    assert max(n for _, _, n in chunked) <= CHUNK
    stored = _stored(engine, tmp_path / "out2")
    for name, rows in changed.items():
        _same(rows, stored[name])
    audited_now = _audit(engine)
    new_entries = [a for a in audited_now if a not in audited]
    assert len(new_entries) == 5 + participants_changed + 4 + absent
    assert ("company", COMPANIES[0], '{"name": "Yritys 0"}', '{"name": "Uusi nimi 0"}') in new_entries
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)
        totals = {r.ref: (r.attendance_present, r.attendance_absent) for r in conn.execute(sa.text("SELECT ref, attendance_present, attendance_absent FROM sessions"))}
    for s in changed["sessions"]:
        marks = [a["status"] for a in changed["attendance"] if a["session_ref"] == s["ref"]]
        assert totals[s["ref"]] == (marks.count("present"), marks.count("absent"))

    # The same file again: nothing to write, nothing audited.
    chunked.clear()
    again = workbook.import_workbook(engine, _zip(tmp_path / "again.zip", changed), SYSTEM, lang="en")
    assert again.ok and all(c.added == c.updated == 0 for c in again.counts.values())
    assert [call for call in chunked if call[2]] == []
    assert _audit(engine) == audited_now


def test_a_failure_in_a_later_chunk_leaves_nothing_written(engine: Engine, tmp_path: Path,
                                                         chunked: list[tuple[str, str, int]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = _stored(engine, tmp_path / "before")
    audit_before = _audit(engine)
    spied = io_sql.insert_rows

    def fail_on_sessions_second_chunk(conn: Any, table: str, rows: Any) -> int:
        if table == "sessions" and any(k == "insert_rows" and t == "sessions" for k, t, _ in chunked):
            raise RuntimeError("disk full")
        return spied(conn, table, rows)
    monkeypatch.setattr(io_sql, "insert_rows", fail_on_sessions_second_chunk)
    with pytest.raises(RuntimeError):
        workbook.import_workbook(engine, _zip(tmp_path / "new.zip", _file()), SYSTEM, lang="en")
    assert ("insert_rows", "sessions", CHUNK) in chunked  # the first chunk of sessions was written
    assert _stored(engine, tmp_path / "after") == before
    assert _audit(engine) == audit_before


def test_memory_per_row_is_bounded_while_validating_and_one_chunk_while_writing(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a million-row import holds (README, Scale) at 10 000 rows: the clean values of each
    row compact (a dict per row and an empty dict of filled values held over 400 bytes a row), and
    the writing no more than about one chunk above that, whatever the file's size."""
    rows, chunk = 10_000, 1_000
    monkeypatch.setattr(workbook, "WRITE_CHUNK", chunk)
    done = workbook.import_workbook(engine, _zip(tmp_path / "c.zip", {"companies": _file()["companies"]}), SYSTEM)
    assert done.ok
    sessions = [{"ref": f"S-{i}", "business_id": COMPANIES[i % 7], "held_on": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                 "minutes": "60", "kind": "language_lesson", "mode": "onsite", "topics": "Sanasto"}
                for i in range(rows)]
    wb = workbook.read_workbook(_zip(tmp_path / "s.zip", {"sessions": sessions}))
    tracemalloc.start()
    try:
        with db.transaction(engine) as conn:
            report = workbook.validate(conn, wb, "en", SYSTEM)
            gc.collect()
            held, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            workbook._write(conn, SYSTEM, report.plans)
            _, writing = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok and report.counts["sessions"].added == rows
    assert held / rows < 260  # bytes a row: measured 204 (316 with a dict of clean values per row)
    assert writing - held < 3 * chunk * 1_000  # one chunk's rows, audit rows and arrays: measured 1.1 MB
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM sessions")).scalar_one() == rows


def test_the_stale_check_finds_an_app_change_in_a_later_key_chunk(engine: Engine, tmp_path: Path,
                                                                  chunked: list[tuple[str, str, int]]) -> None:
    assert workbook.import_workbook(engine, _zip(tmp_path / "new.zip", _file()), SYSTEM).ok
    folder = tmp_path / "export"
    _stored(engine, folder)  # with its about sheet: the time of the export
    with db.transaction(engine) as conn:
        pid = participants.id_by_code(conn, "P-007")
        version = conn.execute(sa.text("SELECT version FROM participants WHERE id = :i"), {"i": pid}).scalar_one()
        participants.update_participant(conn, Scope("coach-x", "coach"), pid, version, {"job_title": "Siivooja"})
    rows = list(csv.DictReader((folder / "participants.csv").read_text(encoding="utf-8-sig").splitlines()))
    for row in rows:
        row["job_title"] = "Tarjoilija"
    with (folder / "participants.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = workbook.import_workbook(engine, folder, SYSTEM, lang="en")
    row_of = {r["code"]: n for n, r in enumerate(rows, start=2)}
    assert {(e.sheet, e.row, e.key) for e in result.errors} == {
        ("participants", row_of["P-007"], "importscope.error.stale")}


def test_the_million_phase_alone_reads_and_imports_every_row_in_processes_of_its_own() -> None:
    """``python -m pilot.bench million-alone`` (README, Scale), here with 2 000 rows."""
    from pilot import bench
    figures = bench.import_million_alone(2_000)
    assert figures["million_rows"] == 2_000
    assert "read_million_errors" not in figures and "import_million_errors" not in figures
    assert figures["import_million_peak_mb"] >= figures["read_million_peak_mb"] > 0
    assert figures["import_million_s"] > 0
