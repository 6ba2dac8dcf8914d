//! Storage for the public portal: the public search log, private follow-up codes and the case
//! updates a caseworker chose to share, tips, and reports from families and survivors.
//!
//! [`PortalStore`] is what the portal itself persists; each backend (`athar-store-sqlite`,
//! `athar-store-postgres`) implements it in its own `portal.rs`, with its tables in migrations
//! numbered 0100–0199. The records that reports become, and the search over persons, go
//! through the registry's [`crate::Store`]; the types for that boundary ([`PublicQuery`],
//! [`PublicCandidate`]) live here too so that both sides share them.
//!
//! This module must not grow anything that lets a public page show a person's details or a
//! reporter's identity: reporters' and tipsters' contact details are write-only here (no
//! method reads them back; the console reads them through its own audited store).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future: the trait's methods return these so it stays usable as
/// `Arc<dyn PortalStore>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A failure of the portal's storage. The message is for the server log only; the web tier
/// shows a generic, translated error instead.
#[derive(Debug)]
pub enum PortalError {
    /// The backend failed (connection, SQL, I/O). The text is never shown to the public.
    Backend(String),
    /// The request cannot be stored as given (a field the store rejects).
    Invalid(String),
}

impl fmt::Display for PortalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortalError::Backend(msg) => write!(f, "portal storage failed: {msg}"),
            PortalError::Invalid(msg) => write!(f, "portal input rejected: {msg}"),
        }
    }
}

impl std::error::Error for PortalError {}

/// What the public asked for. `name` is required; the web tier refuses a query that carries no
/// other identifying detail before it reaches the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicQuery {
    /// The name as typed (Arabic or Latin, one string: given name and family name).
    pub name: String,
    /// Father's given name.
    pub father_name: Option<String>,
    /// Mother's given name.
    pub mother_name: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Prison number.
    pub prison_number: Option<String>,
}

impl PublicQuery {
    /// How many identifying details besides the name the query carries.
    pub fn extra_details(&self) -> usize {
        usize::from(self.father_name.is_some())
            + usize::from(self.mother_name.is_some())
            + usize::from(self.birth_year.is_some())
            + usize::from(self.prison_number.is_some())
    }
}

/// One stored record that may answer a public query, as the store found it by name. The web
/// tier decides whether every detail the public gave agrees; nothing here is ever rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicCandidate {
    /// The person (cluster) the record belongs to.
    pub person_id: String,
    /// Whole name, when the list gave one string.
    pub full_name: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Father's given name.
    pub father_name: Option<String>,
    /// Grandfather's given name.
    pub grandfather_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Mother's given name.
    pub mother_name: Option<String>,
    /// Year of birth, when known.
    pub birth_year: Option<i32>,
    /// Prison number, when known.
    pub prison_number: Option<String>,
}

/// One entry of the public search log: what was asked and the rate-limit key, nothing else
/// about who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchLogEntry {
    /// When (Unix seconds, UTC).
    pub at_unix: i64,
    /// The rate-limit key (the client address as the trusted-proxy rules resolved it).
    pub client_key: String,
    /// What was asked.
    pub query: PublicQuery,
    /// How the portal answered: `refused`, `no_record` or `possible_match`.
    pub outcome: String,
}

/// Which public form a report came from; each has its own source in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// A family reports a missing person.
    Missing,
    /// A survivor registers "I am alive".
    Survivor,
}

impl ReportKind {
    /// The registry source the report's record is stored in.
    pub fn source_name(self) -> &'static str {
        match self {
            ReportKind::Missing => "family-reports",
            ReportKind::Survivor => "survivor-registrations",
        }
    }

    /// A stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Missing => "missing",
            ReportKind::Survivor => "survivor",
        }
    }

    /// Parses [`ReportKind::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "missing" => Some(ReportKind::Missing),
            "survivor" => Some(ReportKind::Survivor),
            _ => None,
        }
    }
}

/// A report from the public, ready to be stored as a record of its kind's source and matched
/// at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// Missing-person report or survivor registration.
    pub kind: ReportKind,
    /// The canonical fields (`CONTRACT.md` names) and their values as typed; empty ones left out.
    pub fields: Vec<(String, String)>,
    /// When (Unix seconds, UTC).
    pub at_unix: i64,
}

