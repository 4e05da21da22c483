"""The participant's code can change in the transaction that anonymises them (issue 13.1).

DuckDB turns an UPDATE of an indexed column into delete + insert, and refuses that delete while
attendance, assessments, employment, adaptations or notes reference the participant, even when
they were deleted earlier in the same transaction. The UNIQUE constraint on participants.code is
such an index, so anonymisation needed two transactions, and a crash between them lost the
person's records. Here the code loses its index: uniqueness moves to participant_codes (code as
its primary key; nothing references it, so a code there can be replaced in any transaction), and
the participant's id, which every child row references, never changes.

PostgreSQL drops the constraint. DuckDB cannot drop a constraint or a referenced table, so the
participants table and the tables referencing it are rebuilt from their own stored definitions
(whatever columns earlier migrations gave them), data, indexes and sequences kept.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

CODES_TABLE = ("CREATE TABLE participant_codes ("
               " code VARCHAR(20) PRIMARY KEY,"
               " participant_id BIGINT NOT NULL UNIQUE)")


def _scalar_list(conn: Connection, sql: str, params: dict | None = None) -> list:
    return [r[0] for r in conn.execute(sa.text(sql), params or {})]


def _duckdb(conn: Connection) -> None:
    children = sorted(set(_scalar_list(conn, "SELECT table_name FROM duckdb_constraints() "
                                             "WHERE constraint_type = 'FOREIGN KEY' "
                                             "AND referenced_table = 'participants'")))
    tables = ["participants", *children]
    ddl = {t: conn.execute(sa.text("SELECT sql FROM duckdb_tables() WHERE table_name = :t"), {"t": t}).scalar_one()
           for t in tables}
    indexes = _scalar_list(conn, "SELECT sql FROM duckdb_indexes() WHERE table_name IN "
                                 "(SELECT UNNEST(CAST(:t AS VARCHAR[])))", {"t": tables})
    new_ddl, count = re.subn(r"(\bcode VARCHAR[^,]*?) UNIQUE\b", r"\1", ddl["participants"])
    if count != 1:
        raise RuntimeError("participants.code: UNIQUE not found in " + ddl["participants"])
    ddl["participants"] = new_ddl
    for t in tables:  # names come from the catalogue, never from input
        conn.execute(sa.text(f"CREATE TEMPORARY TABLE keep_{t} AS SELECT * FROM {t}"))
    for t in reversed(tables):
        conn.execute(sa.text(f"DROP TABLE {t}"))
    for t in tables:
        conn.execute(sa.text(ddl[t]))
        conn.execute(sa.text(f"INSERT INTO {t} SELECT * FROM keep_{t}"))
        conn.execute(sa.text(f"DROP TABLE keep_{t}"))
    for sql in indexes:
        conn.execute(sa.text(sql))
    left = _scalar_list(conn, "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = 'participants' "
                              "AND constraint_type = 'UNIQUE'")
    if left:
        raise RuntimeError("participants.code is still UNIQUE")


def _postgresql(conn: Connection) -> None:
    names = _scalar_list(conn, "SELECT tc.constraint_name FROM information_schema.table_constraints tc "
                               "JOIN information_schema.constraint_column_usage cu "
                               "ON cu.constraint_name = tc.constraint_name AND cu.table_schema = tc.table_schema "
                               "WHERE tc.table_name = 'participants' AND tc.constraint_type = 'UNIQUE' "
                               "AND cu.column_name = 'code' AND tc.table_schema = current_schema()")
    for name in names:  # a name from the catalogue
        conn.execute(sa.text(f'ALTER TABLE participants DROP CONSTRAINT "{name}"'))


def upgrade(conn: Connection, backend: str) -> None:
    if backend == "duckdb":
        _duckdb(conn)
    else:
        _postgresql(conn)
    conn.execute(sa.text(CODES_TABLE))
    conn.execute(sa.text("INSERT INTO participant_codes (code, participant_id) SELECT code, id FROM participants"))
