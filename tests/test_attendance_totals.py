"""The sessions' own totals of attendance marks (pilot/records/attendance_totals.py).

Every write path keeps them equal to the attendance rows; the indicators and charts that read them
give exactly what reading the attendance rows gives; and when rows are written behind the app's
back, the readers notice and read the rows instead.
"""
from __future__ import annotations

import csv
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import db, indicators, workbook
from pilot.access import SYSTEM, Scope
from pilot.records import attendance_totals, outcomes, privacy, sessions
from pilot.records.bulk import ids_by_key, insert_many
from tests import work_seed

ADMIN = Scope(username="totals-admin", role="admin")
STATUSES = ("present", "absent", "excused")


def stored(engine: Engine) -> dict[int, tuple[int, int, int]]:
    with engine.connect() as conn:
        return {int(r[0]): (r[1], r[2], r[3]) for r in conn.execute(sa.text(
            "SELECT id, attendance_present, attendance_absent, attendance_excused FROM sessions"))}


def recounted(engine: Engine) -> dict[int, tuple[int, int, int]]:
    """The totals counted from the attendance rows, the slow way, in Python."""
    with engine.connect() as conn:
        out = {int(r[0]): [0, 0, 0] for r in conn.execute(sa.text("SELECT id FROM sessions"))}
        for session_id, status in conn.execute(sa.text("SELECT session_id, status FROM attendance")):
            out[int(session_id)][STATUSES.index(status)] += 1
    return {k: tuple(v) for k, v in out.items()}


def random_world(engine: Engine, seed: int) -> None:
    """Three companies, participants enrolled and exited at random, 80 sessions with random marks."""
    rng = random.Random(seed)
    first = date(2024, 1, 1)
    with db.transaction(engine) as conn:
        insert_many(conn, "companies", [{"business_id": bid, "name": f"C{i}", "joined_on": first}
                                        for i, bid in enumerate(("0101263-6", "1572860-0", "2345678-0"))])
        company_ids = list(ids_by_key(conn, "companies").values())
        people = []
        for i in range(18):
            enrolled = first + timedelta(days=rng.randrange(200))
            exited = enrolled + timedelta(days=rng.randrange(30, 300)) if rng.random() < 0.5 else None
            people.append({"code": f"R-{i:03d}", "company_id": rng.choice(company_ids), "enrolled_on": enrolled,
                           "exited_on": exited, "first_language": rng.choice(("ar", "so", "ru")),
                           "share_with_employer": True})
        insert_many(conn, "participants", people)
        pid = ids_by_key(conn, "participants")
        insert_many(conn, "sessions", [{
            "ref": f"RS-{i}", "company_id": rng.choice(company_ids), "held_on": first + timedelta(days=rng.randrange(500)),
            "minutes": rng.choice((30, 45, 60, 90)), "kind": rng.choice(("language_lesson", "on_the_job", "other")),
            "mode": "onsite"} for i in range(80)])
        sid = ids_by_key(conn, "sessions")
        company_of = {r[0]: r[1] for r in conn.execute(sa.text("SELECT id, company_id FROM sessions"))}
        marks = []
        for ref, session_id in sid.items():
            for person in people:
                if person["company_id"] == company_of[session_id] and rng.random() < 0.6:
                    marks.append({"session_id": session_id, "participant_id": pid[person["code"]],
                                  "status": rng.choice(STATUSES)})
        insert_many(conn, "attendance", marks, batch=37)  # several batches


