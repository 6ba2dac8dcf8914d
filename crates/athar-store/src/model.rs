//! The registry's data model as plain Rust values: what goes into the store and what comes out.
//!
//! These types carry no SQL and no behaviour beyond validation of closed vocabularies; the
//! backends map them onto tables (`migrations/0001_registry.sql` in each backend crate).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Identifier of a stored record (unique in the store).
pub type RecordId = i64;
/// Identifier of a person (a cluster of records believed to be one human).
pub type PersonId = i64;
/// Identifier of a link event (an append-only decision about membership).
pub type EventId = i64;
/// Identifier of a source (a named list or channel such as `portal`).
pub type SourceId = i64;
/// Identifier of one imported file.
pub type ImportId = i64;

/// Who makes a change, when, and why. Every mutating call takes one; the audit event written
/// in the same transaction repeats it. Time is a parameter, never read from the clock here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The user name of the caseworker, or `athar` for automatic decisions and imports.
    pub actor: String,
    /// When the change happens (UTC).
    pub at: DateTime<Utc>,
    /// Why, when a human gives a reason.
    pub reason: Option<String>,
}

impl Change {
    /// A change by `actor` at `at` without a reason.
    pub fn new(actor: impl Into<String>, at: DateTime<Utc>) -> Self {
        Self {
            actor: actor.into(),
            at,
            reason: None,
        }
    }

    /// The same change with a reason.
    #[must_use]
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// The source a batch of records belongs to (created on first use, matched by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SourceInfo {
    /// The source's name, e.g. `sednaya-register-2024` or `portal`.
    pub name: String,
    /// Who supplied the list.
    pub supplier: Option<String>,
    /// Free-text notes on the source.
    pub notes: Option<String>,
}

/// The file a batch was read from: the idempotency key is its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file name as given (no directories).
    pub file_name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The detected format (`csv`, `xlsx`, `pfif`, …).
    pub format: String,
    /// When the list was received (defaults to the import time).
    pub received_at: Option<DateTime<Utc>>,
}

/// One record to store: the row exactly as read plus its canonical and normalized forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRecord {
    /// The record's identifier in its own list (`id` column, PFIF `person_record_id`).
    pub local_id: Option<String>,
    /// Line (CSV) or row (XLSX) number in the file, 1-based, header included.
    pub line: Option<u64>,
    /// The raw row exactly as read: `(column, value)` pairs in file order.
    pub raw: Vec<(String, String)>,
    /// Canonical field name → value as read (after column mapping, before typing).
    pub fields: Vec<(String, String)>,
    /// The normalized form produced by the record model (opaque JSON to the store).
    pub normalized: serde_json::Value,
    /// A display name (for search results and exports).
    pub display_name: String,
    /// Blocking keys for incremental matching (see [`crate::keys`]).
    pub keys: Vec<i64>,
}

/// A stored record, as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// The record's id in the store.
    pub id: RecordId,
    /// The person the record currently belongs to.
    pub person_id: PersonId,
    /// The source's id.
    pub source_id: SourceId,
    /// The source's name.
    pub source: String,
    /// The import it came with (none for single records from the web).
    pub import_id: Option<ImportId>,
    /// Identifier in its own list.
    pub local_id: Option<String>,
    /// Line or row in the file.
    pub line: Option<u64>,
    /// Raw row exactly as read.
    pub raw: Vec<(String, String)>,
    /// Canonical fields as read.
    pub fields: Vec<(String, String)>,
    /// Normalized form.
    pub normalized: serde_json::Value,
    /// Display name.
    pub display_name: String,
    /// When the record entered the store.
    pub created_at: DateTime<Utc>,
}

/// A stored record as matching needs it: its ids, source, time and normalized form (the JSON
/// text as stored, decoded straight into a `Record`), without the raw row and fields — what an
/// import loads for every stored candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkForm {
    /// The record's id in the store.
    pub id: RecordId,
    /// The person the record currently belongs to.
    pub person_id: PersonId,
    /// The source's name.
    pub source: String,
    /// When the record entered the store.
    pub created_at: DateTime<Utc>,
    /// The normalized form, as stored (JSON text).
    pub normalized: String,
}

