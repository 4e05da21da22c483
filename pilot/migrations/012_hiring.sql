-- The pilot's own question (shared/spec/PILOT.md "hiring readiness"): does it lower employers'
-- threshold to hire foreign-language workers? Employers answer one question when they join and
-- again later (employer_surveys), and coaches record the company's hires of foreign-language
-- workers (hires: never a name; the participant when a participant was hired).
-- Versioned like every record a person edits (pilot/records/_versioned.py).
CREATE SEQUENCE employer_surveys_id_seq;
CREATE TABLE employer_surveys (
    id BIGINT PRIMARY KEY DEFAULT nextval('employer_surveys_id_seq'),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    answered_on DATE NOT NULL,
    readiness INTEGER NOT NULL CHECK (readiness BETWEEN 1 AND 5),
    planned_hires_12m INTEGER CHECK (planned_hires_12m BETWEEN 0 AND 999),
    comment TEXT,
    answered_by VARCHAR(64),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    version INTEGER DEFAULT 1,
    updated_at TIMESTAMP,
    UNIQUE (company_id, answered_on)
);

CREATE SEQUENCE hires_id_seq;
CREATE TABLE hires (
    id BIGINT PRIMARY KEY DEFAULT nextval('hires_id_seq'),
    ref VARCHAR(64) NOT NULL UNIQUE,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    hired_on DATE NOT NULL,
    contract VARCHAR(16) NOT NULL CHECK (contract IN ('permanent', 'fixed_term', 'apprenticeship')),
    weekly_hours NUMERIC(4, 1) CHECK (weekly_hours BETWEEN 0 AND 60),
    participant_id BIGINT REFERENCES participants(id),
    occupation_code VARCHAR(5),
    created_by VARCHAR(64),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    version INTEGER DEFAULT 1,
    updated_at TIMESTAMP
);
CREATE INDEX hires_company_idx ON hires (company_id);
