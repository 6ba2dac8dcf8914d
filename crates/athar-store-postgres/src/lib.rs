//! The PostgreSQL implementation of `athar_store::Store`, for servers with several web
//! instances on one database.
//!
//! Every write transaction first takes the registry's transaction-scoped advisory lock
//! (`pg_advisory_xact_lock`), so writers queue instead of racing: that is what lets records,
//! persons and link events take consecutive ids from `MAX(id) + 1`, and keeps a record's
//! candidate lookup and its placement consistent. Bulk inserts pass a chunk of rows as one JSONB
//! array unpacked by `jsonb_array_elements`: one statement per chunk instead of one per row.
//! Backups: `pg_dump` (see [`PgStore::backup`]).
//!
//! SQL lives here and in `migrations/` only. The web tier's traits are implemented in
//! [`portal`] and [`console`] on the same [`PgStore`].

pub mod console;
pub mod portal;

use std::path::Path;
use std::str::FromStr;

use athar_store::timing::Marks;
use athar_store::*;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, Row, Transaction};

/// The migrations of this backend (versions 0001–0099 registry, 0100–0199 portal,
/// 0200–0299 console).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per bulk statement.
const CHUNK: usize = 5_000;

/// The blocking keys `$1` whose posting list holds at most `$2` records (`ok`): the candidate
/// rule every candidate query starts from.
const OK_KEYS: &str = "WITH k(key) AS (SELECT DISTINCT unnest($1::bigint[])),
     ok(key) AS (SELECT k.key FROM k WHERE (SELECT COUNT(*) FROM
         (SELECT 1 FROM blocking_keys b WHERE b.key = k.key LIMIT $2 + 1) AS capped) <= $2)";

/// The PostgreSQL store: a connection pool on one database (optionally one schema).
#[derive(Debug, Clone)]
pub struct PgStore {
    /// The pool (reachable by the portal and console implementations in this crate).
    pub(crate) pool: PgPool,
    schema: Option<String>,
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl PgStore {
    /// Opens the store at `url` (`postgres://…`) and applies migrations. With `schema`, the
    /// store lives in that schema (created if missing) — the conformance tests give every test
    /// its own. Without, it uses the connection's default search path.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Self> {
        if let Some(s) = schema
            && !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StoreError::Invalid(format!("schema name {s:?}")));
        }
        let schema = schema.map(str::to_owned);
        let mut options = PgPoolOptions::new().max_connections(8);
        if let Some(schema) = schema.clone() {
            // Create the schema once, before the pool's connections set their search path to it.
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .map_err(|e| StoreError::Connect(format!("{}: {e}", redact(url))))?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&mut conn)
            .await
            .map_err(db)?;
            conn.close().await.map_err(db)?;
            options = options.after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    sqlx::query(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}")))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            });
        }
        // JIT off: the planner cannot see that a capped blocking-key lookup touches a few
        // hundred rows, so it JIT-compiles it (about 10 ms of compilation and 35 ms a query
        // against 1M records, 1 ms without; BENCHMARKS.md, Store).
        let connect = url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .map_err(|e| StoreError::Connect(format!("{}: {e}", redact(url))))?
            .options([("jit", "off")]);
        let pool = options
            .connect_with(connect)
            .await
            .map_err(|e| StoreError::Connect(format!("{}: {e}", redact(url))))?;
        let store = Self { pool, schema };
        store.migrate().await?;
        Ok(store)
    }

    /// The schema, when the store lives in its own.
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The pool, for tests of this backend (schema parity, triggers).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>> {
        // One round trip: the transaction and its lock in one simple-protocol message.
        self.pool
            .begin_with("BEGIN; SELECT pg_advisory_xact_lock(7465126082)")
            .await
            .map_err(db)
    }
}

type Tx = Transaction<'static, Postgres>;

async fn next_id(tx: &mut Tx, table: &'static str) -> Result<i64> {
    let sql = match table {
        "records" => "SELECT COALESCE(MAX(id), 0) + 1 FROM records",
        "persons" => "SELECT COALESCE(MAX(id), 0) + 1 FROM persons",
        _ => "SELECT COALESCE(MAX(id), 0) + 1 FROM link_events",
    };
    sqlx::query_scalar(sql)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)
}

async fn audit_tx(
    tx: &mut Tx,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    detail: &Value,
    change: &Change,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor, action, target_kind, target_id, detail, reason)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
    )
    .bind(change.at)
    .bind(&change.actor)
    .bind(action)
    .bind(target_kind)
    .bind(target_id)
    .bind(detail.to_string())
    .bind(&change.reason)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert_event(
    tx: &mut Tx,
    kind: EventKind,
    model_version: Option<&str>,
    reverses: Option<EventId>,
    change: &Change,
) -> Result<EventId> {
    let id = next_id(tx, "link_events").await?;
    sqlx::query(
        "INSERT INTO link_events (id, kind, actor, reason, model_version, reverses, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(kind.as_str())
    .bind(&change.actor)
    .bind(&change.reason)
    .bind(model_version)
    .bind(reverses)
    .bind(change.at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(id)
}

/// Applies moves of one event: the move rows and the memberships, in chunks.
async fn apply_moves(tx: &mut Tx, event: EventId, moves: &[Move]) -> Result<()> {
    for chunk in moves.chunks(CHUNK) {
        let rows: Vec<Value> = chunk
            .iter()
            .map(|m| json!([m.record_id, m.from, m.to, m.score]))
            .collect();
        let rows = Value::Array(rows).to_string();
        sqlx::query(
            "INSERT INTO link_moves (event_id, record_id, from_person, to_person, score)
             SELECT $1, (value->>0)::bigint, (value->>1)::bigint, (value->>2)::bigint,
                    (value->>3)::double precision
             FROM jsonb_array_elements($2::jsonb) AS j(value)",
        )
        .bind(event)
        .bind(&rows)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO memberships (record_id, person_id, event_id)
             SELECT (value->>0)::bigint, (value->>2)::bigint, $1
             FROM jsonb_array_elements($2::jsonb) AS j(value)
             ON CONFLICT (record_id) DO UPDATE SET person_id = excluded.person_id,
                                                   event_id = excluded.event_id",
        )
        .bind(event)
        .bind(&rows)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

async fn new_persons(tx: &mut Tx, n: u32, at: DateTime<Utc>) -> Result<Vec<PersonId>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let first = next_id(tx, "persons").await?;
    let ids: Vec<PersonId> = (first..first + i64::from(n)).collect();
    for chunk in ids.chunks(CHUNK * 4) {
        let rows = serde_json::to_string(chunk).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO persons (id, created_at)
             SELECT (value #>> '{}')::bigint, $1 FROM jsonb_array_elements($2::jsonb) AS j(value)",
        )
        .bind(at)
        .bind(rows)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(ids)
}

async fn person_of(tx: &mut Tx, record: RecordId) -> Result<PersonId> {
    sqlx::query_scalar("SELECT person_id FROM memberships WHERE record_id = $1")
        .bind(record)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound(format!("record {record}")))
}

async fn anchor_of(tx: &mut Tx, person: PersonId) -> Result<RecordId> {
    sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MIN(record_id) FROM memberships WHERE person_id = $1",
    )
    .bind(person)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::NotFound(format!("person {person}")))
}

