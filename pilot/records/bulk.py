"""Bulk writes for the demo seed, the workbook import and the benchmark: one statement per
batch, never one per row. Table and column names are checked against the schema's own lists."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pilot.records import attendance_totals

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "companies": ("business_id", "name", "industry", "size_class", "joined_on", "left_on",
                  "contact_name", "contact_email"),
    "participants": ("code", "company_id", "enrolled_on", "exited_on", "first_language", "job_title",
                     "occupation_code", "share_with_employer", "coach_id", "display_name", "notes"),
    "sessions": ("ref", "company_id", "held_on", "minutes", "kind", "mode", "coach_id", "topics", "notes"),
    "attendance": ("session_id", "participant_id", "status"),
    "adaptations": ("ref", "company_id", "participant_id", "type", "description", "proposed_on",
                    "agreed_on", "in_use_on", "evaluated_on", "dropped_on", "effect", "owner"),
    "assessments": ("participant_id", "skill", "assessed_on", "source", "level"),
    "employment": ("participant_id", "effective_on", "status", "weekly_hours", "subsidised",
                   "employer_business_id"),
    "feedback": ("company_id", "given_on", "score", "comment", "given_by"),
    "costs": ("ref", "incurred_on", "category", "amount_eur", "description", "company_id"),
    "appropriations": ("year", "amount_eur"),
    "employer_surveys": ("company_id", "answered_on", "readiness", "planned_hires_12m", "comment", "answered_by"),
    "hires": ("ref", "company_id", "hired_on", "contract", "weekly_hours", "participant_id", "occupation_code",
              "created_by"),
    "followups": ("participant_id", "contacted_on", "reached", "status", "weekly_hours", "subsidised",
                  "source", "notes", "created_by"),
}
KEYS: dict[str, tuple[str, ...]] = {
    "companies": ("business_id",), "participants": ("code",), "sessions": ("ref",),
    "adaptations": ("ref",), "costs": ("ref",),
}


def insert_many(conn: Connection, table: str, rows: Iterable[dict[str, Any]], batch: int = 5000) -> int:
    """Insert rows (dicts with the table's columns; missing ones are NULL). Returns the count."""
    columns = TABLE_COLUMNS[table]
    sql = sa.text(f"INSERT INTO {table} ({', '.join(columns)}) "
                  f"VALUES ({', '.join(':' + c for c in columns)})")
    count = 0
    chunk: list[dict[str, Any]] = []
    touched: set[int] = set()  # attendance: the sessions whose totals change

    def flush() -> None:
        nonlocal count, chunk
        if chunk:
            conn.execute(sql, chunk)
            count += len(chunk)
            if table == "attendance":
                touched.update(attendance_totals.by_session(chunk))
            chunk = []

    for row in rows:
        chunk.append({c: row.get(c) for c in columns})
        if len(chunk) >= batch:
            flush()
    flush()
    attendance_totals.refresh(conn, touched)
    if table == "participants" and count:
        from pilot.records import participants  # codes are held in participant_codes (migration 010)
        participants.claim_new_codes(conn)
    return count


def ids_by_key(conn: Connection, table: str) -> dict[str, int]:
    """Natural key -> surrogate id for a table with a one-column key."""
    (key,) = KEYS[table]
    return {str(r[0]): int(r[1]) for r in conn.execute(sa.text(f"SELECT {key}, id FROM {table}"))}

