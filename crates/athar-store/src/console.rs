//! Storage for the caseworker console and the JSON API: staff sessions, login throttling, API
//! tokens, the review queue with claims, audited reads of personal data, determinations with
//! what the family may see, tips triage and audit search.
//!
//! [`ConsoleStore`] sits beside the core [`crate::Store`] trait (which owns records, persons,
//! link events, reviews, users and the audit table); each backend implements it in its own
//! `console.rs` with its tables in migrations numbered 0200–0299.
//!
//! Rules this module keeps:
//! - session ids and API tokens are stored only as SHA-256 hashes (hex), computed by the web
//!   tier: a copy of the database does not let anyone log in;
//! - every read of a person's details or of a reporter's contact through this trait writes its
//!   audit event in the same transaction as the read (`*_audited` methods take a [`Change`]);
//! - every change writes its audit event in the same transaction as the change.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    AuditEvent, Change, NewDetermination, PersonDetail, PersonId, RecordId, Result, ReviewItem,
    Role, StoredRecord, User,
};

/// A staff session as stored (the id itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    /// SHA-256 (hex) of the session id in the cookie.
    pub id_hash: String,
    /// The account.
    pub user_id: i64,
    /// Its login name.
    pub user_name: String,
    /// Its role (read at every request: a role change applies at once).
    pub role: Role,
    /// When the session was created.
    pub created_at: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// Scopes of an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Search, records, persons, reviews.
    Read,
    /// Decisions.
    Write,
    /// Imports.
    Import,
    /// Exports.
    Export,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Write, Scope::Import, Scope::Export];

    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Import => "import",
            Scope::Export => "export",
        }
    }

    /// Parses [`Scope::as_str`].
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// An API token as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// The token's id.
    pub id: i64,
    /// A label chosen by the admin.
    pub label: String,
    /// The staff account the token acts for (its name is the audit actor).
    pub user_name: String,
    /// That account's role.
    pub role: Role,
    /// Scopes granted.
    pub scopes: Vec<Scope>,
    /// When created.
    pub created_at: DateTime<Utc>,
    /// When revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What kind of list a source is, judged from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Reports by families (someone is searching).
    Family,
    /// Survivors' registrations (someone is alive).
    Survivor,
    /// Prison registers, releases, detention lists.
    Detention,
    /// Anything else.
    Other,
}

/// The kind of a source from its name (`family-reports`, `prison`, `survivor-registrations` …),
/// ASCII letters folded (as the backends' SQL folds them).
pub fn source_kind(name: &str) -> SourceKind {
    let n = name.to_ascii_lowercase();
    if n.contains("family") {
        SourceKind::Family
    } else if n.contains("survivor") {
        SourceKind::Survivor
    } else if ["prison", "detain", "register", "release", "branch"]
        .iter()
        .any(|k| n.contains(k))
    {
        SourceKind::Detention
    } else {
        SourceKind::Other
    }
}

/// The value of reviewing a pair: how much the decision would change for a family (a family
/// report against a detention or survivor record first) plus how much the answer would teach
/// the model (pairs near probability ½ teach most).
///
/// This is the specification: each backend keeps the value of every open item in an indexed
/// table (migration 0201) computed by the same formula in SQL, and the conformance suite
/// checks the two against this function.
pub fn review_value(probability: f64, left_source: &str, right_source: &str) -> f64 {
    use SourceKind::*;
    let p = probability.clamp(0.0, 1.0);
    let teach = 1.0 - (2.0 * p - 1.0).abs();
    let change = if left_source == right_source {
        0.0
    } else {
        match (source_kind(left_source), source_kind(right_source)) {
            (Family, Detention) | (Detention, Family) | (Family, Survivor) | (Survivor, Family) => {
                2.0
            }
            (Survivor, Detention) | (Detention, Survivor) => 1.5,
            _ => 1.0,
        }
    };
    change + teach
}

/// What the review queue lists: a filter and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFilter {
    /// Only pairs with a record from this source.
    pub source: Option<String>,
    /// Only pairs with a record whose `governorate` field is this (as written in the list).
    pub governorate: Option<String>,
    /// At most this many items.
    pub limit: usize,
    /// Skip this many (in value order) first.
    pub offset: usize,
}

/// One side of a review pair, as the queue shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSide {
    /// The record.
    pub record_id: RecordId,
    /// Its person now.
    pub person_id: PersonId,
    /// Its source's name.
    pub source: String,
    /// Its display name.
    pub display_name: String,
    /// Its governorate field, when present.
    pub governorate: Option<String>,
}

