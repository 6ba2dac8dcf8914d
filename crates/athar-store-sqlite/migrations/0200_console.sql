-- The caseworker console and the JSON API (issue 7). Same tables and columns as the
-- PostgreSQL migration of the same version. Timestamps are RFC 3339 text in UTC.

-- Staff sessions. Only the SHA-256 of the cookie's id is stored.
CREATE TABLE console_sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions(user_id);

-- Login attempts, per account and per client key, for throttling.
CREATE TABLE console_login_attempts (
    id    INTEGER PRIMARY KEY,
    key   TEXT NOT NULL,
    ok    BOOLEAN NOT NULL,
    at    TEXT NOT NULL
);
CREATE INDEX console_login_attempts_key ON console_login_attempts(key, at);

-- API tokens for machine clients. Only the SHA-256 of the token is stored.
CREATE TABLE console_api_tokens (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    scopes      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TEXT
);

-- Who is reviewing which pair, so that two caseworkers do not review the same one.
CREATE TABLE console_review_claims (
    review_id   INTEGER PRIMARY KEY REFERENCES review_items(id),
    claimed_by  TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- What a determination shared with the family's follow-up code.
CREATE TABLE console_determination_shares (
    determination_id  INTEGER PRIMARY KEY REFERENCES determinations(id),
    case_status       TEXT NOT NULL,
    message           TEXT,
    cases             TEXT NOT NULL
);

-- Triage of tips from the portal (the tips themselves are the portal's).
CREATE TABLE console_tip_triage (
    tip_id        INTEGER PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('new', 'in_review', 'actionable', 'closed')),
    person_id     INTEGER REFERENCES persons(id),
    linked_place  TEXT,
    reviewer      TEXT NOT NULL,
    reviewed_at   TEXT NOT NULL
);

CREATE INDEX console_audit_actor ON audit_events(actor, at);
CREATE INDEX console_audit_action ON audit_events(action, at);
