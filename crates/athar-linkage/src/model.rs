//! The unsupervised model: latent classes — same person (M), sibling (S), unrelated (U), and the
//! two other kinds of look-alike pairs blocking brings together, cousins (C) and namesakes (N) —
//! with per-field level distributions, stratified by script pair × source pair, estimated
//! without labels (U from random pairs, M and S by EM over blocked pairs), with term-frequency
//! adjustment of name agreement in the U class. Missing values are neutral.
//!
//! Siblings share father, grandfather, family and mother names but not the given name or the
//! birth date; modelling them as their own class makes that pattern evidence *against* a match
//! instead of the strong evidence for one that two-class Fellegi–Sunter would make of it.

use serde::{Deserialize, Serialize};

use crate::compare::{FIELDS, Field, Gamma, MAX_LEVELS, NF, NameScript, Prepared};

/// Classes of the latent-class model.
pub const M: usize = 0;
/// Sibling class.
pub const S: usize = 1;
/// Unrelated class.
pub const U: usize = 2;
/// Cousin / same-clan class: family (and often grandfather) shared, given and father's names not.
pub const C: usize = 3;
/// Namesake class: given name (and often a common father's name) shared, family and mother not.
pub const N: usize = 4;
/// Number of latent classes.
pub const K: usize = 5;
/// Names of the classes, by index.
pub const CLASS_NAMES: [&str; K] = ["match", "sibling", "unrelated", "cousin", "namesake"];

/// Role fields with term-frequency adjustment, and their index in [`Prepared::tf`].
pub const TF_FIELDS: [(usize, Field); 4] = [
    (0, Field::Given),
    (1, Field::Father),
    (3, Field::Family),
    (4, Field::Mother),
];

/// Level distributions of one class: `probs[field][level]` (level 0, missing, unused).
pub type Dist = Vec<Vec<f64>>;

/// Parameters of one stratum.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StratumParams {
    /// Prior probabilities of M, S, U among blocked pairs.
    pub prior: [f64; K],
    /// Level distributions of M, S, U.
    pub dist: [Dist; K],
    /// Number of blocked pairs that informed this stratum (weight of evidence).
    pub pairs: f64,
}

/// The number of script-pair classes.
pub const SCRIPT_PAIRS: usize = 6;

/// Index of the unordered script pair.
pub fn script_pair(a: NameScript, b: NameScript) -> usize {
    let i = |s: NameScript| match s {
        NameScript::None => 0usize,
        NameScript::Arabic => 1,
        NameScript::Latin => 2,
    };
    let (x, y) = (i(a).min(i(b)), i(a).max(i(b)));
    // (0,0)=0 (0,1)=1 (0,2)=2 (1,1)=3 (1,2)=4 (2,2)=5
    match (x, y) {
        (0, 0) => 0,
        (0, 1) => 1,
        (0, _) => 2,
        (1, 1) => 3,
        (1, _) => 4,
        _ => 5,
    }
}

/// Names of the script pairs, by index.
pub const SCRIPT_PAIR_NAMES: [&str; SCRIPT_PAIRS] = [
    "none-none",
    "none-arabic",
    "none-latin",
    "arabic-arabic",
    "arabic-latin",
    "latin-latin",
];

/// Number of sources tracked separately; more sources share the global parameters.
pub const MAX_SOURCES: usize = 16;

/// The stratum index of a pair of prepared records, `None` when a source is unknown.
pub fn stratum(a: &Prepared, b: &Prepared) -> Option<usize> {
    stratum_of(a.script, a.source_idx, b.script, b.source_idx)
}

/// The stratum index of a pair of records of these scripts and source indices.
pub fn stratum_of(
    script_a: NameScript,
    source_a: u16,
    script_b: NameScript,
    source_b: u16,
) -> Option<usize> {
    let (sa, sb) = (source_a as usize, source_b as usize);
    if sa >= MAX_SOURCES || sb >= MAX_SOURCES {
        return None;
    }
    let (x, y) = (sa.min(sb), sa.max(sb));
    let src = x * MAX_SOURCES + y;
    Some(script_pair(script_a, script_b) * MAX_SOURCES * MAX_SOURCES + src)
}

