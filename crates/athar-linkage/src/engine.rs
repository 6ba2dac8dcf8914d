//! The engine's entry points: the saved [`Model`], batch linking of a whole list ([`link`]),
//! and the incremental calls a store makes for one new record ([`blocking_keys`],
//! [`Model::score_candidates`]).
//!
//! # Incremental matching (for a store)
//!
//! 1. When a record is stored, store its [`blocking_keys`] (one `u64` per row of an indexed
//!    table `(key, record)`).
//! 2. For a new record, compute its keys, fetch the stored records sharing any key (skip keys
//!    whose block holds more than [`Model::block_cap`] records, as batch linking does), and call
//!    [`Model::score_candidates`]: one [`Match`] per candidate with probability, band and
//!    explanation.
//! 3. To re-link everything (records already stored plus new ones), call [`link`] and store the
//!    clusters and the model it returns ([`Model::to_json`]).

use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::{self, BlockKey, BlockingReport, PairCode};
use crate::cluster::{self, ClusterOptions};
use crate::compare::{self, FIELDS, Field, NF, Prepared};
use crate::model::{self, Compiled, EmOptions, Obs, TF_FIELDS, Unsupervised};
use crate::names::{self, FxMap, NameField};
use crate::record::LinkRecord;
use crate::supervised::{self, Gbt, GbtOptions};

/// Errors of the engine.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// A saved model could not be read.
    #[error("model JSON: {0}")]
    ModelJson(#[from] serde_json::Error),
    /// A saved model has a version this code does not read.
    #[error(
        "model version {found} is not supported (expected {expected}); fit a new one: `athar link --model-out`, or `athar train` for a store"
    )]
    ModelVersion {
        /// Version found.
        found: u32,
        /// Version expected.
        expected: u32,
    },
    /// A label names a record index outside the input.
    #[error("label names record {0}, which is not in the input")]
    LabelOutOfRange(usize),
}

/// The model format version written by [`Model::to_json`].
/// Version 2: name levels and term frequencies through `athar-names` (version-1 models keyed
/// frequencies by skeleton and cannot be read). Version 3: the detention date has a
/// "within a week" level (version-2 tables have one level fewer).
pub const MODEL_VERSION: u32 = 3;

/// How sure the engine is about a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// At or above the threshold: linked.
    Link,
    /// In the uncertainty band: for a human to judge.
    Review,
    /// Below the review band: not a match.
    None,
}

impl Band {
    /// The band's name as written in `PAIRS.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Link => "link",
            Band::Review => "review",
            Band::None => "none",
        }
    }
}

/// Frequency of name values by role, for term-frequency weighting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TermFrequencies {
    /// Counts of whole-field skeleton keys, per TF role (given, father, family, mother); only
    /// values seen at least twice are kept.
    pub counts: [HashMap<u64, u32>; 4],
    /// Records with the role present.
    pub totals: [u64; 4],
    /// Frequency-weighted mean frequency (the chance two random records agree), per role.
    pub mean: [f64; 4],
}

impl TermFrequencies {
    /// Counts name values over prepared records.
    pub fn count(prepared: &[Prepared]) -> TermFrequencies {
        let mut tf = TermFrequencies::default();
        for (k, (role, _)) in TF_FIELDS.iter().enumerate() {
            let mut c: HashMap<u64, u32> = HashMap::new();
            for p in prepared {
                if !p.roles[*role].is_empty() {
                    *c.entry(p.roles[*role].term_key()).or_default() += 1;
                }
            }
            let total: u64 = c.values().map(|&v| u64::from(v)).sum();
            let t = total.max(1) as f64;
            tf.mean[k] = c
                .values()
                .map(|&v| (f64::from(v) / t).powi(2))
                .sum::<f64>()
                .max(1.0 / t);
            c.retain(|_, v| *v >= 2);
            tf.counts[k] = c;
            tf.totals[k] = total;
        }
        tf
    }

    /// Log ratio of this record's value frequency to the mean, per TF role.
    pub fn annotate(&self, p: &mut Prepared) {
        for (k, (role, _)) in TF_FIELDS.iter().enumerate() {
            if p.roles[*role].is_empty() || self.totals[k] == 0 {
                p.tf[k] = 0.0;
                continue;
            }
            let n = self.counts[k]
                .get(&p.roles[*role].term_key())
                .copied()
                .unwrap_or(1);
            let freq = f64::from(n) / self.totals[k] as f64;
            p.tf[k] = (freq / self.mean[k]).ln().clamp(-6.0, 6.0) as f32;
        }
    }
}

/// The saved matching model: everything needed to score a new pair later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// Format version.
    pub version: u32,
    /// Sources seen when fitting, by stratum index.
    pub sources: Vec<String>,
    /// Name frequencies.
    pub tf: TermFrequencies,
    /// The unsupervised three-class model.
    pub unsupervised: Unsupervised,
    /// The model learned from labels, when there were any.
    pub supervised: Option<Gbt>,
    /// Probability at or above which a pair is linked.
    pub threshold: f64,
    /// Probability at or above which a pair goes to review.
    pub review_threshold: f64,
    /// Largest block compared in full.
    pub block_cap: usize,
    #[serde(skip)]
    compiled: Option<Compiled>,
}

