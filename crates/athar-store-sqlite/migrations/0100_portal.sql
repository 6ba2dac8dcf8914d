-- The public portal's own tables (athar-store/src/portal.rs). Reporters' and tipsters'
-- contacts live only here and are read only by the console's audited methods.

-- Every public search: what was asked and the rate-limit key, nothing else about who asked.
CREATE TABLE portal_search_log (
    id            INTEGER PRIMARY KEY,
    at_unix       INTEGER NOT NULL,
    client_key    TEXT NOT NULL,
    name          TEXT NOT NULL,
    father_name   TEXT,
    mother_name   TEXT,
    birth_year    INTEGER,
    prison_number TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('refused', 'no_record', 'possible_match'))
);
CREATE INDEX portal_search_log_key ON portal_search_log (client_key, at_unix);

-- The public reference of a person, shown after a possible match; stable once given.
CREATE TABLE portal_references (
    person_id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE
);

-- Follow-up cases: one per report, keyed by the SHA-256 of the private code.
CREATE TABLE portal_cases (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('missing', 'survivor')),
    record_id        INTEGER REFERENCES records (id),
    code_hash        TEXT NOT NULL UNIQUE,
    reporter_contact TEXT,
    opened_unix      INTEGER NOT NULL
);
CREATE INDEX portal_cases_record ON portal_cases (record_id);

-- What a caseworker chose to share with the holder of a case's code.
CREATE TABLE portal_case_updates (
    id      INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES portal_cases (id),
    at_unix INTEGER NOT NULL,
    status  TEXT NOT NULL CHECK (status IN ('received', 'under_review', 'contact_us', 'closed')),
    message TEXT
);
CREATE INDEX portal_case_updates_case ON portal_case_updates (case_id, id);

-- Tips from the public; anonymous when contact is NULL.
CREATE TABLE portal_tips (
    id           INTEGER PRIMARY KEY,
    at_unix      INTEGER NOT NULL,
    about_person TEXT,
    place        TEXT,
    text         TEXT NOT NULL,
    contact      TEXT
);