/// Number of strata.
pub const N_STRATA: usize = SCRIPT_PAIRS * MAX_SOURCES * MAX_SOURCES;

/// One comparison of a pair as the model sees it.
#[derive(Debug, Clone, Copy)]
pub struct Obs {
    /// Levels.
    pub gamma: Gamma,
    /// Stratum, when known.
    pub stratum: Option<usize>,
    /// Sum of the natural-log term-frequency ratios of the agreeing TF fields (applies to U).
    pub tf_adj: f32,
}

/// The log term-frequency adjustment of a pair: for each TF field agreeing exactly or by
/// skeleton, the log ratio of the value's frequency to the average.
pub fn tf_adjust(g: &Gamma, a: &Prepared, b: &Prepared) -> f32 {
    let mut adj = 0.0;
    for (k, (fi, _)) in TF_FIELDS.iter().enumerate() {
        if g[*fi] == 1 || g[*fi] == 2 {
            // both share the value; use the rarer reading of the two spellings
            adj += a.tf[k].min(b.tf[k]).clamp(-4.0, 4.0) * 0.5
                + a.tf[k].max(b.tf[k]).clamp(-4.0, 4.0) * 0.5;
        }
    }
    adj
}

fn empty_dist() -> Dist {
    FIELDS.iter().map(|f| vec![0.0; f.n_levels()]).collect()
}

fn normalize(d: &mut Dist, floor: f64) {
    for row in d.iter_mut() {
        let n = row.len();
        for v in row.iter_mut().skip(1) {
            *v = v.max(floor);
        }
        let s: f64 = row[1..].iter().sum();
        if s > 0.0 {
            for v in row.iter_mut().skip(1) {
                *v /= s;
            }
        } else {
            for v in row.iter_mut().skip(1) {
                *v = 1.0 / (n - 1) as f64;
            }
        }
        row[0] = 1.0;
    }
}

/// Starting distributions of the classes (shape only; EM refines them). Rows a class does not
/// shape start as the unrelated distribution `u`.
fn initial(class: usize, u: &Dist) -> Dist {
    let mut d = u.clone();
    for (fi, f) in FIELDS.iter().enumerate() {
        let row: &[f64] = match (class, f) {
            (
                M,
                Field::Given
                | Field::Father
                | Field::Grandfather
                | Field::Family
                | Field::Mother
                | Field::MotherFamily,
            ) => &[0.0, 0.55, 0.25, 0.12, 0.05, 0.03],
            (S, Field::Given) => &[0.0, 0.02, 0.02, 0.04, 0.07, 0.85],
            (
                S,
                Field::Father
                | Field::Grandfather
                | Field::Family
                | Field::Mother
                | Field::MotherFamily,
            ) => &[0.0, 0.55, 0.25, 0.12, 0.05, 0.03],
            (M, Field::NameSet) => &[0.0, 0.5, 0.3, 0.15, 0.05],
            (S, Field::NameSet) => &[0.0, 0.1, 0.4, 0.4, 0.1],
            (M, Field::Birth) => &[0.0, 0.45, 0.15, 0.15, 0.15, 0.07, 0.03],
            (S, Field::Birth) => &[0.0, 0.01, 0.01, 0.03, 0.1, 0.35, 0.5],
            (M, Field::Sex) => &[0.0, 0.98, 0.02],
            (S, Field::Sex) => &[0.0, 0.5, 0.5],
            (M, Field::Governorate) => &[0.0, 0.9, 0.1],
            (S, Field::Governorate) => &[0.0, 0.85, 0.15],
            (M, Field::Place) => &[0.0, 0.8, 0.1, 0.1],
            (S, Field::Place) => &[0.0, 0.7, 0.1, 0.2],
            (M, Field::NationalId | Field::PrisonNumber) => &[0.0, 0.9, 0.1],
            (S, Field::NationalId | Field::PrisonNumber) => &[0.0, 0.01, 0.99],
            (M, Field::Detention) => &[0.0, 0.5, 0.2, 0.15, 0.08, 0.07],
            (S, Field::Detention) => &[0.0, 0.1, 0.1, 0.2, 0.2, 0.4],
            (M, Field::DetentionPlace) => &[0.0, 0.8, 0.2],
            (S, Field::DetentionPlace) => &[0.0, 0.3, 0.7],
            (C, Field::Given) => &[0.0, 0.03, 0.03, 0.04, 0.05, 0.85],
            (C, Field::Father) => &[0.0, 0.15, 0.1, 0.05, 0.05, 0.65],
            (C, Field::Grandfather) => &[0.0, 0.3, 0.2, 0.05, 0.05, 0.4],
            (C, Field::Family) => &[0.0, 0.55, 0.3, 0.1, 0.03, 0.02],
            (C, Field::Mother) => &[0.0, 0.05, 0.05, 0.05, 0.05, 0.8],
            (C, Field::MotherFamily) => &[0.0, 0.2, 0.1, 0.05, 0.05, 0.6],
            (N, Field::Given) => &[0.0, 0.55, 0.3, 0.1, 0.03, 0.02],
            (N, Field::Father) => &[0.0, 0.15, 0.1, 0.05, 0.05, 0.65],
            (N, Field::Grandfather | Field::Mother | Field::MotherFamily) => {
                &[0.0, 0.1, 0.05, 0.05, 0.05, 0.75]
            }
            (N, Field::Family) => &[0.0, 0.05, 0.05, 0.05, 0.05, 0.8],
            _ => &[],
        };
        if !row.is_empty() {
            d[fi].copy_from_slice(row);
        }
    }
    normalize(&mut d, 1e-4);
    d
}