/// An item of the review queue with its sides and its claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// The review item.
    pub item: ReviewItem,
    /// Left record.
    pub left: QueueSide,
    /// Right record.
    pub right: QueueSide,
    /// Its review value ([`review_value`]), as the store keeps it.
    pub value: f64,
    /// Who holds the item now, if the claim has not expired.
    pub claimed_by: Option<String>,
    /// Until when.
    pub claim_expires: Option<DateTime<Utc>>,
}

/// The outcome of trying to claim a review item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimOutcome {
    /// The caller holds the item until the given time.
    Claimed(DateTime<Utc>),
    /// Someone else holds it.
    HeldBy(String),
}

/// What the family's follow-up code may show of a determination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareChoice {
    /// The case status code to share (`received`, `under_review`, `contact_us`, `closed`).
    pub case_status: String,
    /// A short message written for the family.
    pub message: Option<String>,
}

/// What storing a determination did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeterminationOutcome {
    /// The determination's id.
    pub id: i64,
    /// The follow-up cases the update was shared with (empty when not shared).
    pub shared_with_cases: Vec<i64>,
}

/// A reporter's contact, as only staff with the right role may read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterContact {
    /// The record the report created.
    pub record_id: RecordId,
    /// The follow-up case.
    pub case_id: i64,
    /// `missing` or `survivor`.
    pub kind: String,
    /// The contact as the reporter gave it.
    pub contact: String,
}

/// Triage states of a tip.
pub const TIP_STATES: [&str; 4] = ["new", "in_review", "actionable", "closed"];

/// A tip as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipEntry {
    /// The tip's id.
    pub id: i64,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// Whom it is about (as the tipster wrote it).
    pub about_person: Option<String>,
    /// Where (as the tipster wrote it).
    pub place: Option<String>,
    /// The text.
    pub text: String,
    /// True when the tipster left a way to reach them (the contact itself is read separately).
    pub has_contact: bool,
    /// Triage state (one of [`TIP_STATES`]).
    pub state: String,
    /// Linked person, if any.
    pub person_id: Option<PersonId>,
    /// Linked place (a site or facility name), if any.
    pub linked_place: Option<String>,
    /// Who triaged it last.
    pub reviewer: Option<String>,
    /// When.
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// A tip's triage decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipTriage {
    /// New state (one of [`TIP_STATES`]).
    pub state: String,
    /// Person to link, if any.
    pub person_id: Option<PersonId>,
    /// Place to link, if any.
    pub place: Option<String>,
}

/// An audit search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this target kind.
    pub target_kind: Option<String>,
    /// Only this target id.
    pub target_id: Option<String>,
    /// From (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// A record found by a staff search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordHit {
    /// The record.
    pub record_id: RecordId,
    /// Its person.
    pub person_id: PersonId,
    /// Its source.
    pub source: String,
    /// Its display name.
    pub display_name: String,
}

/// The target id and detail of a [`ConsoleStore::records_audited`] audit event: the id when
/// one record was asked for; the detail's own keys plus the records and persons read.
pub fn records_audit_detail(
    ids: &[RecordId],
    read: &[StoredRecord],
    detail: &serde_json::Value,
) -> (Option<String>, serde_json::Value) {
    let target = match ids {
        [one] => Some(one.to_string()),
        _ => None,
    };
    let mut out = match detail {
        serde_json::Value::Object(m) => m.clone(),
        serde_json::Value::Null => serde_json::Map::new(),
        other => {
            let mut m = serde_json::Map::new();
            m.insert("detail".into(), other.clone());
            m
        }
    };
    out.insert(
        "records".into(),
        read.iter().map(|r| r.id).collect::<Vec<_>>().into(),
    );
    let mut persons: Vec<PersonId> = read.iter().map(|r| r.person_id).collect();
    persons.sort_unstable();
    persons.dedup();
    out.insert("persons".into(), persons.into());
    (target, serde_json::Value::Object(out))
}

