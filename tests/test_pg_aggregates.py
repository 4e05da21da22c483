"""Issue 16.2: PostgreSQL's whole-pilot aggregates (migration 014, pilot/records/aggregates.py).

Every write path leaves session_days, attendance_counts and assessment_spans equal to a
recomputation from the rows (the triggers run in the writing transaction, whoever writes); the
indicators and the dashboard give exactly the same figures from the aggregates as from the rows,
at several reference dates; a disabled trigger or counts that do not add up are noticed and the
rows are read instead; and migrating an older database fills the aggregates from its rows.
(participant_status: each participant's employment rows in force at enrolment and exit.)
"""
from __future__ import annotations

import csv
import random
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pilot import dashboard, db, indicators, workbook
from pilot.access import SYSTEM, Scope
from pilot.records import aggregates, assessments, benchdata, employment, participants, privacy, removed, sessions
from pilot.records.bulk import insert_many
from tests.conftest import TEST_PG, _pg_url_with_schema
from tests.test_attendance_totals import random_world

ADMIN = Scope(username="agg-admin", role="admin")
LEVELS = ("A1.1", "A1.3", "A2.1", "A2.2", "B1.1", "B1.2", "B2.1")
SOURCES = ("coach", "self", "yki", "other")
SKILLS = ("speaking", "listening", "reading", "writing")


def _postgres(engine: Engine) -> None:
    if db.backend(engine) != "postgresql":
        with engine.connect() as conn:
            assert not aggregates.ready(conn)  # DuckDB reads the rows, and has no aggregate tables
        pytest.skip("the aggregates are PostgreSQL's")


def _checked(engine: Engine) -> None:
    with engine.connect() as conn:
        assert aggregates.stored(conn) == aggregates.recomputed(conn)
        assert aggregates.ready(conn)


def _assessments(engine: Engine, seed: int, count: int = 120) -> None:
    rng = random.Random(seed)
    with db.transaction(engine) as conn:
        people = [int(r[0]) for r in conn.execute(sa.text("SELECT id FROM participants ORDER BY id"))]
        seen: set[tuple] = set()
        rows = []
        for _ in range(count):
            row = {"participant_id": rng.choice(people), "skill": rng.choice(SKILLS),
                   "assessed_on": date(2024, 1, 1) + timedelta(days=rng.randrange(700)),
                   "source": rng.choice(SOURCES), "level": rng.choice(LEVELS)}
            key = (row["participant_id"], row["skill"], row["assessed_on"], row["source"])
            if key not in seen:
                seen.add(key)
                rows.append(row)
        insert_many(conn, "assessments", rows, batch=33)
        jobs = []
        for pid in people:  # employment rows before, at and after enrolment and exit
            for _ in range(rng.randrange(4)):
                status = rng.choice(("permanent", "fixed_term", "training", "unemployed", "work_trial"))
                jobs.append({"participant_id": pid, "effective_on": date(2024, 1, 1) + timedelta(days=rng.randrange(800)),
                             "status": status, "weekly_hours": rng.choice((None, 20, 37.5)),
                             "subsidised": status == "permanent" and rng.random() < 0.5})
        unique = {(j["participant_id"], j["effective_on"]): j for j in jobs}
        insert_many(conn, "employment", list(unique.values()))


def _figures(engine: Engine, as_of: date) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return (dict(indicators.compute(conn, as_of)),
                dashboard.as_json(dashboard.services_page(conn, SYSTEM, as_of), "admin"))


def _both_ways(engine: Engine, monkeypatch: pytest.MonkeyPatch, days: list[date]) -> None:
    with engine.connect() as conn:
        assert aggregates.ready(conn)
    summed = [_figures(engine, d) for d in days]
    with monkeypatch.context() as m:
        m.setattr(aggregates, "ready", lambda conn: False)
        rows = [_figures(engine, d) for d in days]
    assert summed == rows


DAYS = [date(2024, 3, 1), date(2024, 9, 30), date(2025, 2, 14), date(2026, 1, 1)]


