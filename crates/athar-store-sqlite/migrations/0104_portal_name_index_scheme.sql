-- Which key function wrote the name index's keys (a fingerprint computed by the web tier; 0:
-- none recorded). When the names crate's keys change, the web tier finds another fingerprint
-- here, empties the index and indexes every record again. Same version as PostgreSQL's 0104.
ALTER TABLE portal_name_index_state ADD COLUMN key_scheme INTEGER NOT NULL DEFAULT 0;