/// One field's evidence in an explanation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldEvidence {
    /// The field.
    pub field: String,
    /// The level reached (`missing`, `exact`, `same_year` …).
    pub level: String,
    /// Its weight in bits (log2 of how much likelier the level is for the same person than
    /// for unrelated people, term frequency included); 0 when missing.
    pub weight: f64,
}

/// Why a pair scored what it scored: additive terms in bits, from the prior to the final log
/// odds — a waterfall.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Explanation {
    /// Prior log2 odds of a match among compared pairs.
    pub prior: f64,
    /// Per-field evidence.
    pub fields: Vec<FieldEvidence>,
    /// What the sibling class takes away (log2): the pattern "same parents and family, other
    /// given name or birth" is a brother or sister, not the same person.
    pub sibling_adjustment: f64,
    /// What the model learned from labels adds or takes away (log2); 0 without labels.
    pub labels_adjustment: f64,
    /// Final log2 odds (the sum of all the above).
    pub log2_odds: f64,
    /// Final probability.
    pub probability: f64,
}

/// The scoring of one candidate pair.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Match {
    /// Probability that both records describe the same person.
    pub probability: f64,
    /// Band.
    pub band: Band,
    /// Why.
    pub explanation: Explanation,
}

/// A pair judged by a human, by record index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// One record.
    pub left: usize,
    /// The other record.
    pub right: usize,
    /// True when they are the same person.
    pub is_match: bool,
}

/// Options of a batch run.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Link threshold (probability).
    pub threshold: f64,
    /// Review threshold (probability).
    pub review_threshold: f64,
    /// Largest block compared in full.
    pub block_cap: usize,
    /// Pairs to suggest for labelling.
    pub suggest: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Blocked pairs sampled for EM.
    pub em_sample: usize,
    /// Random pairs sampled for the U distributions.
    pub random_pairs: usize,
    /// A person id per record, to report blocking recall (generated data only).
    pub truth: Option<Vec<u64>>,
}

/// The default link threshold (probability). Chosen by measurement on `athar gen` lists at
/// 20k, 100k and 500k persons (BENCHMARKS.md, Linkage): 0.3 gave a higher pairwise F1 than 0.5
/// at every size.
pub const DEFAULT_THRESHOLD: f64 = 0.3;

/// The review threshold that goes with a link threshold: a fifth of it, at most 0.1.
pub fn review_threshold_for(threshold: f64) -> f64 {
    (threshold * 0.2).min(0.1)
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            threshold: DEFAULT_THRESHOLD,
            review_threshold: review_threshold_for(DEFAULT_THRESHOLD),
            block_cap: 120,
            suggest: 0,
            seed: 42,
            em_sample: 200_000,
            random_pairs: 150_000,
            truth: None,
        }
    }
}

/// Progress callbacks (the CLI draws a bar; the store may log).
pub trait Progress: Sync {
    /// A new stage starts with `total` steps.
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps are done.
    fn advance(&self, n: u64);
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// A scored pair, by record index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredPair {
    /// Left record index (smaller).
    pub left: u32,
    /// Right record index.
    pub right: u32,
    /// Match probability.
    pub probability: f32,
}

/// Everything a batch run produces.
#[derive(Debug)]
pub struct LinkOutcome {
    /// Cluster id per input record.
    pub clusters: Vec<u32>,
    /// Scored pairs in the link or review band, sorted by record indices.
    pub pairs: Vec<ScoredPair>,
    /// Pairs compared (blocked candidates).
    pub pairs_scored: u64,
    /// Pairs in the link band.
    pub links: u64,
    /// Number of clusters.
    pub n_clusters: u64,
    /// Pairs suggested for labelling, most useful first.
    pub suggestions: Vec<ScoredPair>,
    /// The fitted model.
    pub model: Model,
    /// Blocking statistics.
    pub blocking: BlockingReport,
    /// The prepared records (for explanations).
    pub prepared: Vec<Prepared>,
    /// Where true pairs were lost, when [`LinkOptions::truth`] was given.
    pub diagnosis: Option<crate::diagnose::Diagnosis>,
}

impl LinkOutcome {
    /// Explains the pair of record indices `(i, j)`.
    pub fn explain(&self, i: u32, j: u32) -> Match {
        self.model
            .score_prepared(&self.prepared[i as usize], &self.prepared[j as usize])
    }

    /// Explains many pairs in parallel, in order.
    pub fn explain_pairs(&self, pairs: &[ScoredPair]) -> Vec<Match> {
        pairs
            .par_iter()
            .map(|p| self.explain(p.left, p.right))
            .collect()
    }
}

