-- Signing in that cannot be turned against others (pilot/auth.py).
-- New tables only: DuckDB cannot alter columns of users, which other tables reference.

-- Failed sign-ins per typed username and client address: a growing delay for that pair only,
-- so a stranger's guesses never lock the account for its owner on another client. Unknown
-- usernames get rows too (the same work and answer as a known one).
CREATE TABLE login_throttle (
    username VARCHAR(64) NOT NULL,
    client VARCHAR(64) NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    PRIMARY KEY (username, client)
);

-- Which roles must use a second factor (TOTP). Admin accounts by default.
CREATE TABLE totp_roles (
    role VARCHAR(16) PRIMARY KEY CHECK (role IN ('coach', 'employer', 'services', 'admin')),
    required BOOLEAN NOT NULL
);
INSERT INTO totp_roles (role, required) VALUES ('admin', TRUE);

-- One TOTP secret per account; confirmed_at is NULL while enrolment waits for the first code.
-- last_step is the 30-second step of the last accepted code: a code is good once.
CREATE TABLE user_totp (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    secret VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT
);

-- Recovery codes: only a SHA-256 of each (80 random bits) is kept; each works once.
CREATE TABLE totp_recovery_codes (
    code_hash VARCHAR(64) PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Between a correct password and the second factor: a short-lived challenge whose random token
-- sits in an HttpOnly cookie (only its SHA-256 here). purpose: 'verify' or 'enrol'.
CREATE TABLE login_challenges (
    token_hash VARCHAR(64) PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    purpose VARCHAR(8) NOT NULL CHECK (purpose IN ('verify', 'enrol')),
    next_path VARCHAR(512) NOT NULL,
    client VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
