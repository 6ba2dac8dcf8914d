//! How records enter the registry: blocked and scored against the store with the matching
//! model, then placed — joining a person (`link` band), waiting for a human (`review` band,
//! with the engine's explanation), or starting a new person. Generic over [`Store`]; no SQL.
//!
//! Two paths, one rule:
//! - [`ingest_one`]: one record (a web report, a survivor registration) scored with the saved
//!   model against the records sharing a blocking key with it;
//! - [`plan_import`] + [`Store::write_batch`] ([`import`] does both): a whole list through the
//!   engine's incremental batch path ([`athar_linkage::link_incremental`]) over the new records
//!   and the stored records that share a blocking key with any of them: the saved model scores
//!   only the pairs that touch a new record (nothing is re-estimated, stored pairs are not
//!   re-scored). Existing persons are never merged automatically: a pair that would merge two
//!   stored persons goes to review.
//!
//! The first list imported into a store without a model goes through the full batch path
//! ([`athar_linkage::link`]), which fits the model; it is saved. `athar train` re-estimates it
//! from the whole store with the caseworkers' judgements as labels.

use std::collections::{BTreeMap, HashMap};

use athar_linkage::{Band, LinkOptions, LinkRecord, Model, Progress};
use athar_record::{Field, Record};
use chrono::{DateTime, Datelike, Utc};
use rayon::prelude::*;

use crate::timing::Marks;
use crate::{
    Change, FileInfo, LinkForm, NewRecord, NewReview, PersonId, PersonRef, Placement, RecordId,
    RecordRef, Result, SourceInfo, Store, StoreError, StoredRecord, WriteBatch, WriteOutcome,
};

/// A record about to enter the store: the row as read and its canonical form.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The raw row exactly as read: `(column, value)` pairs in file order.
    pub raw: Vec<(String, String)>,
    /// The canonical record.
    pub record: Record,
    /// Line (CSV) or row (XLSX) in the file.
    pub line: Option<u64>,
}

/// Matching settings for records entering the store.
#[derive(Debug, Clone)]
pub struct MatchOptions {
    /// Link options for the batch path (thresholds, block cap, seed).
    pub link: LinkOptions,
    /// At most this many review items per new record (the best candidates).
    pub max_reviews_per_record: usize,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            link: LinkOptions::default(),
            max_reviews_per_record: 3,
        }
    }
}

/// The model version string of a model fitted or trained at `at`.
pub fn model_version(at: DateTime<Utc>, what: &str) -> String {
    format!("{what}-{}", at.format("%Y%m%dT%H%M%S%.6fZ"))
}

/// The name shown for a record: the full name, else the name parts joined.
pub fn display_name(r: &Record) -> String {
    if let Some(full) = r.get(Field::FullName) {
        return full.to_owned();
    }
    [
        Field::FirstName,
        Field::FatherName,
        Field::GrandfatherName,
        Field::FamilyName,
    ]
    .iter()
    .filter_map(|f| r.get(*f))
    .collect::<Vec<_>>()
    .join(" ")
}

/// The engine's view of a canonical record.
pub fn link_record(r: &Record, id: String, source: &str, at: DateTime<Utc>) -> LinkRecord {
    let mut lr = LinkRecord::from_record(r, source, Some(at.year()));
    lr.id = id;
    lr
}

/// The engine's view of a stored record (its normalized form is the canonical record).
pub fn stored_link_record(r: &StoredRecord) -> Result<LinkRecord> {
    let rec: Record = serde_json::from_value(r.normalized.clone())
        .map_err(|e| StoreError::Corrupt(format!("record {}: {e}", r.id)))?;
    Ok(link_record(
        &rec,
        format!("s{}", r.id),
        &r.source,
        r.created_at,
    ))
}

/// The engine's view of a stored record's link form (its normalized JSON decoded straight into
/// the canonical record, with no intermediate JSON tree).
pub fn link_form_record(r: &LinkForm) -> Result<LinkRecord> {
    let rec: Record = serde_json::from_str(&r.normalized)
        .map_err(|e| StoreError::Corrupt(format!("record {}: {e}", r.id)))?;
    Ok(link_record(
        &rec,
        format!("s{}", r.id),
        &r.source,
        r.created_at,
    ))
}