@pytest.mark.parametrize("seed", [11, 12])
def test_figures_from_the_aggregates_equal_the_rows(engine: Engine, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _postgres(engine)
    random_world(engine, seed)
    _assessments(engine, seed)
    _checked(engine)
    _both_ways(engine, monkeypatch, DAYS)
    with engine.connect() as conn:  # the worlds have gains to compare
        assert any(e["n"] for e in indicators.compute(conn, date(2026, 1, 1))["language"].values())


def _csv(folder: Path, name: str, rows: list[list[Any]]) -> None:
    with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def test_every_write_path_keeps_the_aggregates(engine: Engine, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _postgres(engine)
    random_world(engine, 21)  # bulk inserts: companies, participants, sessions, attendance
    _assessments(engine, 21)
    _checked(engine)
    with engine.connect() as conn:
        cid, business_id, ref = conn.execute(sa.text(
            "SELECT c.id, c.business_id, MIN(s.ref) FROM companies c JOIN sessions s ON s.company_id = c.id "
            "GROUP BY c.id, c.business_id ORDER BY c.id LIMIT 1")).one()
        people = {int(r[0]): r[1] for r in conn.execute(
            sa.text("SELECT id, code FROM participants WHERE company_id = :c ORDER BY id"), {"c": cid})}
    a, b = list(people)[:2]

    values = {"held_on": date(2024, 3, 5), "minutes": 60, "kind": "language_lesson", "mode": "onsite",
              "topics": None, "notes": None}
    with db.transaction(engine) as conn:  # logging a session
        sid = sessions.log_session(conn, ADMIN, cid, values, {a: "present", b: "absent"})
    _checked(engine)
    with engine.connect() as conn:
        version = sessions.get_session(conn, ADMIN, sid)["version"]
    with db.transaction(engine) as conn:  # editing it: another day, kind and length, other marks
        version = sessions.update_session(conn, ADMIN, sid, version, {
            **values, "held_on": date(2024, 4, 9), "kind": "on_the_job", "minutes": 90},
            {a: "excused"}, today=date(2024, 4, 10), reason="moved")
    _checked(engine)
    with db.transaction(engine) as conn:  # removing it with its marks
        removed_id = sessions.remove_session(conn, ADMIN, sid, version, "logged twice")
    _checked(engine)
    with db.transaction(engine) as conn:  # and restoring it
        removed.restore(conn, ADMIN, removed_id)
    _checked(engine)

    with db.transaction(engine) as conn:  # an assessment added, corrected, removed, restored
        aid = assessments.record_assessment(conn, ADMIN, a, {"skill": "speaking", "assessed_on": date(2025, 6, 1),
                                                             "source": "coach", "level": "B2.2"})
    _checked(engine)
    with db.transaction(engine) as conn:
        v = assessments.edit_assessment(conn, ADMIN, aid, 1, {"level": "A1.1", "skill": "writing"})
    _checked(engine)
    with db.transaction(engine) as conn:
        gone = assessments.remove_assessment(conn, ADMIN, aid, v, "wrong person")
    _checked(engine)
    with db.transaction(engine) as conn:
        removed.restore(conn, ADMIN, gone)
    _checked(engine)

    folder = tmp_path / "wb"  # the workbook import: new and changed sessions, marks, assessments
    folder.mkdir()
    _csv(folder, "sessions", [["ref", "business_id", "held_on", "minutes", "kind", "mode"],
                              [ref, business_id, "2024-02-02", 45, "assessment", "remote"],
                              ["IMP-1", business_id, "2024-05-06", 30, "other", "onsite"]])
    _csv(folder, "attendance", [["session_ref", "participant_code", "status"],
                                ["IMP-1", people[a], "present"], ["IMP-1", people[b], "present"]])
    _csv(folder, "assessments", [["participant_code", "skill", "assessed_on", "source", "level"],
                                 [people[b], "reading", "2024-02-01", "coach", "A2.1"],
                                 [people[b], "reading", "2025-03-01", "yki", "B1.2"]])
    result = workbook.import_workbook(engine, folder, SYSTEM, lang="en")
    assert result.ok, result.lines("en")
    _checked(engine)

    privacy.anonymise(engine, ADMIN, b, "retention period over")
    _checked(engine)

    with db.transaction(engine) as conn:  # employment: a change recorded, replaced, corrected, removed
        employment.record_change(conn, ADMIN, a, {"effective_on": date(2024, 1, 20), "status": "fixed_term",
                                                  "weekly_hours": 30, "subsidised": False})
        employment.record_change(conn, ADMIN, a, {"effective_on": date(2024, 1, 20), "status": "permanent",
                                                  "weekly_hours": 30, "subsidised": True})
        row = conn.execute(sa.text("SELECT id, version FROM employment WHERE participant_id = :p "
                                   "AND effective_on = DATE '2024-01-20'"), {"p": a}).one()
    _checked(engine)
    with db.transaction(engine) as conn:
        version = employment.edit_change(conn, ADMIN, row.id, row.version, {"effective_on": date(2023, 12, 1)})
    _checked(engine)
    with db.transaction(engine) as conn:
        employment.remove_change(conn, ADMIN, row.id, version, "wrong date")
    _checked(engine)
    with engine.connect() as conn:  # a participant enrolled earlier, then exited with a status
        version = participants.get_participant(conn, ADMIN, a)["version"]
    with db.transaction(engine) as conn:
        version = participants.update_participant(conn, ADMIN, a, version, {"enrolled_on": date(2023, 11, 1)})
    _checked(engine)
    with db.transaction(engine) as conn:
        participants.exit_participant(conn, ADMIN, a, version, date(2025, 1, 31),
                                      {"status": "apprenticeship", "weekly_hours": 25, "subsidised": True})
    _checked(engine)

    with db.transaction(engine) as conn:  # hand-written SQL outside the app
        conn.execute(sa.text("UPDATE sessions SET minutes = minutes + 5, held_on = held_on + 1 WHERE MOD(id, 3) = 0"))
        conn.execute(sa.text("DELETE FROM assessments WHERE MOD(id, 4) = 0"))
        conn.execute(sa.text("UPDATE assessments SET assessed_on = assessed_on - 30 WHERE MOD(id, 5) = 0"))
        conn.execute(sa.text("UPDATE employment SET status = 'training', subsidised = FALSE WHERE MOD(id, 3) = 0"))
        conn.execute(sa.text("DELETE FROM employment WHERE MOD(id, 7) = 0"))
        conn.execute(sa.text("UPDATE participants SET exited_on = enrolled_on + 200 WHERE MOD(id, 4) = 0"))
    _checked(engine)
    _both_ways(engine, monkeypatch, DAYS)


def test_the_benchmark_data_and_its_clean_up_keep_the_aggregates(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _postgres(engine)
    monkeypatch.setattr(benchdata, "CHUNK", 1_000)  # several session chunks, each totalled
    benchdata.generate(engine, benchdata.Scale(4, 30, 2_500))
    _checked(engine)
    with db.transaction(engine) as conn:  # rows a measuring run adds, then takes out again
        conn.execute(sa.text("INSERT INTO sessions (ref, company_id, held_on, minutes, kind, mode) "
                             "SELECT 'M' || CAST(id AS VARCHAR), company_id, held_on, 60, 'other', 'onsite' "
                             "FROM sessions WHERE MOD(id, 7) = 0"))
    _checked(engine)
    benchdata.remove_measurement_rows(engine)
    _checked(engine)
    _both_ways(engine, monkeypatch, [benchdata.AS_OF, date(2024, 6, 30)])


def test_a_disabled_trigger_or_marks_that_do_not_add_up_are_noticed(engine: Engine,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _postgres(engine)
    random_world(engine, 31)
    _assessments(engine, 31)
    honest = _figures(engine, date(2026, 1, 1))
    with db.transaction(engine) as conn:  # a session written while its trigger is off
        conn.execute(sa.text("ALTER TABLE sessions DISABLE TRIGGER pilot_agg_sessions_ins"))
        conn.execute(sa.text("INSERT INTO sessions (ref, company_id, held_on, minutes, kind, mode) "
                             "SELECT 'X-1', MIN(id), DATE '2024-07-01', 120, 'other', 'onsite' FROM companies"))
    with engine.connect() as conn:
        assert not aggregates.ready(conn)
    changed = _figures(engine, date(2026, 1, 1))
    assert changed[0]["coaching_hours"] == honest[0]["coaching_hours"] + 2.0  # the rows were read
    with db.transaction(engine) as conn:
        conn.execute(sa.text("ALTER TABLE sessions ENABLE TRIGGER pilot_agg_sessions_ins"))
        conn.execute(sa.text("DELETE FROM sessions WHERE ref = 'X-1'"))  # its delete is counted: off by one now
    with engine.connect() as conn:
        assert aggregates.ready(conn)  # the marks still add up: this check cannot see minutes
    with db.transaction(engine) as conn:  # put right by recounting, as an administrator would
        conn.execute(sa.text("DELETE FROM session_days"))
        conn.execute(sa.text(_backfill()[0]))
    _checked(engine)
    assert _figures(engine, date(2026, 1, 1)) == honest
    with db.transaction(engine) as conn:  # a count that does not add up to the marks
        conn.execute(sa.text("UPDATE attendance_counts SET n = n + 1 WHERE shard = (SELECT MIN(shard) FROM attendance_counts)"))
    with engine.connect() as conn:
        assert not aggregates.ready(conn)
    assert _figures(engine, date(2026, 1, 1)) == honest


def _backfill() -> list[str]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("m014", db.MIGRATIONS / "014_pg_aggregates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BACKFILL


def test_an_older_database_gets_its_aggregates_when_migrated(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    _postgres(engine)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(TEST_PG)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    old = db.make_engine(_pg_url_with_schema(TEST_PG, schema))
    try:
        folder = tmp_path / "migrations"
        folder.mkdir()
        for path in db.MIGRATIONS.iterdir():
            if path.suffix in (".sql", ".py") and path.stem < "014":
                (folder / path.name).write_bytes(path.read_bytes())
        monkeypatch.setattr(db, "MIGRATIONS", folder)
        db.migrate(old)
        random_world(old, 41)
        _assessments(old, 41)
        with old.connect() as conn:
            assert not aggregates.ready(conn)
        monkeypatch.setattr(db, "MIGRATIONS", Path(db.__file__).parent / "migrations")
        assert "014_pg_aggregates" in db.migrate(old)
        _checked(old)
    finally:
        old.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
