//! Storage for the public portal: the public search log, private follow-up codes and the case
//! updates a caseworker chose to share, tips, and reports from families and survivors.
//!
//! The web tier talks to the registry only through [`PortalStore`], so it never sees SQL and
//! never holds more of a person than the portal needs to decide "possible match or not".
//! Each backend (`athar-store-sqlite`, `athar-store-postgres`) implements it in its own
//! `portal.rs`, with its tables in migrations numbered 0100–0199.
//!
//! This module must not grow anything that lets a public page show a person's details or a
//! reporter's identity: the trait returns candidates to the web tier's decision function and
//! stores reporters' contact details write-only (no method reads them back).

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

/// A report from the public, ready to be stored as a record and matched at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// Missing-person report or survivor registration.
    pub kind: ReportKind,
    /// The canonical fields (`CONTRACT.md` names) and their values as typed; empty ones left out.
    pub fields: Vec<(String, String)>,
    /// How the organization can reach the reporter; stored for caseworkers, never shown publicly.
    pub reporter_contact: Option<String>,
    /// SHA-256 (hex) of the private follow-up code; the code itself is never stored.
    pub code_hash: String,
    /// When (Unix seconds, UTC).
    pub at_unix: i64,
}

/// What storing a report produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportReceipt {
    /// The new record's id in its source.
    pub record_id: String,
    /// The follow-up case opened for it.
    pub case_id: i64,
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

/// Everything the public portal persists and looks up.
///
/// Implementations must keep `submit_report` atomic (record, match and case together or
/// nothing) and must never return reporters' or tipsters' contact details.
pub trait PortalStore: Send + Sync {
    /// Records stored under a name like `query.name`, at most `limit`, each with its person.
    /// Name matching is the store's (normalized, cross-script); the web tier then checks that
    /// every other detail agrees.
    fn public_candidates<'a>(
        &'a self,
        query: &'a PublicQuery,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PublicCandidate>, PortalError>>;

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

    /// Stores a report as a record of its kind's source, matches it at once, and opens a case
    /// keyed by the code's hash, all in one transaction.
    fn submit_report<'a>(
        &'a self,
        report: &'a NewReport,
    ) -> BoxFuture<'a, Result<ReportReceipt, PortalError>>;

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
