"""Backups on PostgreSQL (issue 18, part 5): `python -m pilot backup PATH` runs pg_dump, `restore`
runs pg_restore into an empty database and brings it up to date; a database that holds data is
refused. Needs PILOT_REPLICAS_PG or PILOT_TEST_PG (a postgresql:// URL whose role may create
databases); skipped without one, except in CI (CI=true), where it must run."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from pilot import cli, db, i18n
from tests import work_seed
from tests.test_replicas import require_postgres


def with_database(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def with_schema(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture
def source(monkeypatch) -> Iterator[dict]:
    """A schema of its own in the test database, migrated, with a company and two participants."""
    base = require_postgres()
    schema = f"bk_{uuid.uuid4().hex[:12]}"
    admin = db.make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = with_schema(base, schema)
    engine = db.make_engine(url)
    db.migrate(engine)
    cid = work_seed.company(engine, joined=date(2024, 1, 1))
    for i in (1, 2):
        work_seed.participant(engine, cid, f"B-{i:04d}", enrolled=date(2024, 2, 1))
    monkeypatch.setenv("PILOT_LANG", "en")
    yield {"base": base, "schema": schema, "url": url, "engine": engine}
    engine.dispose()
    db.dispose_shared()
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def empty_database(source) -> Iterator[str]:
    """A new, empty database on the same server (as `createdb` would make)."""
    name = f"pilot_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(db.make_engine(source["base"]).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    yield with_database(source["base"], name)
    db.dispose_shared()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def table(url: str, sql: str) -> list[tuple]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_backup_and_restore_into_an_empty_database(source, empty_database, tmp_path: Path, monkeypatch,
                                                   capsys) -> None:
    dump = tmp_path / "pilot.dump"
    monkeypatch.setenv("PILOT_DB", source["url"])
    assert cli.main(["backup", str(dump)]) == 0
    assert dump.is_file() and dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not list(tmp_path.glob("*.partial"))

    target = with_schema(empty_database, source["schema"])
    monkeypatch.setenv("PILOT_DB", target)
    assert cli.main(["restore", str(dump)]) == 0, capsys.readouterr().err
    assert i18n.t("backup.restored", "en", path=str(dump)) in capsys.readouterr().out
    assert table(target, "SELECT code FROM participants ORDER BY code") == [("B-0001",), ("B-0002",)]
    assert table(target, "SELECT business_id FROM companies") == [("0101263-6",)]
    assert table(target, "SELECT version FROM schema_migrations ORDER BY version") == \
        table(source["url"], "SELECT version FROM schema_migrations ORDER BY version")
    assert table(target, "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND entity = 'database'") == [(1,)]

    # The restored database holds data now: a second restore into it is refused, nothing changes.
    assert cli.main(["restore", str(dump)]) == 1
    assert capsys.readouterr().err.strip() == i18n.t("golive.pg_not_empty", "en")
    assert table(target, "SELECT COUNT(*) FROM participants") == [(2,)]


def test_a_backup_that_is_not_a_dump_is_refused_and_leaves_the_database_empty(source, empty_database,
                                                                              tmp_path: Path, monkeypatch,
                                                                              capsys) -> None:
    bad = tmp_path / "not-a-dump"
    bad.write_text("hello")
    target = with_schema(empty_database, source["schema"])
    monkeypatch.setenv("PILOT_DB", target)
    assert cli.main(["restore", str(bad)]) == 1
    assert i18n.t("golive.pg_failed", "en", tool="pg_restore") in capsys.readouterr().err
    assert table(empty_database, "SELECT COUNT(*) FROM information_schema.tables "
                                 "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')") == [(0,)]
