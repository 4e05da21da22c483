-- The 6-month follow-up (shared/spec/INDICATORS.md "The 6-month follow-up"): an observation after
-- exit, never an employment row. Someone asked (the participant, the employer, a register) on
-- contacted_on; reached says whether an answer was had; status and hours only when reached.
-- Versioned like every record a person edits (pilot/records/_versioned.py).
CREATE SEQUENCE followups_id_seq;
CREATE TABLE followups (
    id BIGINT PRIMARY KEY DEFAULT nextval('followups_id_seq'),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    contacted_on DATE NOT NULL,
    reached BOOLEAN NOT NULL,
    status VARCHAR(16) CHECK (status IN ('permanent', 'fixed_term', 'apprenticeship',
        'work_trial', 'training', 'unemployed', 'other')),
    weekly_hours NUMERIC(4, 1) CHECK (weekly_hours BETWEEN 0 AND 60),
    subsidised BOOLEAN,
    source VARCHAR(8) NOT NULL CHECK (source IN ('phone', 'email', 'meeting', 'employer', 'register', 'survey')),
    notes TEXT,
    created_by VARCHAR(64),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    version INTEGER DEFAULT 1,
    updated_at TIMESTAMP,
    UNIQUE (participant_id, contacted_on),
    CHECK ((reached = TRUE AND status IS NOT NULL) OR (reached = FALSE AND status IS NULL
           AND weekly_hours IS NULL AND subsidised IS NULL)),
    CHECK (subsidised IS NULL OR subsidised = FALSE
           OR status IN ('permanent', 'fixed_term', 'apprenticeship'))
);