/// The blocking keys of a record: store them, and look a new record's keys up to find its
/// candidates. Independent of any model.
pub fn blocking_keys(record: &LinkRecord) -> Vec<BlockKey> {
    let mut k = blocking::keys(&Prepared::new(record));
    k.sort_unstable_by_key(|b| b.key);
    k.dedup();
    k
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Model {
    /// Writes the model as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a model written by [`Model::to_json`].
    pub fn from_json(s: &str) -> Result<Model, LinkError> {
        // the version first, so that a model of another version gets a clear error rather than
        // whatever its fields would make of this version's reader
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let v: Version = serde_json::from_str(s)?;
        if v.version != MODEL_VERSION {
            return Err(LinkError::ModelVersion {
                found: v.version,
                expected: MODEL_VERSION,
            });
        }
        let mut m: Model = serde_json::from_str(s)?;
        if m.version != MODEL_VERSION {
            return Err(LinkError::ModelVersion {
                found: m.version,
                expected: MODEL_VERSION,
            });
        }
        m.compiled = Some(m.unsupervised.compile());
        Ok(m)
    }

    /// Largest block compared in full; a store should skip keys whose block is larger.
    pub fn block_cap(&self) -> usize {
        self.block_cap
    }

    pub(crate) fn compiled(&self) -> std::borrow::Cow<'_, Compiled> {
        match &self.compiled {
            Some(c) => std::borrow::Cow::Borrowed(c),
            None => std::borrow::Cow::Owned(self.unsupervised.compile()),
        }
    }

    /// Prepares a record for scoring with this model (source stratum, name frequencies).
    pub fn prepare(&self, record: &LinkRecord) -> Prepared {
        let mut p = Prepared::new(record);
        self.annotate(&mut p);
        p
    }

    pub(crate) fn annotate(&self, p: &mut Prepared) {
        p.source_idx = self
            .sources
            .iter()
            .position(|s| *s == p.source)
            .map_or(u16::MAX, |i| i as u16);
        self.tf.annotate(p);
    }

    /// The band of a probability.
    pub fn band(&self, p: f64) -> Band {
        if p >= self.threshold {
            Band::Link
        } else if p >= self.review_threshold {
            Band::Review
        } else {
            Band::None
        }
    }

    fn observe(a: &Prepared, b: &Prepared) -> Obs {
        let gamma = compare::compare(a, b);
        Obs {
            gamma,
            stratum: model::stratum(a, b),
            tf_adj: model::tf_adjust(&gamma, a, b),
        }
    }

    pub(crate) fn probability_with(
        &self,
        c: &Compiled,
        a: &Prepared,
        b: &Prepared,
    ) -> (f64, Obs, f64) {
        let o = Self::observe(a, b);
        let sc = c.scores(&o);
        let logit = sc.logit();
        let p = match &self.supervised {
            Some(g) => {
                let x = supervised::features(&o, &sc, model::script_pair(a.script, b.script));
                // the learned trees correct the unsupervised log odds
                sigmoid(logit.clamp(-30.0, 30.0) + f64::from(g.logit(&x)))
            }
            None => sigmoid(logit),
        };
        (p, o, logit)
    }

    /// Probability that two prepared records are the same person.
    pub fn probability(&self, a: &Prepared, b: &Prepared) -> f64 {
        self.probability_with(&self.compiled(), a, b).0
    }

    /// Scores one pair of prepared records, with its explanation.
    pub fn score_prepared(&self, a: &Prepared, b: &Prepared) -> Match {
        let c = self.compiled();
        let (p, o, logit) = self.probability_with(&c, a, b);
        let mut tf = [0f32; NF];
        for (k, (fi, _)) in TF_FIELDS.iter().enumerate() {
            if o.gamma[*fi] == 1 || o.gamma[*fi] == 2 {
                tf[*fi] = (a.tf[k].clamp(-4.0, 4.0) + b.tf[k].clamp(-4.0, 4.0)) * 0.5;
            }
        }
        let w = c.field_weights(&o, &tf);
        let prior = c.prior_weight(o.stratum);
        let fields: Vec<FieldEvidence> = FIELDS
            .iter()
            .enumerate()
            .map(|(fi, f)| FieldEvidence {
                field: f.name().to_string(),
                level: f.levels()[o.gamma[fi] as usize].to_string(),
                weight: w[fi],
            })
            .collect();
        let additive = prior + w.iter().sum::<f64>();
        let unsup2 = logit / std::f64::consts::LN_2;
        let final2 = (p.clamp(1e-15, 1.0 - 1e-15) / (1.0 - p.clamp(1e-15, 1.0 - 1e-15))).log2();
        Match {
            probability: p,
            band: self.band(p),
            explanation: Explanation {
                prior,
                fields,
                sibling_adjustment: unsup2 - additive,
                labels_adjustment: final2 - unsup2,
                log2_odds: final2,
                probability: p,
            },
        }
    }

    /// Scores one record against candidate records (for instance those sharing a blocking key,
    /// fetched from a store): one [`Match`] per candidate, in order.
    pub fn score_candidates(&self, record: &LinkRecord, candidates: &[LinkRecord]) -> Vec<Match> {
        let a = self.prepare(record);
        candidates
            .iter()
            .map(|c| self.score_prepared(&a, &self.prepare(c)))
            .collect()
    }
}