async fn records_of(tx: &mut Tx, person: PersonId) -> Result<Vec<RecordId>> {
    sqlx::query_scalar("SELECT record_id FROM memberships WHERE person_id = $1 ORDER BY record_id")
        .bind(person)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)
}

const RECORD_COLUMNS: &str = "r.id, m.person_id, r.source_id, s.name AS source, r.import_id, \
     r.local_id, r.line, r.raw, r.fields::text AS fields, r.normalized::text AS normalized, r.display_name, r.created_at";

fn pairs(text: &str) -> Result<Vec<(String, String)>> {
    serde_json::from_str(text).map_err(corrupt)
}

fn record_from_row(row: &PgRow) -> Result<StoredRecord> {
    let raw: String = row.try_get("raw").map_err(db)?;
    let fields: String = row.try_get("fields").map_err(db)?;
    let normalized: String = row.try_get("normalized").map_err(db)?;
    let line: Option<i64> = row.try_get("line").map_err(db)?;
    Ok(StoredRecord {
        id: row.try_get("id").map_err(db)?,
        person_id: row.try_get("person_id").map_err(db)?,
        source_id: row.try_get("source_id").map_err(db)?,
        source: row.try_get("source").map_err(db)?,
        import_id: row.try_get("import_id").map_err(db)?,
        local_id: row.try_get("local_id").map_err(db)?,
        line: line.and_then(|l| u64::try_from(l).ok()),
        raw: pairs(&raw)?,
        fields: pairs(&fields)?,
        normalized: serde_json::from_str(&normalized).map_err(corrupt)?,
        display_name: row.try_get("display_name").map_err(db)?,
        created_at: row.try_get("created_at").map_err(db)?,
    })
}

fn note_from_row(row: &PgRow) -> Result<Note> {
    Ok(Note {
        id: row.try_get("id").map_err(db)?,
        record_id: row.try_get("record_id").map_err(db)?,
        person_id: row.try_get("person_id").map_err(db)?,
        note_record_id: row.try_get("note_record_id").map_err(db)?,
        author: row.try_get("author").map_err(db)?,
        text: row.try_get("text").map_err(db)?,
        status: row.try_get("status").map_err(db)?,
        author_made_contact: row.try_get("author_made_contact").map_err(db)?,
        last_known_location: row.try_get("last_known_location").map_err(db)?,
        linked_record: row.try_get("linked_record").map_err(db)?,
        source_date: row.try_get("source_date").map_err(db)?,
        created_at: row.try_get("created_at").map_err(db)?,
    })
}

fn determination_from_row(row: &PgRow) -> Result<Determination> {
    let status: String = row.try_get("status").map_err(db)?;
    Ok(Determination {
        id: row.try_get("id").map_err(db)?,
        person_id: row.try_get("person_id").map_err(db)?,
        status: status.parse()?,
        evidence: row.try_get("evidence").map_err(db)?,
        decided_by: row.try_get("decided_by").map_err(db)?,
        decided_at: row.try_get("decided_at").map_err(db)?,
        record_id: row.try_get("record_id").map_err(db)?,
    })
}

fn detention_from_row(row: &PgRow) -> Result<Detention> {
    let outcome: String = row.try_get("outcome").map_err(db)?;
    Ok(Detention {
        id: row.try_get("id").map_err(db)?,
        person_id: row.try_get("person_id").map_err(db)?,
        record_id: row.try_get("record_id").map_err(db)?,
        facility: row.try_get("facility").map_err(db)?,
        prison_number: row.try_get("prison_number").map_err(db)?,
        started: row.try_get("started").map_err(db)?,
        ended: row.try_get("ended").map_err(db)?,
        outcome: outcome.parse()?,
        transferred_from: row.try_get("transferred_from").map_err(db)?,
    })
}

fn claim_from_row(row: &PgRow) -> Result<Claim> {
    let status: String = row.try_get("status").map_err(db)?;
    Ok(Claim {
        id: row.try_get("id").map_err(db)?,
        person_id: row.try_get("person_id").map_err(db)?,
        record_id: row.try_get("record_id").map_err(db)?,
        status: status.parse()?,
        claimant: row.try_get("claimant").map_err(db)?,
        statement: row.try_get("statement").map_err(db)?,
        created_at: row.try_get("created_at").map_err(db)?,
        created_by: row.try_get("created_by").map_err(db)?,
    })
}

fn review_from_row(row: &PgRow) -> Result<ReviewItem> {
    let explanation: String = row.try_get("explanation").map_err(db)?;
    Ok(ReviewItem {
        id: row.try_get("id").map_err(db)?,
        left_record_id: row.try_get("left_record_id").map_err(db)?,
        right_record_id: row.try_get("right_record_id").map_err(db)?,
        probability: row.try_get("probability").map_err(db)?,
        explanation: serde_json::from_str(&explanation).map_err(corrupt)?,
        model_version: row.try_get("model_version").map_err(db)?,
        state: row.try_get("state").map_err(db)?,
        created_at: row.try_get("created_at").map_err(db)?,
    })
}

/// Resolves batch references once ids are known.
struct Resolver<'a> {
    record_ids: &'a [RecordId],
    person_ids: &'a [PersonId],
}

impl Resolver<'_> {
    fn record(&self, r: RecordRef) -> RecordId {
        match r {
            RecordRef::Existing(id) => id,
            RecordRef::New(i) => self.record_ids[i as usize],
        }
    }
    fn person(&self, p: PersonRef) -> PersonId {
        match p {
            PersonRef::Existing(id) => id,
            PersonRef::New(i) => self.person_ids[i as usize],
        }
    }
}

