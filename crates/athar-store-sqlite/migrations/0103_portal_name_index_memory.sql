-- The public search now keeps the name index in the web tier's memory (loaded in record id
-- order at start, then kept up to date by the indexer): nothing looks rows up by name key any
-- more, so the covering index of 0102 only cost writes and space. Same version on both
-- backends.
DROP INDEX portal_name_index_cover;
