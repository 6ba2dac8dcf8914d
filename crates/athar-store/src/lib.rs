//! The `Store` trait: everything the registry persists, with no SQL in it.
//!
//! Two backends implement it: `athar-store-sqlite` (embedded, the default) and
//! `athar-store-postgres` (servers). Both run the same conformance suite. Open either from a URL
//! with `athar_store_any::open` (`sqlite://PATH` or `postgres://…`).
//!
//! The model (see [`model`]):
//! - **sources** and **imports** (one row per file, unique by SHA-256: imports are idempotent);
//! - **records**: the raw row exactly as read, its canonical fields and normalized form; never
//!   updated (both backends refuse an `UPDATE` with a trigger);
//! - **persons** and **link events**: every placement, merge, split, move and reversal is an
//!   append-only event with its record moves; current membership is maintained in the same
//!   transaction and `check` verifies it equals the replay of the events;
//! - **claims** apart from **determinations**; **detention episodes**; **notes**;
//! - the **review queue** and **labels** (human judgements, the engine's training labels);
//! - **blocking keys** (for incremental matching) and **saved models**;
//! - **users** (roles, argon2id PHC hashes) and **audit events**, written in the same
//!   transaction as the change they record.
//!
//! Every mutating method takes a [`Change`]: time and actor are parameters.

pub mod ingest;
pub mod keys;
pub mod model;

pub mod console;
pub mod portal;
pub mod timing;

use std::path::Path;

pub use model::*;

