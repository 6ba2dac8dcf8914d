//! Clustering scored pairs into persons, resisting chaining.
//!
//! Connected components of the pairs at or above the threshold bound the clusters; inside each
//! component, average linkage merges two clusters only when the mean probability over *all*
//! pairs between them (pairs never proposed by blocking are scored now, not assumed) clears the
//! threshold, and never when any pair between them is a cannot-link (different sex,
//! incompatible birth years, clearly different mothers). So A–B and B–C links do not drag A and
//! C together unless A and C look alike too.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::compare::Prepared;
use crate::names;
use crate::record::Sex;

/// Options of the clustering.
#[derive(Debug, Clone, Copy)]
pub struct ClusterOptions {
    /// Mean probability at or above which two clusters merge.
    pub threshold: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions { threshold: 0.5 }
    }
}

/// Most years two birth dates of one person can differ by (ages given, mis-recorded years).
pub const MAX_BIRTH_YEAR_GAP: i32 = 4;

/// True when two records cannot be the same person whatever their score: both sexes known and
/// different, both birth years known and further apart than [`MAX_BIRTH_YEAR_GAP`], or both
/// mothers' given names known and clearly different.
pub fn cannot_link(a: &Prepared, b: &Prepared) -> bool {
    if let (Some(x), Some(y)) = (a.sex, b.sex)
        && x != y
        && matches!((x, y), (Sex::M, Sex::F) | (Sex::F, Sex::M))
    {
        return true;
    }
    if let (Some(x), Some(y)) = (a.birth.year, b.birth.year)
        && (x - y).abs() > MAX_BIRTH_YEAR_GAP
    {
        return true;
    }
    let (ma, mb) = (&a.roles[4], &b.roles[4]);
    if let (Some(x), Some(y)) = (ma.units.first(), mb.units.first())
        && !ma
            .units
            .iter()
            .any(|u| mb.units.iter().any(|v| names::units_close(u, v)))
        && names::skel_distance(&x.skel_text, &y.skel_text) >= 2.0
    {
        return true;
    }
    false
}

struct Dsu {
    p: Vec<u32>,
}