impl From<(RecordId, PersonId, String, DateTime<Utc>, String)> for LinkForm {
    /// A row `(id, person_id, source, created_at, normalized)` as both backends select it.
    fn from(
        (id, person_id, source, created_at, normalized): (
            RecordId,
            PersonId,
            String,
            DateTime<Utc>,
            String,
        ),
    ) -> Self {
        LinkForm {
            id,
            person_id,
            source,
            created_at,
            normalized,
        }
    }
}

impl StoredRecord {
    /// The value of a canonical field, if present and not empty.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Where a record of a batch goes: to an existing person, or to a person created by the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersonRef {
    /// A person already in the store.
    Existing(PersonId),
    /// The n-th new person of the batch (0-based; the backend allocates its id).
    New(u32),
}

/// A record in a batch, or one already in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordRef {
    /// A record already in the store.
    Existing(RecordId),
    /// The n-th record of the batch (0-based).
    New(u32),
}

/// The automatic decision that places one record of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// The person the record joins.
    pub person: PersonRef,
    /// The model version that decided, when a model did.
    pub model_version: Option<String>,
    /// The match probability with the best record of that person, when it joined one.
    pub score: Option<f64>,
    /// Why (e.g. `new person`, `link band`, `pfif linked_person_record_id`).
    pub reason: String,
}

/// A candidate pair that waits for a human (the `review` band), with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReview {
    /// One record of the pair.
    pub left: RecordRef,
    /// The other record.
    pub right: RecordRef,
    /// The match probability.
    pub probability: f64,
    /// The engine's explanation (per-field levels and weights), as JSON.
    pub explanation: serde_json::Value,
    /// The model version that scored the pair.
    pub model_version: Option<String>,
}

/// The verified statuses of a person, and the statuses a claim can assert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Whereabouts unknown, believed missing.
    Missing,
    /// Held in detention.
    Detained,
    /// Released from detention.
    Released,
    /// Dead.
    Deceased,
    /// Known to be alive.
    Alive,
    /// Nothing known.
    Unknown,
}

impl Status {
    /// Every status, in a stable order.
    pub const ALL: [Status; 6] = [
        Status::Missing,
        Status::Detained,
        Status::Released,
        Status::Deceased,
        Status::Alive,
        Status::Unknown,
    ];

    /// The status's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::Detained => "detained",
            Status::Released => "released",
            Status::Deceased => "deceased",
            Status::Alive => "alive",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| StoreError::Invalid(format!("unknown status {s:?}")))
    }
}

/// How a detention episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetentionOutcome {
    /// Still held (as far as known).
    Ongoing,
    /// Moved to another facility (the next episode continues the story).
    Transferred,
    /// Released.
    Released,
    /// Died in custody.
    DiedInCustody,
    /// Unknown.
    Unknown,
}

impl DetentionOutcome {
    /// Every outcome, in a stable order.
    pub const ALL: [DetentionOutcome; 5] = [
        DetentionOutcome::Ongoing,
        DetentionOutcome::Transferred,
        DetentionOutcome::Released,
        DetentionOutcome::DiedInCustody,
        DetentionOutcome::Unknown,
    ];

    /// The outcome's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            DetentionOutcome::Ongoing => "ongoing",
            DetentionOutcome::Transferred => "transferred",
            DetentionOutcome::Released => "released",
            DetentionOutcome::DiedInCustody => "died_in_custody",
            DetentionOutcome::Unknown => "unknown",
        }
    }
}

impl FromStr for DetentionOutcome {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        DetentionOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| StoreError::Invalid(format!("unknown detention outcome {s:?}")))
    }
}

/// A claim: someone says something about a person ("he is alive"). Not a verified fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewClaim {
    /// The person the claim is about.
    pub person: PersonRef,
    /// The record the claim came with, if any.
    pub record: Option<RecordRef>,
    /// The status claimed.
    pub status: Status,
    /// Who claims it (free text; may be anonymous).
    pub claimant: Option<String>,
    /// What was said.
    pub statement: String,
}

/// A stored claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// The claim's id.
    pub id: i64,
    /// The person it is about.
    pub person_id: PersonId,
    /// The record it came with.
    pub record_id: Option<RecordId>,
    /// The status claimed.
    pub status: Status,
    /// Who claims it.
    pub claimant: Option<String>,
    /// What was said.
    pub statement: String,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// Who stored it.
    pub created_by: String,
}