/// Log-probability tables compiled from the parameters, for fast scoring.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// `[stratum or global][class][field * MAX_LEVELS + level]`.
    ln: Vec<[[f64; NF * MAX_LEVELS]; K]>,
    ln_prior: Vec<[f64; K]>,
    index: Vec<u32>,
}

/// The unsupervised model's parameters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unsupervised {
    /// Parameters shared by all strata (and used for unknown strata).
    pub global: StratumParams,
    /// Parameters by stratum, keyed by stratum index (see [`stratum`]).
    pub strata: Vec<(usize, StratumParams)>,
    /// Iterations EM ran.
    pub iterations: usize,
}

fn compile_one(p: &StratumParams) -> ([[f64; NF * MAX_LEVELS]; K], [f64; K]) {
    let mut t = [[0.0; NF * MAX_LEVELS]; K];
    for c in 0..K {
        for (fi, row) in p.dist[c].iter().enumerate() {
            for (l, v) in row.iter().enumerate().skip(1) {
                t[c][fi * MAX_LEVELS + l] = v.max(1e-9).ln();
            }
        }
    }
    let pr = p.prior.map(|v| v.max(1e-12).ln());
    (t, pr)
}

impl Unsupervised {
    /// Compiles the log tables.
    pub fn compile(&self) -> Compiled {
        let mut ln = Vec::with_capacity(self.strata.len() + 1);
        let mut ln_prior = Vec::with_capacity(self.strata.len() + 1);
        let (t, p) = compile_one(&self.global);
        ln.push(t);
        ln_prior.push(p);
        let mut index = vec![0u32; N_STRATA];
        for (k, (s, params)) in self.strata.iter().enumerate() {
            let (t, p) = compile_one(params);
            ln.push(t);
            ln_prior.push(p);
            if *s < N_STRATA {
                index[*s] = (k + 1) as u32;
            }
        }
        Compiled {
            ln,
            ln_prior,
            index,
        }
    }
}

/// Per-class log-likelihoods of one observation (priors included).
#[derive(Debug, Clone, Copy)]
pub struct ClassScores {
    /// Log prior + log likelihood of each class.
    pub ln: [f64; K],
}

impl ClassScores {
    /// Natural-log odds of M against S or U.
    pub fn logit(&self) -> f64 {
        let m = self.ln[M];
        let mx = self.ln[1..].iter().copied().fold(f64::MIN, f64::max);
        let rest = mx
            + self.ln[1..]
                .iter()
                .map(|v| (v - mx).exp())
                .sum::<f64>()
                .ln();
        m - rest
    }

    /// Posterior class probabilities.
    pub fn posterior(&self) -> [f64; K] {
        let mx = self.ln.iter().cloned().fold(f64::MIN, f64::max);
        let e = self.ln.map(|v| (v - mx).exp());
        let z: f64 = e.iter().sum();
        e.map(|v| v / z)
    }
}