def figures(engine: Engine, as_of: date, company_id: int | None) -> tuple:
    scope = SYSTEM
    f = outcomes.Filters(company_id=company_id)
    with engine.connect() as conn:
        return (dict(indicators.compute(conn, as_of, company_id)),
                outcomes.hours_by_kind(conn, scope, as_of, f),
                outcomes.attendance_by_month(conn, scope, as_of, f))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_inserts_keep_totals_and_both_readings_agree(engine: Engine, seed: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    random_world(engine, seed)
    assert stored(engine) == recounted(engine)
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)
        companies = [None, *[r[0] for r in conn.execute(sa.text("SELECT id FROM companies"))]]
    cases = [(as_of, cid) for as_of in (date(2024, 3, 1), date(2024, 9, 30), date(2026, 1, 1))
             for cid in companies]
    fast = [figures(engine, as_of, cid) for as_of, cid in cases]
    monkeypatch.setattr(attendance_totals, "consistent", lambda *args: False)
    slow = [figures(engine, as_of, cid) for as_of, cid in cases]
    assert fast == slow
    assert any(f[0]["attendance_rate"] is not None for f in fast)  # the world has marks to compare


def test_rows_written_behind_the_apps_back_are_noticed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    random_world(engine, 4)
    with db.transaction(engine) as conn:  # a hand-written insert that skips the totals
        conn.execute(sa.text(
            "INSERT INTO attendance (session_id, participant_id, status) "
            "SELECT s.id, p.id, 'present' FROM sessions s JOIN participants p ON p.company_id = s.company_id "
            "WHERE NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id AND a.participant_id = p.id)"))
    with engine.connect() as conn:
        assert not attendance_totals.consistent(conn)
    behind = figures(engine, date(2026, 1, 1), None)
    with db.transaction(engine) as conn:
        attendance_totals.refresh_all(conn)
    with engine.connect() as conn:
        assert attendance_totals.consistent(conn)
    assert figures(engine, date(2026, 1, 1), None) == behind
    assert stored(engine) == recounted(engine)


def test_logging_and_editing_a_session_keep_its_totals(engine: Engine) -> None:
    cid = work_seed.company(engine)
    a, b, c = (work_seed.participant(engine, cid, f"P-{i}") for i in range(3))
    values = {"held_on": date(2024, 3, 5), "minutes": 60, "kind": "language_lesson", "mode": "onsite",
              "topics": None, "notes": None}
    with db.transaction(engine) as conn:
        sid = sessions.log_session(conn, ADMIN, cid, values, {a: "present", b: "absent", c: "excused"})
    assert stored(engine)[sid] == (1, 1, 1)
    with engine.connect() as conn:
        version = sessions.get_session(conn, ADMIN, sid)["version"]
    with db.transaction(engine) as conn:
        sessions.update_session(conn, ADMIN, sid, version, {}, {a: "present", b: "present"},
                                today=date(2024, 3, 6))
    assert stored(engine)[sid] == (2, 0, 0)
    assert stored(engine) == recounted(engine)
    with engine.connect() as conn:
        listed = sessions.list_sessions(conn, ADMIN, company_id=cid)
    assert (listed[0]["booked"], listed[0]["present"], listed[0]["absent"]) == (2, 2, 0)


