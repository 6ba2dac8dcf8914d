//! Incremental batch matching with a saved model: a list of new records matched against the
//! stored records that share a blocking key with them (a store's import of a list).
//!
//! Unlike [`crate::link`], nothing is re-estimated and nothing already stored is re-scored:
//! the records are prepared and annotated with the saved [`Model`], only pairs that touch a new
//! record are blocked ([`crate::blocking::Blocks::touching`], block by block) and scored, and only pairs
//! at or above the review threshold are kept. Then:
//!
//! - new records are clustered among themselves (average linkage, cannot-links respected, as
//!   in batch linking);
//! - a new record whose best link-band pair with a stored record (no cannot-link between them)
//!   points to a stored person joins that person; when all linked members of a new cluster
//!   point to one stored person, the whole cluster joins it; when they point to several, each
//!   linked member joins its own best person and the others stay a new person together —
//!   two stored persons are never merged;
//! - every remaining pair at or above the review threshold whose two records end up in
//!   different persons (review band, or a link-band pair that would merge two persons) is a
//!   review item.
//!
//! Deterministic: the same input gives the same output, whatever the thread count.

use std::sync::{LazyLock, Mutex};

use rayon::prelude::*;

use crate::blocking::{self, BlockingReport};
use crate::cluster::{self, ClusterOptions};
use crate::compare::Prepared;
use crate::engine::{Match, Model, Progress, ScoredPair, prepare_all, prepare_with, score_blocks};
use crate::names::{self, FxMap, NameField};
use crate::record::LinkRecord;

/// Where a new record goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// It joins a stored person.
    Stored {
        /// The stored person (as given in `stored_persons`).
        person: i64,
        /// Its best link-band probability with a record of that person, when it has one (a
        /// record that joins with its cluster may have none of its own).
        probability: Option<f32>,
    },
    /// It starts (or joins) a new person: new persons are numbered from 0 in order of their
    /// first record.
    New(u32),
}

/// What incremental matching produces.
#[derive(Debug)]
pub struct IncrementalOutcome {
    /// One placement per new record, in input order.
    pub placements: Vec<Placement>,
    /// Number of new persons (the `New` numbers are `0..new_persons`).
    pub new_persons: u32,
    /// Pairs for a human to judge (record indices into the input; `left` is always the new
    /// record, `right` the other), best first.
    pub reviews: Vec<ScoredPair>,
    /// Candidate pairs scored.
    pub pairs_scored: u64,
    /// Scored pairs in the link band.
    pub links: u64,
    /// Blocking statistics (pairs touching a new record only).
    pub blocking: BlockingReport,
    /// The prepared records (for explanations).
    pub prepared: Vec<Prepared>,
}

impl IncrementalOutcome {
    /// Explains the pair of record indices `(i, j)` with `model` (the one that was used).
    pub fn explain(&self, model: &Model, i: u32, j: u32) -> Match {
        model.score_prepared(&self.prepared[i as usize], &self.prepared[j as usize])
    }
}

/// The person a record ends up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Stored(i64),
    New(u32),
}

