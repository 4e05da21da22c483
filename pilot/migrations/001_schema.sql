-- The whole pilot schema (shared/spec/DATA-FILES.md) plus accounts, login sessions and audit.
-- Portable SQL: runs unchanged on DuckDB and PostgreSQL. Surrogate ids come from sequences;
-- natural keys (business_id, code, ref) are UNIQUE. Every mutable record has a version column
-- for optimistic locking (no silent overwrite).

CREATE SEQUENCE companies_id_seq;
CREATE TABLE companies (
    id BIGINT PRIMARY KEY DEFAULT nextval('companies_id_seq'),
    business_id VARCHAR(9) NOT NULL UNIQUE,
    name VARCHAR(200) NOT NULL CHECK (length(trim(name)) > 0),
    industry VARCHAR(10),
    size_class VARCHAR(6) CHECK (size_class IN ('1-9', '10-49', '50-249', '250+')),
    joined_on DATE NOT NULL,
    left_on DATE CHECK (left_on >= joined_on),
    contact_name VARCHAR(200),
    contact_email VARCHAR(254),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE SEQUENCE users_id_seq;
CREATE TABLE users (
    id BIGINT PRIMARY KEY DEFAULT nextval('users_id_seq'),
    username VARCHAR(64) NOT NULL UNIQUE,
    display_name VARCHAR(200),
    email VARCHAR(254),
    role VARCHAR(16) NOT NULL CHECK (role IN ('coach', 'employer', 'services', 'admin')),
    password_hash VARCHAR(255),
    whole_pilot BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Which companies a user is bound to: an employer's own company, a coach's workplaces.
CREATE TABLE user_companies (
    user_id BIGINT NOT NULL REFERENCES users(id),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    PRIMARY KEY (user_id, company_id)
);

CREATE TABLE login_sessions (
    token_hash VARCHAR(128) PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE SEQUENCE participants_id_seq;
CREATE TABLE participants (
    id BIGINT PRIMARY KEY DEFAULT nextval('participants_id_seq'),
    code VARCHAR(20) NOT NULL UNIQUE CHECK (length(code) BETWEEN 2 AND 20),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    enrolled_on DATE NOT NULL,
    exited_on DATE CHECK (exited_on >= enrolled_on),
    first_language VARCHAR(3) NOT NULL CHECK (length(first_language) BETWEEN 2 AND 3),
    job_title VARCHAR(200),
    occupation_code VARCHAR(5),
    share_with_employer BOOLEAN NOT NULL DEFAULT FALSE,
    -- No FOREIGN KEY on coach_id: DuckDB indexes foreign-key columns and turns an UPDATE of an
    -- indexed column into delete+insert, which fails while attendance rows point at the
    -- participant. A caseload must be reassignable, so records/users.py checks the coach instead.
    coach_id BIGINT,
    display_name VARCHAR(200),
    notes TEXT,
    anonymised_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE SEQUENCE sessions_id_seq;
CREATE TABLE sessions (
    id BIGINT PRIMARY KEY DEFAULT nextval('sessions_id_seq'),
    ref VARCHAR(64) NOT NULL UNIQUE,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    held_on DATE NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    kind VARCHAR(24) NOT NULL CHECK (kind IN ('language_lesson', 'on_the_job', 'supervisor_guidance',
        'redesign_workshop', 'materials', 'assessment', 'other')),
    mode VARCHAR(8) NOT NULL CHECK (mode IN ('onsite', 'remote')),
    coach_id BIGINT,  -- no FOREIGN KEY, for the same reason as participants.coach_id
    topics TEXT,
    notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE SEQUENCE attendance_id_seq;
CREATE TABLE attendance (
    id BIGINT PRIMARY KEY DEFAULT nextval('attendance_id_seq'),
    session_id BIGINT NOT NULL REFERENCES sessions(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    status VARCHAR(8) NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
    UNIQUE (session_id, participant_id)
);

CREATE SEQUENCE adaptations_id_seq;
CREATE TABLE adaptations (
    id BIGINT PRIMARY KEY DEFAULT nextval('adaptations_id_seq'),
    ref VARCHAR(64) NOT NULL UNIQUE,
    company_id BIGINT NOT NULL REFERENCES companies(id),
    participant_id BIGINT REFERENCES participants(id),
    type VARCHAR(24) NOT NULL CHECK (type IN ('plain_language', 'visual_instructions',
        'translated_materials', 'glossary', 'language_buddy', 'task_restructuring', 'working_time',
        'supervisor_training', 'digital_aid', 'other')),
    description TEXT NOT NULL,
    proposed_on DATE NOT NULL,
    agreed_on DATE CHECK (agreed_on >= proposed_on),
    in_use_on DATE CHECK (in_use_on >= COALESCE(agreed_on, proposed_on)),
    evaluated_on DATE CHECK (evaluated_on >= COALESCE(in_use_on, agreed_on, proposed_on)),
    dropped_on DATE CHECK (dropped_on >= COALESCE(evaluated_on, in_use_on, agreed_on, proposed_on)),
    effect INTEGER CHECK (effect BETWEEN 1 AND 5),
    owner VARCHAR(200),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((evaluated_on IS NULL AND effect IS NULL) OR (evaluated_on IS NOT NULL AND effect IS NOT NULL))
);

CREATE SEQUENCE assessments_id_seq;
CREATE TABLE assessments (
    id BIGINT PRIMARY KEY DEFAULT nextval('assessments_id_seq'),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    skill VARCHAR(10) NOT NULL CHECK (skill IN ('speaking', 'listening', 'reading', 'writing')),
    assessed_on DATE NOT NULL,
    source VARCHAR(6) NOT NULL CHECK (source IN ('coach', 'self', 'yki', 'other')),
    level VARCHAR(4) NOT NULL CHECK (level IN ('A1.1', 'A1.2', 'A1.3', 'A2.1', 'A2.2', 'B1.1', 'B1.2',
        'B2.1', 'B2.2', 'C1', 'C2')),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (participant_id, skill, assessed_on, source)
);

CREATE SEQUENCE employment_id_seq;
CREATE TABLE employment (
    id BIGINT PRIMARY KEY DEFAULT nextval('employment_id_seq'),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    effective_on DATE NOT NULL,
    status VARCHAR(16) NOT NULL CHECK (status IN ('permanent', 'fixed_term', 'apprenticeship',
        'work_trial', 'training', 'unemployed', 'other')),
    weekly_hours NUMERIC(4, 1) CHECK (weekly_hours BETWEEN 0 AND 60),
    subsidised BOOLEAN,
    employer_business_id VARCHAR(9),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (participant_id, effective_on),
    CHECK (subsidised IS NULL OR subsidised = FALSE
           OR status IN ('permanent', 'fixed_term', 'apprenticeship'))
);

CREATE SEQUENCE feedback_id_seq;
CREATE TABLE feedback (
    id BIGINT PRIMARY KEY DEFAULT nextval('feedback_id_seq'),
    company_id BIGINT NOT NULL REFERENCES companies(id),
    given_on DATE NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    given_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (company_id, given_on)
);

CREATE SEQUENCE costs_id_seq;
CREATE TABLE costs (
    id BIGINT PRIMARY KEY DEFAULT nextval('costs_id_seq'),
    ref VARCHAR(64) NOT NULL UNIQUE,
    incurred_on DATE NOT NULL,
    category VARCHAR(16) NOT NULL CHECK (category IN ('service_purchase', 'grant', 'co_funding',
        'staff', 'other')),
    amount_eur NUMERIC(12, 2) NOT NULL CHECK (amount_eur > 0),
    description TEXT,
    company_id BIGINT REFERENCES companies(id),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The yearly appropriation that costs are followed against.
CREATE TABLE appropriations (
    year INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    amount_eur NUMERIC(12, 2) NOT NULL CHECK (amount_eur >= 0)
);

-- Append-only: the app offers no way to change or delete a row.
CREATE SEQUENCE audit_log_id_seq;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR(64) NOT NULL,
    action VARCHAR(16) NOT NULL CHECK (action IN ('create', 'update', 'delete', 'read', 'export',
        'denied', 'login', 'logout', 'import', 'anonymise')),
    entity VARCHAR(32) NOT NULL,
    entity_id VARCHAR(64),
    before_json TEXT,
    after_json TEXT,
    reason TEXT
);

CREATE INDEX participants_company_idx ON participants (company_id);
CREATE INDEX sessions_company_held_idx ON sessions (company_id, held_on);
CREATE INDEX attendance_participant_idx ON attendance (participant_id);
CREATE INDEX adaptations_company_idx ON adaptations (company_id);
CREATE INDEX audit_log_at_idx ON audit_log (occurred_at);