/// Field names and level names, for headers of evidence columns.
pub fn evidence_columns() -> Vec<String> {
    FIELDS
        .iter()
        .flat_map(|f| {
            [
                format!("{}_level", f.name()),
                format!("{}_weight", f.name()),
            ]
        })
        .collect()
}

/// Evidence columns of a match, in the order of [`evidence_columns`].
pub fn evidence_values(m: &Match) -> Vec<String> {
    m.explanation
        .fields
        .iter()
        .flat_map(|f| [f.level.clone(), format!("{:.2}", f.weight)])
        .collect()
}

fn random_pairs(n: usize, count: usize, rng: &mut impl Rng) -> Vec<(u32, u32)> {
    if n < 2 {
        return Vec::new();
    }
    (0..count)
        .filter_map(|_| {
            let i = rng.random_range(0..n as u32);
            let j = rng.random_range(0..n as u32);
            (i != j).then_some((i, j))
        })
        .collect()
}

/// All pairs over blocked pairs, globally and per stratum (see [`model::PairWeights`]):
/// `sample` is an evenly spread sample of the `blocked` candidate pairs.
fn pair_weights(prepared: &[Prepared], sample: &[Obs], blocked: usize) -> model::PairWeights {
    let mut cells: FxMap<(compare::NameScript, u16), f64> = FxMap::default();
    for p in prepared {
        *cells.entry((p.script, p.source_idx)).or_default() += 1.0;
    }
    let mut cells: Vec<((compare::NameScript, u16), f64)> = cells.into_iter().collect();
    cells.sort_by_key(|((s, x), _)| (*s as u8, *x));
    let mut all: FxMap<usize, f64> = FxMap::default();
    for (i, &((sa, xa), na)) in cells.iter().enumerate() {
        for &((sb, xb), nb) in &cells[i..] {
            let pairs = if (sa, xa) == (sb, xb) {
                na * (na - 1.0) / 2.0
            } else {
                na * nb
            };
            if let Some(s) = model::stratum_of(sa, xa, sb, xb) {
                *all.entry(s).or_default() += pairs;
            }
        }
    }
    let n = prepared.len() as f64;
    let total = (n * (n - 1.0) / 2.0).max(1.0);
    let blocked = (blocked as f64).max(1.0);
    let scale = blocked / sample.len().max(1) as f64;
    let mut seen: FxMap<usize, f64> = FxMap::default();
    for o in sample {
        if let Some(s) = o.stratum {
            *seen.entry(s).or_default() += 1.0;
        }
    }
    let global = total / blocked;
    let mut strata: Vec<(usize, f64)> = all
        .into_iter()
        .filter_map(|(s, a)| {
            // too few blocked pairs to say: the global ratio
            let b = seen.get(&s).copied().unwrap_or(0.0);
            (b >= 20.0).then(|| (s, (a / (b * scale)).max(1e-6)))
        })
        .collect();
    strata.sort_by_key(|(s, _)| *s);
    model::PairWeights { global, strata }
}

/// Prepares every record, parsing each distinct name string once (in parallel) and sharing the
/// parsed fields between the records that carry them.
pub fn prepare_all(records: &[LinkRecord], progress: &dyn Progress) -> Vec<Prepared> {
    prepare_with(records, progress, |distinct| {
        distinct.par_iter().map(|s| names::parse(s)).collect()
    })
}

/// [`prepare_all`] with the distinct name strings parsed by `parse_distinct` (one field per
/// string, in order).
pub(crate) fn prepare_with(
    records: &[LinkRecord],
    progress: &dyn Progress,
    parse_distinct: impl FnOnce(&[&str]) -> Vec<NameField>,
) -> Vec<Prepared> {
    // before the first comparison of a batch, while its size is known
    names::size_shared_memo(records.len());
    let mut index: FxMap<&str, u32> = FxMap::default();
    let mut distinct: Vec<&str> = Vec::new();
    for r in records {
        for s in r.name_fields() {
            if !s.is_empty() {
                index.entry(s).or_insert_with(|| {
                    distinct.push(s);
                    (distinct.len() - 1) as u32
                });
            }
        }
    }
    let parsed = parse_distinct(&distinct);
    let lookup = |s: &str| match index.get(s) {
        Some(&i) => parsed[i as usize].clone(),
        None => names::parse(s),
    };
    records
        .par_iter()
        .map(|r| {
            let p = Prepared::with_names(r, &lookup);
            progress.advance(1);
            p
        })
        .collect()
}

