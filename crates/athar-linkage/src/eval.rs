//! Evaluation of clusters against ground truth: pairwise and B-cubed precision, recall, F1.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Scores of a clustering against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Pairwise precision: of the pairs the clusters imply, the share that are true.
    pub precision: f64,
    /// Pairwise recall: of the true pairs, the share the clusters imply.
    pub recall: f64,
    /// Pairwise F1.
    pub f1: f64,
    /// B-cubed precision.
    pub bcubed_precision: f64,
    /// B-cubed recall.
    pub bcubed_recall: f64,
    /// B-cubed F1.
    pub bcubed_f1: f64,
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Scores `clusters` (record → cluster label) against `truth` (record → person label) over the
/// records present in both. Labels are arbitrary `u64`s.
pub fn evaluate(items: &[(u64, u64)]) -> Scores {
    // items: (cluster, person) per record
    let mut joint: HashMap<(u64, u64), u64> = HashMap::new();
    let mut by_cluster: HashMap<u64, u64> = HashMap::new();
    let mut by_person: HashMap<u64, u64> = HashMap::new();
    for &(c, p) in items {
        *joint.entry((c, p)).or_default() += 1;
        *by_cluster.entry(c).or_default() += 1;
        *by_person.entry(p).or_default() += 1;
    }
    let pairs = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    let tp: f64 = joint.values().map(|&n| pairs(n)).sum();
    let predicted: f64 = by_cluster.values().map(|&n| pairs(n)).sum();
    let actual: f64 = by_person.values().map(|&n| pairs(n)).sum();
    let precision = if predicted == 0.0 {
        1.0
    } else {
        tp / predicted
    };
    let recall = if actual == 0.0 { 1.0 } else { tp / actual };
    // B-cubed: for each record, |cluster ∩ person| / |cluster| and / |person|.
    let n = items.len() as f64;
    let (mut bp, mut br) = (0.0, 0.0);
    for (&(c, p), &k) in &joint {
        let k = k as f64;
        bp += k * k / by_cluster[&c] as f64;
        br += k * k / by_person[&p] as f64;
    }
    let (bp, br) = if n == 0.0 {
        (1.0, 1.0)
    } else {
        (bp / n, br / n)
    };
    Scores {
        precision,
        recall,
        f1: f1(precision, recall),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // clusters {a,b,c} {d}; truth {a,b} {c,d}
        let s = evaluate(&[(1, 10), (1, 10), (1, 20), (2, 20)]);
        // predicted pairs: ab ac bc = 3, true pairs: ab cd = 2, tp = ab = 1
        assert!((s.precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.f1 - 0.4).abs() < 1e-12);
        // B3 precision: a 2/3, b 2/3, c 1/3, d 1 → (2/3+2/3+1/3+1)/4 = 2/3
        assert!((s.bcubed_precision - 2.0 / 3.0).abs() < 1e-12);
        // B3 recall: a 1, b 1, c 1/2, d 1/2 → 3/4
        assert!((s.bcubed_recall - 0.75).abs() < 1e-12);
    }

    #[test]
    fn perfect() {
        let s = evaluate(&[(1, 5), (1, 5), (2, 6)]);
        assert_eq!(
            (s.precision, s.recall, s.f1, s.bcubed_f1),
            (1.0, 1.0, 1.0, 1.0)
        );
    }
}