/// A determination: a caseworker's verified status of a person, with evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDetermination {
    /// The person.
    pub person: PersonRef,
    /// The record the determination rests on (default: the person's first record).
    pub record: Option<RecordRef>,
    /// The verified status.
    pub status: Status,
    /// The evidence (required: a determination without evidence is a claim).
    pub evidence: String,
}

/// A stored determination. The latest one per person is the current status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Determination {
    /// The determination's id.
    pub id: i64,
    /// The person.
    pub person_id: PersonId,
    /// The record it is anchored at (it follows that record through merges and splits).
    pub record_id: RecordId,
    /// The verified status.
    pub status: Status,
    /// The evidence.
    pub evidence: String,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub decided_at: DateTime<Utc>,
}

/// A detention episode: one stay in one facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDetention {
    /// The person detained.
    pub person: PersonRef,
    /// The record the episode was read from, if any.
    pub record: Option<RecordRef>,
    /// Prison, branch or facility.
    pub facility: Option<String>,
    /// Number assigned in detention.
    pub prison_number: Option<String>,
    /// Start (date text as known: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
    pub started: Option<String>,
    /// End (same format).
    pub ended: Option<String>,
    /// How it ended.
    pub outcome: DetentionOutcome,
    /// The episode this one continues (a transfer), if any.
    pub transferred_from: Option<i64>,
}

/// A stored detention episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detention {
    /// The episode's id.
    pub id: i64,
    /// The person detained.
    pub person_id: PersonId,
    /// The record it was read from.
    pub record_id: Option<RecordId>,
    /// Facility.
    pub facility: Option<String>,
    /// Prison number.
    pub prison_number: Option<String>,
    /// Start.
    pub started: Option<String>,
    /// End.
    pub ended: Option<String>,
    /// Outcome.
    pub outcome: DetentionOutcome,
    /// The episode this one continues.
    pub transferred_from: Option<i64>,
}

/// A note about a person (PFIF's note: free text, possibly with a status claim).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNote {
    /// The record the note is attached to (PFIF notes hang on person records).
    pub record: RecordRef,
    /// Globally unique note id (PFIF `note_record_id`); generated when absent.
    pub note_record_id: Option<String>,
    /// The author's name.
    pub author: String,
    /// The text.
    pub text: String,
    /// PFIF note status (`information_sought`, `believed_alive`, …), if any.
    pub status: Option<String>,
    /// PFIF `author_made_contact`.
    pub author_made_contact: Option<bool>,
    /// PFIF `last_known_location`.
    pub last_known_location: Option<String>,
    /// PFIF `linked_person_record_id`: another record the author says is the same person.
    pub linked_record: Option<String>,
    /// When the note was written (PFIF `source_date`).
    pub source_date: Option<DateTime<Utc>>,
}

/// A stored note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// The note's id.
    pub id: i64,
    /// The record it hangs on.
    pub record_id: RecordId,
    /// The person of that record (now).
    pub person_id: PersonId,
    /// PFIF `note_record_id`.
    pub note_record_id: String,
    /// Author.
    pub author: String,
    /// Text.
    pub text: String,
    /// PFIF status.
    pub status: Option<String>,
    /// PFIF `author_made_contact`.
    pub author_made_contact: Option<bool>,
    /// PFIF `last_known_location`.
    pub last_known_location: Option<String>,
    /// PFIF `linked_person_record_id`.
    pub linked_record: Option<String>,
    /// When written.
    pub source_date: Option<DateTime<Utc>>,
    /// When stored.
    pub created_at: DateTime<Utc>,
}

/// Everything one atomic write adds: a file's records with their placements, reviews, notes,
/// claims, determinations and detention episodes. Written in one transaction, or not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteBatch {
    /// The source the records belong to.
    pub source: SourceInfo,
    /// The file, when the batch is a file import (the idempotency key).
    pub file: Option<FileInfo>,
    /// The records.
    pub records: Vec<NewRecord>,
    /// One placement per record, same order.
    pub placements: Vec<Placement>,
    /// Number of new persons the placements refer to (`PersonRef::New(0..new_persons)`).
    pub new_persons: u32,
    /// Candidate pairs for review.
    pub reviews: Vec<NewReview>,
    /// Notes.
    pub notes: Vec<NewNote>,
    /// Claims.
    pub claims: Vec<NewClaim>,
    /// Determinations.
    pub determinations: Vec<NewDetermination>,
    /// Detention episodes.
    pub detentions: Vec<NewDetention>,
}

