-- The registry (issue 5). Same tables and columns as the PostgreSQL migration of the same
-- version; a parity test compares them. Timestamps are RFC 3339 text in UTC.

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    supplier    TEXT,
    notes       TEXT,
    created_at  TEXT NOT NULL
);

-- One row per imported file; the SHA-256 makes imports idempotent.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources(id),
    file_name    TEXT NOT NULL,
    sha256       TEXT NOT NULL UNIQUE,
    format       TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    records      INTEGER NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT NOT NULL
);

CREATE TABLE persons (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL
);

-- The raw row exactly as read, its canonical fields and normalized form. Never updated.
CREATE TABLE records (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    import_id     INTEGER REFERENCES imports(id),
    local_id      TEXT,
    line          INTEGER,
    raw           TEXT NOT NULL,
    fields        TEXT NOT NULL,
    normalized    TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX records_import ON records(import_id);
CREATE INDEX records_local ON records(source_id, local_id);
CREATE TRIGGER records_immutable BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are immutable');
END;

-- Link decisions: append-only events, each with the moves of records between persons.
CREATE TABLE link_events (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('place', 'merge', 'split', 'move', 'reverse')),
    actor          TEXT NOT NULL,
    reason         TEXT,
    model_version  TEXT,
    reverses       INTEGER REFERENCES link_events(id),
    at             TEXT NOT NULL
);
CREATE TRIGGER link_events_append_only BEFORE UPDATE ON link_events
BEGIN
    SELECT RAISE(ABORT, 'link events are append-only');
END;

CREATE TABLE link_moves (
    event_id     INTEGER NOT NULL REFERENCES link_events(id),
    record_id    INTEGER NOT NULL REFERENCES records(id),
    from_person  INTEGER REFERENCES persons(id),
    to_person    INTEGER NOT NULL REFERENCES persons(id),
    score        REAL,
    PRIMARY KEY (record_id, event_id)
) WITHOUT ROWID;
CREATE INDEX link_moves_event ON link_moves(event_id);

-- Current membership, maintained with the events in the same transaction (check replays).
CREATE TABLE memberships (
    record_id  INTEGER PRIMARY KEY REFERENCES records(id),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    event_id   INTEGER NOT NULL REFERENCES link_events(id)
);
CREATE INDEX memberships_person ON memberships(person_id);

-- Blocking keys (FNV-1a 64 of the key text) for incremental matching.
CREATE TABLE blocking_keys (
    key        INTEGER NOT NULL,
    record_id  INTEGER NOT NULL REFERENCES records(id),
    PRIMARY KEY (key, record_id)
) WITHOUT ROWID;

CREATE TABLE review_items (
    id               INTEGER PRIMARY KEY,
    left_record_id   INTEGER NOT NULL REFERENCES records(id),
    right_record_id  INTEGER NOT NULL REFERENCES records(id),
    probability      REAL NOT NULL,
    explanation      TEXT NOT NULL,
    model_version    TEXT,
    state            TEXT NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'confirmed', 'rejected', 'deferred')),
    created_at       TEXT NOT NULL,
    decided_by       TEXT,
    decided_at       TEXT,
    reason           TEXT
);
CREATE INDEX review_items_state ON review_items(state, probability);

CREATE TABLE labels (
    id               INTEGER PRIMARY KEY,
    left_record_id   INTEGER NOT NULL REFERENCES records(id),
    right_record_id  INTEGER NOT NULL REFERENCES records(id),
    is_match         BOOLEAN NOT NULL,
    actor            TEXT NOT NULL,
    reason           TEXT,
    at               TEXT NOT NULL
);

-- Claims ("someone said he is alive"), anchored at a record so they follow merges and splits.
CREATE TABLE claims (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    status      TEXT NOT NULL
                CHECK (status IN ('missing', 'detained', 'released', 'deceased', 'alive', 'unknown')),
    claimant    TEXT,
    statement   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX claims_record ON claims(record_id);

-- Determinations: a caseworker's verified status, with evidence. The latest one is current.
CREATE TABLE determinations (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records(id),
    person_id   INTEGER NOT NULL REFERENCES persons(id),
    status      TEXT NOT NULL
                CHECK (status IN ('missing', 'detained', 'released', 'deceased', 'alive', 'unknown')),
    evidence    TEXT NOT NULL CHECK (evidence <> ''),
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL
);
CREATE INDEX determinations_record ON determinations(record_id);

CREATE TABLE detentions (
    id                INTEGER PRIMARY KEY,
    record_id         INTEGER NOT NULL REFERENCES records(id),
    person_id         INTEGER NOT NULL REFERENCES persons(id),
    facility          TEXT,
    prison_number     TEXT,
    started           TEXT,
    ended             TEXT,
    outcome           TEXT NOT NULL
                      CHECK (outcome IN ('ongoing', 'transferred', 'released', 'died_in_custody', 'unknown')),
    transferred_from  INTEGER REFERENCES detentions(id),
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL
);
CREATE INDEX detentions_record ON detentions(record_id);

CREATE TABLE notes (
    id                   INTEGER PRIMARY KEY,
    record_id            INTEGER NOT NULL REFERENCES records(id),
    note_record_id       TEXT NOT NULL UNIQUE,
    author               TEXT NOT NULL,
    text                 TEXT NOT NULL,
    status               TEXT,
    author_made_contact  BOOLEAN,
    last_known_location  TEXT,
    linked_record        TEXT,
    source_date          TEXT,
    created_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL
);
CREATE INDEX notes_record ON notes(record_id);

CREATE TABLE models (
    id          INTEGER PRIMARY KEY,
    version     TEXT NOT NULL UNIQUE,
    json        TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);

-- Staff accounts (the console's login uses them). Passwords as argon2id PHC strings.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('caseworker', 'coordinator', 'analyst', 'admin')),
    password_hash  TEXT NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TEXT NOT NULL
);

-- Audit: every change (same transaction) and every staff read of personal data.
CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT,
    detail       TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX audit_events_target ON audit_events(target_kind, target_id);
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
