//! Learning from labels: gradient-boosted decision trees over rich comparison features (the
//! per-field levels one-hot, the term-frequency evidence, the script pair and the unsupervised
//! model's log odds), so interactions between fields that the independence model cannot
//! express are learned from a few hundred to a few thousand judged pairs.
//!
//! Small and self-contained: histogram splits on pre-binned features, logistic loss, depth-
//! limited trees with L2-regularised leaves.

use serde::{Deserialize, Serialize};

use crate::compare::{FIELDS, NF};
use crate::model::{ClassScores, K, Obs, SCRIPT_PAIRS};

/// Number of features.
pub fn n_features() -> usize {
    FIELDS.iter().map(|f| f.n_levels() - 1).sum::<usize>() + 1 + K + 1 + SCRIPT_PAIRS + 1
}

/// The feature vector of one observation: the levels one-hot, the unsupervised model's log odds
/// and class posteriors (how much each of match, sibling, unrelated, cousin, namesake explains
/// the pair), the term-frequency evidence, the script pair, the share of missing fields.
pub fn features(o: &Obs, scores: &ClassScores, script_pair: usize) -> Vec<f32> {
    let logit = scores.logit();
    let mut x = Vec::with_capacity(n_features());
    let mut missing = 0u8;
    for (fi, f) in FIELDS.iter().enumerate() {
        let l = o.gamma[fi] as usize;
        if l == 0 {
            missing += 1;
        }
        for k in 1..f.n_levels() {
            x.push(if l == k { 1.0 } else { 0.0 });
        }
    }
    x.push(logit.clamp(-40.0, 40.0) as f32);
    for p in scores.posterior() {
        x.push(p.max(1e-12).ln().max(-30.0) as f32);
    }
    x.push(o.tf_adj);
    for k in 0..SCRIPT_PAIRS {
        x.push(if k == script_pair { 1.0 } else { 0.0 });
    }
    x.push(f32::from(missing) / NF as f32);
    x
}

/// One tree node.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Node {
    /// Internal node: go left when `x[feature] <= threshold`.
    Split {
        /// Feature index.
        feature: u16,
        /// Threshold.
        threshold: f32,
        /// Left child index.
        left: u32,
        /// Right child index.
        right: u32,
    },
    /// Leaf with its additive value (log odds).
    Leaf(f32),
}

/// A boosted ensemble.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Gbt {
    /// Starting log odds.
    pub base: f32,
    /// Trees, each a node array rooted at 0.
    pub trees: Vec<Vec<Node>>,
}

/// Training options.
#[derive(Debug, Clone, Copy)]
pub struct GbtOptions {
    /// Number of trees.
    pub trees: usize,
    /// Depth of each tree.
    pub depth: usize,
    /// Shrinkage.
    pub learning_rate: f32,
    /// L2 regularisation of leaf values.
    pub lambda: f32,
    /// Least hessian weight in a leaf.
    pub min_child_weight: f32,
}

impl Default for GbtOptions {
    fn default() -> Self {
        GbtOptions {
            trees: 80,
            depth: 3,
            learning_rate: 0.1,
            lambda: 5.0,
            min_child_weight: 8.0,
        }
    }
}

impl Gbt {
    /// Log odds of one feature vector.
    pub fn logit(&self, x: &[f32]) -> f32 {
        let mut s = self.base;
        for t in &self.trees {
            let mut i = 0usize;
            loop {
                match &t[i] {
                    Node::Leaf(v) => {
                        s += v;
                        break;
                    }
                    Node::Split {
                        feature,
                        threshold,
                        left,
                        right,
                    } => {
                        let v = x.get(*feature as usize).copied().unwrap_or(0.0);
                        i = if v <= *threshold {
                            *left as usize
                        } else {
                            *right as usize
                        };
                    }
                }
            }
        }
        s
    }

    /// Fits on rows `x` with labels `y` (0/1) and sample weights `w`, boosting from the margins
    /// `margin` (log odds each row starts from; the model then learns a correction and
    /// [`Gbt::logit`] returns only that correction) or, without margins, from the base rate.
    pub fn fit(
        x: &[Vec<f32>],
        y: &[f32],
        w: &[f32],
        margin: Option<&[f32]>,
        opts: GbtOptions,
    ) -> Gbt {
        let n = x.len();
        let nf = x.first().map_or(0, Vec::len);
        // bin every feature at up to 32 quantile cut points
        let mut cuts: Vec<Vec<f32>> = Vec::with_capacity(nf);
        let mut bins: Vec<Vec<u8>> = Vec::with_capacity(nf);
        for f in 0..nf {
            let mut v: Vec<f32> = x.iter().map(|r| r[f]).collect();
            v.sort_by(f32::total_cmp);
            v.dedup();
            let c: Vec<f32> = if v.len() <= 32 {
                v.windows(2).map(|p| (p[0] + p[1]) / 2.0).collect()
            } else {
                (1..32).map(|k| v[k * v.len() / 32]).collect::<Vec<f32>>()
            };
            let b: Vec<u8> = x
                .iter()
                .map(|r| c.partition_point(|&t| t < r[f]) as u8)
                .collect();
            cuts.push(c);
            bins.push(b);
        }
        let wsum: f32 = w.iter().sum::<f32>().max(1e-6);
        let pos: f32 = y.iter().zip(w).map(|(a, b)| a * b).sum::<f32>() / wsum;
        let pos = pos.clamp(1e-3, 1.0 - 1e-3);
        let (base, mut f) = match margin {
            Some(m) => (0.0, m.to_vec()),
            None => {
                let b = (pos / (1.0 - pos)).ln();
                (b, vec![b; n])
            }
        };
        let mut trees = Vec::with_capacity(opts.trees);
        for _ in 0..opts.trees {
            let (mut g, mut h) = (vec![0.0f32; n], vec![0.0f32; n]);
            for i in 0..n {
                let p = 1.0 / (1.0 + (-f[i]).exp());
                g[i] = (p - y[i]) * w[i];
                h[i] = (p * (1.0 - p)).max(1e-6) * w[i];
            }
            let mut nodes = Vec::new();
            let idx: Vec<u32> = (0..n as u32).collect();
            grow(&mut nodes, &idx, &g, &h, &bins, &cuts, opts, 0);
            for i in 0..n {
                f[i] += leaf_of(&nodes, &bins, &cuts, i);
            }
            trees.push(nodes);
        }
        Gbt { base, trees }
    }
}