/// The detail of an [`ConsoleStore::export_audited`] audit event: `detail`'s keys and the
/// number of records exported.
pub fn export_audit_detail(detail: &serde_json::Value, records: u64) -> serde_json::Value {
    let mut out = match detail {
        serde_json::Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    out.insert("records".into(), records.into());
    serde_json::Value::Object(out)
}

/// The detail of a [`ConsoleStore::review_queue_audited`] audit event: the items shown and the
/// filter.
pub fn queue_audit_detail(filter: &QueueFilter, entries: &[QueueEntry]) -> serde_json::Value {
    serde_json::json!({
        "items": entries.iter().map(|e| e.item.id).collect::<Vec<_>>(),
        "source": filter.source,
        "governorate": filter.governorate,
        "offset": filter.offset,
    })
}

/// Storage the console and the API need beyond [`crate::Store`].
#[async_trait::async_trait]
pub trait ConsoleStore: Send + Sync {
    // --- Sessions and login ---

    /// Creates a session for `user_id` (and deletes `replaces`, the session the browser held
    /// before, if any: the id is rotated on login).
    async fn create_session(
        &self,
        id_hash: &str,
        user_id: i64,
        replaces: Option<&str>,
        expires_at: DateTime<Utc>,
        change: &Change,
    ) -> Result<()>;

    /// The live session with this hash (expired sessions and disabled accounts: none).
    async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<StaffSession>>;

    /// Deletes a session (logout).
    async fn delete_session(&self, id_hash: &str, change: &Change) -> Result<()>;

    /// Records a login attempt under each of `keys` (account and client key).
    async fn record_login_attempt(&self, keys: &[&str], ok: bool, at: DateTime<Utc>) -> Result<()>;

    /// Failed attempts under `key` since `since` and after the last success.
    async fn failed_logins_since(&self, key: &str, since: DateTime<Utc>) -> Result<u32>;

    // --- Users ---

    /// Every staff account.
    async fn list_users(&self) -> Result<Vec<User>>;

    /// Changes an account's role.
    async fn set_user_role(&self, name: &str, role: Role, change: &Change) -> Result<()>;

    /// Replaces an account's password hash (and ends its sessions).
    async fn set_user_password(
        &self,
        name: &str,
        password_hash: &str,
        change: &Change,
    ) -> Result<()>;

    /// Enables or disables an account (disabling ends its sessions).
    async fn set_user_disabled(&self, name: &str, disabled: bool, change: &Change) -> Result<()>;

    // --- API tokens ---

    /// Stores a token (by hash) acting for `user_name` with `scopes`.
    async fn create_api_token(
        &self,
        token_hash: &str,
        label: &str,
        user_name: &str,
        scopes: &[Scope],
        change: &Change,
    ) -> Result<i64>;

    /// The unrevoked token with this hash, whose account is enabled.
    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// Every token (revoked ones too).
    async fn list_api_tokens(&self) -> Result<Vec<ApiToken>>;

    /// Revokes a token.
    async fn revoke_api_token(&self, id: i64, change: &Change) -> Result<()>;

    // --- Review queue ---

    /// One page of the open and deferred review items with their sides and claims, filtered,
    /// highest [`review_value`] first (ties: older item first), read through the value index.
    async fn review_queue(
        &self,
        filter: &QueueFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueEntry>>;

    /// [`ConsoleStore::review_queue`] for a member of staff: the page shows both sides' names,
    /// so it is read and an audit event naming its items (`review.queue`) is written in one
    /// transaction.
    async fn review_queue_audited(
        &self,
        filter: &QueueFilter,
        now: DateTime<Utc>,
        change: &Change,
    ) -> Result<Vec<QueueEntry>>;

    /// How many open and deferred items `filter` matches (its limit and offset ignored).
    async fn review_queue_count(&self, filter: &QueueFilter) -> Result<u64>;

    /// Claims an item for `change.actor` until `until`, unless someone else holds it.
    async fn claim_review(
        &self,
        id: i64,
        until: DateTime<Utc>,
        change: &Change,
    ) -> Result<ClaimOutcome>;

    /// One review item with both records, writing a `read_review` audit event in the same
    /// transaction.
    async fn review_audited(
        &self,
        id: i64,
        change: &Change,
    ) -> Result<Option<(QueueEntry, StoredRecord, StoredRecord)>>;

    /// Replaces the probability, explanation and model version of an open item (after
    /// retraining), auditing it.
    async fn rescore_review(
        &self,
        id: i64,
        probability: f64,
        explanation: &serde_json::Value,
        model_version: &str,
        change: &Change,
    ) -> Result<()>;

    /// Names of all sources.
    async fn source_names(&self) -> Result<Vec<String>>;

    // --- Persons ---

    /// A person's details, writing a `read_person` audit event in the same transaction.
    async fn person_audited(&self, id: PersonId, change: &Change) -> Result<Option<PersonDetail>>;

    /// Records whose display name contains `text` (case-insensitive), at most `limit`, writing a
    /// `search_records` audit event (the query and the number of hits) in the same transaction.
    async fn search_records_audited(
        &self,
        text: &str,
        limit: usize,
        change: &Change,
    ) -> Result<Vec<RecordHit>>;

    /// The records with these ids (in id order; unknown ids are left out), writing one audit
    /// event `action` on target kind `record` (the id when there is one, and the ids read in
    /// the detail, beside `detail`'s keys) in the same transaction. The API's record read and
    /// the hits of its search go through it.
    async fn records_audited(
        &self,
        ids: &[RecordId],
        action: &str,
        detail: &serde_json::Value,
        change: &Change,
    ) -> Result<Vec<StoredRecord>>;

    /// Every record in id order, handed to `sink` one at a time, read in one transaction that
    /// also writes an `export` audit event (with `detail` and the number of records): an export
    /// is a consistent snapshot and is never unrecorded. An error from `sink` ends the export
    /// and writes nothing. Returns the number of records.
    async fn export_audited(
        &self,
        detail: &serde_json::Value,
        change: &Change,
        sink: &mut (dyn for<'r> FnMut(&'r StoredRecord) -> Result<()> + Send),
    ) -> Result<u64>;

    /// Contacts left by reporters whose reports are now records of `person`, writing a
    /// `read_contact` audit event (with the reason in `change`) in the same transaction.
    async fn reporter_contacts_audited(
        &self,
        person: PersonId,
        change: &Change,
    ) -> Result<Vec<ReporterContact>>;

    /// Adds a determination and, with `share`, shares the update with every follow-up case of
    /// the person's records, in one transaction with its audit event.
    async fn add_determination_shared(
        &self,
        det: &NewDetermination,
        share: Option<&ShareChoice>,
        change: &Change,
    ) -> Result<DeterminationOutcome>;

    // --- Tips ---

    /// Tips, newest first, optionally only those in `state`.
    async fn tips(&self, state: Option<&str>, limit: usize) -> Result<Vec<TipEntry>>;

    /// Sets a tip's triage state and links, auditing it.
    async fn triage_tip(&self, id: i64, triage: &TipTriage, change: &Change) -> Result<()>;

    /// The contact a tipster left, writing a `read_contact` audit event in the same transaction.
    async fn tip_contact_audited(&self, id: i64, change: &Change) -> Result<Option<String>>;

    // --- Audit ---

    /// Audit events matching `query`, newest first.
    async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kinds_fold_ascii_letters() {
        assert_eq!(source_kind("family-reports"), SourceKind::Family);
        assert_eq!(source_kind("survivor-registrations"), SourceKind::Survivor);
        assert_eq!(
            source_kind("Sednaya PRISON register"),
            SourceKind::Detention
        );
        assert_eq!(source_kind("hospital"), SourceKind::Other);
        assert_eq!(source_kind("سجل عائلات"), SourceKind::Other);
    }

    #[test]
    fn family_against_prison_comes_first_then_uncertainty() {
        let v = |p, l, r| review_value(p, l, r);
        let mut q = [
            (1, v(0.5, "prison", "prison")),
            (2, v(0.9, "family-reports", "prison")),
            (3, v(0.5, "family-reports", "prison")),
            (4, v(0.6, "prison", "hospital")),
            (5, v(0.5, "survivors", "prison")),
        ];
        q.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let ids: Vec<i32> = q.iter().map(|e| e.0).collect();
        assert_eq!(ids, vec![3, 5, 2, 4, 1]);
        assert!((v(0.5, "family", "prison") - 3.0).abs() < 1e-12);
        assert!(
            (v(1.7, "a", "a") - 0.0).abs() < 1e-12,
            "probability is clamped"
        );
    }

    #[test]
    fn audit_details_name_what_was_read() {
        let (target, d) = records_audit_detail(&[7], &[], &serde_json::json!({"q": "x"}));
        assert_eq!(target.as_deref(), Some("7"));
        assert_eq!(d["q"], "x");
        assert_eq!(d["records"], serde_json::json!([]));
        let e = export_audit_detail(&serde_json::json!({"format": "csv"}), 12);
        assert_eq!(e, serde_json::json!({"format": "csv", "records": 12}));
    }
}