impl WriteBatch {
    /// The detail of the batch's audit row (both backends write the same).
    pub fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({
            "source": self.source.name,
            "file": self.file.as_ref().map(|f| &f.file_name),
            "sha256": self.file.as_ref().map(|f| &f.sha256),
            "records": self.records.len(),
            "new_persons": self.new_persons,
            "reviews": self.reviews.len(),
        })
    }

    /// An empty batch for `source`.
    pub fn new(source: SourceInfo, file: Option<FileInfo>) -> Self {
        Self {
            source,
            file,
            records: Vec::new(),
            placements: Vec::new(),
            new_persons: 0,
            reviews: Vec::new(),
            notes: Vec::new(),
            claims: Vec::new(),
            determinations: Vec::new(),
            detentions: Vec::new(),
        }
    }

    /// Checks the batch's internal references before any write.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.source.name.trim().is_empty() {
            return Err(StoreError::Invalid("the source needs a name".into()));
        }
        if self.placements.len() != self.records.len() {
            return Err(StoreError::Invalid(format!(
                "{} records but {} placements",
                self.records.len(),
                self.placements.len()
            )));
        }
        let n = self.records.len();
        let rec_ok = |r: &RecordRef| match r {
            RecordRef::New(i) => (*i as usize) < n,
            RecordRef::Existing(_) => true,
        };
        let person_ok = |p: &PersonRef| match p {
            PersonRef::New(i) => *i < self.new_persons,
            PersonRef::Existing(_) => true,
        };
        if let Some(p) = self.placements.iter().find(|p| !person_ok(&p.person)) {
            return Err(StoreError::Invalid(format!(
                "placement to unknown new person {:?}",
                p.person
            )));
        }
        if self
            .reviews
            .iter()
            .any(|r| !rec_ok(&r.left) || !rec_ok(&r.right))
            || self.notes.iter().any(|n| !rec_ok(&n.record))
            || self
                .claims
                .iter()
                .any(|c| !person_ok(&c.person) || c.record.is_some_and(|r| !rec_ok(&r)))
            || self
                .determinations
                .iter()
                .any(|d| !person_ok(&d.person) || d.record.is_some_and(|r| !rec_ok(&r)))
            || self
                .detentions
                .iter()
                .any(|d| !person_ok(&d.person) || d.record.is_some_and(|r| !rec_ok(&r)))
        {
            return Err(StoreError::Invalid(
                "a batch item refers to a record or person outside the batch".into(),
            ));
        }
        if self
            .determinations
            .iter()
            .any(|d| d.evidence.trim().is_empty())
        {
            return Err(StoreError::Invalid("a determination needs evidence".into()));
        }
        Ok(())
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// The source's id.
    pub source_id: SourceId,
    /// The import's id (file batches only).
    pub import_id: Option<ImportId>,
    /// True when this exact file had been imported before: nothing was added.
    pub already_imported: bool,
    /// The ids given to the batch's records, same order (empty when already imported).
    pub record_ids: Vec<RecordId>,
    /// The ids given to the batch's new persons, `PersonRef::New(i)` → `person_ids[i]`.
    pub person_ids: Vec<PersonId>,
    /// Number of records stored.
    pub records: u64,
}

/// A stored import of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// The import's id.
    pub id: ImportId,
    /// The source's name.
    pub source: String,
    /// File name.
    pub file_name: String,
    /// SHA-256.
    pub sha256: String,
    /// Records stored from it.
    pub records: u64,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
}

/// The kind of a link event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A record was placed when it entered the store (new person or joined one).
    Place,
    /// All records of one person moved into another.
    Merge,
    /// One record moved out of its person into a new one.
    Split,
    /// Records moved to another existing person (a caseworker's correction).
    Move,
    /// An earlier event was undone.
    Reverse,
}

impl EventKind {
    /// Every kind, in a stable order.
    pub const ALL: [EventKind; 5] = [
        EventKind::Place,
        EventKind::Merge,
        EventKind::Split,
        EventKind::Move,
        EventKind::Reverse,
    ];

    /// The kind's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Place => "place",
            EventKind::Merge => "merge",
            EventKind::Split => "split",
            EventKind::Move => "move",
            EventKind::Reverse => "reverse",
        }
    }
}