impl Compiled {
    fn table(&self, stratum: Option<usize>) -> usize {
        stratum.map(|s| self.index[s] as usize).unwrap_or(0)
    }

    /// Class scores of one observation.
    pub fn scores(&self, o: &Obs) -> ClassScores {
        let t = self.table(o.stratum);
        let tab = &self.ln[t];
        let mut ln = self.ln_prior[t];
        for (fi, &l) in o.gamma.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let k = fi * MAX_LEVELS + l as usize;
            for c in 0..K {
                ln[c] += tab[c][k];
            }
        }
        // agreement by coincidence is likelier for common names: term frequency applies to the
        // classes whose agreement is chance (not to the same person, not to siblings)
        let tf = f64::from(o.tf_adj);
        ln[U] += tf;
        ln[C] += tf;
        ln[N] += tf;
        ClassScores { ln }
    }

    /// Per-field log2 weight of M against U (TF included for the TF fields) — the additive
    /// part of an explanation.
    pub fn field_weights(&self, o: &Obs, tf: &[f32; NF]) -> [f64; NF] {
        let t = self.table(o.stratum);
        let tab = &self.ln[t];
        let pri = self.ln_prior[t].map(f64::exp);
        let rest: f64 = pri[1..].iter().sum::<f64>().max(1e-300);
        let mut w = [0.0; NF];
        for (fi, &l) in o.gamma.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let k = fi * MAX_LEVELS + l as usize;
            let chance = f64::from(tf[fi]).exp();
            let mut r = 0.0;
            for c in 1..K {
                let adj = if c == S { 1.0 } else { chance };
                r += pri[c] * tab[c][k].exp() * adj;
            }
            w[fi] = (tab[M][k] - (r / rest).max(1e-300).ln()) / std::f64::consts::LN_2;
        }
        w
    }

    /// log2 prior odds of M against all other classes.
    pub fn prior_weight(&self, stratum: Option<usize>) -> f64 {
        let t = self.table(stratum);
        let pri = self.ln_prior[t].map(f64::exp);
        let rest: f64 = pri[1..].iter().sum::<f64>().max(1e-300);
        (pri[M] / rest).max(1e-300).log2()
    }
}

/// Options of the EM fit.
#[derive(Debug, Clone, Copy)]
pub struct EmOptions {
    /// Most iterations.
    pub max_iter: usize,
    /// Stop when the mean log-likelihood per pair improves by less than this.
    pub tol: f64,
    /// Pseudo-count pulling each stratum toward the global parameters.
    pub smoothing: f64,
    /// Pseudo-count pulling M and S toward their starting shapes (MAP estimation), so that
    /// a large crowd of look-alike non-matches cannot take the match class over.
    pub anchor: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            max_iter: 30,
            tol: 2e-4,
            smoothing: 200.0,
            anchor: 200.0,
        }
    }
}

/// Caps `(field, level, most)` that define the match class: the records of one person mostly
/// agree, so "different" levels can only be rare. Without them EM is free to turn the match
/// class into whatever crowd of look-alikes is largest among the blocked pairs.
const M_CAPS: &[(usize, usize, f64)] = &[
    (0, 5, 0.06),
    (1, 5, 0.08),
    (2, 5, 0.15),
    (3, 5, 0.08),
    (4, 5, 0.06),
    (5, 5, 0.15),
    (6, 4, 0.10),
    (7, 6, 0.02),
    (7, 5, 0.06),
    (8, 2, 0.03),
    (9, 2, 0.25),
    (11, 2, 0.10),
    (12, 2, 0.15),
];

/// Caps that define the sibling class: brothers and sisters share father, family and mother but
/// have other given names and birth
/// dates.
const S_CAPS: &[(usize, usize, f64)] = &[
    (0, 1, 0.03),
    (0, 2, 0.03),
    (7, 1, 0.02),
    (11, 1, 0.01),
    (12, 1, 0.02),
    (1, 5, 0.10),
    (2, 5, 0.20),
    (3, 5, 0.10),
    (4, 5, 0.10),
];

