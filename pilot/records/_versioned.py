"""Optimistic locking shared by every versioned record: no silent overwrite.

A form holds the version it first showed; every change of a record goes through one of these:
``expect_version`` (before any rule about the record's current state is checked, so a second
editor is told about the other's change rather than about a rule the change now breaks),
``update_versioned`` (the UPDATE itself) and ``delete_versioned`` (removal, pilot/records/removed.py).
A new record type adds its table to ``_TABLES`` and calls these; nothing else is needed.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.db import WriteConflict, utcnow

# Table and column names come from records code only (never from users).
_TABLES = {"companies", "participants", "sessions", "adaptations", "users", "assessments", "employment",
           "feedback", "costs", "followups"}
_TABLES |= {"employer_surveys", "hires"}  # migration 012: pilot/records/surveys.py, hires.py
_UNSTAMPED = {"users"}  # tables without updated_at
# The versioned tables with updated_at: any other writer of their rows (the workbook import) moves
# the version on too, so a form still holding the old one conflicts instead of overwriting.
STAMPED = frozenset(_TABLES - _UNSTAMPED)


class DuplicateRecord(Exception):
    """An edit would give a record the key of another one (the same assessment twice, say)."""


def _table(table: str) -> str:
    if table not in _TABLES:
        raise ValueError(table)
    return table


def expect_version(table: str, row_id: int, current: Any, version: int) -> None:
    """Raise WriteConflict unless the row (as just read) still has the version the editor saw."""
    _table(table)
    if current is None or int(current) != int(version):
        raise WriteConflict(f"{table} {row_id} is no longer at version {version}")


def update_versioned(conn: Connection, table: str, row_id: int, version: int,
                     values: dict[str, Any]) -> int:
    """UPDATE one row if it still has ``version``; return the new version or raise WriteConflict."""
    _table(table)
    assignments = ", ".join(f"{col} = :v_{col}" for col in values)
    params = {f"v_{col}": val for col, val in values.items()}
    params.update({"id": row_id, "version": version})
    stamp = ", updated_at = :now" if table not in _UNSTAMPED else ""
    if stamp:
        params["now"] = utcnow()
    # No RETURNING: DuckDB turns UPDATE ... RETURNING into delete+insert, which trips foreign keys.
    sql = (f"UPDATE {table} SET {assignments}{', ' if assignments else ''}version = version + 1{stamp} "
           "WHERE id = :id AND version = :version")
    if conn.execute(sa.text(sql), params).rowcount != 1:
        raise WriteConflict(f"{table} {row_id} is no longer at version {version}")
    return version + 1


def delete_versioned(conn: Connection, table: str, row_id: int, version: int) -> None:
    """DELETE one row if it still has ``version``, or raise WriteConflict."""
    _table(table)
    done = conn.execute(sa.text(f"DELETE FROM {table} WHERE id = :id AND version = :version"),
                        {"id": row_id, "version": version}).rowcount
    if done != 1:
        raise WriteConflict(f"{table} {row_id} is no longer at version {version}")
