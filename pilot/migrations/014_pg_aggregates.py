"""PostgreSQL: whole-pilot aggregates kept by the database itself in the writing transaction (issue 16.2).

At national size the whole-pilot indicators and dashboard scanned 10 million sessions several
times, counted 15 million attendance rows and grouped 2.5 million assessments on every view;
PostgreSQL (a row store) took seconds for each. Three small tables answer them instead:

- ``session_days``: per day and session kind, the sessions, their minutes, their attendance marks
  (the sessions' own totals, migration 007) and present x minutes. Exact for any reference date R
  (days on or before R), some ten thousand rows for ten million sessions. Each day and kind is
  split in 8 shards (session id mod 8): coaches logging sessions of the same day at the same
  moment then rarely wait on one row; readers sum the shards.
- ``attendance_counts``: the number of attendance rows, in 16 shards (session id mod 16) so that
  concurrent writers rarely wait on the same row. Their sum against the marks summed in
  session_days is the readers' check that the sessions' totals add up to the attendance rows.
- ``participant_status``: per participant, the employment row in force at enrolment (status,
  weekly hours) and at exit (status, subsidised), which the indicators otherwise find by grouping
  every employment row. Neither depends on R for a participant the indicators count (enrolled on
  or before R; exit figures only when exited on or before R).
- ``assessment_spans``: per participant and skill, over the non-self assessments, the first and
  last date and the packed (date, level) minimum and maximum the language gain is computed from
  (pilot/indicators.py gains_sql). A span whose last date is after R is read from the rows instead.

Statement-level triggers (transition tables, one aggregate statement per written statement, never
one per row) keep them current on every INSERT, UPDATE and DELETE, whoever writes: the app's
forms, the workbook import (COPY too), removal and restore, anonymisation, the benchmark's SQL,
and a psql session. A TRUNCATE empties them with their table. Increments are upserts (concurrent
writers add up); a span is recomputed from its participant's rows under a lock on the
participant, so two writers of one participant's assessments cannot leave a stale span.
pilot/records/aggregates.py reads them only when every trigger is in place and enabled and the
marks add up, else the readers read the rows as before.

DuckDB has no triggers and already meets its targets by scanning: nothing changes there.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# Frozen copy of pilot.domain.levels.LEVELS at this migration (the ordinal is stored packed).
LEVELS = ("A1.1", "A1.2", "A1.3", "A2.1", "A2.2", "B1.1", "B1.2", "B2.1", "B2.2", "C1", "C2")
ORDINAL = "(CASE a.level " + " ".join(f"WHEN '{lv}' THEN {i + 1}" for i, lv in enumerate(LEVELS)) + " END)"
DAYS = "CAST(a.assessed_on - DATE '0001-01-01' AS BIGINT) * 100"

TABLES = [
    """CREATE TABLE session_days (
        held_on DATE NOT NULL,
        kind VARCHAR(24) NOT NULL,
        shard INTEGER NOT NULL,
        sessions BIGINT NOT NULL,
        minutes BIGINT NOT NULL,
        present BIGINT NOT NULL,
        absent BIGINT NOT NULL,
        excused BIGINT NOT NULL,
        present_minutes BIGINT NOT NULL,
        PRIMARY KEY (held_on, kind, shard))""",
    "CREATE TABLE attendance_counts (shard INTEGER PRIMARY KEY, n BIGINT NOT NULL)",
    """CREATE TABLE assessment_spans (
        participant_id BIGINT NOT NULL,
        skill VARCHAR(10) NOT NULL,
        first_on DATE NOT NULL,
        last_on DATE NOT NULL,
        lo BIGINT NOT NULL,
        hi BIGINT NOT NULL,
        PRIMARY KEY (participant_id, skill))""",
    "CREATE INDEX assessment_spans_last_idx ON assessment_spans (last_on)",
    """CREATE TABLE participant_status (
        participant_id BIGINT PRIMARY KEY,
        enrol_status VARCHAR(16),
        enrol_hours NUMERIC(4, 1),
        exit_status VARCHAR(16),
        exit_subsidised BOOLEAN)""",
]

# The employment rows in force at enrolment and at exit of some participants, from the rows.
STATUS_SELECT = """
    SELECT p.id, e0.status, e0.weekly_hours, e1.status, e1.subsidised
    FROM participants p
    LEFT JOIN employment e0 ON e0.participant_id = p.id AND e0.effective_on = (
        SELECT MAX(x.effective_on) FROM employment x WHERE x.participant_id = p.id AND x.effective_on <= p.enrolled_on)
    LEFT JOIN employment e1 ON e1.participant_id = p.id AND e1.effective_on = (
        SELECT MAX(x.effective_on) FROM employment x WHERE x.participant_id = p.id AND x.effective_on <= p.exited_on)