/// Caps that keep cousins and namesakes what they are: cousins rarely share a given name,
/// namesakes rarely share a family name.
const C_CAPS: &[(usize, usize, f64)] = &[(0, 1, 0.08), (0, 2, 0.08), (11, 1, 0.01), (12, 1, 0.01)];
/// See [`C_CAPS`].
const N_CAPS: &[(usize, usize, f64)] = &[(3, 1, 0.08), (3, 2, 0.08), (11, 1, 0.01), (12, 1, 0.01)];

/// Applies a class's caps, moving the excess mass proportionally onto the other levels.
fn constrain(class: usize, d: &mut Dist) {
    let caps = match class {
        M => M_CAPS,
        S => S_CAPS,
        C => C_CAPS,
        N => N_CAPS,
        _ => return,
    };
    for &(fi, l, most) in caps {
        let row = &mut d[fi];
        if row[l] > most {
            let excess = row[l] - most;
            row[l] = most;
            let rest: f64 = row[1..]
                .iter()
                .enumerate()
                .filter(|(i, _)| i + 1 != l)
                .map(|(_, v)| v)
                .sum();
            if rest > 0.0 {
                for (i, v) in row.iter_mut().enumerate().skip(1) {
                    if i != l {
                        *v += excess * *v / rest;
                    }
                }
            }
        }
    }
}

/// How much harder the learned classes are pulled toward their global distributions than the
/// priors are (strata are small and EM in a small stratum chases noise).
const STRATUM_PULL: f64 = 0.25;

/// Level counts of one class, flat: `[field * MAX_LEVELS + level]` (the E-step adds to them
/// for every observation; a [`Dist`] is a vector of vectors).
type Flat = [f64; NF * MAX_LEVELS];

/// Level counts of every class.
type FlatCounts = [Flat; K];

const NO_COUNTS: FlatCounts = [[0.0; NF * MAX_LEVELS]; K];

/// Adds `w[k]` to the levels of `g` in the counts of each class `k` of `classes`.
fn add_flat(d: &mut FlatCounts, g: &Gamma, classes: &[usize], w: &[f64; K]) {
    for (fi, &l) in g.iter().enumerate() {
        if l != 0 {
            let i = fi * MAX_LEVELS + l as usize;
            for &k in classes {
                d[k][i] += w[k];
            }
        }
    }
}

/// Adds counts `b` into `a`, cell by cell.
fn merge_flat(a: &mut FlatCounts, b: &FlatCounts) {
    for (x, y) in a.iter_mut().zip(b) {
        for (u, v) in x.iter_mut().zip(y) {
            *u += v;
        }
    }
}

/// Level counts per stratum, in the order the strata were first seen.
struct Counts {
    per: Vec<(usize, Box<FlatCounts>, [f64; K])>,
    /// Position in `per` of each stratum index (`u32::MAX`: not seen yet); a plain table, as
    /// the E-step looks a stratum up for every observation.
    slot: Vec<u32>,
}

impl Counts {
    fn new() -> Self {
        Counts {
            per: Vec::new(),
            slot: vec![u32::MAX; N_STRATA],
        }
    }
    fn entry(&mut self, s: usize) -> &mut (usize, Box<FlatCounts>, [f64; K]) {
        if s >= self.slot.len() {
            self.slot.resize(s + 1, u32::MAX);
        }
        let n = self.per.len();
        if self.slot[s] == u32::MAX {
            self.slot[s] = n as u32;
        }
        let k = self.slot[s] as usize;
        if k == n {
            self.per.push((s, Box::new(NO_COUNTS), [0.0; K]));
        }
        &mut self.per[k]
    }
}

fn add(d: &mut Dist, g: &Gamma, w: f64) {
    for (fi, &l) in g.iter().enumerate() {
        if l != 0 {
            d[fi][l as usize] += w;
        }
    }
}

fn smooth(counts: &Flat, toward: &Dist, alpha: f64) -> Dist {
    let mut d = empty_dist();
    for fi in 0..NF {
        let row = &counts[fi * MAX_LEVELS..fi * MAX_LEVELS + d[fi].len()];
        let n: f64 = row[1..].iter().sum();
        for l in 1..d[fi].len() {
            d[fi][l] = (row[l] + alpha * toward[fi][l]) / (n + alpha);
        }
    }
    normalize(&mut d, 1e-5);
    d
}