/// Matches `records[..n_new]` (new) against `records[n_new..]` (stored, the candidates sharing
/// a blocking key with them, `stored_persons[k]` the current person of `records[n_new + k]`)
/// with the saved `model`: no estimation, only pairs touching a new record. See the module
/// documentation for the rules.
///
/// # Panics
/// When `stored_persons` does not have one entry per stored record.
pub fn link_incremental(
    records: &[LinkRecord],
    n_new: usize,
    stored_persons: &[i64],
    model: &Model,
    progress: &dyn Progress,
) -> IncrementalOutcome {
    let n = records.len();
    let n_new = n_new.min(n);
    assert_eq!(
        stored_persons.len(),
        n - n_new,
        "one person per stored record"
    );
    progress.stage("preparing", n as u64);
    let mut prepared = prepare_all(records, progress);
    prepared.par_iter_mut().for_each(|p| model.annotate(p));

    progress.stage("blocking", 1);
    let blocks = blocking::Blocks::touching(&prepared, n_new, model.block_cap());
    let mut report = blocks.report.clone();
    progress.advance(1);

    // Block by block, as in batch linking: a block's records stay in the caches.
    progress.stage("scoring", blocks.len() as u64);
    let c = model.compiled();
    let keep = model.review_threshold as f32;
    let (scored, pairs_scored) = score_blocks(model, &c, &prepared, &blocks, keep, progress);
    report.pairs = pairs_scored;
    drop(blocks);
    let threshold = model.threshold;
    let is_link = |p: f32| f64::from(p) >= threshold;
    let links = scored.iter().filter(|s| is_link(s.probability)).count() as u64;

    progress.stage("clustering", 1);
    // New records among themselves (pairs are `left < right`, new indices below `n_new`).
    let nn = n_new as u32;
    let edges: Vec<(u32, u32, f32)> = scored
        .iter()
        .filter(|s| s.right < nn)
        .map(|s| (s.left, s.right, s.probability))
        .collect();
    let clusters = cluster::cluster(
        n_new,
        &edges,
        |i, j| {
            model
                .probability_with(&c, &prepared[i as usize], &prepared[j as usize])
                .0 as f32
        },
        |i, j| cluster::cannot_link(&prepared[i as usize], &prepared[j as usize]),
        ClusterOptions { threshold },
    );
    drop(edges);
    // Each new record's best stored person: its highest link-band pair with a stored record
    // it can be (ties: the smaller person id).
    let mut best: Vec<Option<(f32, i64)>> = vec![None; n_new];
    for s in &scored {
        if s.right < nn || !is_link(s.probability) {
            continue;
        }
        let (i, j) = (s.left as usize, s.right as usize);
        if cluster::cannot_link(&prepared[i], &prepared[j]) {
            continue;
        }
        let person = stored_persons[j - n_new];
        let better = match best[i] {
            None => true,
            Some((p, q)) => s.probability > p || (s.probability == p && person < q),
        };
        if better {
            best[i] = Some((s.probability, person));
        }
    }
    // Per new cluster: the distinct stored persons its members point to.
    let n_clusters = clusters.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut cluster_persons: Vec<Vec<i64>> = vec![Vec::new(); n_clusters];
    for (i, b) in best.iter().enumerate() {
        if let Some((_, person)) = b {
            let v = &mut cluster_persons[clusters[i] as usize];
            if !v.contains(person) {
                v.push(*person);
            }
        }
    }
    let mut new_of_cluster: Vec<Option<u32>> = vec![None; n_clusters];
    let mut new_persons = 0u32;
    let placements: Vec<Placement> = (0..n_new)
        .map(|i| {
            let c = clusters[i] as usize;
            match (best[i], cluster_persons[c].as_slice()) {
                (Some((p, person)), _) => Placement::Stored {
                    person,
                    probability: Some(p),
                },
                (None, [person]) => Placement::Stored {
                    person: *person,
                    probability: None,
                },
                (None, _) => {
                    let k = *new_of_cluster[c].get_or_insert_with(|| {
                        new_persons += 1;
                        new_persons - 1
                    });
                    Placement::New(k)
                }
            }
        })
        .collect();
    let owner = |idx: u32| -> Owner {
        let idx = idx as usize;
        if idx < n_new {
            match placements[idx] {
                Placement::Stored { person, .. } => Owner::Stored(person),
                Placement::New(k) => Owner::New(k),
            }
        } else {
            Owner::Stored(stored_persons[idx - n_new])
        }
    };
    let mut reviews: Vec<ScoredPair> = scored
        .into_iter()
        .filter(|s| owner(s.left) != owner(s.right))
        .collect();
    reviews.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.left.cmp(&b.left))
            .then(a.right.cmp(&b.right))
    });
    progress.advance(1);
    IncrementalOutcome {
        placements,
        new_persons,
        reviews,
        pairs_scored,
        links,
        blocking: report,
        prepared,
    }
}

