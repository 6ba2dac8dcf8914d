//! The embedded SQLite implementation of `athar_store::Store`.
//!
//! Operating rules (see `../shared/research/rust-stack.md` §A2): WAL journal, `synchronous=FULL`
//! (an acknowledged commit survives a power cut), a busy timeout, foreign keys on, and every write
//! transaction opened with `BEGIN IMMEDIATE` so that a read-then-write never fails with
//! `SQLITE_BUSY` half way. Bulk inserts pass a chunk of rows as one JSON array and let SQLite's
//! `json_each` unpack it: one statement per chunk instead of one per row.
//!
//! SQL lives here and in `migrations/` only. The web tier's traits are implemented in
//! [`portal`] and [`console`] on the same [`SqliteStore`].

pub mod console;
pub mod portal;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use athar_store::*;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Row, Sqlite, SqliteConnection, Transaction};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The migrations of this backend (versions 0001–0099 registry, 0100–0199 portal,
/// 0200–0299 console).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per bulk statement.
const CHUNK: usize = 5_000;

/// The memory map asked for (`PRAGMA mmap_size`): SQLite's default compile-time maximum,
/// 0x7fff0000 bytes.
const MMAP_SIZE: &str = "2147418112";

/// How often the checkpointer copies committed WAL frames into the database file. A
/// checkpoint's writes still slow the commit that syncs the WAL while they are flushed (ext4
/// flushes them in the same journal commit): every 200 ms, one single-record ingest in ~35 at
/// 1M records paid 8–17 ms for it; every second, about one in 200 (p99 21.7 / 18.9 → 18.0 /
/// 15.6 ms, two runs each). The WAL between two checkpoints stays a few MB.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The SQLite store on one database file: a pool of readers and one writer connection.
///
/// Every write goes through the writer (SQLite admits one writer at a time anyway), and so do
/// the reads of one new record's candidates before it is written ([`Store::candidate_forms`]).
/// A commit empties the page cache of every *other* connection (SQLite cannot tell which
/// pages changed), so with writes spread over the pool each single-record ingest re-read its
/// candidates' index pages from the operating system; the writer's own cache stays warm.
///
/// WAL checkpoints run off the commit path: the writer's automatic checkpoint is off, and a
/// background task on its own connection checkpoints (`PASSIVE`) every
/// [`CHECKPOINT_EVERY`]. Left to the writer, every ~1,000 WAL pages one commit paid for
/// copying them into the database file and syncing it — about one single-record ingest in
/// 26 against a 1M store, 25–40 ms each, the whole p99. A checkpoint never touches
/// durability: a commit is durable once its WAL frames are synced.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The readers (reachable by the portal and console implementations in this crate).
    pub(crate) pool: SqlitePool,
    /// The one writer connection.
    pub(crate) writer: SqlitePool,
    checkpointer: Arc<Checkpointer>,
    path: PathBuf,
}

/// The background checkpoint task and the switch that stops it (dropping the last store
/// clone stops it too).
#[derive(Debug)]
struct Checkpointer {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    fn start(conn: SqliteConnection) -> Self {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(checkpoints(conn, stopped));
        Self {
            stop,
            task: Mutex::new(Some(task)),
        }
    }

    /// Stops the task and waits for it to close its connection.
    async fn stop(&self) {
        self.stop.send_replace(true);
        let task = self.task.lock().map_or(None, |mut t| t.take());
        if let Some(task) = task {
            // A task that panicked has nothing left to close.
            let _ = task.await;
        }
    }
}