/// U distributions from random pairs (assumed unrelated), global and per stratum.
pub fn estimate_u(random: &[Obs], smoothing: f64) -> (Dist, Vec<(usize, Dist)>) {
    let mut global = empty_dist();
    let mut c = Counts::new();
    for o in random {
        add(&mut global, &o.gamma, 1.0);
        if let Some(s) = o.stratum {
            add_flat(&mut c.entry(s).1, &o.gamma, &[U], &[1.0; K]);
        }
    }
    // a whisker of mass on every level, so no agreement is impossible
    for row in global.iter_mut() {
        for v in row.iter_mut().skip(1) {
            *v += 0.5;
        }
    }
    normalize(&mut global, 1e-7);
    let per = c
        .per
        .iter()
        .map(|(s, d, _)| (*s, smooth(&d[U], &global, smoothing)))
        .collect();
    (global, per)
}

/// How many more pairs there are than blocked pairs, per stratum: the weight of the unrelated
/// class. Two records agreeing on names by chance are unlikely for one pair, but a list of n
/// records has n²/2 pairs: the chance that a blocked pair agreeing on common names is the same
/// person falls as the list grows, and this weight (all pairs of the stratum over its blocked
/// pairs) is what carries the list size into the model.
#[derive(Debug, Clone, Default)]
pub struct PairWeights {
    /// All pairs over blocked pairs, every stratum together.
    pub global: f64,
    /// The same per stratum.
    pub strata: Vec<(usize, f64)>,
}

impl PairWeights {
    fn of(&self, s: usize) -> f64 {
        self.strata
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(self.global, |(_, w)| *w)
    }
}

/// Fits the model without labels (see [`fit_weighted`]), the unrelated class's prior estimated
/// by EM like the others'.
pub fn fit(blocked: &[Obs], random: &[Obs], opts: EmOptions) -> Unsupervised {
    fit_weighted(blocked, random, None, opts)
}

