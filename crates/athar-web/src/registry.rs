//! [`Registry`]: the two things the portal asks of the registry itself (as opposed to what it
//! persists for itself, [`athar_store::portal::PortalStore`]): the stored records that may
//! answer a public search, and storing a report as a record that is matched at once.
//!
//! The binary implements it over the real store and the linkage engine; [`crate::fake`] has an
//! in-memory one for this crate's tests.

use athar_store::portal::{BoxFuture, NewReport, PortalError, PublicCandidate, PublicQuery};

/// The registry as the portal sees it.
pub trait Registry: Send + Sync {
    /// Records stored under a name like `query.name` (the store's normalized, cross-script
    /// name matching), at most `limit`, each with its person. The web tier then checks that
    /// every other detail agrees; nothing returned here is ever rendered.
    fn public_candidates<'a>(
        &'a self,
        query: &'a PublicQuery,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PublicCandidate>, PortalError>>;

    /// Stores a report as one record of its kind's source (`family-reports`,
    /// `survivor-registrations`) and matches it against the registry at once; returns the new
    /// record's id.
    fn ingest_report<'a>(
        &'a self,
        report: &'a NewReport,
    ) -> BoxFuture<'a, Result<i64, PortalError>>;
}

use std::sync::Arc;

use athar_linkage::Model;
use athar_record::{Field, Record};
use athar_store::ingest::{self, Incoming, MatchOptions, Query};
use athar_store::{Change, SourceInfo, Store, StoreError};
use chrono::DateTime;

/// How alike a stored name must be to the searched one (0–1, the names crate's score) before
/// its details are even compared.
const NAME_SCORE: f64 = 0.5;

/// The actor recorded on records that come from the public portal.
pub const PORTAL_ACTOR: &str = "public-portal";

/// Whether two names can be the same name, across scripts (the names crate's comparison).
pub fn same_name(a: &str, b: &str) -> bool {
    athar_names::compare_names(&athar_names::analyze(a), &athar_names::analyze(b)).same
}

fn portal_error(e: StoreError) -> PortalError {
    match e {
        StoreError::Invalid(m) => PortalError::Invalid(m),
        other => PortalError::Backend(other.to_string()),
    }
}

/// The registry over a real [`Store`]: searches through the store's cross-script person
/// search, reports through its one-record ingest (blocked, scored with the saved model,
/// placed, review items queued, in one transaction).
pub struct StoreRegistry {
    store: Arc<dyn Store>,
    model: Option<Model>,
    options: MatchOptions,
}

impl std::fmt::Debug for StoreRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreRegistry")
            .field("model", &self.model.is_some())
            .finish()
    }
}

impl StoreRegistry {
    /// A registry over `store`, with the store's saved model (read once, now).
    pub async fn new(store: Arc<dyn Store>) -> Result<StoreRegistry, StoreError> {
        let model = ingest::load_model(&*store).await?.map(|(_, m)| m);
        Ok(StoreRegistry {
            store,
            model,
            options: MatchOptions::default(),
        })
    }

    fn candidate(&self, rec: &athar_store::StoredRecord) -> PublicCandidate {
        let get = |f: &str| rec.field(f).map(str::to_string);
        let birth_year = get("birth_year")
            .or_else(|| get("birth_date"))
            .and_then(|t| {
                let (r, _) = Record::from_pairs([(Field::BirthDate, t.as_str())]);
                r.birth_date
                    .and_then(|d| d.value)
                    .map(|d| i32::from(d.year()))
            })
            .or_else(|| {
                get("birth_year")
                    .and_then(|t| athar_record::parse_year(&t))
                    .map(i32::from)
            });
        PublicCandidate {
            person_id: rec.person_id.to_string(),
            full_name: get("full_name"),
            first_name: get("first_name"),
            father_name: get("father_name"),
            grandfather_name: get("grandfather_name"),
            family_name: get("family_name"),
            mother_name: get("mother_name"),
            birth_year,
            prison_number: get("prison_number"),
        }
    }
}

fn whole_name(c: &PublicCandidate) -> String {
    match &c.full_name {
        Some(n) => n.clone(),
        None => [
            &c.first_name,
            &c.father_name,
            &c.grandfather_name,
            &c.family_name,
        ]
        .iter()
        .filter_map(|x| x.as_deref())
        .collect::<Vec<_>>()
        .join(" "),
    }
}

impl Registry for StoreRegistry {
    fn public_candidates<'a>(
        &'a self,
        query: &'a PublicQuery,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PublicCandidate>, PortalError>> {
        Box::pin(async move {
            let q = Query {
                name: query.name.clone(),
                father: query.father_name.clone(),
                mother: query.mother_name.clone(),
                birth_year: query.birth_year,
            };
            let hits = ingest::search(&*self.store, &q, self.model.as_ref(), limit)
                .await
                .map_err(portal_error)?;
            let mut out = Vec::new();
            for hit in hits.iter().filter(|h| h.score >= NAME_SCORE) {
                let Some(rec) = self
                    .store
                    .record(hit.record_id)
                    .await
                    .map_err(portal_error)?
                else {
                    continue;
                };
                let c = self.candidate(&rec);
                if same_name(&query.name, &whole_name(&c)) {
                    out.push(c);
                }
            }
            Ok(out)
        })
    }

    fn ingest_report<'a>(
        &'a self,
        report: &'a NewReport,
    ) -> BoxFuture<'a, Result<i64, PortalError>> {
        Box::pin(async move {
            let pairs: Vec<(Field, &str)> = report
                .fields
                .iter()
                .filter_map(|(k, v)| Some((k.parse::<Field>().ok()?, v.as_str())))
                .collect();
            let (record, _unparsed) = Record::from_pairs(pairs);
            let incoming = Incoming {
                raw: report.fields.clone(),
                record,
                line: None,
            };
            let source = SourceInfo {
                name: report.kind.source_name().to_string(),
                supplier: Some(PORTAL_ACTOR.to_string()),
                notes: None,
            };
            let at = DateTime::from_timestamp(report.at_unix, 0).unwrap_or_default();
            let change = Change::new(PORTAL_ACTOR, at);
            let outcome = ingest::ingest_one(
                &*self.store,
                source,
                incoming,
                self.model.as_ref(),
                &self.options,
                &change,
            )
            .await
            .map_err(portal_error)?;
            Ok(outcome.record_id)
        })
    }
}