/// Scores one new record against its candidates (a store's single-record path) with the saved
/// `model`: the candidates' names are parsed once per distinct string, and no explanation is
/// built. Returns `(candidate index, probability)` for the candidates at or above the review
/// threshold, best first (ties: the smaller index); explain the few kept with
/// [`Model::score_candidates`].
pub fn rank_candidates(
    model: &Model,
    record: &LinkRecord,
    candidates: &[LinkRecord],
) -> Vec<(usize, f64)> {
    let a = model.prepare(record);
    let mut prepared = prepare_cached(candidates);
    let c = model.compiled();
    let mut out: Vec<(usize, f64)> = prepared
        .par_iter_mut()
        .enumerate()
        .filter_map(|(k, p)| {
            model.annotate(p);
            let prob = model.probability_with(&c, &a, p).0;
            (prob >= model.review_threshold).then_some((k, prob))
        })
        .collect();
    out.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    out
}

/// Names parsed by earlier single-record calls: a store's candidates are mostly the records
/// of common names, met again and again, and parsing their names was half of the ranking
/// time. Two generations bound the memory: when the young one is full it becomes the old
/// one, and what was old is dropped (names used since are promoted back).
struct ParsedNames {
    per_generation: usize,
    young: FxMap<Box<str>, NameField>,
    old: FxMap<Box<str>, NameField>,
}

/// Names per generation (a parsed name takes a few hundred bytes).
const PARSED_PER_GENERATION: usize = 1 << 16;

static PARSED: LazyLock<Mutex<ParsedNames>> =
    LazyLock::new(|| Mutex::new(ParsedNames::new(PARSED_PER_GENERATION)));

impl ParsedNames {
    fn new(per_generation: usize) -> Self {
        Self {
            per_generation,
            young: FxMap::default(),
            old: FxMap::default(),
        }
    }

    fn get(&mut self, s: &str) -> Option<NameField> {
        if let Some(f) = self.young.get(s) {
            return Some(f.clone());
        }
        let f = self.old.remove(s)?;
        self.put(s, f.clone());
        Some(f)
    }