impl Dsu {
    fn new(n: usize) -> Self {
        Dsu {
            p: (0..n as u32).collect(),
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.p[x as usize] != x {
            let g = self.p[self.p[x as usize] as usize];
            self.p[x as usize] = g;
            x = g;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            self.p[hi as usize] = lo;
        }
    }
}

/// A merge candidate in the heap: mean probability between two clusters, with the versions
/// of both clusters when it was computed (stale entries are skipped).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    avg: f32,
    a: usize,
    b: usize,
    va: u32,
    vb: u32,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.avg
            .total_cmp(&o.avg)
            .then_with(|| o.a.cmp(&self.a))
            .then_with(|| o.b.cmp(&self.b))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// Average linkage over one component, driven by a heap of candidate merges: only clusters
/// joined by at least one pair at or above the threshold are candidates, and a merge happens
/// only when the mean over *all* their record pairs clears the threshold and no pair between
/// them is a cannot-link. Returns the clusters as lists of global record indices.
fn average_linkage<F, C>(
    members: &[u32],
    edges: &[(u32, u32, f32)],
    score: &F,
    cannot: &C,
    t: f64,
) -> Vec<Vec<u32>>
where
    F: Fn(u32, u32) -> f32,
    C: Fn(u32, u32) -> bool,
{
    let n = members.len();
    let pos: HashMap<u32, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let key = |x: usize, y: usize| if x < y { (x, y) } else { (y, x) };
    let mut known: HashMap<(usize, usize), f32> = HashMap::with_capacity(edges.len() * 2);
    let mut nbr: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b, p) in edges {
        if let (Some(&x), Some(&y)) = (pos.get(&a), pos.get(&b)) {
            known.insert(key(x, y), p);
            if f64::from(p) >= t {
                nbr[x].push(y);
                nbr[y].push(x);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut alive = vec![true; n];
    let mut version = vec![0u32; n];
    let mut heap = std::collections::BinaryHeap::new();
    for x in 0..n {
        nbr[x].sort_unstable();
        nbr[x].dedup();
        for &y in &nbr[x] {
            if x < y {
                let p = known[&key(x, y)];
                if !cannot(members[x], members[y]) {
                    heap.push(Candidate {
                        avg: p,
                        a: x,
                        b: y,
                        va: 0,
                        vb: 0,
                    });
                }
            }
        }
    }
    // mean probability between two clusters, None when a cannot-link separates them
    let mean =
        |ga: &[usize], gb: &[usize], known: &mut HashMap<(usize, usize), f32>| -> Option<f32> {
            let mut sum = 0.0f64;
            for &x in ga {
                for &y in gb {
                    if cannot(members[x], members[y]) {
                        return None;
                    }
                    let p = *known
                        .entry(key(x, y))
                        .or_insert_with(|| score(members[x], members[y]));
                    sum += f64::from(p);
                }
            }
            Some((sum / (ga.len() * gb.len()) as f64) as f32)
        };
    while let Some(c) = heap.pop() {
        if f64::from(c.avg) < t {
            break;
        }
        if !alive[c.a] || !alive[c.b] || version[c.a] != c.va || version[c.b] != c.vb {
            continue;
        }
        // merge b into a
        let (a, b) = (c.a, c.b);
        let gb = std::mem::take(&mut groups[b]);
        groups[a].extend(gb);
        alive[b] = false;
        version[a] += 1;
        let mut around: Vec<usize> = nbr[a]
            .iter()
            .chain(nbr[b].iter())
            .copied()
            .filter(|&z| z != a && z != b && alive[z])
            .collect();
        around.sort_unstable();
        around.dedup();
        for &z in &around {
            for v in nbr[z].iter_mut() {
                if *v == b {
                    *v = a;
                }
            }
            nbr[z].sort_unstable();
            nbr[z].dedup();
        }
        nbr[a] = around.clone();
        nbr[b].clear();
        for z in around {
            let ga = groups[a].clone();
            if let Some(avg) = mean(&ga, &groups[z], &mut known)
                && f64::from(avg) >= t
            {
                let (x, y) = if a < z { (a, z) } else { (z, a) };
                heap.push(Candidate {
                    avg,
                    a: x,
                    b: y,
                    va: version[x],
                    vb: version[y],
                });
            }
        }
    }
    groups
        .into_iter()
        .zip(alive)
        .filter(|(_, al)| *al)
        .map(|(g, _)| g.into_iter().map(|i| members[i]).collect())
        .collect()
}

/// Clusters `n` records from scored pairs `(i, j, probability)`. `score(i, j)` scores a pair
/// that blocking did not propose; `cannot(i, j)` says two records cannot be one person.
/// Returns a cluster id per record, numbered from 0 in order of each cluster's first record.
pub fn cluster<F, C>(
    n: usize,
    edges: &[(u32, u32, f32)],
    score: F,
    cannot: C,
    opts: ClusterOptions,
) -> Vec<u32>
where
    F: Fn(u32, u32) -> f32 + Sync,
    C: Fn(u32, u32) -> bool + Sync,
{
    let t = opts.threshold;
    let mut dsu = Dsu::new(n);
    for &(a, b, p) in edges {
        if f64::from(p) >= t {
            dsu.union(a, b);
        }
    }
    let roots: Vec<u32> = (0..n as u32).map(|i| dsu.find(i)).collect();
    let mut comps: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, &r) in roots.iter().enumerate() {
        comps.entry(r).or_default().push(i as u32);
    }
    comps.retain(|_, m| m.len() > 1);
    let mut comp_edges: HashMap<u32, Vec<(u32, u32, f32)>> = HashMap::new();
    for &(a, b, p) in edges {
        let r = roots[a as usize];
        if r == roots[b as usize] && comps.contains_key(&r) {
            comp_edges.entry(r).or_default().push((a, b, p));
        }
    }
    let mut multi: Vec<(u32, Vec<u32>)> = comps.into_iter().collect();
    // biggest first, so one large component does not finish last on one core
    multi.sort_by_key(|(r, m)| (std::cmp::Reverse(m.len()), *r));
    let empty = Vec::new();
    let merged: Vec<Vec<Vec<u32>>> = multi
        .par_iter()
        .map(|(r, members)| {
            average_linkage(
                members,
                comp_edges.get(r).unwrap_or(&empty),
                &score,
                &cannot,
                t,
            )
        })
        .collect();
    let mut rep: Vec<u32> = (0..n as u32).collect();
    for groups in merged {
        for g in groups {
            let min = g.iter().copied().min().unwrap_or(0);
            for x in g {
                rep[x as usize] = min;
            }
        }
    }
    let mut id: HashMap<u32, u32> = HashMap::new();
    let mut out = vec![0u32; n];
    for i in 0..n {
        let k = id.len() as u32;
        out[i] = *id.entry(rep[i]).or_insert(k);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chain_is_not_merged() {
        // A–B 0.9, B–C 0.9, A–C scored 0.0: average linkage keeps C apart.
        let edges = [(0, 1, 0.9), (1, 2, 0.9)];
        let c = cluster(
            3,
            &edges,
            |_, _| 0.0,
            |_, _| false,
            ClusterOptions::default(),
        );
        assert_eq!(c[0], c[1]);
        assert_ne!(c[1], c[2]);
        // connected components would have merged all three; with A–C at 0.8 they do merge
        let c = cluster(
            3,
            &edges,
            |_, _| 0.8,
            |_, _| false,
            ClusterOptions::default(),
        );
        assert!(c[0] == c[1] && c[1] == c[2]);
    }

    #[test]
    fn cannot_link_blocks_a_merge() {
        let edges = [(0, 1, 0.99)];
        let c = cluster(
            2,
            &edges,
            |_, _| 0.0,
            |_, _| true,
            ClusterOptions::default(),
        );
        assert_ne!(c[0], c[1]);
    }

    proptest! {
        #[test]
        fn every_record_in_exactly_one_cluster_and_no_cannot_link_inside(
            n in 1usize..40,
            raw in proptest::collection::vec((0u32..40, 0u32..40, 0.0f32..1.0), 0..120),
            forbid in proptest::collection::vec((0u32..40, 0u32..40), 0..20),
        ) {
            let edges: Vec<(u32, u32, f32)> = raw
                .into_iter()
                .filter(|(a, b, _)| (*a as usize) < n && (*b as usize) < n && a != b)
                .map(|(a, b, p)| (a.min(b), a.max(b), p))
                .collect();
            let forbid: std::collections::HashSet<(u32, u32)> =
                forbid.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect();
            let cannot = |a: u32, b: u32| forbid.contains(&(a.min(b), a.max(b)));
            let opts = ClusterOptions { threshold: 0.5 };
            let c = cluster(n, &edges, |a, b| ((a * 7 + b * 3) % 10) as f32 / 10.0, cannot, opts);
            prop_assert_eq!(c.len(), n);
            let k = c.iter().copied().max().map_or(0, |m| m as usize + 1);
            // ids are dense 0..k
            let mut seen = vec![false; k];
            for &x in &c { seen[x as usize] = true; }
            prop_assert!(seen.iter().all(|&s| s));
            for &(a, b) in &forbid {
                if a != b && (a as usize) < n && (b as usize) < n {
                    prop_assert_ne!(c[a as usize], c[b as usize]);
                }
            }
        }
    }
}