fn leaf_of(nodes: &[Node], bins: &[Vec<u8>], cuts: &[Vec<f32>], row: usize) -> f32 {
    let mut i = 0usize;
    loop {
        match &nodes[i] {
            Node::Leaf(v) => return *v,
            Node::Split {
                feature,
                threshold,
                left,
                right,
            } => {
                let f = *feature as usize;
                let b = bins[f][row] as usize;
                // bin b holds values in (cuts[b-1], cuts[b]]
                let go_left = b < cuts[f].len() && cuts[f][b] <= *threshold;
                i = if go_left {
                    *left as usize
                } else {
                    *right as usize
                };
            }
        }
    }
}

#[allow(clippy::too_many_arguments)] // a recursive helper over the training state
fn grow(
    nodes: &mut Vec<Node>,
    idx: &[u32],
    g: &[f32],
    h: &[f32],
    bins: &[Vec<u8>],
    cuts: &[Vec<f32>],
    opts: GbtOptions,
    depth: usize,
) -> u32 {
    let me = nodes.len() as u32;
    let (gs, hs): (f32, f32) = idx.iter().fold((0.0, 0.0), |(a, b), &i| {
        (a + g[i as usize], b + h[i as usize])
    });
    let leaf = -gs / (hs + opts.lambda) * opts.learning_rate;
    nodes.push(Node::Leaf(leaf));
    if depth >= opts.depth || hs < 2.0 * opts.min_child_weight {
        return me;
    }
    let parent = gs * gs / (hs + opts.lambda);
    let mut best: Option<(f32, usize, usize)> = None;
    for (f, fb) in bins.iter().enumerate() {
        let nb = cuts[f].len() + 1;
        if nb < 2 {
            continue;
        }
        let mut hg = vec![0.0f32; nb];
        let mut hh = vec![0.0f32; nb];
        for &i in idx {
            let b = fb[i as usize] as usize;
            hg[b] += g[i as usize];
            hh[b] += h[i as usize];
        }
        let (mut lg, mut lh) = (0.0, 0.0);
        for b in 0..nb - 1 {
            lg += hg[b];
            lh += hh[b];
            let (rg, rh) = (gs - lg, hs - lh);
            if lh < opts.min_child_weight || rh < opts.min_child_weight {
                continue;
            }
            let gain = lg * lg / (lh + opts.lambda) + rg * rg / (rh + opts.lambda) - parent;
            if gain > 1e-4 && best.is_none_or(|(bg, _, _)| gain > bg) {
                best = Some((gain, f, b));
            }
        }
    }
    let Some((_, f, b)) = best else { return me };
    let threshold = cuts[f][b];
    let (l, r): (Vec<u32>, Vec<u32>) = idx
        .iter()
        .partition(|&&i| (bins[f][i as usize] as usize) <= b);
    let li = grow(nodes, &l, g, h, bins, cuts, opts, depth + 1);
    let ri = grow(nodes, &r, g, h, bins, cuts, opts, depth + 1);
    nodes[me as usize] = Node::Split {
        feature: f as u16,
        threshold,
        left: li,
        right: ri,
    };
    me
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn learns_an_interaction() {
        // y = a XOR b: no additive model can, a depth-2 tree can.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..2000 {
            let a = rng.random_bool(0.5);
            let b = rng.random_bool(0.5);
            let noise: f32 = rng.random();
            x.push(vec![f32::from(u8::from(a)), f32::from(u8::from(b)), noise]);
            y.push(f32::from(u8::from(a != b)));
        }
        let w = vec![1.0; y.len()];
        let m = Gbt::fit(&x, &y, &w, None, GbtOptions::default());
        let acc = x
            .iter()
            .zip(&y)
            .filter(|(r, t)| (m.logit(r) > 0.0) == (**t > 0.5))
            .count();
        assert!(acc as f64 / y.len() as f64 > 0.98);
        let json = serde_json::to_string(&m).unwrap();
        let back: Gbt = serde_json::from_str(&json).unwrap();
        assert_eq!(back.logit(&x[0]), m.logit(&x[0]));
    }

    #[test]
    fn feature_count_matches() {
        let o = Obs {
            gamma: [0; NF],
            stratum: None,
            tf_adj: 0.0,
        };
        let sc = ClassScores { ln: [0.0; K] };
        assert_eq!(features(&o, &sc, 0).len(), n_features());
    }
}