/// The stored blocking keys of an engine record.
pub fn keys_of(lr: &LinkRecord) -> Vec<i64> {
    let mut keys: Vec<i64> = athar_linkage::blocking_keys(lr)
        .iter()
        .map(|k| i64::from_ne_bytes(k.key.to_ne_bytes()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The name parts search looks at: given name, father's name, family name (from the split
/// fields, or read off a full name by position).
fn name_parts(r: &LinkRecord) -> (Option<u64>, Option<u64>, Option<u64>) {
    let first_unit = |s: &str| {
        athar_names::analyze(s)
            .units
            .first()
            .map(athar_names::Unit::term_key)
    };
    let last_unit = |s: &str| {
        athar_names::analyze(s)
            .units
            .last()
            .map(athar_names::Unit::term_key)
    };
    let full = athar_names::analyze(&r.full_name);
    let given =
        first_unit(&r.first_name).or_else(|| full.units.first().map(athar_names::Unit::term_key));
    let father = first_unit(&r.father_name)
        .or_else(|| (full.units.len() > 2).then(|| full.units[1].term_key()));
    let family = last_unit(&r.family_name)
        .or_else(|| (full.units.len() > 1).then(|| full.units[full.units.len() - 1].term_key()));
    (given, father, family)
}

/// Search keys of a record (stored beside the blocking keys, in their own key space): given
/// name, given + family, given + father — each a cross-script term key of the names crate, so
/// محمد, Mohammed and Muhammad share them.
pub fn name_keys(r: &LinkRecord) -> Vec<i64> {
    let (given, father, family) = name_parts(r);
    search_keys(given, father, family)
}

fn search_keys(given: Option<u64>, father: Option<u64>, family: Option<u64>) -> Vec<i64> {
    let mut keys = Vec::new();
    if let Some(g) = given {
        keys.push(crate::keys::key_hash(&format!("search:g:{g}")));
        if let Some(f) = family {
            keys.push(crate::keys::key_hash(&format!("search:gf:{g}:{f}")));
        }
        if let Some(p) = father {
            keys.push(crate::keys::key_hash(&format!("search:gp:{g}:{p}")));
        }
    }
    keys
}

/// The term keys [`name_parts`] reads off one name string: first, second and last unit, and
/// the number of units.
#[derive(Clone, Copy, Default)]
struct NameTerms {
    first: Option<u64>,
    second: Option<u64>,
    last: Option<u64>,
    len: usize,
}

fn name_terms(s: &str) -> NameTerms {
    let units = athar_names::analyze(s).units;
    NameTerms {
        first: units.first().map(athar_names::Unit::term_key),
        second: units.get(1).map(athar_names::Unit::term_key),
        last: units.last().map(athar_names::Unit::term_key),
        len: units.len(),
    }
}

/// [`name_keys`] of many records, each distinct name string analysed once (in parallel): the
/// same keys, without re-reading the names a list repeats.
pub fn name_keys_many(records: &[LinkRecord]) -> Vec<Vec<i64>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut distinct: Vec<&str> = Vec::new();
    for r in records {
        for s in [&r.first_name, &r.father_name, &r.family_name, &r.full_name] {
            index.entry(s.as_str()).or_insert_with(|| {
                distinct.push(s.as_str());
                distinct.len() - 1
            });
        }
    }
    let terms: Vec<NameTerms> = distinct.par_iter().map(|s| name_terms(s)).collect();
    let get = |s: &str| terms[index[s]];
    records
        .par_iter()
        .map(|r| {
            let full = get(&r.full_name);
            let given = get(&r.first_name).first.or(full.first);
            let father = get(&r.father_name)
                .first
                .or_else(|| (full.len > 2).then_some(full.second).flatten());
            let family = get(&r.family_name)
                .last
                .or_else(|| (full.len > 1).then_some(full.last).flatten());
            search_keys(given, father, family)
        })
        .collect()
}

/// Builds the stored form of an incoming record (its keys computed from `lr`).
pub fn new_record(inc: &Incoming, lr: &LinkRecord) -> Result<NewRecord> {
    new_record_with_keys(inc, keys_of(lr), name_keys(lr))
}

/// [`new_record`] with the record's blocking keys ([`keys_of`]) already computed.
fn new_record_with_keys(
    inc: &Incoming,
    block_keys: Vec<i64>,
    search_keys: Vec<i64>,
) -> Result<NewRecord> {
    let fields: Vec<(String, String)> = inc
        .record
        .pairs()
        .map(|(f, v)| (f.name().to_owned(), v.to_owned()))
        .collect();
    Ok(NewRecord {
        local_id: inc.record.get(Field::Id).map(str::to_owned),
        line: inc.line,
        raw: inc.raw.clone(),
        fields,
        normalized: serde_json::to_value(&inc.record)
            .map_err(|e| StoreError::Invalid(format!("record does not serialize: {e}")))?,
        display_name: display_name(&inc.record),
        keys: stored_keys(block_keys, search_keys),
    })
}

/// The keys stored for a record: its blocking keys and its search keys, sorted, each once.
fn stored_keys(block_keys: Vec<i64>, search_keys: Vec<i64>) -> Vec<i64> {
    let mut keys = block_keys;
    keys.extend(search_keys);
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// Every stored record's keys computed afresh under the current name and blocking rules, as
/// `(key, record)` pairs, sorted and distinct ([`Store::replace_keys`]).
pub fn fresh_keys(records: &[LinkRecord], ids: &[RecordId]) -> Vec<(i64, RecordId)> {
    let search = name_keys_many(records);
    let mut keys: Vec<(i64, RecordId)> = records
        .par_iter()
        .zip(search)
        .zip(ids)
        .flat_map_iter(|((r, search), &id)| {
            stored_keys(keys_of(r), search)
                .into_iter()
                .map(move |k| (k, id))
        })
        .collect();
    keys.par_sort_unstable();
    keys.dedup();
    keys
}

/// The engine's view of a list's new records and their blocking keys ([`keys_of`]), computed
/// once per import (the candidate lookup, the stored keys and the matching all use them).
#[derive(Debug, Clone, Default)]
pub struct NewList {
    /// One engine record per incoming record, ids `n0`, `n1`, …
    pub link_records: Vec<LinkRecord>,
    /// The blocking keys of each.
    pub keys: Vec<Vec<i64>>,
}

/// Reads a list's incoming records into a [`NewList`] (in parallel).
pub fn read_new(incoming: &[Incoming], source: &str, at: DateTime<Utc>) -> NewList {
    let (link_records, keys) = incoming
        .par_iter()
        .enumerate()
        .map(|(i, inc)| {
            let lr = link_record(&inc.record, format!("n{i}"), source, at);
            let keys = keys_of(&lr);
            (lr, keys)
        })
        .unzip();
    NewList { link_records, keys }
}

/// The stored forms of a list's new records, with their blocking keys.
fn stored_forms(
    incoming: &[Incoming],
    link_records: Vec<LinkRecord>,
    keys: Vec<Vec<i64>>,
) -> Result<Vec<NewRecord>> {
    let search = name_keys_many(&link_records);
    drop(link_records);
    incoming
        .par_iter()
        .zip(keys)
        .zip(search)
        .map(|((inc, keys), search)| new_record_with_keys(inc, keys, search))
        .collect()
}

/// A batch ready to write, with what the matching decided.
#[derive(Debug)]
pub struct ImportPlan {
    /// The batch to hand to [`Store::write_batch`].
    pub batch: WriteBatch,
    /// The model fitted by this batch, when the store had none (save it).
    pub fitted_model: Option<Model>,
    /// Records that joined an existing person.
    pub joined_existing: u64,
}

/// Plans the import of a list: with a saved `model`, the engine's incremental batch path over
/// the new records and the stored records that share a blocking key with them; without one,
/// the full batch path, which fits the model (returned in [`ImportPlan::fitted_model`]). CPU-bound (run it off the async runtime in a
/// server). `existing` must be those stored candidates; `model` the active model, if any.
// The inputs are independent parts of one request; a struct for them would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn plan_import(
    source: SourceInfo,
    file: Option<FileInfo>,
    incoming: &[Incoming],
    new: NewList,
    existing: &[LinkForm],
    model: Option<&Model>,
    opts: &MatchOptions,
    at: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<ImportPlan> {
    let n_new = incoming.len();
    if new.link_records.len() != n_new || new.keys.len() != n_new {
        return Err(StoreError::Invalid(
            "the new list does not match the incoming records".into(),
        ));
    }
    progress.stage("reading new", n_new as u64);
    let NewList {
        mut link_records,
        keys,
    } = new;
    progress.stage("reading stored", existing.len() as u64);
    let stored: Vec<LinkRecord> = existing
        .par_iter()
        .map(link_form_record)
        .collect::<Result<_>>()?;
    link_records.extend(stored);
    if let Some(m) = model {
        return plan_incremental(
            source,
            file,
            incoming,
            keys,
            link_records,
            existing,
            m,
            opts,
            at,
            progress,
        );
    }
    let mut link_opts = opts.link.clone();
    if let Some(m) = model {
        link_opts.threshold = m.threshold;
        link_opts.review_threshold = m.review_threshold;
    }
    let outcome = athar_linkage::link(&link_records, &[], &link_opts, progress)
        .map_err(|e| StoreError::Invalid(format!("linkage: {e}")))?;
    progress.stage("placing", n_new as u64);
    let version = model_version(at, "fit");
    let model_version_str =
        Some(model.map_or_else(|| version.clone(), |_| format!("batch-{version}")));

    // Which stored person each cluster joins: the person most of its stored records belong to.
    let mut cluster_persons: HashMap<u32, BTreeMap<PersonId, u32>> = HashMap::new();
    for (k, r) in existing.iter().enumerate() {
        let c = outcome.clusters[n_new + k];
        *cluster_persons
            .entry(c)
            .or_default()
            .entry(r.person_id)
            .or_default() += 1;
    }
    let mut best_person: HashMap<u32, PersonId> = HashMap::new();
    for (c, persons) in &cluster_persons {
        if let Some((&p, _)) = persons
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        {
            best_person.insert(*c, p);
        }
    }
    // Best probability of each new record with a stored record (for the placement's score).
    let mut best_score: Vec<Option<f64>> = vec![None; n_new];
    for p in &outcome.pairs {
        let (i, j) = (p.left as usize, p.right as usize);
        let (new, old) = if i < n_new && j >= n_new {
            (i, j)
        } else if j < n_new && i >= n_new {
            (j, i)
        } else {
            continue;
        };
        if outcome.clusters[new] == outcome.clusters[old] {
            let s = f64::from(p.probability);
            if best_score[new].is_none_or(|b| s > b) {
                best_score[new] = Some(s);
            }
        }
    }
    let mut new_person_of_cluster: HashMap<u32, u32> = HashMap::new();
    let mut new_persons = 0u32;
    let mut placements = Vec::with_capacity(n_new);
    let mut joined_existing = 0u64;
    for (i, score) in best_score.iter().enumerate() {
        let c = outcome.clusters[i];
        let placement = match best_person.get(&c) {
            Some(&p) => {
                joined_existing += 1;
                Placement {
                    person: PersonRef::Existing(p),
                    model_version: model_version_str.clone(),
                    score: *score,
                    reason: "link band: joined a stored person".into(),
                }
            }
            None => {
                let k = *new_person_of_cluster.entry(c).or_insert_with(|| {
                    new_persons += 1;
                    new_persons - 1
                });
                Placement {
                    person: PersonRef::New(k),
                    model_version: model_version_str.clone(),
                    score: None,
                    reason: "new person (or linked within the list)".into(),
                }
            }
        };
        placements.push(placement);
    }
    // Review items: review-band pairs touching a new record whose records end up apart, and
    // pairs that would merge two stored persons (never merged automatically).
    let person_key = |idx: usize| -> (bool, i64) {
        if idx < n_new {
            match placements[idx].person {
                PersonRef::Existing(p) => (true, p),
                PersonRef::New(k) => (false, i64::from(k)),
            }
        } else {
            (true, existing[idx - n_new].person_id)
        }
    };
    let rec_ref = |idx: usize| -> RecordRef {
        if idx < n_new {
            RecordRef::New(idx as u32)
        } else {
            RecordRef::Existing(existing[idx - n_new].id)
        }
    };
    let mut per_record: HashMap<usize, usize> = HashMap::new();
    let mut reviews = Vec::new();
    let mut pairs: Vec<_> = outcome.pairs.iter().collect();
    pairs.sort_by(|a, b| b.probability.total_cmp(&a.probability));
    for p in pairs {
        let (i, j) = (p.left as usize, p.right as usize);
        if i >= n_new && j >= n_new {
            if person_key(i) == person_key(j) || outcome.clusters[i] != outcome.clusters[j] {
                continue;
            }
        } else if person_key(i) == person_key(j) {
            continue;
        }
        let band = outcome.model.band(f64::from(p.probability));
        if band == Band::None {
            continue;
        }
        let anchor = if i < n_new { i } else { j };
        let count = per_record.entry(anchor).or_default();
        if *count >= opts.max_reviews_per_record {
            continue;
        }
        *count += 1;
        let m = outcome.explain(p.left, p.right);
        reviews.push(NewReview {
            left: rec_ref(i),
            right: rec_ref(j),
            probability: m.probability,
            explanation: serde_json::to_value(&m.explanation)
                .map_err(|e| StoreError::Invalid(e.to_string()))?,
            model_version: model_version_str.clone(),
        });
    }
    // the engine's working set (prepared records, pairs) is freed here
    let fitted = {
        let o = outcome;
        o.model
    };
    let fitted_model = model.is_none().then_some(fitted);
    // The stored forms last, once the engine's working set is freed (peak memory).
    link_records.truncate(n_new);
    link_records.shrink_to_fit();
    let mut batch = WriteBatch::new(source, file);
    batch.records = stored_forms(incoming, link_records, keys)?;
    batch.placements = placements;
    batch.new_persons = new_persons;
    batch.reviews = reviews;
    Ok(ImportPlan {
        batch,
        fitted_model,
        joined_existing,
    })
}

/// [`plan_import`] with a saved model: the engine's incremental batch path
/// ([`athar_linkage::link_incremental`]) — only pairs touching a new record are scored, with the
/// saved model, and stored persons are never merged (such pairs become review items).
#[allow(clippy::too_many_arguments)]
fn plan_incremental(
    source: SourceInfo,
    file: Option<FileInfo>,
    incoming: &[Incoming],
    keys: Vec<Vec<i64>>,
    link_records: Vec<LinkRecord>,
    existing: &[LinkForm],
    model: &Model,
    opts: &MatchOptions,
    at: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<ImportPlan> {
    let n_new = incoming.len();
    let persons: Vec<PersonId> = existing.iter().map(|r| r.person_id).collect();
    let outcome = athar_linkage::link_incremental(&link_records, n_new, &persons, model, progress);
    progress.stage("placing", n_new as u64);
    let version = Some(format!("batch-{}", model_version(at, "fit")));
    let mut joined_existing = 0u64;
    let placements: Vec<Placement> = outcome
        .placements
        .iter()
        .map(|p| match *p {
            athar_linkage::IncrementalPlacement::Stored {
                person,
                probability,
            } => {
                joined_existing += 1;
                Placement {
                    person: PersonRef::Existing(person),
                    model_version: version.clone(),
                    score: probability.map(f64::from),
                    reason: "link band: joined a stored person".into(),
                }
            }
            athar_linkage::IncrementalPlacement::New(k) => Placement {
                person: PersonRef::New(k),
                model_version: version.clone(),
                score: None,
                reason: "new person (or linked within the list)".into(),
            },
        })
        .collect();
    let rec_ref = |idx: u32| -> RecordRef {
        let idx = idx as usize;
        if idx < n_new {
            RecordRef::New(idx as u32)
        } else {
            RecordRef::Existing(existing[idx - n_new].id)
        }
    };
    // The best review items of each new record (they come best first).
    let mut per_record: HashMap<u32, usize> = HashMap::new();
    let chosen: Vec<_> = outcome
        .reviews
        .iter()
        .filter(|p| {
            let count = per_record.entry(p.left).or_default();
            *count += 1;
            *count <= opts.max_reviews_per_record
        })
        .collect();
    let reviews: Vec<NewReview> = chosen
        .par_iter()
        .map(|p| {
            let m = outcome.explain(model, p.left, p.right);
            Ok(NewReview {
                left: rec_ref(p.left),
                right: rec_ref(p.right),
                probability: m.probability,
                explanation: serde_json::to_value(&m.explanation)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
                model_version: version.clone(),
            })
        })
        .collect::<Result<_>>()?;
    let new_persons = outcome.new_persons;
    drop(outcome);
    // The stored forms last, once the engine's working set is freed (peak memory).
    let mut link_records = link_records;
    link_records.truncate(n_new);
    link_records.shrink_to_fit();
    let mut batch = WriteBatch::new(source, file);
    batch.records = stored_forms(incoming, link_records, keys)?;
    batch.placements = placements;
    batch.new_persons = new_persons;
    batch.reviews = reviews;
    Ok(ImportPlan {
        batch,
        fitted_model: None,
        joined_existing,
    })
}

/// The active model, if the store has one that this engine reads.
pub async fn load_model<S: Store + ?Sized>(store: &S) -> Result<Option<(String, Model)>> {
    match store.active_model().await? {
        Some(saved) => {
            let model = Model::from_json(&saved.json)
                .map_err(|e| StoreError::Corrupt(format!("model {}: {e}", saved.version)))?;
            Ok(Some((saved.version, model)))
        }
        None => Ok(None),
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The write's outcome (ids, `already_imported`).
    pub outcome: WriteOutcome,
    /// Records that joined a stored person.
    pub joined_existing: u64,
    /// Review items queued.
    pub reviews: u64,
    /// New persons created.
    pub new_persons: u64,
}

/// The stored records that share a blocking key with a record of `new` (blocks of at most
/// `cap` records), as link forms, each once.
pub async fn stored_candidates<S: Store + ?Sized>(
    store: &S,
    new: &NewList,
    cap: usize,
    progress: &dyn Progress,
) -> Result<Vec<LinkForm>> {
    progress.stage("candidates", new.keys.len() as u64);
    let mut keys: Vec<i64> = new.keys.iter().flatten().copied().collect();
    keys.sort_unstable();
    keys.dedup();
    // Ids first (a record shares keys across chunks), then each record once.
    let mut ids: Vec<RecordId> = Vec::new();
    for chunk in keys.chunks(20_000) {
        ids.extend(store.candidate_ids(chunk, cap).await?);
    }
    ids.sort_unstable();
    ids.dedup();
    progress.stage("loading stored", ids.len() as u64);
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        found.extend(store.link_forms(chunk).await?);
        progress.advance(chunk.len() as u64);
    }
    Ok(found)
}

/// Imports a list: finds the stored candidates, plans with the batch path, writes atomically,
/// and saves the fitted model when the store had none. Idempotent by the file's SHA-256.
pub async fn import<S: Store + ?Sized>(
    store: &S,
    source: SourceInfo,
    file: Option<FileInfo>,
    incoming: &[Incoming],
    opts: &MatchOptions,
    change: &Change,
    progress: &dyn Progress,
) -> Result<ImportReport> {
    if let Some(f) = &file
        && let Some(found) = store.find_import(&f.sha256).await?
    {
        return Ok(ImportReport {
            outcome: WriteOutcome {
                source_id: 0,
                import_id: Some(found.id),
                already_imported: true,
                record_ids: Vec::new(),
                person_ids: Vec::new(),
                records: found.records,
            },
            joined_existing: 0,
            reviews: 0,
            new_persons: 0,
        });
    }
    let model = load_model(store).await?;
    progress.stage("keys", incoming.len() as u64);
    let new = read_new(incoming, &source.name, change.at);
    let existing = if model.is_some() || store.counts().await?.records > 0 {
        let cap = model
            .as_ref()
            .map_or(opts.link.block_cap, |(_, m)| m.block_cap());
        stored_candidates(store, &new, cap, progress).await?
    } else {
        Vec::new()
    };
    let plan = plan_import(
        source,
        file,
        incoming,
        new,
        &existing,
        model.as_ref().map(|(_, m)| m),
        opts,
        change.at,
        progress,
    )?;
    let reviews = plan.batch.reviews.len() as u64;
    let new_persons = u64::from(plan.batch.new_persons);
    let written = plan.batch.records.len() as u64;
    progress.stage("writing", written);
    let outcome = store.write_batch(&plan.batch, change).await?;
    progress.advance(written);
    if let Some(m) = plan.fitted_model
        && !outcome.already_imported
    {
        progress.stage("saving model", 1);
        let version = plan
            .batch
            .placements
            .iter()
            .find_map(|p| p.model_version.clone());
        let version = version.unwrap_or_else(|| model_version(change.at, "fit"));
        store.save_model(&version, &m.to_json(), change).await?;
    }
    Ok(ImportReport {
        outcome,
        joined_existing: plan.joined_existing,
        reviews,
        new_persons,
    })
}

/// What happened to one ingested record.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestOutcome {
    /// The new record's id.
    pub record_id: RecordId,
    /// The person it belongs to now.
    pub person_id: PersonId,
    /// `link` when it joined a stored person, `review` when candidates wait for a human (it
    /// started a new person meanwhile), `none` when it started a new person.
    pub band: Band,
    /// Probability of the best candidate, if any.
    pub best: Option<f64>,
}

/// Ingests one record (the web's report-missing and survivor-registration path): blocked,
/// scored with the saved model against the stored candidates, placed, its review items queued —
/// all in one transaction. Without a saved model, the record starts a new person.
pub async fn ingest_one<S: Store + ?Sized>(
    store: &S,
    source: SourceInfo,
    incoming: Incoming,
    model: Option<&Model>,
    opts: &MatchOptions,
    change: &Change,
) -> Result<IngestOutcome> {
    let mut marks = Marks::new("ingest");
    let lr = link_record(&incoming.record, "n0".into(), &source.name, change.at);
    let block_keys = keys_of(&lr);
    let record = new_record_with_keys(&incoming, block_keys.clone(), name_keys(&lr))?;
    marks.mark("keys");
    let mut batch = WriteBatch::new(source, None);
    let mut band = Band::None;
    let mut best = None;
    let mut n_cands = 0;
    let mut placement = Placement {
        person: PersonRef::New(0),
        model_version: None,
        score: None,
        reason: "new person".into(),
    };
    if let Some(model) = model {
        // ids first, then each candidate's link form (its normalized record only)
        // Blocking keys only, as the batch path blocks: the record's search keys (stored
        // beside them) are for `search`, and would add candidates the model never pairs.
        let candidates = store
            .candidate_forms(&block_keys, model.block_cap())
            .await?;
        marks.mark("candidates");
        n_cands = candidates.len();
        let cands: Vec<LinkRecord> = candidates
            .iter()
            .map(link_form_record)
            .collect::<Result<_>>()?;
        marks.mark("decode");
        let ranked = athar_linkage::incremental::rank_candidates(model, &lr, &cands);
        marks.mark("rank");
        let version = Some("saved".to_owned());
        if let Some(&(k, p)) = ranked.first() {
            best = Some(p);
            if model.band(p) == Band::Link {
                band = Band::Link;
                placement = Placement {
                    person: PersonRef::Existing(candidates[k].person_id),
                    model_version: version.clone(),
                    score: Some(p),
                    reason: "link band".into(),
                };
            }
        }
        let joined = match placement.person {
            PersonRef::Existing(p) => Some(p),
            PersonRef::New(_) => None,
        };
        for &(k, _) in ranked
            .iter()
            .filter(|(k, _)| Some(candidates[*k].person_id) != joined)
            .take(opts.max_reviews_per_record)
        {
            if band == Band::None {
                band = Band::Review;
            }
            let m = model
                .score_candidates(&lr, std::slice::from_ref(&cands[k]))
                .remove(0);
            batch.reviews.push(NewReview {
                left: RecordRef::Existing(candidates[k].id),
                right: RecordRef::New(0),
                probability: m.probability,
                explanation: serde_json::to_value(&m.explanation)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
                model_version: version.clone(),
            });
        }
    }
    marks.mark("explain");
    batch.new_persons = u32::from(matches!(placement.person, PersonRef::New(_)));
    let n_keys = record.keys.len();
    batch.records.push(record);
    batch.placements.push(placement);
    let outcome = store.write_batch(&batch, change).await?;
    marks.mark("write");
    if marks.on() {
        marks.print(&format!(
            "keys_n={n_keys} cands_n={n_cands} reviews_n={} total={:.3}",
            batch.reviews.len(),
            marks.total_ms()
        ));
    }
    let record_id = outcome
        .record_ids
        .first()
        .copied()
        .ok_or_else(|| StoreError::Database("the write returned no record id".into()))?;
    let person_id = match batch.placements[0].person {
        PersonRef::Existing(p) => p,
        PersonRef::New(_) => outcome
            .person_ids
            .first()
            .copied()
            .ok_or_else(|| StoreError::Database("the write returned no person id".into()))?,
    };
    Ok(IngestOutcome {
        record_id,
        person_id,
        band,
        best,
    })
}

fn name_score(a: &str, b: &str) -> f64 {
    f64::from(athar_names::compare_names(&athar_names::analyze(a), &athar_names::analyze(b)).score)
}

/// A person search: a name and optional details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The name as typed (Arabic or Latin; given name, or the whole name).
    pub name: String,
    /// Father's name.
    pub father: Option<String>,
    /// Mother's name.
    pub mother: Option<String>,
    /// Birth year.
    pub birth_year: Option<i32>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The person.
    pub person_id: PersonId,
    /// The best-matching record of that person.
    pub record_id: RecordId,
    /// Its display name.
    pub display_name: String,
    /// Its source.
    pub source: String,
    /// How alike (0–1).
    pub score: f64,
}

/// Searches persons by name across scripts: the query becomes a record, its blocking keys find
/// candidates, and each is scored on the name fields (the model's comparators when a model is
/// saved; the names crate's comparison otherwise). One hit per person, best first.
pub async fn search<S: Store + ?Sized>(
    store: &S,
    q: &Query,
    model: Option<&Model>,
    limit: usize,
) -> Result<Vec<Hit>> {
    let tokens: Vec<&str> = q.name.split_whitespace().collect();
    let mut probes: Vec<LinkRecord> = Vec::new();
    let base = LinkRecord {
        father_name: q.father.clone().unwrap_or_default(),
        mother_name: q.mother.clone().unwrap_or_default(),
        birth_date: q
            .birth_year
            .map(athar_linkage::Date::year)
            .unwrap_or_default(),
        ..LinkRecord::default()
    };
    probes.push(LinkRecord {
        full_name: q.name.clone(),
        ..base.clone()
    });
    if let Some(first) = tokens.first() {
        let mut r = LinkRecord {
            first_name: (*first).to_owned(),
            ..base.clone()
        };
        if tokens.len() > 1 {
            r.family_name = tokens[tokens.len() - 1].to_owned();
        }
        probes.push(r);
    }
    let mut keys: Vec<i64> = probes
        .iter()
        .flat_map(|p| {
            let mut k = keys_of(p);
            k.extend(name_keys(p));
            k
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let cap = model.map_or(2_000, |m| m.block_cap().max(2_000));
    let candidates = store.candidates(&keys, cap).await?;
    let mut best: HashMap<PersonId, Hit> = HashMap::new();
    for c in &candidates {
        let lr = stored_link_record(c)?;
        let cand_name = if lr.full_name.is_empty() {
            [
                &lr.first_name,
                &lr.father_name,
                &lr.grandfather_name,
                &lr.family_name,
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
        } else {
            lr.full_name.clone()
        };
        let mut score = name_score(&q.name, &cand_name);
        let mut parts = 1.0;
        if let Some(f) = &q.father
            && !lr.father_name.is_empty()
        {
            score += name_score(f, &lr.father_name);
            parts += 1.0;
        }
        if let Some(m) = &q.mother
            && !lr.mother_name.is_empty()
        {
            score += name_score(m, &lr.mother_name);
            parts += 1.0;
        }
        let mut score = score / parts;
        if let (Some(y), Some(cy)) = (q.birth_year, lr.birth_date.year) {
            score *= match (y - cy).abs() {
                0 => 1.0,
                1 => 0.9,
                2 => 0.75,
                _ => 0.5,
            };
        }
        let hit = Hit {
            person_id: c.person_id,
            record_id: c.id,
            display_name: c.display_name.clone(),
            source: c.source.clone(),
            score,
        };
        match best.get(&c.person_id) {
            Some(h) if h.score >= score => {}
            _ => {
                best.insert(c.person_id, hit);
            }
        }
    }
    let mut hits: Vec<Hit> = best.into_values().filter(|h| h.score >= 0.5).collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.person_id.cmp(&b.person_id))
    });
    hits.truncate(limit);
    Ok(hits)
}

/// What `train` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainReport {
    /// The saved model's version.
    pub version: String,
    /// Records trained on.
    pub records: u64,
    /// Labels (caseworkers' judgements) used.
    pub labels: u64,
    /// Candidate pairs scored.
    pub pairs_scored: u64,
    /// Blocking and search keys stored afresh (every record's, under the current rules).
    pub keys: u64,
}

/// What a training reads from a store: every record as the engine sees it, in id order, and
/// the caseworkers' judgements as labels over their positions.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    /// The records, in id order.
    pub records: Vec<LinkRecord>,
    /// Their ids, in the same order.
    pub ids: Vec<RecordId>,
    /// Position of each record id in `records`.
    pub index: HashMap<RecordId, usize>,
    /// Judgements (review decisions, labels) between stored records.
    pub labels: Vec<athar_linkage::Label>,
}