/// The record a person-level fact hangs on: the given record, or the person's first record.
async fn anchor(
    tx: &mut Tx,
    res: &Resolver<'_>,
    person: PersonRef,
    record: Option<RecordRef>,
) -> Result<(RecordId, PersonId)> {
    let p = res.person(person);
    match record {
        Some(r) => Ok((res.record(r), p)),
        None => Ok((anchor_of(tx, p).await?, p)),
    }
}

async fn insert_claim(
    tx: &mut Tx,
    res: &Resolver<'_>,
    c: &NewClaim,
    change: &Change,
) -> Result<i64> {
    let (record, person) = anchor(tx, res, c.person, c.record).await?;
    sqlx::query_scalar(
        "INSERT INTO claims (record_id, person_id, status, claimant, statement, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(record)
    .bind(person)
    .bind(c.status.as_str())
    .bind(&c.claimant)
    .bind(&c.statement)
    .bind(change.at)
    .bind(&change.actor)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)
}

async fn insert_determination(
    tx: &mut Tx,
    res: &Resolver<'_>,
    d: &NewDetermination,
    change: &Change,
) -> Result<i64> {
    if d.evidence.trim().is_empty() {
        return Err(StoreError::Invalid("a determination needs evidence".into()));
    }
    let (record, person) = anchor(tx, res, d.person, d.record).await?;
    sqlx::query_scalar(
        "INSERT INTO determinations (record_id, person_id, status, evidence, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(record)
    .bind(person)
    .bind(d.status.as_str())
    .bind(&d.evidence)
    .bind(&change.actor)
    .bind(change.at)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)
}

async fn insert_detention(
    tx: &mut Tx,
    res: &Resolver<'_>,
    d: &NewDetention,
    change: &Change,
) -> Result<i64> {
    let (record, person) = anchor(tx, res, d.person, d.record).await?;
    sqlx::query_scalar(
        "INSERT INTO detentions (record_id, person_id, facility, prison_number, started, ended,
                                 outcome, transferred_from, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(record)
    .bind(person)
    .bind(&d.facility)
    .bind(&d.prison_number)
    .bind(&d.started)
    .bind(&d.ended)
    .bind(d.outcome.as_str())
    .bind(d.transferred_from)
    .bind(change.at)
    .bind(&change.actor)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)
}

async fn insert_note(tx: &mut Tx, res: &Resolver<'_>, n: &NewNote, change: &Change) -> Result<i64> {
    let record = res.record(n.record);
    let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM notes")
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    let note_record_id = n
        .note_record_id
        .clone()
        .unwrap_or_else(|| format!("athar.local/note.{id}"));
    sqlx::query_scalar(
        "INSERT INTO notes (id, record_id, note_record_id, author, text, status, author_made_contact,
                            last_known_location, linked_record, source_date, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(id)
    .bind(record)
    .bind(note_record_id)
    .bind(&n.author)
    .bind(&n.text)
    .bind(&n.status)
    .bind(n.author_made_contact)
    .bind(&n.last_known_location)
    .bind(&n.linked_record)
    .bind(n.source_date)
    .bind(change.at)
    .bind(&change.actor)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)
}