/// Checkpoints the WAL every [`CHECKPOINT_EVERY`] until told to stop. `PASSIVE` waits for no
/// one: it copies the frames no reader still needs and leaves the rest for the next round. A
/// failed round is harmless (the frames stay in the WAL, durable) and the next one retries;
/// closing the last connection checkpoints whatever is left.
async fn checkpoints(mut conn: SqliteConnection, mut stopped: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { break },
            _ = every.tick() => {
                let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut conn).await;
            }
        }
    }
    let _ = sqlx::Connection::close(conn).await;
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn corrupt(e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl SqliteStore {
    /// Opens the store at `url` (`sqlite://PATH` or a plain path) and applies migrations.
    /// With `create`, a missing database file is created; without, it is an error.
    pub async fn open(url: &str, create: bool) -> Result<Self> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = PathBuf::from(path);
        if !create && !path.exists() {
            return Err(StoreError::Connect(format!(
                "no store at {} (create one with `athar init`)",
                path.display()
            )));
        }
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // 256 MiB of page cache per connection (a bound, not an allocation): a large
            // import's key and membership inserts stay in memory until the commit writes them.
            .pragma("cache_size", "-262144")
            .pragma("temp_store", "memory")
            // Reads through a memory map (up to SQLite's 2 GiB limit) rather than a `pread`
            // and a copy per page: a single-record ingest reads ~200 candidates scattered over
            // the records table; at 1M records the candidate phase's median went 5.1 → 3.8 ms
            // mapped (one back-to-back pair under load, BENCHMARKS Store 2026-12-08).
            .pragma("mmap_size", MMAP_SIZE);
        let connect = |n: u32| {
            SqlitePoolOptions::new()
                .max_connections(n)
                .connect_with(options.clone())
        };
        let fail = |e: sqlx::Error| StoreError::Connect(format!("{}: {e}", path.display()));
        // The writer first: it creates the file when asked to. `write_batch` turns foreign-key
        // enforcement off on it for its transaction (see there); whatever happens to that
        // write (an error, a dropped future), a connection goes back into the pool only with
        // enforcement on again, else it is closed and the pool opens a fresh one.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .after_release(|conn, _| {
                Box::pin(async move {
                    if foreign_keys_on(conn).await? {
                        return Ok(true);
                    }
                    sqlx::query("PRAGMA foreign_keys = ON")
                        .execute(&mut *conn)
                        .await?;
                    // Inside an unfinished transaction the pragma does nothing: close it.
                    foreign_keys_on(conn).await
                })
            })
            // Checkpoints are the background task's (see [`SqliteStore`]).
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await
            .map_err(fail)?;
        let pool = connect(4).await.map_err(fail)?;
        let checkpointer = options.connect().await.map_err(fail)?;
        let checkpointer = Arc::new(Checkpointer::start(checkpointer));
        let store = Self {
            pool,
            writer,
            checkpointer,
            path,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pool, for tests of this backend (schema parity, triggers).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes the connections, checkpointing the WAL.
    pub async fn close(&self) {
        self.checkpointer.stop().await;
        self.pool.close().await;
        self.writer.close().await;
    }

    /// The writer connection, held, with foreign-key enforcement as asked (off, the caller
    /// checks references itself; the pool's `after_release` turns it back on).
    async fn writer_with_checks(
        &self,
        foreign_keys: bool,
    ) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        let mut conn = self.writer.acquire().await.map_err(db)?;
        if !foreign_keys {
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        Ok(conn)
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }
}

/// Whether the connection enforces foreign keys.
async fn foreign_keys_on(
    conn: &mut sqlx::SqliteConnection,
) -> std::result::Result<bool, sqlx::Error> {
    let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await?;
    Ok(on == 1)
}

/// Checks, inside a write whose foreign keys are not enforced, that every stored record and
/// person the batch refers to exists (the rows it creates itself are right by construction).
async fn check_references(tx: &mut Tx<'_>, batch: &WriteBatch) -> Result<()> {
    let mut records: Vec<RecordId> = batch
        .reviews
        .iter()
        .flat_map(|r| [r.left, r.right])
        .filter_map(|r| match r {
            RecordRef::Existing(id) => Some(id),
            RecordRef::New(_) => None,
        })
        .collect();
    let mut persons: Vec<PersonId> = batch
        .placements
        .iter()
        .filter_map(|p| match p.person {
            PersonRef::Existing(id) => Some(id),
            PersonRef::New(_) => None,
        })
        .collect();
    for (table, ids) in [("records", &mut records), ("persons", &mut persons)] {
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let missing = missing_rows(tx, table, ids).await?;
        if missing > 0 {
            return Err(StoreError::Invalid(format!(
                "the batch refers to {missing} {table} that are not stored"
            )));
        }
    }
    Ok(())
}