/// Links a whole list: prepares, blocks, fits the unsupervised model, learns from `labels`
/// when there are any, scores every candidate pair, clusters, and suggests pairs to label.
pub fn link(
    records: &[LinkRecord],
    labels: &[Label],
    opts: &LinkOptions,
    progress: &dyn Progress,
) -> Result<LinkOutcome, LinkError> {
    let n = records.len();
    for l in labels {
        if l.left >= n {
            return Err(LinkError::LabelOutOfRange(l.left));
        }
        if l.right >= n {
            return Err(LinkError::LabelOutOfRange(l.right));
        }
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
    progress.stage("preparing", n as u64);
    let mut prepared = prepare_all(records, progress);
    let mut sources: Vec<String> = Vec::new();
    for p in &prepared {
        if sources.len() < model::MAX_SOURCES && !sources.contains(&p.source) {
            sources.push(p.source.clone());
        }
    }
    let tf = TermFrequencies::count(&prepared);
    let mut m = Model {
        version: MODEL_VERSION,
        sources,
        tf,
        unsupervised: Unsupervised {
            global: model::StratumParams {
                prior: [0.0; model::K],
                dist: [vec![], vec![], vec![], vec![], vec![]],
                pairs: 0.0,
            },
            strata: Vec::new(),
            iterations: 0,
        },
        supervised: None,
        threshold: opts.threshold,
        review_threshold: opts.review_threshold,
        block_cap: opts.block_cap,
        compiled: None,
    };
    prepared.par_iter_mut().for_each(|p| m.annotate(p));

    progress.stage("blocking", 1);
    let blocks = blocking::Blocks::new(&prepared, opts.block_cap);
    let mut report = blocks.report.clone();
    if let Some(t) = opts.truth.as_deref() {
        blocks.recall(t, &mut report);
    }
    progress.advance(1);

    progress.stage("estimating", 1);
    // An even sample of the blocked pairs for EM (and for the anchors of the learned model).
    let (sample, blocked) = blocks.sample(opts.em_sample, opts.seed);
    let blocked_obs: Vec<Obs> = sample
        .par_iter()
        .map(|c| {
            let (i, j) = blocking::unpack(*c);
            Model::observe(&prepared[i as usize], &prepared[j as usize])
        })
        .collect();
    let rand_obs: Vec<Obs> = random_pairs(n, opts.random_pairs, &mut rng)
        .par_iter()
        .map(|&(i, j)| Model::observe(&prepared[i as usize], &prepared[j as usize]))
        .collect();
    let weights = pair_weights(&prepared, &blocked_obs, blocked.round() as usize);
    m.unsupervised = model::fit_weighted(
        &blocked_obs,
        &rand_obs,
        Some(&weights),
        EmOptions::default(),
    );
    m.compiled = Some(m.unsupervised.compile());
    drop(blocked_obs);
    progress.advance(1);

    if !labels.is_empty() {
        m.supervised = Some(train_supervised(&m, &prepared, &sample, labels, &mut rng));
    }
    drop(sample);

    // Block by block: a block's records stay in the caches while its pairs are scored.
    progress.stage("scoring", blocks.len() as u64);
    let c = m.compiled();
    let keep = opts.review_threshold.min(0.02) as f32;
    let (mut scored, pairs_scored) = score_blocks(&m, &c, &prepared, &blocks, keep, progress);
    report.pairs = pairs_scored;
    // A human's judgement is the pair's probability: a confirmed pair is linked (blocked or
    // not), a rejected pair is a cannot-link for the clustering.
    let judged = judgements(labels);
    if !judged.is_empty() {
        scored.retain(|s| !judged.contains_key(&(s.left, s.right)));
        scored.extend(
            judged
                .iter()
                .filter(|(_, m)| **m)
                .map(|(&(l, r), _)| ScoredPair {
                    left: l,
                    right: r,
                    probability: 1.0,
                }),
        );
        scored.par_sort_unstable_by_key(|s| (s.left, s.right));
    }
    let blocked_true = opts
        .truth
        .as_deref()
        .map(|t| crate::diagnose::blocked_true_pairs(&blocks, t));
    drop(blocks);

    progress.stage("clustering", 1);
    let edges: Vec<(u32, u32, f32)> = scored
        .iter()
        .map(|s| (s.left, s.right, s.probability))
        .collect();
    let judgement = |i: u32, j: u32| judged.get(&(i.min(j), i.max(j))).copied();
    let clusters = cluster::cluster(
        n,
        &edges,
        |i, j| match judgement(i, j) {
            Some(yes) => f32::from(u8::from(yes)),
            None => {
                m.probability_with(&c, &prepared[i as usize], &prepared[j as usize])
                    .0 as f32
            }
        },
        |i, j| {
            judgement(i, j) == Some(false)
                || cluster::cannot_link(&prepared[i as usize], &prepared[j as usize])
        },
        ClusterOptions {
            threshold: opts.threshold,
        },
    );
    drop(edges);
    progress.advance(1);
    let n_clusters = clusters
        .iter()
        .copied()
        .max()
        .map_or(0, |x| u64::from(x) + 1);

    let suggestions = if opts.suggest > 0 {
        progress.stage("suggesting", 1);
        suggest(&m, &prepared, &scored, &clusters, labels, opts.suggest)
    } else {
        Vec::new()
    };
    let out_pairs: Vec<ScoredPair> = scored
        .into_iter()
        .filter(|s| f64::from(s.probability) >= opts.review_threshold)
        .collect();
    let links = out_pairs
        .iter()
        .filter(|s| f64::from(s.probability) >= opts.threshold)
        .count() as u64;
    let diagnosis = match (opts.truth.as_deref(), blocked_true) {
        (Some(t), Some(b)) => Some(crate::diagnose::diagnose(
            &prepared,
            t,
            &b,
            &clusters,
            opts.threshold,
            opts.review_threshold,
            |i, j| {
                m.probability_with(&c, &prepared[i as usize], &prepared[j as usize])
                    .0
            },
        )),
        _ => None,
    };
    drop(c);
    Ok(LinkOutcome {
        clusters,
        pairs: out_pairs,
        pairs_scored,
        links,
        n_clusters,
        suggestions,
        model: m,
        blocking: report,
        prepared,
        diagnosis,
    })
}

/// The labels as a map from `(smaller, larger)` record index to the judgement; when one pair
/// is judged twice, the last judgement counts. Labels of a record with itself are ignored.
fn judgements(labels: &[Label]) -> FxMap<(u32, u32), bool> {
    let mut out = FxMap::default();
    for l in labels {
        if l.left != l.right {
            let (a, b) = (l.left.min(l.right) as u32, l.left.max(l.right) as u32);
            out.insert((a, b), l.is_match);
        }
    }
    out
}

/// Scores every pair of `blocks` (block by block: a block's records stay in the caches while
/// its pairs are scored) and keeps those at or above `keep`, sorted by record indices; returns
/// them with the number of pairs scored. Advances `progress` by blocks.
pub(crate) fn score_blocks(
    model: &Model,
    c: &Compiled,
    prepared: &[Prepared],
    blocks: &blocking::Blocks,
    keep: f32,
    progress: &dyn Progress,
) -> (Vec<ScoredPair>, u64) {
    let (mut scored, pairs_scored) = (0..blocks.len())
        .into_par_iter()
        .with_min_len(256)
        .fold(
            || (Vec::new(), 0u64),
            |(mut out, mut count), b| {
                blocks.for_each_pair(b, |i, j| {
                    count += 1;
                    let p = model
                        .probability_with(c, &prepared[i as usize], &prepared[j as usize])
                        .0 as f32;
                    if p >= keep {
                        out.push(ScoredPair {
                            left: i,
                            right: j,
                            probability: p,
                        });
                    }
                });
                if b % 256 == 0 {
                    progress.advance(256);
                }
                (out, count)
            },
        )
        .reduce(
            || (Vec::new(), 0u64),
            |(mut a, x), (mut b, y)| {
                if a.len() < b.len() {
                    std::mem::swap(&mut a, &mut b);
                }
                a.extend(b);
                (a, x + y)
            },
        );
    scored.par_sort_unstable_by_key(|s| (s.left, s.right));
    (scored, pairs_scored)
}

fn train_supervised(
    m: &Model,
    prepared: &[Prepared],
    pairs: &[PairCode],
    labels: &[Label],
    rng: &mut impl Rng,
) -> Gbt {
    let c = m.compiled();
    let row = |i: usize, j: usize| {
        let (a, b) = (&prepared[i], &prepared[j]);
        let o = Model::observe(a, b);
        let sc = c.scores(&o);
        (
            supervised::features(&o, &sc, model::script_pair(a.script, b.script)),
            sc.logit(),
        )
    };
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut w = Vec::new();
    let mut margin = Vec::new();
    for l in labels {
        let (r, logit) = row(l.left, l.right);
        x.push(r);
        margin.push(logit.clamp(-30.0, 30.0) as f32);
        y.push(if l.is_match { 1.0 } else { 0.0 });
        w.push(1.0);
    }
    // Anchors: confident pairs of the unsupervised model, lightly weighted, keep the learned
    // model sane far from the labelled boundary.
    let n_anchor = (labels.len() * 2).clamp(200, 4000);
    let mut tries = 0;
    let (mut pos, mut neg) = (0, 0);
    while (pos < n_anchor / 2 || neg < n_anchor / 2) && tries < n_anchor * 40 && !pairs.is_empty() {
        tries += 1;
        let (i, j) = blocking::unpack(pairs[rng.random_range(0..pairs.len())]);
        let (r, logit) = row(i as usize, j as usize);
        if logit > 2.5 && pos < n_anchor / 2 {
            margin.push(logit.clamp(-30.0, 30.0) as f32);
            x.push(r);
            y.push(1.0);
            w.push(0.3);
            pos += 1;
        } else if logit < -2.5 && neg < n_anchor / 2 {
            margin.push(logit.clamp(-30.0, 30.0) as f32);
            x.push(r);
            y.push(0.0);
            w.push(0.3);
            neg += 1;
        }
    }
    Gbt::fit(&x, &y, &w, Some(&margin), GbtOptions::default())
}

/// Picks `n` pairs whose labels would teach the model most: the most uncertain pairs (near
/// the threshold, or where the clustering disagrees with the pair), spread over distinct
/// comparison patterns so one common pattern does not take every slot.
fn suggest(
    m: &Model,
    prepared: &[Prepared],
    scored: &[ScoredPair],
    clusters: &[u32],
    labels: &[Label],
    n: usize,
) -> Vec<ScoredPair> {
    let done: std::collections::HashSet<(u32, u32)> = labels
        .iter()
        .map(|l| {
            let (a, b) = (l.left.min(l.right) as u32, l.left.max(l.right) as u32);
            (a, b)
        })
        .collect();
    let t = m.threshold as f32;
    let mut cand: Vec<(f32, u64, ScoredPair)> = scored
        .par_iter()
        .filter(|s| !done.contains(&(s.left, s.right)))
        .map(|s| {
            let same = clusters[s.left as usize] == clusters[s.right as usize];
            let mut u = 1.0 - (s.probability - t).abs() / t.max(1.0 - t);
            // a linked pair split by the clustering, or an unlinked pair inside a cluster
            if same != (s.probability >= t) {
                u += 0.25;
            }
            let g = compare::compare(&prepared[s.left as usize], &prepared[s.right as usize]);
            let pattern = crate::text::hash_bytes(7, &g);
            (u, pattern, *s)
        })
        .collect();
    cand.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.2.left.cmp(&b.2.left))
            .then(a.2.right.cmp(&b.2.right))
    });
    let per_pattern = (n / 40).max(2);
    let mut used: HashMap<u64, usize> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    let mut rest = Vec::new();
    for (_, pat, s) in cand {
        if out.len() >= n {
            break;
        }
        let k = used.entry(pat).or_default();
        if *k < per_pattern {
            *k += 1;
            out.push(s);
        } else if rest.len() < n {
            rest.push(s);
        }
    }
    for s in rest {
        if out.len() >= n {
            break;
        }
        out.push(s);
    }
    out
}