    fn put(&mut self, s: &str, f: NameField) {
        if self.young.len() >= self.per_generation {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(s.into(), f);
    }
}

/// [`prepare_all`] for a single record's candidates, through the [`PARSED`] names: the
/// distinct names not seen before are parsed (in parallel) and remembered.
fn prepare_cached(records: &[LinkRecord]) -> Vec<Prepared> {
    prepare_with(records, &crate::engine::NoProgress, parse_remembered)
}

/// The fields of `distinct` names, in order: remembered ones from [`PARSED`], the others
/// parsed (in parallel) and remembered.
fn parse_remembered(distinct: &[&str]) -> Vec<NameField> {
    let lock = || {
        PARSED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    let mut fields: Vec<Option<NameField>> = {
        let mut cache = lock();
        distinct.iter().map(|s| cache.get(s)).collect()
    };
    let missing: Vec<usize> = (0..distinct.len())
        .filter(|&i| fields[i].is_none())
        .collect();
    let parsed: Vec<NameField> = missing
        .par_iter()
        .map(|&i| names::parse(distinct[i]))
        .collect();
    let mut cache = lock();
    for (&i, f) in missing.iter().zip(parsed) {
        cache.put(distinct[i], f.clone());
        fields[i] = Some(f);
    }
    fields.into_iter().map(Option::unwrap_or_default).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{LinkOptions, NoProgress, link};
    use crate::record::{Date, Sex};

    fn person(id: &str, src: &str, names: [&str; 4], mother: &str, year: i32) -> LinkRecord {
        LinkRecord {
            id: id.into(),
            source: src.into(),
            first_name: names[0].into(),
            father_name: names[1].into(),
            family_name: names[3].into(),
            grandfather_name: names[2].into(),
            mother_name: mother.into(),
            birth_date: Date::year(year),
            sex: Some(Sex::M),
            ..LinkRecord::default()
        }
    }

    /// 40 distinct persons, each in Arabic (prison list) and Latin (family list).
    fn lists() -> (Vec<LinkRecord>, Vec<LinkRecord>) {
        let given = [
            ("محمد", "Mohammed"),
            ("خالد", "Khaled"),
            ("سامر", "Samer"),
            ("علي", "Ali"),
            ("يوسف", "Yusuf"),
            ("حسن", "Hasan"),
            ("عمر", "Omar"),
            ("طارق", "Tariq"),
        ];
        let fam = [
            ("الخطيب", "Al-Khatib"),
            ("الحلبي", "Al-Halabi"),
            ("الشامي", "Al-Shami"),
            ("الزعبي", "Al-Zoubi"),
            ("العلي", "Al-Ali"),
        ];
        let fathers = [
            ("أحمد", "Ahmad"),
            ("محمود", "Mahmoud"),
            ("إبراهيم", "Ibrahim"),
            ("مصطفى", "Mustafa"),
            ("جمال", "Jamal"),
            ("نزار", "Nizar"),
            ("رامي", "Rami"),
        ];
        let mothers = [
            ("فاطمة", "Fatima"),
            ("مريم", "Maryam"),
            ("خديجة", "Khadija"),
            ("سعاد", "Suad"),
            ("زينب", "Zainab"),
            ("نور", "Nour"),
        ];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..40 {
            let (g, gl) = given[i % 8];
            let (f, fl) = fam[(i / 8) % 5];
            let (fa, fal) = fathers[(i * 3) % 7];
            let (m, ml) = mothers[(i * 5) % 6];
            let year = 1950 + (i as i32 * 7) % 45;
            a.push(person(&format!("a{i}"), "prison", [g, fa, "", f], m, year));
            b.push(person(
                &format!("b{i}"),
                "family",
                [gl, fal, "", fl],
                ml,
                year,
            ));
        }
        (a, b)
    }

    /// The stored side: the prison list linked by the batch path, person id = 1000 + cluster.
    fn stored() -> (Vec<LinkRecord>, Vec<i64>, Model) {
        let (a, _) = lists();
        let out = link(&a, &[], &LinkOptions::default(), &NoProgress).unwrap();
        let persons = out.clusters.iter().map(|&c| 1000 + i64::from(c)).collect();
        (a, persons, out.model)
    }

    #[test]
    fn a_new_record_joins_the_stored_person_it_matches() {
        let (a, persons, model) = stored();
        let (_, b) = lists();
        // new: the Latin record of person 3, then one nobody has seen
        let stranger = person(
            "x",
            "family",
            ["Zaid", "Karim", "", "Haddad"],
            "Salma",
            1999,
        );
        let mut records = vec![b[3].clone(), stranger];
        records.extend(a.iter().cloned());
        let out = link_incremental(&records, 2, &persons, &model, &NoProgress);
        match out.placements[0] {
            Placement::Stored {
                person,
                probability,
            } => {
                assert_eq!(person, persons[3]);
                assert!(probability.is_some_and(|p| f64::from(p) >= model.threshold));
            }
            p => panic!("expected the stored person, got {p:?}"),
        }
        assert_eq!(out.placements[1], Placement::New(0));
        assert_eq!(out.new_persons, 1);
        assert!(out.pairs_scored > 0);
    }

    #[test]
    fn new_records_of_one_unknown_person_form_one_new_person() {
        let (a, persons, model) = stored();
        let x1 = person(
            "x1",
            "family",
            ["Zaid", "Karim", "", "Haddad"],
            "Salma",
            1999,
        );
        let x2 = person("x2", "prison", ["زيد", "كريم", "", "حداد"], "سلمى", 1999);
        let mut records = vec![x1, x2];
        records.extend(a.iter().cloned());
        let out = link_incremental(&records, 2, &persons, &model, &NoProgress);
        assert_eq!(out.placements, vec![Placement::New(0), Placement::New(0)]);
        assert_eq!(out.new_persons, 1);
    }

    #[test]
    fn stored_pairs_are_neither_scored_nor_merged() {
        let (a, _, model) = stored();
        // Two stored records of the same person in two persons (as if a caseworker split
        // them): the incremental path must not rescore or merge them.
        let recs = vec![a[5].clone(), a[5].clone(), a[9].clone()];
        let persons = vec![1, 2, 3];
        let (_, b) = lists();
        let mut records = vec![b[5].clone()];
        records.extend(recs);
        let out = link_incremental(&records, 1, &persons, &model, &NoProgress);
        // only pairs touching the new record are scored: at most 3
        assert!(out.pairs_scored <= 3, "{}", out.pairs_scored);
        assert!(
            out.reviews.iter().all(|r| r.left == 0),
            "every review item touches the new record: {:?}",
            out.reviews
        );
        // it joins one of the two (ties: the smaller id) and the other becomes a review item
        assert!(matches!(
            out.placements[0],
            Placement::Stored { person: 1, .. }
        ));
        assert!(out.reviews.iter().any(|r| (r.left, r.right) == (0, 2)));
    }

    #[test]
    fn blocking_touching_equals_the_full_blocking_filtered() {
        let (a, _, model) = stored();
        let (_, b) = lists();
        let mut records: Vec<LinkRecord> = b[..10].to_vec();
        records.extend(a.iter().cloned());
        let prepared: Vec<Prepared> = records.iter().map(|r| model.prepare(r)).collect();
        let (touching, _) = blocking::candidate_pairs_touching(&prepared, 10, 120);
        let (all, _) = blocking::candidate_pairs(&prepared, 120, None);
        let filtered: Vec<u64> = all
            .into_iter()
            .filter(|&c| blocking::unpack(c).0 < 10)
            .collect();
        assert!(!touching.is_empty());
        assert_eq!(touching, filtered);
    }

    #[test]
    fn rank_candidates_agrees_with_score_candidates() {
        let (a, _, model) = stored();
        let (_, b) = lists();
        let ranked = rank_candidates(&model, &b[3], &a);
        let full = model.score_candidates(&b[3], &a);
        assert_eq!(ranked.first().map(|r| r.0), Some(3), "{ranked:?}");
        for (k, p) in &ranked {
            assert!((full[*k].probability - p).abs() < 1e-9);
        }
        let kept = full
            .iter()
            .filter(|m| m.probability >= model.review_threshold)
            .count();
        assert_eq!(ranked.len(), kept);
    }

    #[test]
    fn remembered_names_rank_as_fresh_ones() {
        let (a, _, model) = stored();
        let (_, b) = lists();
        let first = rank_candidates(&model, &b[3], &a);
        let again = rank_candidates(&model, &b[3], &a);
        assert_eq!(first, again);
        // a fresh parse of every name scores the same
        let fresh = prepare_all(&a, &NoProgress);
        let c = model.compiled();
        let p = model.prepare(&b[3]);
        for &(k, prob) in &first {
            let mut f = fresh[k].clone();
            model.annotate(&mut f);
            assert_eq!(model.probability_with(&c, &p, &f).0, prob);
        }
    }

    #[test]
    fn parsed_names_keep_two_generations() {
        let mut cache = ParsedNames::new(2);
        for s in ["a", "b", "c"] {
            cache.put(s, names::parse(s));
        }
        // "c" filled a new young generation: "a" and "b" are old, still found
        assert!(cache.get("a").is_some_and(|f| f == names::parse("a")));
        // getting "a" promoted it; two more names push "b" out
        cache.put("d", names::parse("d"));
        cache.put("e", names::parse("e"));
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("e").is_some());
        assert!(cache.young.len() + cache.old.len() <= 4);
    }

    #[test]
    fn deterministic() {
        let (a, persons, model) = stored();
        let (_, b) = lists();
        let mut records: Vec<LinkRecord> = b.clone();
        records.extend(a.iter().cloned());
        let one = link_incremental(&records, b.len(), &persons, &model, &NoProgress);
        let two = link_incremental(&records, b.len(), &persons, &model, &NoProgress);
        assert_eq!(one.placements, two.placements);
        assert_eq!(one.reviews, two.reviews);
        // most of the Latin list finds its Arabic record's person
        let joined = one
            .placements
            .iter()
            .enumerate()
            .filter(
                |(i, p)| matches!(p, Placement::Stored { person, .. } if *person == persons[*i]),
            )
            .count();
        assert!(joined >= 30, "{joined} of 40 joined their person");
    }
}