/// Fits the model without labels: U from random pairs (fixed, per stratum), the other classes
/// and the priors by EM over blocked pairs — M and S as MAP estimates anchored to their
/// starting shapes, cousins and namesakes freely — stratified by script pair × source pair
/// with smoothing toward the global parameters. With `weights`, the unrelated class is not a
/// share of the blocked pairs but all pairs of the stratum ([`PairWeights`]), fixed: its prior
/// weight is that ratio, and EM fits the shares of the other classes.
pub fn fit_weighted(
    blocked: &[Obs],
    random: &[Obs],
    weights: Option<&PairWeights>,
    opts: EmOptions,
) -> Unsupervised {
    use rayon::prelude::*;
    let (u_global, u_strata) = estimate_u(random, opts.smoothing);
    let u_of = |s: usize| {
        u_strata
            .iter()
            .find(|(k, _)| *k == s)
            .map(|(_, d)| d.clone())
    };
    let init: [Dist; K] = [0, 1, 2, 3, 4].map(|k| {
        if k == U {
            u_global.clone()
        } else {
            initial(k, &u_global)
        }
    });
    let mut model = Unsupervised {
        global: StratumParams {
            prior: [
                0.03,
                0.03,
                weights.map_or(0.8, |w| w.global.max(1e-6)),
                0.07,
                0.07,
            ],
            dist: init.clone(),
            pairs: blocked.len() as f64,
        },
        strata: Vec::new(),
        iterations: 0,
    };
    let learned = [M, S, C, N];
    // identical observations (term frequency quantized) are fitted once, with their count
    let mut agg: std::collections::HashMap<(Gamma, Option<usize>, i32), f64> =
        std::collections::HashMap::new();
    for o in blocked {
        *agg.entry((o.gamma, o.stratum, (o.tf_adj * 4.0).round() as i32))
            .or_default() += 1.0;
    }
    let mut weighted: Vec<(Obs, f64)> = agg
        .into_iter()
        .map(|((gamma, stratum, q), w)| {
            (
                Obs {
                    gamma,
                    stratum,
                    tf_adj: q as f32 / 4.0,
                },
                w,
            )
        })
        .collect();
    weighted.sort_by(|a, b| {
        a.0.gamma
            .cmp(&b.0.gamma)
            .then(a.0.stratum.cmp(&b.0.stratum))
            .then(a.0.tf_adj.total_cmp(&b.0.tf_adj))
    });
    let anchor = |k: usize| if k == M || k == S { opts.anchor } else { 10.0 };
    for k in [M, S, C, N] {
        model.global.dist[k] = init[k].clone();
        constrain(k, &mut model.global.dist[k]);
    }
    let mut prev_ll = f64::NEG_INFINITY;
    for it in 0..opts.max_iter {
        let compiled = model.compile();
        // E-step in parallel chunks, each with its own counts
        let parts: Vec<(Box<FlatCounts>, [f64; K], Counts, f64)> = weighted
            .par_chunks(16_384)
            .map(|chunk| {
                let mut g = Box::new(NO_COUNTS);
                let mut pr = [0.0; K];
                let mut c = Counts::new();
                let mut ll = 0.0;
                for (o, w) in chunk {
                    let sc = compiled.scores(o);
                    // the log-likelihood and the posterior from the same exponentials (the
                    // arithmetic of `ClassScores::posterior`, once)
                    let mx = sc.ln.iter().copied().fold(f64::MIN, f64::max);
                    let e = sc.ln.map(|v| (v - mx).exp());
                    let z: f64 = e.iter().sum();
                    ll += w * (mx + z.ln());
                    let post = e.map(|v| v / z).map(|p| p * w);
                    add_flat(&mut g, &o.gamma, &learned, &post);
                    for k in 0..K {
                        pr[k] += post[k];
                    }
                    if let Some(s) = o.stratum {
                        let e = c.entry(s);
                        add_flat(&mut e.1, &o.gamma, &learned, &post);
                        for k in 0..K {
                            e.2[k] += post[k];
                        }
                    }
                }
                (g, pr, c, ll)
            })
            .collect();
        let ll: f64 = parts.iter().map(|p| p.3).sum::<f64>() / blocked.len().max(1) as f64;
        let mut g_counts = Box::new(NO_COUNTS);
        let mut g_prior = [0.0; K];
        let mut c = Counts::new();
        for (g, pr, part, _) in parts {
            for k in 0..K {
                g_prior[k] += pr[k];
            }
            merge_flat(&mut g_counts, &g);
            for (s, d, pr) in part.per {
                let e = c.entry(s);
                for k in 0..K {
                    e.2[k] += pr[k];
                }
                merge_flat(&mut e.1, &d);
            }
        }
        let mut next = model.clone();
        let n: f64 = g_prior.iter().sum::<f64>().max(1.0);
        next.global.prior = g_prior.map(|v| (v / n).max(1e-6));
        if let Some(w) = weights {
            next.global.prior[U] = w.global.max(1e-6);
        }
        for &k in &learned {
            next.global.dist[k] = smooth(&g_counts[k], &init[k], anchor(k));
            constrain(k, &mut next.global.dist[k]);
        }
        let a = opts.smoothing;
        next.strata = c
            .per
            .iter()
            .map(|(s, d, pr)| {
                let ns: f64 = pr.iter().sum();
                let mut prior = [0.0; K];
                for k in 0..K {
                    prior[k] = (pr[k] + a * next.global.prior[k]) / (ns + a);
                }
                if let Some(w) = weights {
                    prior[U] = w.of(*s).max(1e-6);
                }
                let mut dist = next.global.dist.clone();
                for &k in &learned {
                    dist[k] = smooth(&d[k], &next.global.dist[k], a * STRATUM_PULL);
                    constrain(k, &mut dist[k]);
                }
                dist[U] = u_of(*s).unwrap_or_else(|| u_global.clone());
                (
                    *s,
                    StratumParams {
                        prior,
                        dist,
                        pairs: ns,
                    },
                )
            })
            .collect();
        next.strata.sort_by_key(|(s, _)| *s);
        model = next;
        model.iterations = it + 1;
        // stop when the mean log-likelihood per pair no longer improves
        if (ll - prev_ll).abs() < opts.tol {
            break;
        }
        prev_ll = ll;
    }
    model
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Draws a level from a distribution row.
    fn draw(rng: &mut impl Rng, row: &[f64]) -> u8 {
        let x: f64 = rng.random();
        let mut acc = 0.0;
        for (l, v) in row.iter().enumerate().skip(1) {
            acc += v;
            if x < acc {
                return l as u8;
            }
        }
        (row.len() - 1) as u8
    }

    /// An unrelated-pairs distribution: mostly the last ("different") level.
    fn mostly_different() -> Dist {
        let mut u = empty_dist();
        for (fi, f) in FIELDS.iter().enumerate() {
            let n = f.n_levels();
            for l in 1..n {
                u[fi][l] = if l == n - 1 {
                    0.9
                } else {
                    0.1 / (n - 2) as f64
                };
            }
        }
        u
    }

    /// A comparison vector of stratum 0 drawn from `d`.
    fn sample(rng: &mut impl Rng, d: &Dist) -> Obs {
        let mut g = [0u8; NF];
        for fi in 0..NF {
            g[fi] = draw(rng, &d[fi]);
        }
        Obs {
            gamma: g,
            stratum: Some(0),
            tf_adj: 0.0,
        }
    }

    #[test]
    fn em_converges_and_separates_the_classes() {
        // Synthetic comparison vectors from known M / S / U distributions.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let truth_u = mostly_different();
        let mut truth_m = initial(M, &truth_u);
        // make M sharper than its starting point, so EM has to move
        truth_m[0] = vec![1.0, 0.8, 0.15, 0.03, 0.01, 0.01];
        let truth_s = initial(S, &truth_u);
        let mut make = |d: &Dist| sample(&mut rng, d);
        let random: Vec<Obs> = (0..20_000).map(|_| make(&truth_u)).collect();
        let mut blocked = Vec::new();
        let mut label = Vec::new();
        for i in 0..12_000 {
            let (d, c) = match i % 6 {
                0 | 1 => (&truth_m, M),
                2 => (&truth_s, S),
                _ => (&truth_u, U),
            };
            blocked.push(make(d));
            label.push(c);
        }
        let model = fit(&blocked, &random, EmOptions::default());
        assert!(
            model.iterations < EmOptions::default().max_iter,
            "converged"
        );
        let c = model.compile();
        let mut right = 0;
        for (o, &l) in blocked.iter().zip(&label) {
            let p = c.scores(o).logit() > 0.0;
            if p == (l == M) {
                right += 1;
            }
        }
        let acc = right as f64 / blocked.len() as f64;
        assert!(acc > 0.97, "accuracy {acc}");
        // the estimated prior of M is near the true third
        assert!(
            (model.global.prior[M] - 1.0 / 3.0).abs() < 0.05,
            "{:?}",
            model.global.prior
        );
        // M's given-name exact level was learned
        assert!((model.global.dist[M][0][1] - 0.8).abs() < 0.05);
    }

    #[test]
    fn the_same_agreement_counts_for_less_in_a_bigger_list() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let u = mostly_different();
        let m = initial(M, &u);
        let mut make = |d: &Dist| sample(&mut rng, d);
        let random: Vec<Obs> = (0..20_000).map(|_| make(&u)).collect();
        let blocked: Vec<Obs> = (0..6_000)
            .map(|i| if i % 3 == 0 { make(&m) } else { make(&u) })
            .collect();
        // given and family names agree, nothing else known
        let mut g = [0u8; NF];
        g[0] = 1;
        g[3] = 1;
        let o = Obs {
            gamma: g,
            stratum: Some(0),
            tf_adj: 0.0,
        };
        let logit = |w: f64| {
            let weights = PairWeights {
                global: w,
                strata: vec![(0, w)],
            };
            let model = fit_weighted(&blocked, &random, Some(&weights), EmOptions::default());
            assert!(
                (model.global.prior[U] - w).abs() < 1e-9,
                "the weight is kept"
            );
            model.compile().scores(&o).logit()
        };
        let (small, big) = (logit(20.0), logit(2_000.0));
        assert!(big < small - 2.0, "small list {small}, big list {big}");
    }

    #[test]
    fn script_pairs_are_unordered() {
        use NameScript::*;
        assert_eq!(script_pair(Arabic, Latin), script_pair(Latin, Arabic));
        assert_ne!(script_pair(Arabic, Arabic), script_pair(Latin, Latin));
    }
}
