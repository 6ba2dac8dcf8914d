-- The public search's own index: one row per record under a key of its given and family
-- names (a cross-script key from athar-names), with the few fields the portal's decision
-- compares. Filled by the web tier as records arrive; the person comes from memberships at
-- query time, so merges and splits need no re-indexing.
CREATE TABLE portal_name_index (
    record_id        INTEGER PRIMARY KEY REFERENCES records (id),
    name_key         INTEGER NOT NULL,
    full_name        TEXT,
    first_name       TEXT,
    father_name      TEXT,
    grandfather_name TEXT,
    family_name      TEXT,
    mother_name      TEXT,
    birth_year       INTEGER,
    prison_number    TEXT
);
CREATE INDEX portal_name_index_key ON portal_name_index (name_key);

-- How far the index has read the records (the highest record id seen).
CREATE TABLE portal_name_index_state (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    up_to     INTEGER NOT NULL
);
INSERT INTO portal_name_index_state (id, up_to) VALUES (1, 0);
