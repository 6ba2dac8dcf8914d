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
    /// name matching), at most `limit`, each with its person. It may leave out records that
    /// contradict another detail of the query. The web tier then checks that every other
    /// detail agrees; nothing returned here is ever rendered.
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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use athar_linkage::Model;
use athar_record::{Field, Record};
use athar_store::ingest::{self, Incoming, MatchOptions};
use athar_store::portal::{NameIndexRow, PortalStore};
use athar_store::{Change, SourceInfo, Store, StoreError, StoredRecord};

use crate::nameindex::NameIndex;
use crate::portal::matching::{Details, agrees};
use chrono::DateTime;

/// At most this many indexed records are compared for one public search.
const INDEX_CANDIDATES: usize = 200;

/// Records read per step when the name index catches up with the store.
const INDEX_PAGE: usize = 5_000;

/// Index rows read per step when the in-memory index loads from the store.
const LOAD_PAGE: usize = 50_000;

/// The actor recorded on records that come from the public portal.
pub const PORTAL_ACTOR: &str = "public-portal";

/// Whether two names can be the same name, across scripts (the names crate's comparison).
pub fn same_name(a: &str, b: &str) -> bool {
    athar_names::compare_names(&analyzed(a), &analyzed(b)).same
}

/// A search's own names (father's, mother's) analyzed once, for comparing with the
/// names of every candidate the index returned (up to [`INDEX_CANDIDATES`]).
struct AskedNames(Vec<(String, Arc<athar_names::Name>)>);

impl AskedNames {
    fn of(query: &PublicQuery) -> AskedNames {
        let names = [&query.father_name, &query.mother_name];
        AskedNames(
            names
                .into_iter()
                .flatten()
                .map(|n| (n.clone(), analyzed(n)))
                .collect(),
        )
    }

    /// [`same_name`], with `asked` looked up among the query's names first.
    fn same(&self, asked: &str, stored: &str) -> bool {
        let asked = match self.0.iter().find(|(n, _)| n == asked) {
            Some((_, name)) => name.clone(),
            None => analyzed(asked),
        };
        athar_names::compare_names(&asked, &analyzed(stored)).same
    }
}

/// At most this many analyzed names are kept by [`analyzed`].
const ANALYZED_NAMES: usize = 50_000;

/// [`athar_names::analyze`], remembered: searches compare the same few thousand given names
/// (fathers', mothers', the names people search for) over and over. Bounded: when full, it
/// starts again empty.
fn analyzed(s: &str) -> Arc<athar_names::Name> {
    static MEMO: OnceLock<Mutex<HashMap<String, Arc<athar_names::Name>>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Mutex::default);
    // A poisoned lock only means another request panicked while holding it; the map is whole.
    if let Some(name) = memo.lock().unwrap_or_else(|p| p.into_inner()).get(s) {
        return name.clone();
    }
    let name = Arc::new(athar_names::analyze(s));
    let mut map = memo.lock().unwrap_or_else(|p| p.into_inner());
    // When full, the old map is taken out and dropped after the lock is released: freeing
    // tens of thousands of names under the lock stalled every search waiting for it.
    let old = (map.len() >= ANALYZED_NAMES).then(|| std::mem::take(&mut *map));
    map.insert(s.to_string(), name.clone());
    drop(map);
    drop(old);
    name
}

fn portal_error(e: StoreError) -> PortalError {
    match e {
        StoreError::Invalid(m) => PortalError::Invalid(m),
        other => PortalError::Backend(other.to_string()),
    }
}

/// The key of a given name and a family name in the public search's index: both units' keys
/// from the names crate ([`athar_names::Unit::term_key`]: the variant group when the spelling
/// is attested, else the cross-script skeleton), so محمد الحلبي and Muhammad al-Halabi meet.
pub fn name_key(given: &str, family: &str) -> Option<i64> {
    let g = athar_names::analyze(given);
    let f = athar_names::analyze(family);
    let (g, f) = (g.units.first()?, f.units.last()?);
    let key = g.term_key().wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ f.term_key().rotate_left(29);
    Some(i64::from_ne_bytes(key.to_ne_bytes()))
}