async fn insert_label(
    tx: &mut Tx,
    left: RecordId,
    right: RecordId,
    is_match: bool,
    change: &Change,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO labels (left_record_id, right_record_id, is_match, actor, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(left)
    .bind(right)
    .bind(is_match)
    .bind(&change.actor)
    .bind(&change.reason)
    .bind(change.at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn merge_tx(tx: &mut Tx, from: PersonId, into: PersonId, change: &Change) -> Result<EventId> {
    if from == into {
        return Err(StoreError::Invalid(format!(
            "person {from} cannot be merged into itself"
        )));
    }
    let records = records_of(tx, from).await?;
    if records.is_empty() {
        return Err(StoreError::NotFound(format!(
            "person {from} has no records"
        )));
    }
    if records_of(tx, into).await?.is_empty() {
        return Err(StoreError::NotFound(format!(
            "person {into} has no records"
        )));
    }
    let event = insert_event(tx, EventKind::Merge, None, None, change).await?;
    let moves: Vec<Move> = records
        .iter()
        .map(|&r| Move {
            record_id: r,
            from: Some(from),
            to: into,
            score: None,
        })
        .collect();
    apply_moves(tx, event, &moves).await?;
    audit_tx(
        tx,
        "merge",
        "person",
        Some(&into.to_string()),
        &json!({"from": from, "into": into, "event": event}),
        change,
    )
    .await?;
    Ok(event)
}

/// The audit row of a write.
struct Audit {
    action: &'static str,
    target_kind: &'static str,
    target_id: String,
    detail: String,
}

/// The `place` link event of a batch with records.
struct PlaceEvent {
    id: EventId,
    model_version: Option<String>,
}

/// The rows a batch adds (ids resolved), written by [`write_rows`].
struct RowsWritten<'a> {
    source_id: i64,
    import_id: Option<i64>,
    /// Ids of the new persons.
    persons: std::ops::Range<PersonId>,
    records: &'a [NewRecord],
    record_ids: &'a [RecordId],
    /// The person each record is placed in, and the placement's score.
    persons_of: Vec<PersonId>,
    scores: Vec<Option<f64>>,
    /// `(key, record)`, sorted.
    keys: &'a [(i64, RecordId)],
    reviews: &'a [NewReview],
    res: &'a Resolver<'a>,
}

/// One statement (data-modifying CTEs) adds every kind of row of a batch: the new persons, the
/// `place` event, records with their moves and memberships, blocking keys, review items and the
/// audit row. Empty arrays add nothing, so a single record (the web's path) is one round trip;
/// foreign keys are checked at the end of the statement, after all its inserts.
const WRITE_ROWS: &str = "
WITH p AS (INSERT INTO persons (id, created_at)
           SELECT g, $1 FROM generate_series($2::bigint, $3::bigint) AS g),
     e AS (INSERT INTO link_events (id, kind, actor, reason, model_version, reverses, at)
           SELECT $4::bigint, 'place', $5, $6, $7, NULL, $1 WHERE $4::bigint IS NOT NULL),
     r AS (INSERT INTO records (id, source_id, import_id, local_id, line, raw, fields,
                                normalized, display_name, created_at)
           SELECT t.id, $8, $9, t.local_id, t.line, t.raw, t.fields::jsonb, t.normalized::jsonb,
                  t.display_name, $1
           FROM UNNEST($10::bigint[], $11::text[], $12::bigint[], $13::text[], $14::text[],
                       $15::text[], $16::text[])
                AS t(id, local_id, line, raw, fields, normalized, display_name)),
     mv AS (INSERT INTO link_moves (event_id, record_id, from_person, to_person, score)
            SELECT $17::bigint, t.id, NULL, t.person, t.score
            FROM UNNEST($10::bigint[], $18::bigint[], $19::float8[]) AS t(id, person, score)),
     mb AS (INSERT INTO memberships (record_id, person_id, event_id)
            SELECT t.id, t.person, $17::bigint
            FROM UNNEST($10::bigint[], $18::bigint[]) AS t(id, person)),
     k AS (INSERT INTO blocking_keys (key, record_id)
           SELECT * FROM UNNEST($20::bigint[], $21::bigint[])),
     rv AS (INSERT INTO review_items (left_record_id, right_record_id, probability, explanation,
                                      model_version, created_at)
            SELECT t.l, t.r, t.p, t.x::jsonb, t.v, $1
            FROM UNNEST($22::bigint[], $23::bigint[], $24::float8[], $25::text[], $26::text[])
                 AS t(l, r, p, x, v))
INSERT INTO audit_events (at, actor, action, target_kind, target_id, detail, reason)
SELECT $1, $5, $27::text, $28::text, $29::text, $30::jsonb, $6 WHERE $27::text IS NOT NULL";

/// Writes a batch's rows with [`WRITE_ROWS`], in chunks: statement `i` adds records chunk `i`;
/// keys and review items (which refer to records of any chunk) start with the last records
/// chunk; persons, the event and the audit row go with the first statement.
async fn write_rows(
    tx: &mut Tx,
    w: &RowsWritten<'_>,
    place: Option<&PlaceEvent>,
    audit: &Audit,
    change: &Change,
) -> Result<()> {
    let record_chunks: Vec<&[NewRecord]> = w.records.chunks(CHUNK).collect();
    let key_chunks: Vec<&[(i64, RecordId)]> = w.keys.chunks(CHUNK * 8).collect();
    let review_chunks: Vec<&[NewReview]> = w.reviews.chunks(CHUNK).collect();
    let tail_from = record_chunks.len().saturating_sub(1);
    let statements = tail_from + key_chunks.len().max(review_chunks.len()).max(1);
    let n = w.records.len();
    for i in 0..statements {
        let first = i == 0;
        let recs: &[NewRecord] = record_chunks.get(i).copied().unwrap_or(&[]);
        let at = (i * CHUNK).min(n)..(i * CHUNK + recs.len()).min(n);
        let tail = i.checked_sub(tail_from);
        let keys: &[(i64, RecordId)] = tail.and_then(|t| key_chunks.get(t).copied()).unwrap_or(&[]);
        let reviews: &[NewReview] = tail
            .and_then(|t| review_chunks.get(t).copied())
            .unwrap_or(&[]);
        let (persons_from, persons_to) = if first {
            (w.persons.start, w.persons.end - 1)
        } else {
            (1, 0)
        };
        let local: Vec<Option<&str>> = recs.iter().map(|r| r.local_id.as_deref()).collect();
        let line: Vec<Option<i64>> = recs
            .iter()
            .map(|r| r.line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)))
            .collect();
        let raw: Vec<String> = recs
            .iter()
            .map(|r| serde_json::to_string(&r.raw))
            .collect::<std::result::Result<_, _>>()
            .map_err(corrupt)?;
        let fields: Vec<String> = recs
            .iter()
            .map(|r| serde_json::to_string(&r.fields))
            .collect::<std::result::Result<_, _>>()
            .map_err(corrupt)?;
        let normalized: Vec<String> = recs.iter().map(|r| r.normalized.to_string()).collect();
        let names: Vec<&str> = recs.iter().map(|r| r.display_name.as_str()).collect();
        let (key, key_record): (Vec<i64>, Vec<RecordId>) = keys.iter().copied().unzip();
        let left: Vec<RecordId> = reviews.iter().map(|r| w.res.record(r.left)).collect();
        let right: Vec<RecordId> = reviews.iter().map(|r| w.res.record(r.right)).collect();
        let probability: Vec<f64> = reviews.iter().map(|r| r.probability).collect();
        let explanation: Vec<String> = reviews.iter().map(|r| r.explanation.to_string()).collect();
        let version: Vec<Option<&str>> =
            reviews.iter().map(|r| r.model_version.as_deref()).collect();
        sqlx::query(WRITE_ROWS)
            .bind(change.at)
            .bind(persons_from)
            .bind(persons_to)
            .bind(place.filter(|_| first).map(|e| e.id))
            .bind(&change.actor)
            .bind(&change.reason)
            .bind(place.and_then(|e| e.model_version.as_deref()))
            .bind(w.source_id)
            .bind(w.import_id)
            .bind(&w.record_ids[at.clone()])
            .bind(local)
            .bind(line)
            .bind(raw)
            .bind(fields)
            .bind(normalized)
            .bind(names)
            .bind(place.map(|e| e.id))
            .bind(&w.persons_of[at.clone()])
            .bind(&w.scores[at])
            .bind(key)
            .bind(key_record)
            .bind(left)
            .bind(right)
            .bind(probability)
            .bind(explanation)
            .bind(version)
            .bind(first.then_some(audit.action))
            .bind(first.then_some(audit.target_kind))
            .bind(first.then_some(audit.target_id.as_str()))
            .bind(first.then_some(audit.detail.as_str()))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    async fn find_import(&self, sha256: &str) -> Result<Option<ImportSummary>> {
        let row = sqlx::query(
            "SELECT i.id, s.name, i.file_name, i.sha256, i.records, i.imported_at
             FROM imports i JOIN sources s ON s.id = i.source_id WHERE i.sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| {
            let records: i64 = row.try_get("records").map_err(db)?;
            Ok(ImportSummary {
                id: row.try_get("id").map_err(db)?,
                source: row.try_get("name").map_err(db)?,
                file_name: row.try_get("file_name").map_err(db)?,
                sha256: row.try_get("sha256").map_err(db)?,
                records: u64::try_from(records).unwrap_or(0),
                imported_at: row.try_get("imported_at").map_err(db)?,
            })
        })
        .transpose()
    }

    async fn write_batch(&self, batch: &WriteBatch, change: &Change) -> Result<WriteOutcome> {
        batch.validate()?;
        let mut marks = Marks::new("pg-write");
        let mut tx = self.begin_write().await?;
        marks.mark("begin+lock");
        if let Some(file) = &batch.file {
            let found: Option<(i64, i64, i64)> =
                sqlx::query_as("SELECT id, source_id, records FROM imports WHERE sha256 = $1")
                    .bind(&file.sha256)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            if let Some((import_id, source_id, records)) = found {
                tx.rollback().await.map_err(db)?;
                return Ok(WriteOutcome {
                    source_id,
                    import_id: Some(import_id),
                    already_imported: true,
                    record_ids: Vec::new(),
                    person_ids: Vec::new(),
                    records: u64::try_from(records).unwrap_or(0),
                });
            }
        }
        // One round trip for the source and the next ids (read under the write lock, so they
        // are free until the commit).
        let (found_source, first_person, first_record, event_id): (Option<i64>, i64, i64, i64) =
            sqlx::query_as(
                "SELECT (SELECT id FROM sources WHERE name = $1),
                        (SELECT COALESCE(MAX(id), 0) + 1 FROM persons),
                        (SELECT COALESCE(MAX(id), 0) + 1 FROM records),
                        (SELECT COALESCE(MAX(id), 0) + 1 FROM link_events)",
            )
            .bind(&batch.source.name)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let source_id: i64 = match found_source {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO sources (name, supplier, notes, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&batch.source.name)
            .bind(&batch.source.supplier)
            .bind(&batch.source.notes)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?,
        };
        marks.mark("ids");
        let import_id: Option<i64> = match &batch.file {
            Some(file) => Some(
                sqlx::query_scalar(
                    "INSERT INTO imports (source_id, file_name, sha256, format, received_at, records,
                                          imported_at, imported_by)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(source_id)
                .bind(&file.file_name)
                .bind(&file.sha256)
                .bind(&file.format)
                .bind(file.received_at.unwrap_or(change.at))
                .bind(i64::try_from(batch.records.len()).unwrap_or(i64::MAX))
                .bind(change.at)
                .bind(&change.actor)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?,
            ),
            None => None,
        };
        marks.mark("import");
        let person_ids: Vec<PersonId> = (first_person..).take(batch.new_persons as usize).collect();
        let record_ids: Vec<RecordId> = (first_record..).take(batch.records.len()).collect();
        let res = Resolver {
            record_ids: &record_ids,
            person_ids: &person_ids,
        };
        let audit_detail = batch.audit_detail();
        let audit = Audit {
            action: if batch.file.is_some() {
                "import"
            } else {
                "ingest"
            },
            target_kind: if import_id.is_some() {
                "import"
            } else {
                "source"
            },
            target_id: import_id.unwrap_or(source_id).to_string(),
            detail: audit_detail.to_string(),
        };
        let place = (!batch.records.is_empty()).then(|| PlaceEvent {
            id: event_id,
            model_version: batch
                .placements
                .iter()
                .find_map(|p| p.model_version.clone()),
        });
        let mut keys: Vec<(i64, RecordId)> = Vec::new();
        for (i, r) in batch.records.iter().enumerate() {
            keys.extend(r.keys.iter().map(|&k| (k, record_ids[i])));
        }
        // Sorted once for the whole batch: each key statement then fills one stretch of the
        // index instead of touching all of it.
        keys.sort_unstable();
        keys.dedup();
        let rows = RowsWritten {
            source_id,
            import_id,
            persons: first_person..first_person + i64::from(batch.new_persons),
            records: &batch.records,
            record_ids: &record_ids,
            persons_of: batch
                .placements
                .iter()
                .map(|p| res.person(p.person))
                .collect(),
            scores: batch.placements.iter().map(|p| p.score).collect(),
            keys: &keys,
            reviews: &batch.reviews,
            res: &res,
        };
        write_rows(&mut tx, &rows, place.as_ref(), &audit, change).await?;
        marks.mark("rows");
        for n in &batch.notes {
            insert_note(&mut tx, &res, n, change).await?;
        }
        for c in &batch.claims {
            insert_claim(&mut tx, &res, c, change).await?;
        }
        for d in &batch.determinations {
            insert_determination(&mut tx, &res, d, change).await?;
        }
        for d in &batch.detentions {
            insert_detention(&mut tx, &res, d, change).await?;
        }
        marks.mark("facts");
        tx.commit().await.map_err(db)?;
        marks.mark("commit");
        marks.print("");
        Ok(WriteOutcome {
            source_id,
            import_id,
            already_imported: false,
            records: batch.records.len() as u64,
            record_ids,
            person_ids,
        })
    }

    async fn candidates(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<StoredRecord>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{OK_KEYS},
                  ids(id) AS (SELECT DISTINCT b.record_id FROM blocking_keys b JOIN ok ON b.key = ok.key)
             SELECT {RECORD_COLUMNS} FROM ids
             JOIN records r ON r.id = ids.id
             JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id
             ORDER BY r.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(keys)
            .bind(cap_bound(max_per_key))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }

    async fn candidate_ids(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<RecordId>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "{OK_KEYS}
             SELECT DISTINCT b.record_id FROM blocking_keys b JOIN ok ON b.key = ok.key
             ORDER BY b.record_id"
        )))
        .bind(keys)
        .bind(cap_bound(max_per_key))
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    async fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id = ANY($1::bigint[]) ORDER BY r.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }

    async fn link_forms(&self, ids: &[RecordId]) -> Result<Vec<LinkForm>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(RecordId, PersonId, String, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT r.id, m.person_id, s.name, r.created_at, r.normalized::text
             FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id = ANY($1::bigint[]) ORDER BY r.id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(LinkForm::from).collect())
    }

    async fn candidate_forms(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<LinkForm>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // The ids as an array (an init plan): the records are then read by primary key, never
        // by a join the planner might turn into a scan.
        let rows: Vec<(RecordId, PersonId, String, DateTime<Utc>, String)> = sqlx::query_as(
            sqlx::AssertSqlSafe(format!("{OK_KEYS}
             SELECT r.id, m.person_id, s.name, r.created_at, r.normalized::text
             FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id
             WHERE r.id = ANY(ARRAY(SELECT b.record_id FROM blocking_keys b JOIN ok ON b.key = ok.key))
             ORDER BY r.id")),
        )
        .bind(keys)
        .bind(cap_bound(max_per_key))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(LinkForm::from).collect())
    }

    async fn record(&self, id: RecordId) -> Result<Option<StoredRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn records_page(&self, after: RecordId, limit: usize) -> Result<Vec<StoredRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id > $1 ORDER BY r.id LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }

    async fn record_by_local_id(&self, source: &str, local_id: &str) -> Result<Option<RecordId>> {
        sqlx::query_scalar(
            "SELECT r.id FROM records r JOIN sources s ON s.id = r.source_id
             WHERE s.name = $1 AND r.local_id = $2 ORDER BY r.id LIMIT 1",
        )
        .bind(source)
        .bind(local_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    async fn person(&self, id: PersonId) -> Result<Option<PersonDetail>> {
        // One read transaction, so records, facts and history are of one moment; the same
        // reader serves the console's audited read inside its write transaction.
        let mut tx = self.pool.begin().await.map_err(db)?;
        let person = console::person_tx(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(person)
    }

    async fn merge_persons(
        &self,
        from: PersonId,
        into: PersonId,
        change: &Change,
    ) -> Result<EventId> {
        let mut tx = self.begin_write().await?;
        let event = merge_tx(&mut tx, from, into, change).await?;
        tx.commit().await.map_err(db)?;
        Ok(event)
    }

    async fn split_record(&self, record: RecordId, change: &Change) -> Result<(EventId, PersonId)> {
        let mut tx = self.begin_write().await?;
        let from = person_of(&mut tx, record).await?;
        if records_of(&mut tx, from).await?.len() < 2 {
            return Err(StoreError::Invalid(format!(
                "record {record} is alone in person {from}"
            )));
        }
        let to = new_persons(&mut tx, 1, change.at).await?[0];
        let event = insert_event(&mut tx, EventKind::Split, None, None, change).await?;
        apply_moves(
            &mut tx,
            event,
            &[Move {
                record_id: record,
                from: Some(from),
                to,
                score: None,
            }],
        )
        .await?;
        audit_tx(
            &mut tx,
            "split",
            "record",
            Some(&record.to_string()),
            &json!({"from": from, "to": to, "event": event}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok((event, to))
    }

    async fn move_records(
        &self,
        records: &[RecordId],
        into: PersonId,
        change: &Change,
    ) -> Result<EventId> {
        let mut tx = self.begin_write().await?;
        if records_of(&mut tx, into).await?.is_empty() {
            return Err(StoreError::NotFound(format!(
                "person {into} has no records"
            )));
        }
        let mut moves = Vec::new();
        for &r in records {
            let from = person_of(&mut tx, r).await?;
            if from != into {
                moves.push(Move {
                    record_id: r,
                    from: Some(from),
                    to: into,
                    score: None,
                });
            }
        }
        if moves.is_empty() {
            return Err(StoreError::Invalid(format!(
                "the records are already in person {into}"
            )));
        }
        let event = insert_event(&mut tx, EventKind::Move, None, None, change).await?;
        apply_moves(&mut tx, event, &moves).await?;
        audit_tx(
            &mut tx,
            "move",
            "person",
            Some(&into.to_string()),
            &json!({"records": records, "event": event}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(event)
    }

    async fn reverse_event(&self, event: EventId, change: &Change) -> Result<EventId> {
        let mut tx = self.begin_write().await?;
        let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM link_events WHERE id = $1")
            .bind(event)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let kind: EventKind = kind
            .ok_or_else(|| StoreError::NotFound(format!("event {event}")))?
            .parse()?;
        if kind == EventKind::Place {
            return Err(StoreError::Invalid(format!(
                "event {event} placed records as they entered; split or move them instead"
            )));
        }
        let already: Option<i64> =
            sqlx::query_scalar("SELECT id FROM link_events WHERE reverses = $1")
                .bind(event)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if let Some(by) = already {
            return Err(StoreError::Conflict(format!(
                "event {event} was already reversed by event {by}"
            )));
        }
        let moves: Vec<(i64, Option<i64>, i64)> = sqlx::query_as(
            "SELECT record_id, from_person, to_person FROM link_moves WHERE event_id = $1",
        )
        .bind(event)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut back = Vec::with_capacity(moves.len());
        for (record, from, to) in moves {
            let now = person_of(&mut tx, record).await?;
            if now != to {
                return Err(StoreError::Conflict(format!(
                    "record {record} has moved since event {event} (now in person {now})"
                )));
            }
            let from = from.ok_or_else(|| {
                StoreError::Invalid(format!("event {event} has no origin for record {record}"))
            })?;
            back.push(Move {
                record_id: record,
                from: Some(to),
                to: from,
                score: None,
            });
        }
        let rev = insert_event(&mut tx, EventKind::Reverse, None, Some(event), change).await?;
        apply_moves(&mut tx, rev, &back).await?;
        audit_tx(
            &mut tx,
            "reverse",
            "event",
            Some(&event.to_string()),
            &json!({"event": rev}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(rev)
    }

    async fn events(&self, after: EventId, limit: usize) -> Result<Vec<LinkEvent>> {
        let rows = sqlx::query(
            "SELECT id, kind, actor, reason, model_version, reverses, at FROM link_events
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: EventId = row.try_get("id").map_err(db)?;
            let kind: String = row.try_get("kind").map_err(db)?;
            let moves: Vec<(i64, Option<i64>, i64, Option<f64>)> = sqlx::query_as(
                "SELECT record_id, from_person, to_person, score FROM link_moves WHERE event_id = $1 ORDER BY record_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
            out.push(LinkEvent {
                id,
                kind: kind.parse()?,
                actor: row.try_get("actor").map_err(db)?,
                reason: row.try_get("reason").map_err(db)?,
                model_version: row.try_get("model_version").map_err(db)?,
                reverses: row.try_get("reverses").map_err(db)?,
                at: row.try_get("at").map_err(db)?,
                moves: moves
                    .into_iter()
                    .map(|(record_id, from, to, score)| Move {
                        record_id,
                        from,
                        to,
                        score,
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    async fn add_claim(&self, claim: &NewClaim, change: &Change) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let res = Resolver {
            record_ids: &[],
            person_ids: &[],
        };
        if matches!(claim.person, PersonRef::New(_))
            || matches!(claim.record, Some(RecordRef::New(_)))
        {
            return Err(StoreError::Invalid(
                "a single claim refers to stored persons and records".into(),
            ));
        }
        let id = insert_claim(&mut tx, &res, claim, change).await?;
        audit_tx(
            &mut tx,
            "claim",
            "claim",
            Some(&id.to_string()),
            &json!({"status": claim.status}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn add_determination(&self, det: &NewDetermination, change: &Change) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let res = Resolver {
            record_ids: &[],
            person_ids: &[],
        };
        if matches!(det.person, PersonRef::New(_)) || matches!(det.record, Some(RecordRef::New(_)))
        {
            return Err(StoreError::Invalid(
                "a single determination refers to a stored person".into(),
            ));
        }
        let id = insert_determination(&mut tx, &res, det, change).await?;
        audit_tx(
            &mut tx,
            "determination",
            "determination",
            Some(&id.to_string()),
            &json!({"status": det.status}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn add_detention(&self, det: &NewDetention, change: &Change) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let res = Resolver {
            record_ids: &[],
            person_ids: &[],
        };
        if matches!(det.person, PersonRef::New(_)) || matches!(det.record, Some(RecordRef::New(_)))
        {
            return Err(StoreError::Invalid(
                "a single detention refers to stored persons and records".into(),
            ));
        }
        let id = insert_detention(&mut tx, &res, det, change).await?;
        audit_tx(
            &mut tx,
            "detention",
            "detention",
            Some(&id.to_string()),
            &json!({}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn add_note(&self, note: &NewNote, change: &Change) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let res = Resolver {
            record_ids: &[],
            person_ids: &[],
        };
        if matches!(note.record, RecordRef::New(_)) {
            return Err(StoreError::Invalid(
                "a single note refers to a stored record".into(),
            ));
        }
        let id = insert_note(&mut tx, &res, note, change).await?;
        audit_tx(
            &mut tx,
            "note",
            "note",
            Some(&id.to_string()),
            &json!({}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn notes_page(&self, after: i64, limit: usize) -> Result<Vec<Note>> {
        sqlx::query(
            "SELECT n.*, m.person_id FROM notes n JOIN memberships m ON m.record_id = n.record_id
             WHERE n.id > $1 ORDER BY n.id LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(note_from_row)
        .collect()
    }

    async fn person_facts(&self, persons: &[PersonId]) -> Result<PersonFacts> {
        let ids = persons.to_vec();
        let determinations = sqlx::query(
            "SELECT d.id, m.person_id, d.record_id, d.status, d.evidence, d.decided_by, d.decided_at
             FROM determinations d JOIN memberships m ON m.record_id = d.record_id
             WHERE m.person_id = ANY($1::bigint[]) ORDER BY d.decided_at, d.id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(determination_from_row)
        .collect::<Result<_>>()?;
        let detentions = sqlx::query(
            "SELECT d.id, m.person_id, d.record_id, d.facility, d.prison_number, d.started, d.ended,
                    d.outcome, d.transferred_from
             FROM detentions d JOIN memberships m ON m.record_id = d.record_id
             WHERE m.person_id = ANY($1::bigint[]) ORDER BY d.id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(detention_from_row)
        .collect::<Result<_>>()?;
        let claims = sqlx::query(
            "SELECT c.id, m.person_id, c.record_id, c.status, c.claimant, c.statement, c.created_at,
                    c.created_by
             FROM claims c JOIN memberships m ON m.record_id = c.record_id
             WHERE m.person_id = ANY($1::bigint[]) ORDER BY c.id",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(claim_from_row)
        .collect::<Result<_>>()?;
        Ok(PersonFacts {
            claims,
            determinations,
            detentions,
        })
    }

    async fn open_reviews(&self, limit: usize) -> Result<Vec<ReviewItem>> {
        sqlx::query(
            "SELECT id, left_record_id, right_record_id, probability, explanation::text AS explanation,
                    model_version, state, created_at
             FROM review_items WHERE state = 'open' ORDER BY probability DESC, id LIMIT $1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(review_from_row)
        .collect()
    }

    async fn decide_review(
        &self,
        id: i64,
        state: &str,
        change: &Change,
    ) -> Result<Option<EventId>> {
        if !matches!(state, "confirmed" | "rejected" | "deferred") {
            return Err(StoreError::Invalid(format!(
                "unknown review decision {state:?}"
            )));
        }
        let mut tx = self.begin_write().await?;
        let pair: Option<(i64, i64, String)> = sqlx::query_as(
            "SELECT left_record_id, right_record_id, state FROM review_items WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let (left, right, current) =
            pair.ok_or_else(|| StoreError::NotFound(format!("review item {id}")))?;
        if current != "open" && current != "deferred" {
            return Err(StoreError::Conflict(format!(
                "review item {id} is already {current}"
            )));
        }
        sqlx::query("UPDATE review_items SET state = $1, decided_by = $2, decided_at = $3, reason = $4 WHERE id = $5")
            .bind(state)
            .bind(&change.actor)
            .bind(change.at)
            .bind(&change.reason)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let mut event = None;
        if state != "deferred" {
            insert_label(&mut tx, left, right, state == "confirmed", change).await?;
        }
        if state == "confirmed" {
            let lp = person_of(&mut tx, left).await?;
            let rp = person_of(&mut tx, right).await?;
            if lp != rp {
                event = Some(merge_tx(&mut tx, rp, lp, change).await?);
            }
        }
        audit_tx(
            &mut tx,
            "review",
            "review_item",
            Some(&id.to_string()),
            &json!({"state": state, "event": event}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(event)
    }

    async fn add_label(
        &self,
        left: RecordId,
        right: RecordId,
        is_match: bool,
        change: &Change,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert_label(&mut tx, left, right, is_match, change).await?;
        audit_tx(
            &mut tx,
            "label",
            "record",
            Some(&left.to_string()),
            &json!({"right": right, "match": is_match}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn labels(&self) -> Result<Vec<Label>> {
        let rows = sqlx::query(
            "SELECT left_record_id, right_record_id, is_match, actor, at FROM labels ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(Label {
                    left_record_id: row.try_get("left_record_id").map_err(db)?,
                    right_record_id: row.try_get("right_record_id").map_err(db)?,
                    is_match: row.try_get("is_match").map_err(db)?,
                    actor: row.try_get("actor").map_err(db)?,
                    at: row.try_get("at").map_err(db)?,
                })
            })
            .collect()
    }

    async fn save_model(&self, version: &str, json_text: &str, change: &Change) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE models SET active = FALSE WHERE active")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO models (version, json, active, created_at, created_by) VALUES ($1, $2, TRUE, $3, $4)",
        )
        .bind(version)
        .bind(json_text)
        .bind(change.at)
        .bind(&change.actor)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        audit_tx(&mut tx, "train", "model", Some(version), &json!({}), change).await?;
        tx.commit().await.map_err(db)
    }

    async fn replace_keys(&self, keys: &[(i64, RecordId)], change: &Change) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let mut records: Vec<RecordId> = keys.iter().map(|&(_, r)| r).collect();
        records.sort_unstable();
        records.dedup();
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE id = ANY($1)")
            .bind(&records)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        if usize::try_from(found).unwrap_or(0) != records.len() {
            return Err(StoreError::Invalid(
                "the keys refer to records that are not stored".into(),
            ));
        }
        sqlx::query("DELETE FROM blocking_keys")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for chunk in keys.chunks(100_000) {
            let (k, r): (Vec<i64>, Vec<RecordId>) = chunk.iter().copied().unzip();
            sqlx::query(
                "INSERT INTO blocking_keys (key, record_id)
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[])",
            )
            .bind(&k)
            .bind(&r)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let detail = json!({ "keys": keys.len(), "records": records.len() });
        audit_tx(&mut tx, "rekey", "store", None, &detail, change).await?;
        tx.commit().await.map_err(db)
    }

    async fn active_model(&self) -> Result<Option<SavedModel>> {
        let row: Option<(String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT version, json, created_at FROM models WHERE active ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|(version, json, created_at)| SavedModel {
            version,
            json,
            created_at,
        }))
    }

    async fn add_user(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        change: &Change,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("user {name:?} exists")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES ($1, $2, $3, FALSE, $4) RETURNING id",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(change.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        audit_tx(
            &mut tx,
            "add_user",
            "user",
            Some(name),
            &json!({"role": role}),
            change,
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn user(&self, name: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT id, name, role, password_hash, disabled, created_at FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| {
            let role: String = row.try_get("role").map_err(db)?;
            Ok(User {
                id: row.try_get("id").map_err(db)?,
                name: row.try_get("name").map_err(db)?,
                role: Role::from_str(&role)?,
                password_hash: row.try_get("password_hash").map_err(db)?,
                disabled: row.try_get("disabled").map_err(db)?,
                created_at: row.try_get("created_at").map_err(db)?,
            })
        })
        .transpose()
    }

    async fn audit(
        &self,
        action: &str,
        target_kind: &str,
        target_id: Option<&str>,
        detail: &Value,
        change: &Change,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        audit_tx(&mut tx, action, target_kind, target_id, detail, change).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target_kind, target_id, detail::text AS detail, reason
             FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(audit_event_from_row).collect()
    }

    async fn counts(&self) -> Result<Counts> {
        let row: (i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM imports),
                    (SELECT COUNT(*) FROM records),
                    (SELECT COUNT(DISTINCT person_id) FROM memberships),
                    (SELECT COUNT(*) FROM link_events),
                    (SELECT COUNT(*) FROM review_items WHERE state = 'open'),
                    (SELECT COUNT(*) FROM notes)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(Counts {
            sources: n(row.0),
            imports: n(row.1),
            records: n(row.2),
            persons: n(row.3),
            events: n(row.4),
            open_reviews: n(row.5),
            notes: n(row.6),
        })
    }

    async fn check(&self) -> Result<Vec<Fault>> {
        let mut faults = Vec::new();
        let mut fault = |code: &str, message: String| {
            faults.push(Fault {
                code: code.into(),
                message,
            })
        };
        // PostgreSQL enforces foreign keys and checks its pages itself; the rules below are ours.
        // Fresh statistics first: after a bulk import the planner would otherwise pick nested
        // loops for the replay comparison.
        sqlx::query("ANALYZE records, memberships, link_moves, link_events, imports")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        for (code, sql, what) in CHECKS {
            let ids: Vec<i64> = sqlx::query_scalar(*sql)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
            if !ids.is_empty() {
                fault(
                    code,
                    format!(
                        "{what}: {}",
                        ids.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
        }
        Ok(faults)
    }

    /// PostgreSQL is backed up with its own tools, consistently and online:
    /// `pg_dump --format=custom --file=athar.dump "$DATABASE_URL"`, restored with
    /// `pg_restore --dbname="$NEW_DATABASE_URL" athar.dump`.
    async fn backup(&self, path: &Path) -> Result<()> {
        Err(StoreError::Unsupported(format!(
            "back up PostgreSQL with pg_dump: pg_dump --format=custom --file={} \"$ATHAR_DATABASE_URL\" \
             (restore with pg_restore --dbname=URL {})",
            path.display(),
            path.display()
        )))
    }
}

/// Integrity rules beyond the database's own: each query returns up to 5 offending ids.
const CHECKS: &[(&str, &str, &str)] = &[
    (
        "record_without_person",
        "SELECT r.id FROM records r LEFT JOIN memberships m ON m.record_id = r.id
         WHERE m.record_id IS NULL ORDER BY r.id LIMIT 5",
        "records without a person",
    ),
    (
        "membership_mismatch",
        "SELECT m.record_id FROM memberships m
         LEFT JOIN (SELECT record_id, MAX(event_id) AS e FROM link_moves GROUP BY record_id) l
                ON l.record_id = m.record_id
         LEFT JOIN link_moves lm ON lm.record_id = l.record_id AND lm.event_id = l.e
         WHERE lm.record_id IS NULL OR lm.to_person <> m.person_id OR m.event_id <> l.e
         ORDER BY m.record_id LIMIT 5",
        "records whose person differs from the replay of the link events",
    ),
    (
        "history_gap",
        "SELECT record_id FROM (SELECT record_id, from_person,
                LAG(to_person) OVER (PARTITION BY record_id ORDER BY event_id) AS prev
                FROM link_moves) AS t WHERE from_person IS DISTINCT FROM prev
         ORDER BY record_id LIMIT 5",
        "records whose moves do not chain (a move starts where the previous did not end)",
    ),
    (
        "import_count",
        "SELECT i.id FROM imports i
         WHERE i.records <> (SELECT COUNT(*) FROM records r WHERE r.import_id = i.id)
         ORDER BY i.id LIMIT 5",
        "imports whose stored records differ from their count (a partial import)",
    ),
    (
        "event_without_moves",
        "SELECT e.id FROM link_events e WHERE NOT EXISTS
            (SELECT 1 FROM link_moves lm WHERE lm.event_id = e.id) ORDER BY e.id LIMIT 5",
        "link events without moves",
    ),
];

/// An `audit_events` row as an [`AuditEvent`] (the store's page reader and the console's
/// audit search both read whole rows).
pub(crate) fn audit_event_from_row(row: &sqlx::postgres::PgRow) -> Result<AuditEvent> {
    let detail: String = row.try_get("detail").map_err(db)?;
    Ok(AuditEvent {
        id: row.try_get("id").map_err(db)?,
        at: row.try_get("at").map_err(db)?,
        actor: row.try_get("actor").map_err(db)?,
        action: row.try_get("action").map_err(db)?,
        target_kind: row.try_get("target_kind").map_err(db)?,
        target_id: row.try_get("target_id").map_err(db)?,
        detail: serde_json::from_str(&detail).map_err(corrupt)?,
        reason: row.try_get("reason").map_err(db)?,
    })
}