/// How many of `ids` (sorted, distinct) have no row in `table` (`records` or `persons`).
async fn missing_rows(tx: &mut Tx<'_>, table: &'static str, ids: &[i64]) -> Result<usize> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id IN (SELECT value FROM json_each(?1))");
    let mut missing = 0;
    for chunk in ids.chunks(CHUNK * 4) {
        let found: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(serde_json::to_string(chunk).map_err(corrupt)?)
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
        missing += chunk
            .len()
            .saturating_sub(usize::try_from(found).unwrap_or(0));
    }
    Ok(missing)
}

/// A write transaction: on the writer pool ([`SqliteStore::begin_write`]), or on a writer
/// connection held for [`Store::write_batch`].
type Tx<'c> = Transaction<'c, Sqlite>;

/// The records sharing a blocking key with the JSON array `?1` of keys, as the table `ids(id)`,
/// leaving out keys held by more than `?2` records (the rule of [`Store::candidate_ids`]).
const CANDIDATE_IDS: &str = "WITH k(key) AS (SELECT DISTINCT value FROM json_each(?1)),
     ok(key) AS (SELECT k.key FROM k WHERE (SELECT COUNT(*) FROM
         (SELECT 1 FROM blocking_keys b WHERE b.key = k.key LIMIT ?2 + 1)) <= ?2),
     ids(id) AS (SELECT DISTINCT b.record_id FROM blocking_keys b JOIN ok ON b.key = ok.key)";

/// With the environment variable `ATHAR_TIMINGS` set, prints the seconds since `t` spent on
/// the write step `what` (stderr; for profiling imports), and restarts `t`.
fn tmark(t: &mut std::time::Instant, what: &str) {
    if std::env::var_os("ATHAR_TIMINGS").is_some() {
        eprintln!(
            "timing   write {what:9} {:8.3} s",
            t.elapsed().as_secs_f64()
        );
    }
    *t = std::time::Instant::now();
}