"""


def _session_delta(source: str, sign: str) -> str:
    return f"""
    INSERT INTO session_days AS d (held_on, kind, shard, sessions, minutes, present, absent, excused,
        present_minutes)
    SELECT held_on, kind, MOD(id, 8), {sign}COUNT(*), {sign}SUM(minutes), {sign}SUM(COALESCE(attendance_present, 0)),
        {sign}SUM(COALESCE(attendance_absent, 0)), {sign}SUM(COALESCE(attendance_excused, 0)),
        {sign}SUM(minutes * COALESCE(attendance_present, 0))
    FROM {source} GROUP BY held_on, kind, MOD(id, 8) ORDER BY 1, 2, 3
    ON CONFLICT (held_on, kind, shard) DO UPDATE SET sessions = d.sessions + EXCLUDED.sessions,
        minutes = d.minutes + EXCLUDED.minutes, present = d.present + EXCLUDED.present,
        absent = d.absent + EXCLUDED.absent, excused = d.excused + EXCLUDED.excused,
        present_minutes = d.present_minutes + EXCLUDED.present_minutes;"""


def _attendance_delta(source: str, sign: str) -> str:
    return f"""
    INSERT INTO attendance_counts AS c (shard, n)
    SELECT MOD(session_id, 16), {sign}COUNT(*) FROM {source} GROUP BY 1 ORDER BY 1
    ON CONFLICT (shard) DO UPDATE SET n = c.n + EXCLUDED.n;"""


# The spans of the (participant, skill) pairs some written rows touch, recomputed from the rows.
_SPANS_OF = """
    PERFORM 1 FROM participants WHERE id IN (SELECT participant_id FROM {keys}) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM assessment_spans g USING (SELECT DISTINCT participant_id, skill FROM {keys}) k
    WHERE g.participant_id = k.participant_id AND g.skill = k.skill;
    INSERT INTO assessment_spans (participant_id, skill, first_on, last_on, lo, hi)
    SELECT a.participant_id, a.skill, MIN(a.assessed_on), MAX(a.assessed_on),
        MIN({days} + 99 - {ordinal}), MAX({days} + {ordinal})
    FROM assessments a
    JOIN (SELECT DISTINCT participant_id, skill FROM {keys}) k
      ON k.participant_id = a.participant_id AND k.skill = a.skill
    WHERE a.source <> 'self'
    GROUP BY a.participant_id, a.skill;"""


# Participants some written rows touch ({ids}: a query of participant ids), recomputed, under a lock
# on each participant so that two writers of one participant's rows cannot leave a stale status.
_STATUS_OF = """
    PERFORM 1 FROM participants WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM participant_status WHERE participant_id IN ({ids});
    INSERT INTO participant_status (participant_id, enrol_status, enrol_hours, exit_status, exit_subsidised)
    """ + STATUS_SELECT + """ WHERE p.id IN ({ids});"""


def _function(name: str, body: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n{body}\n"
            "RETURN NULL;\nEND\n$body$")


def _keys(*sources: str) -> str:
    return "(" + " UNION ".join(f"SELECT participant_id, skill FROM {s}" for s in sources) + ")"


FUNCTIONS = [
    _function("pilot_agg_sessions_ins", _session_delta("new_rows", "")),
    _function("pilot_agg_sessions_del", _session_delta("old_rows", "-")),
    _function("pilot_agg_sessions_upd", _session_delta("old_rows", "-") + _session_delta("new_rows", "")),
    _function("pilot_agg_sessions_trunc", "DELETE FROM session_days;"),
    _function("pilot_agg_attendance_ins", _attendance_delta("new_rows", "")),
    _function("pilot_agg_attendance_del", _attendance_delta("old_rows", "-")),
    _function("pilot_agg_attendance_trunc", "DELETE FROM attendance_counts;"),
    *(_function(f"pilot_agg_assessments_{op}", _SPANS_OF.format(keys=_keys(*sources) + " t", days=DAYS,
                                                                  ordinal=ORDINAL))
      for op, sources in (("ins", ("new_rows",)), ("del", ("old_rows",)), ("upd", ("old_rows", "new_rows")))),
    _function("pilot_agg_assessments_trunc", "DELETE FROM assessment_spans;"),
    *(_function(f"pilot_agg_{table}_{op}", _STATUS_OF.format(ids=ids))
      for table, key in (("employment", "participant_id"), ("participants", "id"))
      for op, ids in (("ins", f"SELECT {key} FROM new_rows"), ("del", f"SELECT {key} FROM old_rows"),
                      ("upd", f"SELECT {key} FROM old_rows UNION SELECT {key} FROM new_rows"))),
    _function("pilot_agg_employment_trunc", "DELETE FROM participant_status;"),
]


def _trigger(table: str, op: str) -> str:
    event = {"ins": "INSERT", "del": "DELETE", "upd": "UPDATE", "trunc": "TRUNCATE"}[op]
    name = f"pilot_agg_{table}_{op}"
    referencing = {"ins": "REFERENCING NEW TABLE AS new_rows ", "del": "REFERENCING OLD TABLE AS old_rows ",
                   "upd": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows ", "trunc": ""}[op]
    return (f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing}"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")


TRIGGERS = [_trigger("sessions", op) for op in ("ins", "del", "upd", "trunc")] \
    + [_trigger("attendance", op) for op in ("ins", "del", "trunc")] \
    + [_trigger("assessments", op) for op in ("ins", "del", "upd", "trunc")] \
    + [_trigger("employment", op) for op in ("ins", "del", "upd", "trunc")] \
    + [_trigger("participants", op) for op in ("ins", "del", "upd")]

BACKFILL = [
    _session_delta("sessions", "").rstrip(";"),
    _attendance_delta("attendance", "").rstrip(";"),
    f"""INSERT INTO assessment_spans (participant_id, skill, first_on, last_on, lo, hi)
    SELECT a.participant_id, a.skill, MIN(a.assessed_on), MAX(a.assessed_on),
        MIN({DAYS} + 99 - {ORDINAL}), MAX({DAYS} + {ORDINAL})
    FROM assessments a WHERE a.source <> 'self' GROUP BY a.participant_id, a.skill""",
    "INSERT INTO participant_status (participant_id, enrol_status, enrol_hours, exit_status, exit_subsidised) "
    + STATUS_SELECT,
]


def upgrade(conn: Connection, backend: str) -> None:
    if backend != "postgresql":
        return
    for statement in (*TABLES, *FUNCTIONS, *TRIGGERS, *BACKFILL):
        conn.exec_driver_sql(statement)
    conn.execute(sa.text("ANALYZE session_days"))
    conn.execute(sa.text("ANALYZE assessment_spans"))
    conn.execute(sa.text("ANALYZE participant_status"))