/// Reads the [`TrainingSet`] of a store; at least two records are needed.
pub async fn training_set<S: Store + ?Sized>(store: &S) -> Result<TrainingSet> {
    let mut records = Vec::new();
    let mut ids: Vec<RecordId> = Vec::new();
    let mut index: HashMap<RecordId, usize> = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.records_page(after, 20_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            index.insert(r.id, records.len());
            ids.push(r.id);
            records.push(stored_link_record(r)?);
        }
    }
    if records.len() < 2 {
        return Err(StoreError::Invalid(
            "the store needs at least two records to train on".into(),
        ));
    }
    let labels: Vec<athar_linkage::Label> = store
        .labels()
        .await?
        .iter()
        .filter_map(|l| {
            Some(athar_linkage::Label {
                left: *index.get(&l.left_record_id)?,
                right: *index.get(&l.right_record_id)?,
                is_match: l.is_match,
            })
        })
        .collect();
    Ok(TrainingSet {
        records,
        ids,
        index,
        labels,
    })
}

/// Re-estimates the matching model from every stored record, with the caseworkers' judgements
/// (review decisions, labels) as training labels, and saves it as the active model; then
/// rebuilds every record's stored keys under the current name and blocking rules (a store
/// written by an earlier build keeps full recall). Memberships are not changed: the new model
/// scores the records that enter from now on.
pub async fn train<S: Store + ?Sized>(
    store: &S,
    opts: &MatchOptions,
    change: &Change,
    progress: &dyn Progress,
) -> Result<TrainReport> {
    let TrainingSet {
        records,
        ids,
        labels,
        ..
    } = training_set(store).await?;
    let outcome = athar_linkage::link(&records, &labels, &opts.link, progress)
        .map_err(|e| StoreError::Invalid(format!("linkage: {e}")))?;
    let version = model_version(change.at, "train");
    store
        .save_model(&version, &outcome.model.to_json(), change)
        .await?;
    progress.stage("rebuilding keys", records.len() as u64);
    let keys = fresh_keys(&records, &ids);
    store.replace_keys(&keys, change).await?;
    progress.advance(records.len() as u64);
    Ok(TrainReport {
        version,
        records: records.len() as u64,
        labels: labels.len() as u64,
        pairs_scored: outcome.pairs_scored,
        keys: keys.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_many_equals_name_keys() {
        let rec = |first: &str, father: &str, family: &str, full: &str| LinkRecord {
            first_name: first.into(),
            father_name: father.into(),
            family_name: family.into(),
            full_name: full.into(),
            ..LinkRecord::default()
        };
        let records = vec![
            rec("محمد", "أحمد", "الخطيب", ""),
            rec("Mohammed", "Ahmad", "Al-Khatib", ""),
            rec("", "", "", "خالد عمر الحلبي"),
            rec("", "", "", "Khaled Omar"),
            rec("", "", "", "سامي"),
            rec("Ali", "", "", "Ali Hasan Zein"),
            rec("محمد", "", "الخطيب", ""),
            rec("", "", "", ""),
        ];
        let many = name_keys_many(&records);
        let one: Vec<Vec<i64>> = records.iter().map(name_keys).collect();
        assert_eq!(many, one);
        assert!(many.iter().filter(|k| !k.is_empty()).count() >= 6);
    }
}