/// Exposes the field list (for UIs that draw explanations).
pub fn fields() -> &'static [Field] {
    &FIELDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Date, Sex};

    fn person(
        id: &str,
        src: &str,
        names: [&str; 4],
        mother: &str,
        year: i32,
        sex: Sex,
    ) -> LinkRecord {
        LinkRecord {
            id: id.into(),
            source: src.into(),
            first_name: names[0].into(),
            father_name: names[1].into(),
            grandfather_name: names[2].into(),
            family_name: names[3].into(),
            mother_name: mother.into(),
            birth_date: Date::year(year),
            sex: Some(sex),
            ..LinkRecord::default()
        }
    }

    fn sample() -> Vec<LinkRecord> {
        let mut v = Vec::new();
        let given = [
            "محمد", "خالد", "سامر", "رنا", "علي", "يوسف", "حسن", "عمر", "ليلى", "هدى",
        ];
        let latin = [
            "Mohammed", "Khaled", "Samer", "Rana", "Ali", "Yusuf", "Hasan", "Omar", "Layla", "Huda",
        ];
        let fam = ["الخطيب", "الحلبي", "الشامي", "الزعبي", "العلي"];
        let fam_l = ["Al-Khatib", "Al-Halabi", "Al-Shami", "Al-Zoubi", "Al-Ali"];
        let fathers = [
            ("أحمد", "Ahmad"),
            ("محمود", "Mahmoud"),
            ("إبراهيم", "Ibrahim"),
            ("مصطفى", "Mustafa"),
            ("جمال", "Jamal"),
            ("نزار", "Nizar"),
            ("طارق", "Tariq"),
        ];
        let mothers = [
            ("فاطمة", "Fatima"),
            ("مريم", "Maryam"),
            ("خديجة", "Khadija"),
            ("سعاد", "Suad"),
            ("زينب", "Zainab"),
            ("نور", "Nour"),
        ];
        for i in 0..60 {
            let g = i % 10;
            let f = (i / 10 + i) % 5;
            let (fa, fl) = fathers[(i * 3) % 7];
            let (ma, ml) = mothers[(i * 5) % 6];
            let sex = if g == 3 || g >= 8 { Sex::F } else { Sex::M };
            let year = 1950 + (i as i32 * 7) % 50;
            v.push(person(
                &format!("a{i}"),
                "prison",
                [given[g], fa, "", fam[f]],
                ma,
                year,
                sex,
            ));
            v.push(person(
                &format!("b{i}"),
                "family",
                [latin[g], fl, "", fam_l[f]],
                ml,
                year,
                sex,
            ));
        }
        v
    }

    #[test]
    fn model_round_trips_through_json_and_scores_the_same() {
        let recs = sample();
        let out = link(&recs, &[], &LinkOptions::default(), &NoProgress).unwrap();
        let json = out.model.to_json();
        let back = Model::from_json(&json).unwrap();
        let a = back.score_candidates(&recs[0], &recs[1..4]);
        let b = out.model.score_candidates(&recs[0], &recs[1..4]);
        for (x, y) in a.iter().zip(&b) {
            assert!((x.probability - y.probability).abs() < 1e-9);
            assert_eq!(x.band, y.band);
        }
        assert!(Model::from_json("{}").is_err());
    }

    #[test]
    fn a_model_of_another_version_is_refused_clearly() {
        let recs = sample();
        let out = link(&recs, &[], &LinkOptions::default(), &NoProgress).unwrap();
        let json = out.model.to_json();
        assert!(json.starts_with(&format!("{{\"version\":{MODEL_VERSION},")));
        let old = json.replacen(&format!("\"version\":{MODEL_VERSION}"), "\"version\":1", 1);
        assert!(matches!(
            Model::from_json(&old),
            Err(LinkError::ModelVersion {
                found: 1,
                expected: MODEL_VERSION
            })
        ));
        // a version-1 model's own shape (frequencies keyed differently) gets the same error
        let v1 = r#"{"version":1,"sources":["a"],"tf":{"counts":[{},{},{},{}]},"threshold":0.5}"#;
        let err = Model::from_json(v1).unwrap_err().to_string();
        assert!(err.contains("model version 1 is not supported"), "{err}");
    }

    #[test]
    fn score_candidates_explains_additively() {
        let recs = sample();
        let out = link(&recs, &[], &LinkOptions::default(), &NoProgress).unwrap();
        let m = out.model.score_candidates(&recs[0], &recs[1..2]).remove(0);
        let e = &m.explanation;
        let sum = e.prior
            + e.fields.iter().map(|f| f.weight).sum::<f64>()
            + e.sibling_adjustment
            + e.labels_adjustment;
        assert!((sum - e.log2_odds).abs() < 1e-6, "{e:?}");
        assert_eq!(e.fields.len(), crate::compare::NF);
        // the same person in two scripts is linked
        assert_eq!(m.band, Band::Link, "{m:?}");
    }

    #[test]
    fn blocking_keys_meet_across_scripts() {
        let recs = sample();
        let a = blocking_keys(&recs[0]);
        let b = blocking_keys(&recs[1]);
        assert!(a.iter().any(|k| b.contains(k)));
        // keys are deterministic: a store can persist them
        assert_eq!(a, blocking_keys(&recs[0]));
    }

    #[test]
    fn a_judgement_overrules_the_model_in_the_clustering() {
        let recs = sample();
        let out = link(&recs, &[], &LinkOptions::default(), &NoProgress).unwrap();
        // the same person in two scripts, linked without labels, rejected by a human
        assert_eq!(out.clusters[0], out.clusters[1]);
        let no = [Label {
            left: 1,
            right: 0,
            is_match: false,
        }];
        let out = link(&recs, &no, &LinkOptions::default(), &NoProgress).unwrap();
        assert_ne!(out.clusters[0], out.clusters[1]);
        // two records nothing joins (no shared name, never blocked) and nothing forbids (no
        // mothers, same sex, birth years a year apart), confirmed as one person by a human: the
        // judgement links them
        let mut recs = recs;
        recs.push(person(
            "x1",
            "prison",
            ["زياد", "سليم", "", "القاسم"],
            "",
            1980,
            Sex::M,
        ));
        recs.push(person(
            "x2",
            "family",
            ["Nabil", "Fadi", "", "Al-Masri"],
            "",
            1981,
            Sex::M,
        ));
        let (i, j) = (recs.len() - 2, recs.len() - 1);
        let base = link(&recs, &[], &LinkOptions::default(), &NoProgress).unwrap();
        assert_ne!(base.clusters[i], base.clusters[j]);
        let yes = [Label {
            left: i,
            right: j,
            is_match: true,
        }];
        let out = link(&recs, &yes, &LinkOptions::default(), &NoProgress).unwrap();
        assert_eq!(out.clusters[i], out.clusters[j]);
        let (l, r) = (i.min(j) as u32, i.max(j) as u32);
        assert!(
            out.pairs
                .iter()
                .any(|s| (s.left, s.right) == (l, r) && s.probability == 1.0)
        );
    }

    #[test]
    fn every_record_gets_a_cluster_and_labels_are_checked() {
        let recs = sample();
        let out = link(&recs, &[], &LinkOptions::default(), &NoProgress).unwrap();
        assert_eq!(out.clusters.len(), recs.len());
        let bad = [Label {
            left: 0,
            right: 999,
            is_match: true,
        }];
        assert!(matches!(
            link(&recs, &bad, &LinkOptions::default(), &NoProgress),
            Err(LinkError::LabelOutOfRange(999))
        ));
        let labels = [
            Label {
                left: 0,
                right: 1,
                is_match: true,
            },
            Label {
                left: 0,
                right: 2,
                is_match: false,
            },
        ];
        let opts = LinkOptions {
            suggest: 5,
            ..LinkOptions::default()
        };
        let out = link(&recs, &labels, &opts, &NoProgress).unwrap();
        assert!(out.model.supervised.is_some());
        assert!(out.suggestions.len() <= 5);
        assert!(
            !out.suggestions.iter().any(|s| (s.left, s.right) == (0, 1)),
            "labelled pairs are not suggested again"
        );
    }
}
