//! Where recall and precision are lost, on generated data with a known truth: every true pair
//! is classified as never blocked, scored below the review band, scored in the review band,
//! scored at or above the link threshold but kept apart by the clustering, or clustered
//! together; every wrong pair inside a cluster as linked directly or only through the
//! clustering. The comparison patterns of the lost pairs say which fields they have.
//!
//! A diagnostic for engineers (`athar link --truth`), not part of any output contract.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blocking::{self, Blocks, PairCode};
use crate::cluster;
use crate::compare::{self, FIELDS, Prepared};
use crate::model::{self, SCRIPT_PAIR_NAMES};

/// Where true pairs end up, and where wrong pairs come from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Pairs of records of one person.
    pub true_pairs: u64,
    /// True pairs in one cluster.
    pub together: u64,
    /// True pairs no block holds.
    pub not_blocked: u64,
    /// ... of which the model would have linked (probability at or above the threshold).
    pub not_blocked_above: u64,
    /// Blocked true pairs scored below the review threshold.
    pub below_review: u64,
    /// Blocked true pairs scored in the review band.
    pub review_band: u64,
    /// Blocked true pairs at or above the link threshold, kept apart by the clustering.
    pub split_above: u64,
    /// ... of which a cannot-link holds between the two records themselves.
    pub split_cannot_link: u64,
    /// True pairs together only through the clustering (below the threshold themselves).
    pub together_below: u64,
    /// Pairs of different persons inside one cluster.
    pub false_together: u64,
    /// ... of which scored at or above the link threshold themselves.
    pub false_direct: u64,
    /// Lost true pairs (not together) by script pair.
    pub lost_by_script: Vec<(String, u64)>,
    /// Lost true pairs by how many of the given, father, grandfather, family and mother's
    /// names both records have (0–5), and whether both have a birth year.
    pub lost_by_shape: Vec<(String, u64)>,
    /// The most frequent comparison patterns of the blocked true pairs lost by the model
    /// (`field=level` of the fields compared), with their count and mean probability.
    pub lost_patterns: Vec<(String, u64, f64)>,
    /// The most frequent comparison patterns of the true pairs no block holds that the model
    /// would have linked.
    pub unblocked_patterns: Vec<(String, u64, f64)>,
    /// The most frequent comparison patterns of wrong pairs inside clusters.
    pub false_patterns: Vec<(String, u64, f64)>,
}

fn true_pairs(truth: &[u64]) -> Vec<PairCode> {
    let mut by: HashMap<u64, Vec<u32>> = HashMap::new();
    for (i, &t) in truth.iter().enumerate() {
        by.entry(t).or_default().push(i as u32);
    }
    let mut out = Vec::new();
    for members in by.values() {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                out.push(blocking::pack(i, j));
            }
        }
    }
    out.sort_unstable();
    out
}

/// The true pairs of `truth` and whether some block of `blocks` holds each (computed while the
/// blocks exist; the rest of the diagnosis runs after the clustering).
pub fn blocked_true_pairs(blocks: &Blocks, truth: &[u64]) -> Vec<(PairCode, bool)> {
    true_pairs(truth)
        .into_par_iter()
        .map(|c| {
            let (i, j) = blocking::unpack(c);
            (c, blocks.holds(i, j))
        })
        .collect()
}

