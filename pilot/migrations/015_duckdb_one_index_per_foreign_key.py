"""DuckDB: one index per foreign-key column, not two (issue 16, the national-size import).

DuckDB keeps an ART index of its own on every foreign-key column (it finds the rows that still
point at a participant or company with it, and answers ``WHERE participant_id = :p`` from it:
a millisecond over millions of rows, as with an explicit index). The explicit CREATE INDEX of
migrations 001, 005, 006, 009 and 012 on such a column was a second copy of the same index.
Every inserted row went into both; a workbook import of 50 000 sessions and their marks into a
national database (10 million sessions, 15 million marks) loaded both from disk for keys spread
over the whole table at commit and wrote both back at the checkpoint: the part of the import that
grew with the database.

PostgreSQL keeps no index for a foreign key of its own: there the explicit indexes stay.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# (index, table, column): each column is a FOREIGN KEY of its table on DuckDB.
REPEATED = (("participants_company_idx", "participants", "company_id"),
            ("sessions_company_idx", "sessions", "company_id"),
            ("attendance_participant_idx", "attendance", "participant_id"),
            ("adaptations_company_idx", "adaptations", "company_id"),
            ("participant_notes_participant_idx", "participant_notes", "participant_id"),
            ("hires_company_idx", "hires", "company_id"))


def upgrade(conn: Connection, backend: str) -> None:
    if backend != "duckdb":
        return
    foreign = {(table, column) for table, columns in conn.execute(sa.text(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'FOREIGN KEY'")) for column in columns}
    present = {r[0] for r in conn.execute(sa.text("SELECT index_name FROM duckdb_indexes()"))}
    for index, table, column in REPEATED:
        # Only a true repeat goes: the column must still carry DuckDB's own foreign-key index.
        if index in present and (table, column) in foreign:
            conn.execute(sa.text(f"DROP INDEX {index}"))  # names from the fixed list above