/// Information from the public about a person or a place; anonymous when `contact` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTip {
    /// Whom it is about (a name or a reference), if anyone.
    pub about_person: Option<String>,
    /// Where (a place, a facility, a building), if anywhere.
    pub place: Option<String>,
    /// What the tipster says.
    pub text: String,
    /// How to reach the tipster, if they chose to say.
    pub contact: Option<String>,
    /// When (Unix seconds, UTC).
    pub at_unix: i64,
}

/// The status of a follow-up case, as a caseworker shares it with the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// The report was received (the state every case starts in).
    Received,
    /// A caseworker is reviewing it.
    UnderReview,
    /// Something in the registry may concern this case; the family should contact the organization.
    PleaseContactUs,
    /// The case is closed.
    Closed,
}

impl CaseStatus {
    /// A stable code for storage and for translation keys.
    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::UnderReview => "under_review",
            CaseStatus::PleaseContactUs => "contact_us",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses [`CaseStatus::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "received" => Some(CaseStatus::Received),
            "under_review" => Some(CaseStatus::UnderReview),
            "contact_us" => Some(CaseStatus::PleaseContactUs),
            "closed" => Some(CaseStatus::Closed),
            _ => None,
        }
    }
}

/// One update a caseworker chose to share with the holder of a follow-up code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedUpdate {
    /// When (Unix seconds, UTC).
    pub at_unix: i64,
    /// The status shared.
    pub status: CaseStatus,
    /// A short message written for the family, if any.
    pub message: Option<String>,
}

/// What the holder of a follow-up code may see: the kind of case, when it was opened, and the
/// shared updates, oldest first. Nothing about the person or any match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseView {
    /// The case's id (for the console; never shown publicly).
    pub case_id: i64,
    /// Missing-person report or survivor registration.
    pub kind: ReportKind,
    /// When the case was opened (Unix seconds, UTC).
    pub opened_unix: i64,
    /// The shared updates, oldest first.
    pub updates: Vec<SharedUpdate>,
}

/// A follow-up case to open for a report that was just stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// Missing-person report or survivor registration.
    pub kind: ReportKind,
    /// The record the report became (its store id), when it was stored.
    pub record_id: Option<i64>,
    /// SHA-256 (hex) of the private follow-up code; the code itself is never stored.
    pub code_hash: String,
    /// How the organization can reach the reporter; never shown publicly.
    pub reporter_contact: Option<String>,
    /// When (Unix seconds, UTC).
    pub at_unix: i64,
}

/// One record in the public search's name index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameIndexRow {
    /// The record's store id.
    pub record_id: i64,
    /// The key of its given and family names (computed by the web tier).
    pub name_key: i64,
    /// The fields the portal's decision compares (`person_id` is ignored here: the person is
    /// read from the memberships at query time).
    pub fields: PublicCandidate,
}

/// A row of the name index as the backends read it: the record id and the name key, then the
/// compared fields in [`PublicCandidate`]'s order (full, first, father, grandfather, family and
/// mother names, birth year, prison number).
pub type IndexedRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<String>,
);

impl NameIndexRow {
    /// The row `r`, its person not resolved (`fields.person_id` empty).
    pub fn read(r: IndexedRow) -> NameIndexRow {
        NameIndexRow {
            record_id: r.0,
            name_key: r.1,
            fields: PublicCandidate {
                person_id: String::new(),
                full_name: r.2,
                first_name: r.3,
                father_name: r.4,
                grandfather_name: r.5,
                family_name: r.6,
                mother_name: r.7,
                birth_year: r.8,
                prison_number: r.9,
            },
        }
    }
}

/// Everything the public portal persists and looks up.
pub trait PortalStore: Send + Sync {
    /// The highest record id the name index has read.
    fn name_index_position(&self) -> BoxFuture<'_, Result<i64, PortalError>>;

    /// The fingerprint of the key function that wrote the index's keys (0: none recorded).
    fn name_index_scheme(&self) -> BoxFuture<'_, Result<i64, PortalError>>;

    /// Empties the name index, moves its position back to 0 and records `scheme`, atomically:
    /// the keys were computed by another key function, so every record is indexed again.
    fn reset_name_index(&self, scheme: i64) -> BoxFuture<'_, Result<(), PortalError>>;

    /// Adds `rows` to the name index and moves its position to at least `up_to`, atomically.
    /// Rows already indexed are left as they are.
    fn index_names<'a>(
        &'a self,
        rows: &'a [NameIndexRow],
        up_to: i64,
    ) -> BoxFuture<'a, Result<(), PortalError>>;

    /// The indexed rows with `after < record_id <= up_to`, in record id order, at most
    /// `limit`: what the web tier loads into its in-memory name index (all of it at start,
    /// then what [`PortalStore::name_index_position`] has moved past). Their
    /// `fields.person_id` is empty; the person is read with [`PortalStore::persons_of`] for
    /// the candidates whose details agree with a search.
    fn name_index_rows(
        &self,
        after: i64,
        up_to: i64,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<NameIndexRow>, PortalError>>;

    /// The current person of each of `record_ids`, as (record id, person id); a record that is
    /// not stored is left out.
    fn persons_of<'a>(
        &'a self,
        record_ids: &'a [i64],
    ) -> BoxFuture<'a, Result<Vec<(i64, String)>, PortalError>>;

    /// The public reference of a person, created from `fresh` on first use and stable after.
    fn public_reference<'a>(
        &'a self,
        person_id: &'a str,
        fresh: &'a str,
    ) -> BoxFuture<'a, Result<String, PortalError>>;

    /// Appends one entry to the public search log.
    fn log_search<'a>(
        &'a self,
        entry: &'a SearchLogEntry,
    ) -> BoxFuture<'a, Result<(), PortalError>>;

    /// Appends several entries to the public search log, all or none (the web tier's group
    /// commit: one durable transaction for many searches). The provided version writes them
    /// one by one; the backends write them in one transaction.
    fn log_searches<'a>(
        &'a self,
        entries: &'a [SearchLogEntry],
    ) -> BoxFuture<'a, Result<(), PortalError>> {
        Box::pin(async move {
            for entry in entries {
                self.log_search(entry).await?;
            }
            Ok(())
        })
    }

    /// Opens a case with its first shared update ("received"); returns the case's id.
    fn open_case<'a>(&'a self, case: &'a NewCase) -> BoxFuture<'a, Result<i64, PortalError>>;

    /// Stores a tip; returns its id.
    fn add_tip<'a>(&'a self, tip: &'a NewTip) -> BoxFuture<'a, Result<i64, PortalError>>;

    /// The case whose follow-up code hashes to `code_hash`, with its shared updates.
    fn find_case<'a>(
        &'a self,
        code_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<CaseView>, PortalError>>;

    /// Shares one update with the holder of a case's code (used by the console).
    fn share_update<'a>(
        &'a self,
        case_id: i64,
        update: &'a SharedUpdate,
    ) -> BoxFuture<'a, Result<(), PortalError>>;
}

/// The conformance check every [`PortalStore`] passes (run by each backend's tests): cases
/// round-trip with their shared updates, references are stable, codes are looked up by hash
/// only, tips and the search log are accepted. Returns what went wrong.
pub async fn check_portal_store(store: &dyn PortalStore) -> Result<(), String> {
    fn ensure(ok: bool, what: &str) -> Result<(), String> {
        if ok { Ok(()) } else { Err(what.to_string()) }
    }
    let err = |e: PortalError| e.to_string();
    let r1 = store
        .public_reference("p-1", "R-AAAAA-AAAAA")
        .await
        .map_err(err)?;
    let r2 = store
        .public_reference("p-1", "R-BBBBB-BBBBB")
        .await
        .map_err(err)?;
    ensure(
        r1 == "R-AAAAA-AAAAA" && r2 == r1,
        "a person's reference is stable",
    )?;
    let r3 = store
        .public_reference("p-2", "R-CCCCC-CCCCC")
        .await
        .map_err(err)?;
    ensure(
        r3 == "R-CCCCC-CCCCC",
        "another person gets its own reference",
    )?;

    let hash = "ab".repeat(32);
    let case = NewCase {
        kind: ReportKind::Survivor,
        record_id: None,
        code_hash: hash.clone(),
        reporter_contact: Some("+000 555".into()),
        at_unix: 1_800_000_000,
    };
    let id = store.open_case(&case).await.map_err(err)?;
    let dup = store.open_case(&case).await;
    ensure(dup.is_err(), "a code hash opens one case only")?;
    let update = SharedUpdate {
        at_unix: 1_800_000_100,
        status: CaseStatus::UnderReview,
        message: Some("نراجع بلاغك".into()),
    };
    store.share_update(id, &update).await.map_err(err)?;
    ensure(
        store.share_update(id + 1000, &update).await.is_err(),
        "no update for a missing case",
    )?;
    let view = store
        .find_case(&hash)
        .await
        .map_err(err)?
        .ok_or("case not found by its hash")?;
    ensure(
        view.case_id == id && view.kind == ReportKind::Survivor,
        "case identity",
    )?;
    ensure(view.opened_unix == 1_800_000_000, "opening time")?;
    ensure(
        view.updates.len() == 2,
        "the received update and the shared one",
    )?;
    ensure(
        view.updates[0].status == CaseStatus::Received,
        "first update is received",
    )?;
    ensure(view.updates[1] == update, "shared update round-trips")?;
    ensure(
        store
            .find_case(&"cd".repeat(32))
            .await
            .map_err(err)?
            .is_none(),
        "unknown hash",
    )?;

    let tip = NewTip {
        about_person: None,
        place: Some("مبنى ب".into()),
        text: "باب مغلق".into(),
        contact: None,
        at_unix: 1_800_000_200,
    };
    let t1 = store.add_tip(&tip).await.map_err(err)?;
    let t2 = store.add_tip(&tip).await.map_err(err)?;
    ensure(t2 > t1, "tip ids increase")?;
    ensure(
        store.name_index_position().await.map_err(err)? == 0,
        "the name index starts at 0",
    )?;
    ensure(
        store.name_index_scheme().await.map_err(err)? == 0,
        "no key scheme recorded at first",
    )?;
    store.index_names(&[], 7).await.map_err(err)?;
    store.index_names(&[], 3).await.map_err(err)?;
    ensure(
        store.name_index_position().await.map_err(err)? == 7,
        "the position only grows",
    )?;
    store.reset_name_index(-42).await.map_err(err)?;
    ensure(
        store.name_index_scheme().await.map_err(err)? == -42
            && store.name_index_position().await.map_err(err)? == 0,
        "a reset records the scheme and starts the index again",
    )?;
    store.index_names(&[], 7).await.map_err(err)?;
    ensure(
        store
            .name_index_rows(0, i64::MAX, 10)
            .await
            .map_err(err)?
            .is_empty(),
        "no indexed rows",
    )?;
    ensure(
        store.persons_of(&[]).await.map_err(err)?.is_empty()
            && store.persons_of(&[i64::MAX]).await.map_err(err)?.is_empty(),
        "no persons for records that are not stored",
    )?;
    for outcome in ["refused", "no_record", "possible_match"] {
        let entry = SearchLogEntry {
            at_unix: 1_800_000_300,
            client_key: "198.51.100.7".into(),
            query: PublicQuery {
                name: "محمد".into(),
                father_name: Some("أحمد".into()),
                birth_year: Some(1985),
                ..Default::default()
            },
            outcome: outcome.into(),
        };
        store.log_search(&entry).await.map_err(err)?;
    }
    let batch: Vec<SearchLogEntry> = (0..3)
        .map(|i| SearchLogEntry {
            at_unix: 1_800_000_400 + i,
            client_key: format!("203.0.113.{i}"),
            query: PublicQuery {
                name: "Muhammad al-Halabi".into(),
                prison_number: Some(format!("A-{i}")),
                ..Default::default()
            },
            outcome: "no_record".into(),
        })
        .collect();
    store.log_searches(&batch).await.map_err(err)?;
    store.log_searches(&[]).await.map_err(err)?;
    let bad = SearchLogEntry {
        outcome: "not-an-outcome".into(),
        ..batch[0].clone()
    };
    ensure(
        store.log_searches(&[batch[1].clone(), bad]).await.is_err(),
        "a batch with a bad entry is refused",
    )?;
    Ok(())
}
