-- The public search reads every candidate of a name key: this index carries the compared
-- fields, so a search is an index-only scan (the table's visibility map permitting); the
-- person is looked up only for the candidates that agree with the search. Same version as
-- SQLite's 0102.
CREATE INDEX portal_name_index_cover ON portal_name_index (name_key) INCLUDE (
    record_id, full_name, first_name, father_name, grandfather_name, family_name, mother_name,
    birth_year, prison_number
);
DROP INDEX portal_name_index_key;
