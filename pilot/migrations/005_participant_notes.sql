-- Dated notes on a participant's timeline (the coach's running story), append-only with author.
-- Personal data: anonymisation and the data-subject export must include this table.
CREATE SEQUENCE participant_notes_id_seq;
CREATE TABLE participant_notes (
    id BIGINT PRIMARY KEY DEFAULT nextval('participant_notes_id_seq'),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    noted_on DATE NOT NULL,
    body TEXT NOT NULL CHECK (length(trim(body)) > 0),
    author VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX participant_notes_participant_idx ON participant_notes (participant_id);
