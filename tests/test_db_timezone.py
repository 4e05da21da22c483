"""Stored timestamps are UTC whatever the database server's time zone: the schema's
``DEFAULT CURRENT_TIMESTAMP`` columns (created_at, updated_at) are read back as naive UTC like
every time the code writes (db.utcnow). A PostgreSQL server or role set to Europe/Helsinki stored
them 2-3 hours ahead before each connection was set to UTC."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pilot import db
from tests.conftest import TEST_PG


def _stored_now(engine: sa.Engine) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT CAST(CURRENT_TIMESTAMP AS TIMESTAMP)")).scalar_one()


def test_duckdb_stores_current_timestamp_as_utc(tmp_path) -> None:
    engine = db.make_engine(str(tmp_path / "tz.duckdb"))
    try:
        assert abs(_stored_now(engine) - db.utcnow()) < timedelta(minutes=1)
    finally:
        engine.dispose()


@pytest.mark.skipif(not TEST_PG, reason="needs PILOT_TEST_PG")
@pytest.mark.parametrize("zone", ["Europe/Helsinki", "America/New_York"])
def test_postgresql_stores_current_timestamp_as_utc_whatever_the_servers_zone(zone) -> None:
    joiner = "&" if "?" in TEST_PG else "?"
    engine = db.make_engine(f"{TEST_PG}{joiner}options=-ctimezone%3D{zone.replace('/', '%2F')}")
    try:
        assert abs(_stored_now(engine) - db.utcnow()) < timedelta(minutes=1), zone
    finally:
        engine.dispose()
