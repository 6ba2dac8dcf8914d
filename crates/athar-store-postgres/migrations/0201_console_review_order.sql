-- The review queue's order (issue 7): one row per open or deferred review item with its value,
-- kept by a trigger on review_items whoever writes them (imports, one-record ingest, decisions,
-- rescoring), so the console reads a page of the queue in value order from an index instead
-- of ordering the whole queue. Same tables and columns as the SQLite migration.
--
-- value = change + teach (athar_store::console::review_value is the specification, and the
-- conformance suite checks both backends against it):
--   teach  = 1 - |2p - 1| with p clamped to [0, 1] (pairs near ½ teach the model most);
--   change = 2 for a family report against a detention or survivor record, 1.5 for a survivor
--            against a detention record, 1 for two other sources, 0 within one source.
-- A source's kind comes from its name (ASCII letters folded): family, survivor, detention
-- (prison, detain, register, release, branch), other.

CREATE TABLE console_review_order (
    review_id  BIGINT PRIMARY KEY,
    value      DOUBLE PRECISION NOT NULL
);
CREATE INDEX console_review_order_value ON console_review_order(value DESC, review_id);

CREATE FUNCTION console_source_kind(name TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN lower(name COLLATE "C") LIKE '%family%' THEN 'F'
        WHEN lower(name COLLATE "C") LIKE '%survivor%' THEN 'S'
        WHEN lower(name COLLATE "C") LIKE '%prison%' OR lower(name COLLATE "C") LIKE '%detain%'
          OR lower(name COLLATE "C") LIKE '%register%' OR lower(name COLLATE "C") LIKE '%release%'
          OR lower(name COLLATE "C") LIKE '%branch%' THEN 'D'
        ELSE 'O' END
$$;

CREATE FUNCTION console_review_value(p DOUBLE PRECISION, ls TEXT, rs TEXT)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE
                WHEN ls = rs THEN 0.0
                WHEN (console_source_kind(ls) = 'F' AND console_source_kind(rs) IN ('D', 'S'))
                  OR (console_source_kind(rs) = 'F' AND console_source_kind(ls) IN ('D', 'S')) THEN 2.0
                WHEN (console_source_kind(ls) = 'S' AND console_source_kind(rs) = 'D')
                  OR (console_source_kind(ls) = 'D' AND console_source_kind(rs) = 'S') THEN 1.5
                ELSE 1.0
            END)
           + (1.0 - abs(2.0 * least(greatest(p, 0.0), 1.0) - 1.0))
$$;

CREATE FUNCTION console_review_order_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM console_review_order WHERE review_id = OLD.id;
        RETURN NULL;
    END IF;
    DELETE FROM console_review_order WHERE review_id = NEW.id;
    IF NEW.state IN ('open', 'deferred') THEN
        INSERT INTO console_review_order (review_id, value)
        SELECT NEW.id, console_review_value(NEW.probability, sl.name, sr.name)
        FROM records rl JOIN sources sl ON sl.id = rl.source_id,
             records rr JOIN sources sr ON sr.id = rr.source_id
        WHERE rl.id = NEW.left_record_id AND rr.id = NEW.right_record_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER console_review_order_sync
    AFTER INSERT OR DELETE OR UPDATE OF state, probability ON review_items
    FOR EACH ROW EXECUTE FUNCTION console_review_order_sync();

-- The items already queued (a no-op update fires the trigger for each).
UPDATE review_items SET probability = probability WHERE state IN ('open', 'deferred');