impl FromStr for EventKind {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| StoreError::Invalid(format!("unknown event kind {s:?}")))
    }
}

/// One record's move within a link event (`from` is none when the record entered the store).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Move {
    /// The record moved.
    pub record_id: RecordId,
    /// Where it was.
    pub from: Option<PersonId>,
    /// Where it went.
    pub to: PersonId,
    /// The match probability behind an automatic move, when a model decided.
    pub score: Option<f64>,
}

/// A link event with its moves: the unit of the membership history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkEvent {
    /// The event's id (increasing).
    pub id: EventId,
    /// What happened.
    pub kind: EventKind,
    /// `athar` for automatic decisions, else the caseworker.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
    /// The model version, for automatic decisions.
    pub model_version: Option<String>,
    /// The event this one reverses.
    pub reverses: Option<EventId>,
    /// When.
    pub at: DateTime<Utc>,
    /// The moves.
    pub moves: Vec<Move>,
}

/// Claims, determinations and detention episodes of some persons.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonFacts {
    /// Claims, in id order.
    pub claims: Vec<Claim>,
    /// Determinations, oldest first.
    pub determinations: Vec<Determination>,
    /// Detention episodes, in id order.
    pub detentions: Vec<Detention>,
}

/// A person with everything known about them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDetail {
    /// The person's id.
    pub id: PersonId,
    /// When the person was created.
    pub created_at: DateTime<Utc>,
    /// Records now in the person.
    pub records: Vec<StoredRecord>,
    /// Claims.
    pub claims: Vec<Claim>,
    /// Determinations, oldest first (the last is current).
    pub determinations: Vec<Determination>,
    /// Detention episodes.
    pub detentions: Vec<Detention>,
    /// Notes on the person's records.
    pub notes: Vec<Note>,
    /// Link events that touched the person's records, oldest first.
    pub history: Vec<LinkEvent>,
}

/// A pair in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// The item's id.
    pub id: i64,
    /// One record.
    pub left_record_id: RecordId,
    /// The other record.
    pub right_record_id: RecordId,
    /// Match probability.
    pub probability: f64,
    /// Explanation JSON.
    pub explanation: serde_json::Value,
    /// Model version.
    pub model_version: Option<String>,
    /// `open`, `confirmed`, `rejected` or `deferred`.
    pub state: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
}

/// A human judgement on a pair of records: a label for the linkage engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// One record.
    pub left_record_id: RecordId,
    /// The other record.
    pub right_record_id: RecordId,
    /// True when the human says they are the same person.
    pub is_match: bool,
    /// Who judged.
    pub actor: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A saved matching model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// Version string (unique).
    pub version: String,
    /// The model as the linkage engine serializes it.
    pub json: String,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
}

/// Staff roles (the public has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Imports lists, reviews matches, records determinations.
    Caseworker,
    /// Runs search operations.
    Coordinator,
    /// Reads statistics; no contact details.
    Analyst,
    /// Manages users and backups.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [
        Role::Caseworker,
        Role::Coordinator,
        Role::Analyst,
        Role::Admin,
    ];

    /// The role's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Coordinator => "coordinator",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown role {s:?} (caseworker, coordinator, analyst or admin)"
                ))
            })
    }
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id.
    pub id: i64,
    /// Login name (unique).
    pub name: String,
    /// Role.
    pub role: Role,
    /// PHC string of the argon2id hash.
    pub password_hash: String,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// An audit event: who did or read what, when, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The event's id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What (`import`, `merge`, `read_person`, …).
    pub action: String,
    /// The kind of thing acted on (`person`, `record`, `import`, …).
    pub target_kind: String,
    /// Its id.
    pub target_id: Option<String>,
    /// Details as JSON.
    pub detail: serde_json::Value,
    /// Why, when given.
    pub reason: Option<String>,
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Sources.
    pub sources: u64,
    /// Imported files.
    pub imports: u64,
    /// Records.
    pub records: u64,
    /// Persons with at least one record.
    pub persons: u64,
    /// Link events.
    pub events: u64,
    /// Open review items.
    pub open_reviews: u64,
    /// Notes.
    pub notes: u64,
}

/// A fault found by the integrity check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// A short stable code (`membership_mismatch`, `import_count`, …).
    pub code: String,
    /// What is wrong, naming the rows.
    pub message: String,
}