/// A fingerprint of [`name_key`] over spellings in both scripts: it changes when the names
/// crate's keys change (a new folding or skeleton rule), and an index whose keys were written
/// under another fingerprint is rebuilt ([`StoreRegistry::catch_up`]) — else a search would
/// miss every record whose key moved. Never 0 (the store's "none recorded").
pub fn key_scheme() -> i64 {
    const PROBES: [(&str, &str); 24] = [
        ("محمد", "الحلبي"),
        ("Mohammed", "al-Halabi"),
        ("عبد الرحمن", "الشامي"),
        ("Abdulrahman", "Shami"),
        ("أحمد", "الخطيب"),
        ("Ahmad", "Khatib"),
        ("حسن", "العلي"),
        ("Hassan", "Ali"),
        ("حسين", "الأحمد"),
        ("Hussein", "El Ahmad"),
        ("عمر", "قباني"),
        ("Omar", "Kabbani"),
        ("خضر", "الكردي"),
        ("Xidir", "Kurdi"),
        ("نجاة", "العبادي"),
        ("Najat", "Obeidi"),
        ("فاطمة", "الزهراء"),
        ("Fatima", "Zahra"),
        ("ضياء الدين", "الجزائري"),
        ("Ziyaeddin", "Djazairi"),
        ("يوسف", "الحمصي"),
        ("Youssef", "Homsi"),
        ("إلياس", "خوري"),
        ("Elias", "Khoury"),
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (given, family) in PROBES {
        let key = name_key(given, family).unwrap_or(0);
        h = (h ^ key as u64)
            .wrapping_mul(0x0100_0000_01b3)
            .rotate_left(17);
    }
    match i64::from_ne_bytes(h.to_ne_bytes()) {
        0 => 1,
        k => k,
    }
}

/// The index key of what a visitor typed as "name": its first unit is the given name, its last
/// the family name. A single word has no key (the form asks for both).
pub fn query_name_key(name: &str) -> Option<i64> {
    let n = athar_names::analyze(name);
    if n.units.len() < 2 {
        return None;
    }
    let (g, f) = (n.units.first()?, n.units.last()?);
    name_key(&g.raw, &f.raw)
}

/// The index key of a stored record: given and family name from their fields, or from the
/// whole name (`FAMILY, Given …` or `Given … Family`).
pub fn record_name_key(c: &PublicCandidate) -> Option<i64> {
    match (&c.first_name, &c.family_name) {
        (Some(g), Some(f)) => name_key(g, f),
        _ => {
            let full = c.full_name.as_deref()?;
            match full.split_once(',') {
                Some((family, given)) => name_key(given, family),
                None => query_name_key(full),
            }
        }
    }
}

/// The fields the portal compares, from a stored record.
pub fn candidate_of(person_id: String, fields: &[(String, String)]) -> PublicCandidate {
    let get = |f: &str| {
        fields
            .iter()
            .find(|(k, v)| k == f && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
    };
    let year = |t: String| {
        let (r, _) = Record::from_pairs([(Field::BirthDate, t.as_str())]);
        r.birth_date
            .and_then(|d| d.value)
            .map(|d| i32::from(d.year()))
    };
    let birth_year = get("birth_date").and_then(year).or_else(|| {
        get("birth_year")
            .and_then(|t| athar_record::parse_year(&t))
            .map(i32::from)
    });
    PublicCandidate {
        person_id,
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

fn index_row(record_id: i64, fields: &[(String, String)]) -> Option<NameIndexRow> {
    let fields = candidate_of(String::new(), fields);
    Some(NameIndexRow {
        record_id,
        name_key: record_name_key(&fields)?,
        fields,
    })
}

/// The registry over a real [`Store`]: public searches through the portal's name index
/// (filled from the store's records by [`StoreRegistry::catch_up`]), reports through the
/// store's one-record ingest (blocked, scored with the saved model, placed, review items
/// queued, in one transaction).
pub struct StoreRegistry {
    store: Arc<dyn Store>,
    portal: Arc<dyn PortalStore>,
    index: NameIndex,
    /// Whether [`StoreRegistry::catch_up`] has compared the stored key scheme with this one.
    scheme_checked: AtomicBool,
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
    /// A registry over `store` and its portal tables, with the store's saved model (read
    /// once, now).
    pub async fn new(
        store: Arc<dyn Store>,
        portal: Arc<dyn PortalStore>,
    ) -> Result<StoreRegistry, StoreError> {
        let model = ingest::load_model(&*store).await?.map(|(_, m)| m);
        Ok(StoreRegistry {
            store,
            portal,
            index: NameIndex::new(),
            scheme_checked: AtomicBool::new(false),
            model,
            options: MatchOptions::default(),
        })
    }

    /// Indexes the records stored since the last call (imports, other instances) and loads
    /// the index rows this instance does not hold yet into memory ([`NameIndex`]); returns how
    /// many records it indexed. `athar serve` runs it at start and then every few seconds.
    pub async fn catch_up(&self) -> Result<u64, PortalError> {
        // Keys written by another key function are useless to this one: index again.
        if !self.scheme_checked.load(Ordering::Acquire) {
            let scheme = key_scheme();
            if self.portal.name_index_scheme().await? != scheme {
                self.portal.reset_name_index(scheme).await?;
            }
            self.scheme_checked.store(true, Ordering::Release);
        }
        let mut read = 0u64;
        loop {
            let after = self.portal.name_index_position().await?;
            let page: Vec<StoredRecord> = self
                .store
                .records_page(after, INDEX_PAGE)
                .await
                .map_err(portal_error)?;
            let Some(last) = page.last().map(|r| r.id) else {
                break;
            };
            let rows: Vec<NameIndexRow> = page
                .iter()
                .filter_map(|r| index_row(r.id, &r.fields))
                .collect();
            self.portal.index_names(&rows, last).await?;
            read += page.len() as u64;
        }
        // Rows up to the position are complete (written with it in one transaction).
        let position = self.portal.name_index_position().await?;
        loop {
            let after = self.index.loaded_up_to();
            if after >= position {
                break;
            }
            let rows = self
                .portal
                .name_index_rows(after, position, LOAD_PAGE)
                .await?;
            let up_to = match rows.last() {
                Some(last) if rows.len() == LOAD_PAGE => last.record_id,
                _ => position,
            };
            self.index.load(&rows, up_to);
        }
        Ok(read)
    }

    /// How many rows the in-memory name index holds.
    pub fn indexed(&self) -> usize {
        self.index.len()
    }
}

impl Registry for StoreRegistry {
    fn public_candidates<'a>(
        &'a self,
        query: &'a PublicQuery,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<PublicCandidate>, PortalError>> {
        Box::pin(async move {
            let Some(key) = query_name_key(&query.name) else {
                return Ok(Vec::new());
            };
            // The other details first: they are cheap (a year, a number, a given name already
            // analyzed) and rule out most candidates, so few whole names need analyzing. A
            // candidate that contradicts a detail could never answer the search anyway.
            let asked = analyzed(&query.name);
            let details = AskedNames::of(query);
            let same = |a: &str, s: &str| details.same(a, s);
            let mut kept: Vec<NameIndexRow> = self.index.candidates(key, INDEX_CANDIDATES, |row| {
                agrees(query, row, &same) && {
                    let name = athar_names::analyze(&row.whole_name());
                    athar_names::compare_names(&asked, &name).same
                }
            });
            kept.truncate(limit);
            // Only the kept candidates' persons are read (usually none or one).
            if kept.is_empty() {
                return Ok(Vec::new());
            }
            let ids: Vec<i64> = kept.iter().map(|row| row.record_id).collect();
            let persons: HashMap<i64, String> =
                self.portal.persons_of(&ids).await?.into_iter().collect();
            Ok(kept
                .into_iter()
                .filter_map(|row| {
                    let person_id = persons.get(&row.record_id)?.clone();
                    Some(PublicCandidate {
                        person_id,
                        ..row.fields
                    })
                })
                .collect())
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
            // Searchable at once; the position stays where it was (older records may still
            // be waiting for `catch_up`).
            if let Some(row) = index_row(outcome.record_id, &report.fields) {
                self.portal
                    .index_names(std::slice::from_ref(&row), 0)
                    .await?;
                self.index.add(&row);
            }
            Ok(outcome.record_id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_meet_across_scripts_and_layouts() {
        let ar = name_key("محمد", "الحلبي");
        assert!(ar.is_some());
        assert_eq!(query_name_key("محمد الحلبي"), ar);
        assert_eq!(query_name_key("محمد أحمد الحلبي"), ar);
        let full = PublicCandidate {
            full_name: Some("الحلبي, محمد أحمد".into()),
            ..Default::default()
        };
        assert_eq!(record_name_key(&full), ar);
        assert_eq!(query_name_key("Muhammad al-Halabi"), ar, "cross-script");
        assert_ne!(query_name_key("محمد النجار"), ar);
        assert_eq!(query_name_key("محمد"), None);
    }

    fn report(fields: &[(&str, &str)]) -> NewReport {
        NewReport {
            kind: athar_store::portal::ReportKind::Missing,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            at_unix: 1_800_000_000,
        }
    }

    /// The search over a real store: candidates come from the name index with their current
    /// person (read after the details agreed), across scripts; a record whose details disagree
    /// is never returned. Run on SQLite and on PostgreSQL.
    async fn searches_through_the_name_index<S: Store + PortalStore + 'static>(store: Arc<S>) {
        let registry = StoreRegistry::new(store.clone(), store.clone())
            .await
            .unwrap();
        let first = registry
            .ingest_report(&report(&[
                ("first_name", "محمد"),
                ("father_name", "أحمد"),
                ("family_name", "الحلبي"),
                ("birth_date", "1985"),
            ]))
            .await
            .unwrap();
        registry
            .ingest_report(&report(&[
                ("first_name", "محمد"),
                ("father_name", "خالد"),
                ("family_name", "الحلبي"),
            ]))
            .await
            .unwrap();
        assert_eq!(registry.catch_up().await.unwrap(), 2);
        let person = store
            .record(first)
            .await
            .unwrap()
            .unwrap()
            .person_id
            .to_string();

        let query = PublicQuery {
            name: "Muhammad al-Halabi".into(),
            father_name: Some("Ahmad".into()),
            ..Default::default()
        };
        let found = registry.public_candidates(&query, 50).await.unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].person_id, person);
        assert_eq!(found[0].father_name.as_deref(), Some("أحمد"));

        // Keys written under another key scheme are dropped and every record indexed again.
        store.reset_name_index(7).await.unwrap();
        let restarted = StoreRegistry::new(store.clone(), store.clone())
            .await
            .unwrap();
        assert_eq!(restarted.catch_up().await.unwrap(), 2);
        assert_eq!(store.name_index_scheme().await.unwrap(), key_scheme());
        assert_eq!(
            restarted.public_candidates(&query, 50).await.unwrap().len(),
            1
        );
        assert_eq!(
            restarted.catch_up().await.unwrap(),
            0,
            "nothing to do after"
        );

        let near_miss = PublicQuery {
            birth_year: Some(1990),
            ..query
        };
        assert!(
            registry
                .public_candidates(&near_miss, 50)
                .await
                .unwrap()
                .is_empty()
        );
        let nobody = PublicQuery {
            name: "محمد النجار".into(),
            father_name: Some("أحمد".into()),
            ..Default::default()
        };
        assert!(
            registry
                .public_candidates(&nobody, 50)
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn searches_a_sqlite_store_through_the_name_index() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let store = athar_store_sqlite::SqliteStore::open(&url, true)
            .await
            .unwrap();
        searches_through_the_name_index(Arc::new(store)).await;
    }

    /// On a fresh schema of `ATHAR_TEST_DATABASE_URL`; fails (never skips) when it is set but
    /// unusable, as in CI.
    #[tokio::test]
    async fn searches_a_postgres_store_through_the_name_index() {
        let Ok(url) = std::env::var("ATHAR_TEST_DATABASE_URL") else {
            eprintln!("ATHAR_TEST_DATABASE_URL is not set: PostgreSQL case not run");
            return;
        };
        let schema = format!("w_registry_{}", std::process::id());
        let store = athar_store_postgres::PgStore::open(&url, Some(&schema))
            .await
            .unwrap_or_else(|e| panic!("ATHAR_TEST_DATABASE_URL is set but unusable: {e}"));
        searches_through_the_name_index(Arc::new(store.clone())).await;
        let drop = format!("DROP SCHEMA {schema} CASCADE");
        sqlx::query(sqlx::AssertSqlSafe(drop))
            .execute(store.pool())
            .await
            .unwrap();
    }
}