/// Errors of the store. The backends map their driver errors onto these.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or opened.
    #[error("cannot open the store: {0}")]
    Connect(String),
    /// A database error while running.
    #[error("database error: {0}")]
    Database(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A request that breaks the model's rules (bad reference, unknown status, …).
    #[error("invalid: {0}")]
    Invalid(String),
    /// A conflicting state (e.g. reversing an event whose records have moved since).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The operation is not available on this backend.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Malformed stored data (JSON that does not parse, …).
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

/// A result with a [`StoreError`].
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A per-key cap (`max_per_key` of [`Store::candidate_ids`]) as the SQL integer the backends
/// bind: `LIMIT cap + 1` must not overflow, so "no cap" (`usize::MAX`) becomes `i64::MAX - 1`.
pub fn cap_bound(max_per_key: usize) -> i64 {
    i64::try_from(max_per_key)
        .unwrap_or(i64::MAX)
        .min(i64::MAX - 1)
}

/// The registry's storage. Implementations are cheap to clone (a connection pool inside) and
/// safe to share between tasks. Every write is one transaction; on SQLite it starts with
/// `BEGIN IMMEDIATE`, on PostgreSQL it takes the registry's write lock, so concurrent writers
/// queue instead of failing.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Applies pending migrations (idempotent).
    async fn migrate(&self) -> Result<()>;

    /// The import of the file with this SHA-256, if it was imported before.
    async fn find_import(&self, sha256: &str) -> Result<Option<ImportSummary>>;

    /// Writes a batch atomically: all of it or nothing. A batch whose file was imported before
    /// adds nothing and returns `already_imported: true`.
    async fn write_batch(&self, batch: &WriteBatch, change: &Change) -> Result<WriteOutcome>;

    /// Records sharing at least one blocking key with `keys`, with their current person.
    /// Keys whose posting list is longer than `max_per_key` are skipped (too common to block on).
    async fn candidates(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<StoredRecord>>;

    /// The ids of the records sharing at least one blocking key with `keys` (same rule as
    /// [`Store::candidates`]), without loading them: a large import collects ids first.
    async fn candidate_ids(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<RecordId>>;

    /// The records with these ids (those that exist), in id order, with their current person.
    async fn records_by_ids(&self, ids: &[RecordId]) -> Result<Vec<StoredRecord>>;

    /// The link forms of the records with these ids (those that exist), in id order: what an
    /// import needs of its stored candidates, without their raw rows. The default reads whole
    /// records; the backends select only the columns needed.
    async fn link_forms(&self, ids: &[RecordId]) -> Result<Vec<LinkForm>> {
        Ok(self
            .records_by_ids(ids)
            .await?
            .into_iter()
            .map(|r| LinkForm {
                id: r.id,
                person_id: r.person_id,
                source: r.source,
                created_at: r.created_at,
                normalized: r.normalized.to_string(),
            })
            .collect())
    }

    /// The link forms of the records sharing at least one blocking key with `keys` (the rule of
    /// [`Store::candidate_ids`]), in id order: one record's candidates, as `ingest_one` needs
    /// them. The default asks [`Store::candidate_ids`] then [`Store::link_forms`]; both
    /// backends do both in one round trip (SQLite through its writer connection).
    async fn candidate_forms(&self, keys: &[i64], max_per_key: usize) -> Result<Vec<LinkForm>> {
        let ids = self.candidate_ids(keys, max_per_key).await?;
        self.link_forms(&ids).await
    }

    /// One record.
    async fn record(&self, id: RecordId) -> Result<Option<StoredRecord>>;

    /// Records with `id > after`, in id order, at most `limit` (for exports and training).
    async fn records_page(&self, after: RecordId, limit: usize) -> Result<Vec<StoredRecord>>;

    /// The record whose local id (its id in its own list) is `local_id` in `source`.
    async fn record_by_local_id(&self, source: &str, local_id: &str) -> Result<Option<RecordId>>;

    /// A person with records, claims, determinations, detentions, notes and history.
    async fn person(&self, id: PersonId) -> Result<Option<PersonDetail>>;

    /// Moves every record of `from` into `into`. Returns the event.
    async fn merge_persons(
        &self,
        from: PersonId,
        into: PersonId,
        change: &Change,
    ) -> Result<EventId>;

    /// Moves `record` out of its person into a new person. Returns the event and the new person.
    async fn split_record(&self, record: RecordId, change: &Change) -> Result<(EventId, PersonId)>;

    /// Moves `records` into the existing person `into`.
    async fn move_records(
        &self,
        records: &[RecordId],
        into: PersonId,
        change: &Change,
    ) -> Result<EventId>;

    /// Undoes `event`: every record it moved goes back where it was. Fails with
    /// [`StoreError::Conflict`] if one of them has moved since.
    async fn reverse_event(&self, event: EventId, change: &Change) -> Result<EventId>;

    /// All link events, oldest first, with their moves.
    async fn events(&self, after: EventId, limit: usize) -> Result<Vec<LinkEvent>>;

    /// Adds a claim.
    async fn add_claim(&self, claim: &NewClaim, change: &Change) -> Result<i64>;

    /// Adds a determination (the person's current verified status from now on).
    async fn add_determination(&self, det: &NewDetermination, change: &Change) -> Result<i64>;

    /// Adds a detention episode.
    async fn add_detention(&self, det: &NewDetention, change: &Change) -> Result<i64>;

    /// Adds a note.
    async fn add_note(&self, note: &NewNote, change: &Change) -> Result<i64>;

    /// Notes with `id > after`, in id order, at most `limit`.
    async fn notes_page(&self, after: i64, limit: usize) -> Result<Vec<Note>>;

    /// The claims, determinations and detention episodes of the persons in `persons`.
    async fn person_facts(&self, persons: &[PersonId]) -> Result<PersonFacts>;

    /// Open review items, highest probability first.
    async fn open_reviews(&self, limit: usize) -> Result<Vec<ReviewItem>>;

    /// Decides a review item (`confirmed`, `rejected` or `deferred`). Confirming moves the right
    /// record's person into the left's (a merge event); confirm and reject both add a label.
    async fn decide_review(&self, id: i64, state: &str, change: &Change)
    -> Result<Option<EventId>>;

    /// Records a human judgement on a pair (a training label).
    async fn add_label(
        &self,
        left: RecordId,
        right: RecordId,
        is_match: bool,
        change: &Change,
    ) -> Result<()>;

    /// All labels, oldest first.
    async fn labels(&self) -> Result<Vec<Label>>;

    /// Saves a model and makes it the active one.
    async fn save_model(&self, version: &str, json: &str, change: &Change) -> Result<()>;

    /// Replaces every stored blocking and search key with `keys` (`(key, record)` pairs,
    /// sorted and distinct), in one transaction, audited: after a change to the name rules,
    /// the keys the records were stored with would miss candidates the new rules find.
    /// Every record must exist (else [`StoreError::Invalid`] and nothing changes).
    async fn replace_keys(&self, keys: &[(i64, RecordId)], change: &Change) -> Result<()>;

    /// The active model, if any.
    async fn active_model(&self) -> Result<Option<SavedModel>>;

    /// Adds a staff account.
    async fn add_user(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        change: &Change,
    ) -> Result<i64>;

    /// A staff account by login name.
    async fn user(&self, name: &str) -> Result<Option<User>>;

    /// Appends an audit event (for reads; changes write their own).
    async fn audit(
        &self,
        action: &str,
        target_kind: &str,
        target_id: Option<&str>,
        detail: &serde_json::Value,
        change: &Change,
    ) -> Result<()>;

    /// Audit events with `id > after`, oldest first.
    async fn audit_page(&self, after: i64, limit: usize) -> Result<Vec<AuditEvent>>;

    /// Row counts.
    async fn counts(&self) -> Result<Counts>;

    /// Verifies the store's integrity: the database's own check, foreign keys, memberships equal
    /// to the replay of the link events, import record counts, keys of every record. Returns the
    /// faults found (empty when sound).
    async fn check(&self) -> Result<Vec<Fault>>;

    /// Writes a consistent copy of the store to `path` while it stays online. SQLite only; for
    /// PostgreSQL use `pg_dump` ([`StoreError::Unsupported`] explains).
    async fn backup(&self, path: &Path) -> Result<()>;
}