fn pattern(g: &compare::Gamma) -> String {
    FIELDS
        .iter()
        .zip(g)
        .filter(|(_, l)| **l != 0)
        .map(|(f, &l)| format!("{}={}", f.name(), f.levels()[l as usize]))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shape(a: &Prepared, b: &Prepared) -> String {
    let roles = [0, 1, 2, 3, 4]
        .iter()
        .filter(|&&r| !a.roles[r].is_empty() && !b.roles[r].is_empty())
        .count();
    let year = a.birth.year.is_some() && b.birth.year.is_some();
    format!("roles={roles} year={}", if year { "both" } else { "no" })
}

fn top(mut m: HashMap<String, (u64, f64)>, n: usize) -> Vec<(String, u64, f64)> {
    let mut v: Vec<(String, u64, f64)> = m
        .drain()
        .map(|(k, (c, s))| (k, c, s / c.max(1) as f64))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

fn sorted(m: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Classifies every true pair and every wrong pair inside a cluster. `score(i, j)` is the
/// pair's match probability; `blocked` comes from [`blocked_true_pairs`].
pub fn diagnose<F>(
    prepared: &[Prepared],
    truth: &[u64],
    blocked: &[(PairCode, bool)],
    clusters: &[u32],
    threshold: f64,
    review_threshold: f64,
    score: F,
) -> Diagnosis
where
    F: Fn(u32, u32) -> f64 + Sync,
{
    let mut d = Diagnosis {
        true_pairs: blocked.len() as u64,
        ..Diagnosis::default()
    };
    let scored: Vec<(PairCode, bool, f64)> = blocked
        .par_iter()
        .map(|&(c, b)| {
            let (i, j) = blocking::unpack(c);
            (c, b, score(i, j))
        })
        .collect();
    let mut by_script: HashMap<String, u64> = HashMap::new();
    let mut by_shape: HashMap<String, u64> = HashMap::new();
    let mut lost: HashMap<String, (u64, f64)> = HashMap::new();
    let mut unblocked: HashMap<String, (u64, f64)> = HashMap::new();
    for &(c, b, p) in &scored {
        let (i, j) = blocking::unpack(c);
        let (a, bb) = (&prepared[i as usize], &prepared[j as usize]);
        if clusters[i as usize] == clusters[j as usize] {
            d.together += 1;
            if p < threshold {
                d.together_below += 1;
            }
            continue;
        }
        *by_script
            .entry(SCRIPT_PAIR_NAMES[model::script_pair(a.script, bb.script)].to_string())
            .or_default() += 1;
        *by_shape.entry(shape(a, bb)).or_default() += 1;
        if !b {
            d.not_blocked += 1;
            if p >= threshold {
                d.not_blocked_above += 1;
                let e = unblocked
                    .entry(pattern(&compare::compare(a, bb)))
                    .or_default();
                e.0 += 1;
                e.1 += p;
            }
            continue;
        }
        if p >= threshold {
            d.split_above += 1;
            if cluster::cannot_link(a, bb) {
                d.split_cannot_link += 1;
            }
            continue;
        }
        if p >= review_threshold {
            d.review_band += 1;
        } else {
            d.below_review += 1;
        }
        let e = lost.entry(pattern(&compare::compare(a, bb))).or_default();
        e.0 += 1;
        e.1 += p;
    }
    // wrong pairs inside clusters
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &c) in clusters.iter().enumerate() {
        members.entry(c).or_default().push(i as u32);
    }
    let mut wrong: HashMap<String, (u64, f64)> = HashMap::new();
    for m in members.values() {
        for (x, &i) in m.iter().enumerate() {
            for &j in &m[x + 1..] {
                if truth[i as usize] == truth[j as usize] {
                    continue;
                }
                d.false_together += 1;
                let p = score(i, j);
                if p >= threshold {
                    d.false_direct += 1;
                }
                let g = compare::compare(&prepared[i as usize], &prepared[j as usize]);
                let e = wrong.entry(pattern(&g)).or_default();
                e.0 += 1;
                e.1 += p;
            }
        }
    }
    d.lost_by_script = sorted(by_script);
    d.lost_by_shape = sorted(by_shape);
    d.lost_patterns = top(lost, 25);
    d.unblocked_patterns = top(unblocked, 15);
    d.false_patterns = top(wrong, 15);
    d
}

impl std::fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.true_pairs.max(1) as f64;
        let share = |x: u64| 100.0 * x as f64 / t;
        writeln!(f, "true pairs {}", self.true_pairs)?;
        for (name, x) in [
            ("together", self.together),
            ("  of which below the threshold", self.together_below),
            ("never blocked", self.not_blocked),
            ("  of which the model would link", self.not_blocked_above),
            ("blocked, below review", self.below_review),
            ("blocked, review band", self.review_band),
            ("blocked, linked, split by clustering", self.split_above),
            ("  of which a cannot-link", self.split_cannot_link),
        ] {
            writeln!(f, "  {name:40} {x:>9} {:6.2} %", share(x))?;
        }
        writeln!(
            f,
            "wrong pairs in clusters {} (scored above the threshold themselves: {})",
            self.false_together, self.false_direct
        )?;
        writeln!(f, "lost true pairs by script pair:")?;
        for (k, x) in &self.lost_by_script {
            writeln!(f, "  {k:20} {x:>9}")?;
        }
        writeln!(f, "lost true pairs by shape (roles both have, birth year):")?;
        for (k, x) in &self.lost_by_shape {
            writeln!(f, "  {k:20} {x:>9}")?;
        }
        writeln!(f, "patterns of blocked true pairs lost by the model:")?;
        for (k, x, p) in &self.lost_patterns {
            writeln!(f, "  {x:>7} p={p:.3} {k}")?;
        }
        writeln!(
            f,
            "patterns of true pairs never blocked that the model would link:"
        )?;
        for (k, x, p) in &self.unblocked_patterns {
            writeln!(f, "  {x:>7} p={p:.3} {k}")?;
        }
        writeln!(f, "patterns of wrong pairs inside clusters:")?;
        for (k, x, p) in &self.false_patterns {
            writeln!(f, "  {x:>7} p={p:.3} {k}")?;
        }
        Ok(())
    }
}
