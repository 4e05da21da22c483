"""Optimistic locking shared by every versioned record: no silent overwrite."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.db import WriteConflict, utcnow

# Table and column names come from records code only (never from users).
_TABLES = {"companies", "participants", "sessions", "adaptations", "users"}


def update_versioned(conn: Connection, table: str, row_id: int, version: int,
                     values: dict[str, Any]) -> int:
    """UPDATE one row if it still has ``version``; return the new version or raise WriteConflict."""
    if table not in _TABLES:
        raise ValueError(table)
    assignments = ", ".join(f"{col} = :v_{col}" for col in values)
    params = {f"v_{col}": val for col, val in values.items()}
    params.update({"id": row_id, "version": version})
    stamp = ", updated_at = :now" if table != "users" else ""
    if stamp:
        params["now"] = utcnow()
    # No RETURNING: DuckDB turns UPDATE ... RETURNING into delete+insert, which trips foreign keys.
    sql = (f"UPDATE {table} SET {assignments}{', ' if assignments else ''}version = version + 1{stamp} "
           "WHERE id = :id AND version = :version")
    if conn.execute(sa.text(sql), params).rowcount != 1:
        raise WriteConflict(f"{table} {row_id} is no longer at version {version}")
    return version + 1