def _write(folder: Path, sessions_rows: list[list], attendance_rows: list[list]) -> Path:
    folder.mkdir()
    with open(folder / "sessions.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["ref", "business_id", "held_on", "minutes", "kind", "mode"], *sessions_rows])
    with open(folder / "attendance.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["session_ref", "participant_code", "status"], *attendance_rows])
    return folder


def test_the_import_keeps_totals_when_it_adds_and_when_it_changes(engine: Engine, tmp_path: Path) -> None:
    cid = work_seed.company(engine)
    for i in range(3):
        work_seed.participant(engine, cid, f"P-{i}")
    rows = [["S-1", "0101263-6", "2024-03-05", 60, "on_the_job", "onsite"],
            ["S-2", "0101263-6", "2024-03-06", 45, "language_lesson", "onsite"]]
    first = _write(tmp_path / "a", rows, [["S-1", "P-0", "present"], ["S-1", "P-1", "absent"],
                                          ["S-2", "P-2", "excused"]])
    assert workbook.import_workbook(engine, first, SYSTEM, lang="en").ok
    assert stored(engine) == recounted(engine)
    assert sorted(stored(engine).values()) == [(0, 0, 1), (1, 1, 0)]
    second = _write(tmp_path / "b", rows, [["S-1", "P-0", "present"], ["S-1", "P-1", "present"],
                                           ["S-2", "P-2", "present"], ["S-2", "P-0", "absent"]])
    assert workbook.import_workbook(engine, second, SYSTEM, lang="en").ok
    assert sorted(stored(engine).values()) == [(1, 1, 0), (2, 0, 0)]
    assert stored(engine) == recounted(engine)


def test_anonymisation_keeps_totals(engine: Engine) -> None:
    random_world(engine, 5)
    before = stored(engine)
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT participant_id FROM attendance ORDER BY id LIMIT 1")).scalar_one()
    privacy.anonymise(engine, ADMIN, int(pid), "retention period over")
    assert stored(engine) == before == recounted(engine)


def test_an_older_database_gets_its_totals_when_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database (or a restored backup) from before migration 007 is counted when it is migrated."""
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted(db.MIGRATIONS.glob("*.sql")):
        if path.stem < "007":
            shutil.copy(path, old / path.name)
    engine = db.make_engine(str(tmp_path / "old.duckdb"))
    monkeypatch.setattr(db, "MIGRATIONS", old)
    db.migrate(engine)
    with db.transaction(engine) as conn:
        conn.execute(sa.text("INSERT INTO companies (business_id, name, joined_on) "
                             "VALUES ('0101263-6', 'Old', DATE '2024-01-01')"))
        conn.execute(sa.text("INSERT INTO participants (code, company_id, enrolled_on, first_language) "
                             "SELECT 'P-' || CAST(g.n AS VARCHAR), c.id, DATE '2024-01-01', 'ar' "
                             "FROM companies c, generate_series(1, 3) AS g(n)"))
        conn.execute(sa.text("INSERT INTO sessions (ref, company_id, held_on, minutes, kind, mode) "
                             "SELECT 'S-' || CAST(g.n AS VARCHAR), c.id, DATE '2024-02-01', 60, 'other', 'onsite' "
                             "FROM companies c, generate_series(1, 2) AS g(n)"))
        conn.execute(sa.text("INSERT INTO attendance (session_id, participant_id, status) "
                             "SELECT s.id, p.id, CASE WHEN p.code = 'P-1' THEN 'absent' ELSE 'present' END "
                             "FROM sessions s, participants p WHERE s.ref = 'S-1'"))
    monkeypatch.setattr(db, "MIGRATIONS", Path(db.__file__).parent / "migrations")
    assert "007_session_attendance_totals" in db.migrate(engine)
    assert sorted(stored(engine).values()) == [(0, 0, 0), (2, 1, 0)]
    engine.dispose()


def test_the_check_is_scoped_to_the_companies_in_view(engine: Engine) -> None:
    """A row written behind the app's back at one company: that company's figures read the rows,
    another company's still read the totals, and both stay right."""
    random_world(engine, 6)
    with engine.connect() as conn:
        first, second = [r[0] for r in conn.execute(sa.text("SELECT id FROM companies ORDER BY id LIMIT 2"))]
        honest = {cid: dict(indicators.compute(conn, date(2026, 1, 1), cid)) for cid in (first, second)}
    with db.transaction(engine) as conn:  # delete one of the first company's marks by hand
        conn.execute(sa.text("DELETE FROM attendance WHERE id = (SELECT MIN(a.id) FROM attendance a "
                             "JOIN sessions s ON s.id = a.session_id WHERE s.company_id = :c)"), {"c": first})
    with engine.connect() as conn:
        assert not attendance_totals.consistent(conn, "AND s.company_id = :c", {"c": first})
        assert attendance_totals.consistent(conn, "AND s.company_id = :c", {"c": second})
        assert not attendance_totals.consistent(conn)
        assert dict(indicators.compute(conn, date(2026, 1, 1), second)) == honest[second]
        changed = dict(indicators.compute(conn, date(2026, 1, 1), first))
    with db.transaction(engine) as conn:
        attendance_totals.refresh_all(conn)
    with engine.connect() as conn:
        assert dict(indicators.compute(conn, date(2026, 1, 1), first)) == changed  # the rows were read
