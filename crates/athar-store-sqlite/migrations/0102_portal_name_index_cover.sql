-- The public search reads every candidate of a name key: with an index on the key alone, each
-- candidate was one more random read of the table (200 at most per search). This index holds
-- the compared fields after the key (the record id is the rowid), so a search reads one short
-- run of the index and nothing else; the person is looked up only for the candidates that
-- agree with the search.
CREATE INDEX portal_name_index_cover ON portal_name_index (
    name_key, full_name, first_name, father_name, grandfather_name, family_name, mother_name,
    birth_year, prison_number
);
DROP INDEX portal_name_index_key;
