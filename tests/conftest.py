"""Fixtures: a fresh migrated database per test, scopes for each role, and the demo seed."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from pilot import db
from pilot.access import Scope

TEST_PG = os.environ.get("PILOT_TEST_PG")  # a postgresql:// URL runs the data-layer tests there too


def pytest_configure(config: pytest.Config) -> None:
    # The app hides error details from users; tests want to see them.
    from streamlit import config as st_config
    st_config.set_option("client.showErrorDetails", "full")


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A new, migrated, empty DuckDB file for one test (PILOT_DB points at it too)."""
    path = tmp_path / "test.duckdb"
    monkeypatch.setenv("PILOT_DB", str(path))
    eng = db.make_engine(str(path))
    db.migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def coach() -> Scope:
    return Scope(username="test-coach", role="coach")


@pytest.fixture
def admin() -> Scope:
    return Scope(username="test-admin", role="admin")
