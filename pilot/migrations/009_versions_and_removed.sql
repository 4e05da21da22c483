-- Every record a person edits carries a version (optimistic locking, pilot/records/_versioned.py),
-- and a removed record moves into removed_records as JSON (pilot/records/removed.py), restorable by
-- an admin for 30 days, so no query of the live tables needs a "deleted" filter.
-- Nullable with a default, as in 007: existing rows get version 1 and updated_at stays empty.
ALTER TABLE assessments ADD COLUMN version INTEGER DEFAULT 1;
ALTER TABLE assessments ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE employment ADD COLUMN version INTEGER DEFAULT 1;
ALTER TABLE employment ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE feedback ADD COLUMN version INTEGER DEFAULT 1;
ALTER TABLE feedback ADD COLUMN updated_at TIMESTAMP;
ALTER TABLE costs ADD COLUMN version INTEGER DEFAULT 1;
ALTER TABLE costs ADD COLUMN updated_at TIMESTAMP;

-- DuckDB refuses to delete a session in the transaction that deleted its attendance rows (the
-- foreign key still sees them), so a session and its marks could not leave together. Attendance
-- is rebuilt without the foreign key to sessions (the key to participants stays); the app writes
-- attendance only for a session it has just written or checked, as for participants.coach_id.
-- (No RENAME: DuckDB would keep the old name in the participants' foreign-key bookkeeping.)
CREATE TEMPORARY TABLE attendance_kept AS SELECT id, session_id, participant_id, status FROM attendance;
DROP TABLE attendance;
CREATE TABLE attendance (
    id BIGINT PRIMARY KEY DEFAULT nextval('attendance_id_seq'),
    session_id BIGINT NOT NULL,
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    status VARCHAR(8) NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
    UNIQUE (session_id, participant_id)
);
INSERT INTO attendance (id, session_id, participant_id, status)
    SELECT id, session_id, participant_id, status FROM attendance_kept;
DROP TABLE attendance_kept;
CREATE INDEX attendance_participant_idx ON attendance (participant_id);

-- A removed record (with its dependent rows, e.g. a session's attendance) as JSON, the reason and
-- who removed it. Restoring puts the rows back with their own ids and deletes this row; rows older
-- than 30 days are purged.
CREATE SEQUENCE removed_records_id_seq;
CREATE TABLE removed_records (
    id BIGINT PRIMARY KEY DEFAULT nextval('removed_records_id_seq'),
    entity VARCHAR(32) NOT NULL,
    entity_id BIGINT NOT NULL,
    company_id BIGINT,
    payload TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    removed_by VARCHAR(64) NOT NULL,
    removed_at TIMESTAMP NOT NULL
);
CREATE INDEX removed_records_at_idx ON removed_records (removed_at);