async fn next_id(tx: &mut Tx<'_>, table: &'static str) -> Result<i64> {
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
    tx: &mut Tx<'_>,
    action: &str,
    target_kind: &str,
    target_id: Option<&str>,
    detail: &Value,
    change: &Change,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor, action, target_kind, target_id, detail, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
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
    tx: &mut Tx<'_>,
    kind: EventKind,
    model_version: Option<&str>,
    reverses: Option<EventId>,
    change: &Change,
) -> Result<EventId> {
    let id = next_id(tx, "link_events").await?;
    sqlx::query(
        "INSERT INTO link_events (id, kind, actor, reason, model_version, reverses, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
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
async fn apply_moves(tx: &mut Tx<'_>, event: EventId, moves: &[Move]) -> Result<()> {
    for chunk in moves.chunks(CHUNK) {
        let rows: Vec<Value> = chunk
            .iter()
            .map(|m| json!([m.record_id, m.from, m.to, m.score]))
            .collect();
        let rows = Value::Array(rows).to_string();
        sqlx::query(
            "INSERT INTO link_moves (event_id, record_id, from_person, to_person, score)
             SELECT ?1, value->>0, value->>1, value->>2, value->>3 FROM json_each(?2)",
        )
        .bind(event)
        .bind(&rows)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO memberships (record_id, person_id, event_id)
             SELECT value->>0, value->>2, ?1 FROM json_each(?2) WHERE true
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

/// Rows per multi-row `INSERT … VALUES` statement of records (10 bound values a row).
const RECORD_ROWS: usize = 100;
/// Rows per multi-row `INSERT … VALUES` statement of blocking keys (2 bound values a row).
const KEY_ROWS: usize = 500;

/// `INSERT INTO table (columns) VALUES (?, …), …` for `rows` rows of `width` values.
fn values_sql(head: &str, width: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(", "));
    format!("{head} VALUES {}", vec![row; rows].join(", "))
}

/// Inserts records with prepared multi-row statements (bound values, no JSON unpacking in
/// SQL): one statement text per chunk size, so SQLite's statement cache reuses the plan.
async fn insert_records(
    tx: &mut Tx<'_>,
    records: &[NewRecord],
    ids: &[RecordId],
    source_id: i64,
    import_id: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    const HEAD: &str = "INSERT INTO records (id, source_id, import_id, local_id, line, raw, fields,
                                              normalized, display_name, created_at)";
    let full = values_sql(HEAD, 10, RECORD_ROWS);
    for (chunk_no, chunk) in records.chunks(RECORD_ROWS).enumerate() {
        let sql = if chunk.len() == RECORD_ROWS {
            full.clone()
        } else {
            values_sql(HEAD, 10, chunk.len())
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, r) in chunk.iter().enumerate() {
            q = q
                .bind(ids[chunk_no * RECORD_ROWS + i])
                .bind(source_id)
                .bind(import_id)
                .bind(r.local_id.as_deref())
                .bind(r.line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)))
                .bind(serde_json::to_string(&r.raw).map_err(corrupt)?)
                .bind(serde_json::to_string(&r.fields).map_err(corrupt)?)
                .bind(r.normalized.to_string())
                .bind(r.display_name.as_str())
                .bind(at);
        }
        q.execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// Inserts `(key, record)` rows (sorted: the index pages are visited in order) with prepared
/// multi-row statements.
async fn insert_keys(tx: &mut Tx<'_>, keys: &[(i64, RecordId)]) -> Result<()> {
    const HEAD: &str = "INSERT INTO blocking_keys (key, record_id)";
    let full = values_sql(HEAD, 2, KEY_ROWS);
    for chunk in keys.chunks(KEY_ROWS) {
        let sql = if chunk.len() == KEY_ROWS {
            full.clone()
        } else {
            values_sql(HEAD, 2, chunk.len())
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &(k, r) in chunk {
            q = q.bind(k).bind(r);
        }
        q.execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

async fn new_persons(tx: &mut Tx<'_>, n: u32, at: DateTime<Utc>) -> Result<Vec<PersonId>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let first = next_id(tx, "persons").await?;
    let ids: Vec<PersonId> = (first..first + i64::from(n)).collect();
    for chunk in ids.chunks(CHUNK * 4) {
        let rows = serde_json::to_string(chunk).map_err(corrupt)?;
        sqlx::query("INSERT INTO persons (id, created_at) SELECT value, ?1 FROM json_each(?2)")
            .bind(at)
            .bind(rows)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(ids)
}

async fn person_of(tx: &mut Tx<'_>, record: RecordId) -> Result<PersonId> {
    sqlx::query_scalar("SELECT person_id FROM memberships WHERE record_id = ?1")
        .bind(record)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound(format!("record {record}")))
}

async fn anchor_of(tx: &mut Tx<'_>, person: PersonId) -> Result<RecordId> {
    sqlx::query_scalar::<_, Option<i64>>(
        "SELECT MIN(record_id) FROM memberships WHERE person_id = ?1",
    )
    .bind(person)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::NotFound(format!("person {person}")))
}

async fn records_of(tx: &mut Tx<'_>, person: PersonId) -> Result<Vec<RecordId>> {
    sqlx::query_scalar("SELECT record_id FROM memberships WHERE person_id = ?1 ORDER BY record_id")
        .bind(person)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)
}

const RECORD_COLUMNS: &str = "r.id, m.person_id, r.source_id, s.name AS source, r.import_id, \
     r.local_id, r.line, r.raw, r.fields, r.normalized, r.display_name, r.created_at";

fn pairs(text: &str) -> Result<Vec<(String, String)>> {
    serde_json::from_str(text).map_err(corrupt)
}

fn record_from_row(row: &SqliteRow) -> Result<StoredRecord> {
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

fn note_from_row(row: &SqliteRow) -> Result<Note> {
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

fn determination_from_row(row: &SqliteRow) -> Result<Determination> {
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

fn detention_from_row(row: &SqliteRow) -> Result<Detention> {
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

fn claim_from_row(row: &SqliteRow) -> Result<Claim> {
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

fn review_from_row(row: &SqliteRow) -> Result<ReviewItem> {
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
    tx: &mut Tx<'_>,
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
    tx: &mut Tx<'_>,
    res: &Resolver<'_>,
    c: &NewClaim,
    change: &Change,
) -> Result<i64> {
    let (record, person) = anchor(tx, res, c.person, c.record).await?;
    sqlx::query_scalar(
        "INSERT INTO claims (record_id, person_id, status, claimant, statement, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
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
    tx: &mut Tx<'_>,
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
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
    tx: &mut Tx<'_>,
    res: &Resolver<'_>,
    d: &NewDetention,
    change: &Change,
) -> Result<i64> {
    let (record, person) = anchor(tx, res, d.person, d.record).await?;
    sqlx::query_scalar(
        "INSERT INTO detentions (record_id, person_id, facility, prison_number, started, ended,
                                 outcome, transferred_from, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
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

async fn insert_note(
    tx: &mut Tx<'_>,
    res: &Resolver<'_>,
    n: &NewNote,
    change: &Change,
) -> Result<i64> {
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
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
    tx: &mut Tx<'_>,
    left: RecordId,
    right: RecordId,
    is_match: bool,
    change: &Change,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO labels (left_record_id, right_record_id, is_match, actor, reason, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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

async fn merge_tx(
    tx: &mut Tx<'_>,
    from: PersonId,
    into: PersonId,
    change: &Change,
) -> Result<EventId> {
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

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> Result<()> {
        MIGRATOR
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    async fn find_import(&self, sha256: &str) -> Result<Option<ImportSummary>> {
        let row = sqlx::query(
            "SELECT i.id, s.name, i.file_name, i.sha256, i.records, i.imported_at
             FROM imports i JOIN sources s ON s.id = i.source_id WHERE i.sha256 = ?1",
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
        let mut lap = std::time::Instant::now();
        batch.validate()?;
        // A list's import writes millions of key, move and membership rows whose foreign keys
        // the write itself makes right (ids it has just created), and SQLite's check of each
        // one is a random lookup in the records table: most of a large import's write time.
        // So a batch of records and reviews only (every import and ingest) is written with
        // enforcement off and its references to stored rows checked once, below; a batch
        // with notes, claims, determinations or detentions keeps the per-row checks.
        let unchecked = batch.notes.is_empty()
            && batch.claims.is_empty()
            && batch.determinations.is_empty()
            && batch.detentions.is_empty();
        let mut conn = self.writer_with_checks(!unchecked).await?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE")
            .await
            .map_err(db)?;
        if unchecked {
            check_references(&mut tx, batch).await?;
        }
        if let Some(file) = &batch.file {
            let found: Option<(i64, i64, i64)> =
                sqlx::query_as("SELECT id, source_id, records FROM imports WHERE sha256 = ?1")
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
        let source_id: i64 = match sqlx::query_scalar("SELECT id FROM sources WHERE name = ?1")
            .bind(&batch.source.name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
        {
            Some(id) => id,
            None => sqlx::query_scalar(
                "INSERT INTO sources (name, supplier, notes, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            )
            .bind(&batch.source.name)
            .bind(&batch.source.supplier)
            .bind(&batch.source.notes)
            .bind(change.at)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?,
        };
        let import_id: Option<i64> = match &batch.file {
            Some(file) => Some(
                sqlx::query_scalar(
                    "INSERT INTO imports (source_id, file_name, sha256, format, received_at, records,
                                          imported_at, imported_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
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

        tmark(&mut lap, "persons");
        let person_ids = new_persons(&mut tx, batch.new_persons, change.at).await?;
        let first_record = next_id(&mut tx, "records").await?;
        let record_ids: Vec<RecordId> = (0..batch.records.len())
            .map(|i| first_record + i as i64)
            .collect();
        insert_records(
            &mut tx,
            &batch.records,
            &record_ids,
            source_id,
            import_id,
            change.at,
        )
        .await?;
        tmark(&mut lap, "records");
        let res = Resolver {
            record_ids: &record_ids,
            person_ids: &person_ids,
        };

        if !batch.records.is_empty() {
            let model_version = batch
                .placements
                .iter()
                .find_map(|p| p.model_version.as_deref());
            let event =
                insert_event(&mut tx, EventKind::Place, model_version, None, change).await?;
            let moves: Vec<Move> = batch
                .placements
                .iter()
                .enumerate()
                .map(|(i, p)| Move {
                    record_id: record_ids[i],
                    from: None,
                    to: res.person(p.person),
                    score: p.score,
                })
                .collect();
            apply_moves(&mut tx, event, &moves).await?;
        }

        tmark(&mut lap, "moves");
        let mut keys: Vec<(i64, RecordId)> = Vec::new();
        for (i, r) in batch.records.iter().enumerate() {
            keys.extend(r.keys.iter().map(|&k| (k, record_ids[i])));
        }
        keys.sort_unstable();
        keys.dedup();
        insert_keys(&mut tx, &keys).await?;
        tmark(&mut lap, "keys");
        for chunk in batch.reviews.chunks(CHUNK) {
            let rows: Vec<Value> = chunk
                .iter()
                .map(|r| {
                    json!([
                        res.record(r.left),
                        res.record(r.right),
                        r.probability,
                        r.explanation,
                        r.model_version
                    ])
                })
                .collect();
            sqlx::query(
                "INSERT INTO review_items (left_record_id, right_record_id, probability, explanation,
                                           model_version, created_at)
                 SELECT value->>0, value->>1, value->>2, value->3, value->>4, ?1 FROM json_each(?2)",
            )
            .bind(change.at)
            .bind(Value::Array(rows).to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tmark(&mut lap, "reviews");
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
        audit_tx(
            &mut tx,
            if batch.file.is_some() {
                "import"
            } else {
                "ingest"
            },
            if import_id.is_some() {
                "import"
            } else {
                "source"
            },
            Some(&import_id.unwrap_or(source_id).to_string()),
            &batch.audit_detail(),
            change,
        )
        .await?;
        tmark(&mut lap, "audit");
        tx.commit().await.map_err(db)?;
        if unchecked {
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        tmark(&mut lap, "commit");
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
        let keys_json = serde_json::to_string(keys).map_err(corrupt)?;
        let sql = format!(
            "{CANDIDATE_IDS}
             SELECT {RECORD_COLUMNS} FROM ids
             JOIN records r ON r.id = ids.id
             JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id
             ORDER BY r.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(keys_json)
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
        let sql = format!("{CANDIDATE_IDS} SELECT id FROM ids ORDER BY id");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(serde_json::to_string(keys).map_err(corrupt)?)
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
             JOIN sources s ON s.id = r.source_id WHERE r.id IN (SELECT value FROM json_each(?1)) ORDER BY r.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(serde_json::to_string(ids).map_err(corrupt)?)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }

    /// One statement on the writer connection, whose page cache no other connection's commit
    /// empties (see [`SqliteStore`]): the record about to be written is matched against
    /// pages that are usually already in memory.
    async fn candidate_forms(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<LinkForm>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{CANDIDATE_IDS}
             SELECT r.id, m.person_id, s.name, r.created_at, r.normalized
             FROM ids JOIN records r ON r.id = ids.id
             JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id ORDER BY r.id"
        );
        let rows: Vec<(RecordId, PersonId, String, DateTime<Utc>, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(serde_json::to_string(keys).map_err(corrupt)?)
                .bind(cap_bound(max_per_key))
                .fetch_all(&self.writer)
                .await
                .map_err(db)?;
        Ok(rows.into_iter().map(LinkForm::from).collect())
    }

    async fn link_forms(&self, ids: &[RecordId]) -> Result<Vec<LinkForm>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(RecordId, PersonId, String, DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT r.id, m.person_id, s.name, r.created_at, r.normalized
             FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id IN (SELECT value FROM json_each(?1)) ORDER BY r.id",
        )
        .bind(serde_json::to_string(ids).map_err(corrupt)?)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows.into_iter().map(LinkForm::from).collect())
    }

    async fn record(&self, id: RecordId) -> Result<Option<StoredRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN memberships m ON m.record_id = r.id
             JOIN sources s ON s.id = r.source_id WHERE r.id = ?1"
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
             JOIN sources s ON s.id = r.source_id WHERE r.id > ?1 ORDER BY r.id LIMIT ?2"
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
             WHERE s.name = ?1 AND r.local_id = ?2 ORDER BY r.id LIMIT 1",
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
        let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM link_events WHERE id = ?1")
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
            sqlx::query_scalar("SELECT id FROM link_events WHERE reverses = ?1")
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
            "SELECT record_id, from_person, to_person FROM link_moves WHERE event_id = ?1",
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
             WHERE id > ?1 ORDER BY id LIMIT ?2",
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
                "SELECT record_id, from_person, to_person, score FROM link_moves WHERE event_id = ?1 ORDER BY record_id",
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
             WHERE n.id > ?1 ORDER BY n.id LIMIT ?2",
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
        let ids = serde_json::to_string(persons).map_err(corrupt)?;
        let determinations = sqlx::query(
            "SELECT d.id, m.person_id, d.record_id, d.status, d.evidence, d.decided_by, d.decided_at
             FROM determinations d JOIN memberships m ON m.record_id = d.record_id
             WHERE m.person_id IN (SELECT value FROM json_each(?1)) ORDER BY d.decided_at, d.id",
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
             WHERE m.person_id IN (SELECT value FROM json_each(?1)) ORDER BY d.id",
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
             WHERE m.person_id IN (SELECT value FROM json_each(?1)) ORDER BY c.id",
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
            "SELECT * FROM review_items WHERE state = 'open' ORDER BY probability DESC, id LIMIT ?1",
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
            "SELECT left_record_id, right_record_id, state FROM review_items WHERE id = ?1",
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
        sqlx::query("UPDATE review_items SET state = ?1, decided_by = ?2, decided_at = ?3, reason = ?4 WHERE id = ?5")
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
            "INSERT INTO models (version, json, active, created_at, created_by) VALUES (?1, ?2, TRUE, ?3, ?4)",
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

    /// With foreign-key enforcement off (one lookup in the records table per key row was most
    /// of an import's write time, see [`Store::write_batch`]) and the records checked once.
    async fn replace_keys(&self, keys: &[(i64, RecordId)], change: &Change) -> Result<()> {
        let mut conn = self.writer_with_checks(false).await?;
        let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE")
            .await
            .map_err(db)?;
        let mut records: Vec<RecordId> = keys.iter().map(|&(_, r)| r).collect();
        records.sort_unstable();
        records.dedup();
        if missing_rows(&mut tx, "records", &records).await? > 0 {
            return Err(StoreError::Invalid(
                "the keys refer to records that are not stored".into(),
            ));
        }
        sqlx::query("DELETE FROM blocking_keys")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_keys(&mut tx, keys).await?;
        let detail = json!({ "keys": keys.len(), "records": records.len() });
        audit_tx(&mut tx, "rekey", "store", None, &detail, change).await?;
        tx.commit().await.map_err(db)?;
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(())
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
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = ?1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if exists.is_some() {
            return Err(StoreError::Conflict(format!("user {name:?} exists")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, role, password_hash, disabled, created_at) VALUES (?1, ?2, ?3, FALSE, ?4) RETURNING id",
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
            "SELECT id, name, role, password_hash, disabled, created_at FROM users WHERE name = ?1",
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
        let rows = sqlx::query("SELECT * FROM audit_events WHERE id > ?1 ORDER BY id LIMIT ?2")
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
        let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        if integrity != ["ok"] {
            fault(
                "integrity",
                format!("SQLite integrity check: {}", integrity.join("; ")),
            );
        }
        let fk: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 5")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        for (table, rowid, parent) in fk {
            fault(
                "foreign_key",
                format!("{table} row {rowid} refers to a missing {parent} row"),
            );
        }
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

    async fn backup(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(StoreError::Invalid(format!(
                "{} exists; a backup never overwrites",
                path.display()
            )));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not UTF-8", path.display())))?;
        sqlx::query("VACUUM INTO ?1")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
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
                FROM link_moves) WHERE from_person IS NOT prev ORDER BY record_id LIMIT 5",
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
        "bad_json",
        "SELECT id FROM records WHERE NOT json_valid(raw) OR NOT json_valid(fields)
            OR NOT json_valid(normalized) ORDER BY id LIMIT 5",
        "records whose stored JSON does not parse",
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
pub(crate) fn audit_event_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEvent> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(n: usize) -> WriteBatch {
        let mut b = WriteBatch::new(
            SourceInfo {
                name: "wal".into(),
                ..SourceInfo::default()
            },
            None,
        );
        for i in 0..n {
            let name = format!("name {i}");
            b.records.push(NewRecord {
                local_id: Some(i.to_string()),
                line: None,
                raw: vec![("name".into(), name.clone())],
                fields: vec![("full_name".into(), name.clone())],
                normalized: json!({ "full_name": name }),
                display_name: name,
                keys: vec![i64::try_from(i).unwrap_or(0)],
            });
            b.placements.push(Placement {
                person: PersonRef::New(u32::try_from(i).unwrap_or(0)),
                model_version: None,
                score: None,
                reason: "test".into(),
            });
        }
        b.new_persons = u32::try_from(n).unwrap_or(0);
        b
    }

    /// The writer never checkpoints (its automatic checkpoint is off), so the database file
    /// grows after a commit only when the background task copies the WAL into it; closing
    /// checkpoints the rest and the data is all there on reopening.
    #[tokio::test]
    async fn the_wal_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let url = format!("sqlite://{}", path.display());
        let store = SqliteStore::open(&url, true).await.unwrap();
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(auto, 0, "the writer leaves checkpoints to the task");
        let before = std::fs::metadata(&path).unwrap().len();
        let change = Change::new("tester", Utc::now());
        store.write_batch(&batch(2_000), &change).await.unwrap();
        let mut grown = false;
        for _ in 0..100 {
            if std::fs::metadata(&path).unwrap().len() > before {
                grown = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            grown,
            "the committed pages reached the database file within 5 s"
        );
        store.write_batch(&batch(10), &change).await.unwrap();
        store.close().await;
        let wal = dir.path().join("wal.db-wal");
        assert!(
            !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
            "closing checkpoints what is left"
        );
        let reopened = SqliteStore::open(&url, false).await.unwrap();
        assert_eq!(reopened.counts().await.unwrap().records, 2_010);
        assert!(reopened.check().await.unwrap().is_empty());
        reopened.close().await;
    }
}
