-- The review queue's order (issue 7): one row per open or deferred review item with its value,
-- kept by triggers on review_items whoever writes them (imports, one-record ingest, decisions,
-- rescoring), so the console reads a page of the queue in value order from an index instead
-- of ordering the whole queue. Same tables and columns as the PostgreSQL migration.
--
-- value = change + teach (athar_store::console::review_value is the specification, and the
-- conformance suite checks both backends against it):
--   teach  = 1 - |2p - 1| with p clamped to [0, 1] (pairs near ½ teach the model most);
--   change = 2 for a family report against a detention or survivor record, 1.5 for a survivor
--            against a detention record, 1 for two other sources, 0 within one source.
-- A source's kind comes from its name (ASCII letters folded): family, survivor, detention
-- (prison, detain, register, release, branch), other.

CREATE TABLE console_review_order (
    review_id  INTEGER PRIMARY KEY,
    value      REAL NOT NULL
);
CREATE INDEX console_review_order_value ON console_review_order(value DESC, review_id);

CREATE TRIGGER console_review_order_insert AFTER INSERT ON review_items
WHEN NEW.state IN ('open', 'deferred')
BEGIN
    INSERT OR REPLACE INTO console_review_order (review_id, value)
    SELECT NEW.id,
           (CASE
                WHEN k.ls = k.rs THEN 0.0
                WHEN (k.l = 'F' AND k.r IN ('D', 'S')) OR (k.r = 'F' AND k.l IN ('D', 'S')) THEN 2.0
                WHEN (k.l = 'S' AND k.r = 'D') OR (k.l = 'D' AND k.r = 'S') THEN 1.5
                ELSE 1.0
            END)
           + (1.0 - abs(2.0 * min(max(NEW.probability, 0.0), 1.0) - 1.0))
    FROM (SELECT sl.name AS ls, sr.name AS rs,
                 CASE WHEN lower(sl.name) LIKE '%family%' THEN 'F'
                      WHEN lower(sl.name) LIKE '%survivor%' THEN 'S'
                      WHEN lower(sl.name) LIKE '%prison%' OR lower(sl.name) LIKE '%detain%'
                        OR lower(sl.name) LIKE '%register%' OR lower(sl.name) LIKE '%release%'
                        OR lower(sl.name) LIKE '%branch%' THEN 'D'
                      ELSE 'O' END AS l,
                 CASE WHEN lower(sr.name) LIKE '%family%' THEN 'F'
                      WHEN lower(sr.name) LIKE '%survivor%' THEN 'S'
                      WHEN lower(sr.name) LIKE '%prison%' OR lower(sr.name) LIKE '%detain%'
                        OR lower(sr.name) LIKE '%register%' OR lower(sr.name) LIKE '%release%'
                        OR lower(sr.name) LIKE '%branch%' THEN 'D'
                      ELSE 'O' END AS r
          FROM records rl JOIN sources sl ON sl.id = rl.source_id,
               records rr JOIN sources sr ON sr.id = rr.source_id
          WHERE rl.id = NEW.left_record_id AND rr.id = NEW.right_record_id) k;
END;

-- A decision takes the item out of the queue; deferring keeps it; rescoring changes its value.
CREATE TRIGGER console_review_order_update AFTER UPDATE OF state, probability ON review_items
BEGIN
    DELETE FROM console_review_order WHERE review_id = NEW.id;
    INSERT INTO console_review_order (review_id, value)
    SELECT NEW.id,
           (CASE
                WHEN k.ls = k.rs THEN 0.0
                WHEN (k.l = 'F' AND k.r IN ('D', 'S')) OR (k.r = 'F' AND k.l IN ('D', 'S')) THEN 2.0
                WHEN (k.l = 'S' AND k.r = 'D') OR (k.l = 'D' AND k.r = 'S') THEN 1.5
                ELSE 1.0
            END)
           + (1.0 - abs(2.0 * min(max(NEW.probability, 0.0), 1.0) - 1.0))
    FROM (SELECT sl.name AS ls, sr.name AS rs,
                 CASE WHEN lower(sl.name) LIKE '%family%' THEN 'F'
                      WHEN lower(sl.name) LIKE '%survivor%' THEN 'S'
                      WHEN lower(sl.name) LIKE '%prison%' OR lower(sl.name) LIKE '%detain%'
                        OR lower(sl.name) LIKE '%register%' OR lower(sl.name) LIKE '%release%'
                        OR lower(sl.name) LIKE '%branch%' THEN 'D'
                      ELSE 'O' END AS l,
                 CASE WHEN lower(sr.name) LIKE '%family%' THEN 'F'
                      WHEN lower(sr.name) LIKE '%survivor%' THEN 'S'
                      WHEN lower(sr.name) LIKE '%prison%' OR lower(sr.name) LIKE '%detain%'
                        OR lower(sr.name) LIKE '%register%' OR lower(sr.name) LIKE '%release%'
                        OR lower(sr.name) LIKE '%branch%' THEN 'D'
                      ELSE 'O' END AS r
          FROM records rl JOIN sources sl ON sl.id = rl.source_id,
               records rr JOIN sources sr ON sr.id = rr.source_id
          WHERE rl.id = NEW.left_record_id AND rr.id = NEW.right_record_id) k
    WHERE NEW.state IN ('open', 'deferred');
END;

CREATE TRIGGER console_review_order_delete AFTER DELETE ON review_items
BEGIN
    DELETE FROM console_review_order WHERE review_id = OLD.id;
END;

-- The items already queued (a no-op update fires the update trigger for each).
UPDATE review_items SET probability = probability WHERE state IN ('open', 'deferred');
