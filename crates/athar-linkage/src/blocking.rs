//! Blocking: which pairs of records are compared at all.
//!
//! Several rules in union, each a key computed from one record; two records sharing a key of the
//! same rule become a candidate pair. Blocks larger than a cap are skipped (their pairs are
//! found by the tighter rules), which bounds the number of pairs and the memory.
//!
//! Keys are plain `u64` (the rule is mixed into the key), so a store can index them in one
//! column and find the candidates of a new record with one indexed query.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::Prepared;
use crate::text::combine;

/// A blocking rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rule {
    /// Skeletons of given and father's names.
    GivenFather,
    /// Skeletons of given and family names.
    GivenFamily,
    /// Skeleton of the given name and the birth year.
    GivenBirthYear,
    /// Skeletons of family and mother's names.
    FamilyMother,
    /// Skeletons of father's and mother's names.
    FatherMother,
    /// Skeletons of given and mother's names.
    GivenMother,
    /// Skeletons of given and grandfather's names.
    GivenGrandfather,
    /// Skeletons of father's and family names and the birth year.
    FatherFamilyBirthYear,
    /// Skeletons of father's and family names (given name missing or misspelt).
    FatherFamily,
    /// Skeleton of the family name and the birth year.
    FamilyBirthYear,
    /// The full date of birth (day known).
    BirthDate,
    /// Prison number.
    PrisonNumber,
    /// National ID.
    NationalId,
    /// Any two name units of the record, role ignored (parts in the wrong fields).
    UnitPair,
}

/// All rules, in report order.
pub const RULES: [Rule; 14] = [
    Rule::GivenFather,
    Rule::GivenFamily,
    Rule::GivenBirthYear,
    Rule::FamilyMother,
    Rule::FatherMother,
    Rule::GivenMother,
    Rule::GivenGrandfather,
    Rule::FatherFamilyBirthYear,
    Rule::FatherFamily,
    Rule::FamilyBirthYear,
    Rule::BirthDate,
    Rule::PrisonNumber,
    Rule::NationalId,
    Rule::UnitPair,
];

impl Rule {
    /// Indices (in [`crate::compare::FIELDS`]) of the fields this rule blocks on.
    pub fn fields(self) -> &'static [usize] {
        match self {
            Rule::GivenFather => &[0, 1],
            Rule::GivenFamily => &[0, 3],
            Rule::GivenBirthYear => &[0, 7],
            Rule::FamilyMother => &[3, 4],
            Rule::FatherMother => &[1, 4],
            Rule::GivenMother => &[0, 4],
            Rule::GivenGrandfather => &[0, 2],
            Rule::FatherFamilyBirthYear => &[1, 3, 7],
            Rule::FatherFamily => &[1, 3],
            Rule::FamilyBirthYear => &[3, 7],
            Rule::BirthDate => &[7],
            Rule::PrisonNumber => &[12],
            Rule::NationalId => &[11],
            Rule::UnitPair => &[0, 1, 2, 3, 4, 5, 6],
        }
    }

    /// Stable short name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::GivenFather => "given+father",
            Rule::GivenFamily => "given+family",
            Rule::GivenBirthYear => "given+birth_year",
            Rule::FamilyMother => "family+mother",
            Rule::FatherMother => "father+mother",
            Rule::GivenMother => "given+mother",
            Rule::GivenGrandfather => "given+grandfather",
            Rule::FatherFamilyBirthYear => "father+family+birth_year",
            Rule::FatherFamily => "father+family",
            Rule::FamilyBirthYear => "family+birth_year",
            Rule::BirthDate => "birth_date",
            Rule::PrisonNumber => "prison_number",
            Rule::NationalId => "national_id",
            Rule::UnitPair => "any_two_name_units",
        }
    }

    /// Stable id mixed into the keys (never reuse or renumber: stores keep keys).
    fn id(self) -> u64 {
        match self {
            Rule::GivenFather => 1,
            Rule::GivenFamily => 2,
            Rule::GivenBirthYear => 3,
            Rule::FamilyMother => 4,
            Rule::FatherMother => 5,
            Rule::GivenMother => 6,
            Rule::GivenGrandfather => 7,
            Rule::FatherFamilyBirthYear => 8,
            Rule::PrisonNumber => 9,
            Rule::NationalId => 10,
            Rule::UnitPair => 11,
            Rule::FatherFamily => 12,
            Rule::FamilyBirthYear => 13,
            Rule::BirthDate => 14,
        }
    }

    /// Largest block this rule compares in full.
    pub fn cap(self, base: usize) -> usize {
        match self {
            Rule::PrisonNumber | Rule::NationalId => base.max(8) / 4,
            Rule::UnitPair => base / 2,
            _ => base,
        }
    }
}

/// One blocking key of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockKey {
    /// The rule that made it.
    pub rule: Rule,
    /// The key, rule included: equal keys mean the same rule and the same values.
    pub key: u64,
}

fn k(rule: Rule, parts: &[u64]) -> BlockKey {
    let mut h = rule.id().wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &p in parts {
        h = combine(h, p);
    }
    BlockKey { rule, key: h }
}

/// The blocking keys of a prepared record, for every rule that applies to it.
pub fn keys(p: &Prepared) -> Vec<BlockKey> {
    let mut out = Vec::with_capacity(24);
    let role = |i: usize| p.roles[i].first_skel();
    let whole = |i: usize| {
        if p.roles[i].is_empty() {
            None
        } else {
            Some(p.roles[i].skel_key())
        }
    };
    let (given, father, gf, family, mother) = (role(0), role(1), role(2), whole(3), role(4));
    let by = p.birth.year.map(|y| y as u64);
    let pairs: [(Rule, Option<u64>, Option<u64>); 9] = [
        (Rule::FamilyBirthYear, family, by),
        (Rule::FatherFamily, father, family),
        (Rule::GivenFather, given, father),
        (Rule::GivenFamily, given, family),
        (Rule::GivenBirthYear, given, by),
        (Rule::FamilyMother, family, mother),
        (Rule::FatherMother, father, mother),
        (Rule::GivenMother, given, mother),
        (Rule::GivenGrandfather, given, gf),
    ];
    for (rule, a, b) in pairs {
        if let (Some(a), Some(b)) = (a, b) {
            out.push(k(rule, &[a, b]));
        }
    }
    if let (Some(f), Some(fa), Some(y)) = (father, family, by) {
        out.push(k(Rule::FatherFamilyBirthYear, &[f, fa, y]));
    }
    if let (Some(y), Some(m), Some(d)) = (p.birth.year, p.birth.month, p.birth.day) {
        out.push(k(Rule::BirthDate, &[y as u64, u64::from(m), u64::from(d)]));
    }
    if let Some(n) = p.prison_number {
        out.push(k(Rule::PrisonNumber, &[n]));
    }
    if let Some(n) = p.national_id {
        out.push(k(Rule::NationalId, &[n]));
    }
    // Unit pairs, role ignored; at most the first 6 units (sorted by hash, so order-free).
    let units = &p.unit_set[..p.unit_set.len().min(6)];
    for i in 0..units.len() {
        for j in i + 1..units.len() {
            out.push(k(Rule::UnitPair, &[units[i], units[j]]));
        }
    }
    out
}

/// Blocking statistics of one rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleReport {
    /// The rule's name.
    pub rule: String,
    /// Pairs the rule proposes (before the union removes duplicates).
    pub pairs: u64,
    /// Blocks skipped because they exceeded the cap.
    pub skipped_blocks: u64,
    /// Records sitting in skipped blocks.
    pub skipped_records: u64,
    /// Fraction of true pairs the rule proposes (when truth is known).
    pub true_pair_recall: Option<f64>,
}

/// Blocking statistics of a run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlockingReport {
    /// One entry per rule.
    pub rules: Vec<RuleReport>,
    /// Distinct candidate pairs of the union.
    pub pairs: u64,
    /// Fraction of true pairs in the union (when truth is known).
    pub true_pair_recall: Option<f64>,
}

/// Per-rule samples of pairs.
pub type RuleSamples = Vec<(Rule, Vec<PairCode>)>;

/// Pair of record indices, `i < j`, packed as `i << 32 | j`.
pub type PairCode = u64;

/// Packs a pair.
pub fn pack(i: u32, j: u32) -> PairCode {
    let (a, b) = if i < j { (i, j) } else { (j, i) };
    (u64::from(a) << 32) | u64::from(b)
}

/// Unpacks a pair.
pub fn unpack(c: PairCode) -> (u32, u32) {
    ((c >> 32) as u32, c as u32)
}

fn rule_pairs(entries: &mut [(u64, u32)], cap: usize, rep: &mut RuleReport) -> Vec<PairCode> {
    entries.par_sort_unstable();
    let mut out = Vec::new();
    let mut s = 0;
    while s < entries.len() {
        let mut e = s + 1;
        while e < entries.len() && entries[e].0 == entries[s].0 {
            e += 1;
        }
        let n = e - s;
        if n > cap {
            rep.skipped_blocks += 1;
            rep.skipped_records += n as u64;
        } else if n > 1 {
            for a in s..e {
                for b in a + 1..e {
                    if entries[a].1 != entries[b].1 {
                        out.push(pack(entries[a].1, entries[b].1));
                    }
                }
            }
        }
        s = e;
    }
    rep.pairs = out.len() as u64;
    out
}

/// Candidate pairs of all rules in union, sorted and distinct, with the per-rule report.
/// `truth` (a person id per record), when given, fills in the recall figures.
pub fn candidate_pairs(
    prepared: &[Prepared],
    cap: usize,
    truth: Option<&[u64]>,
) -> (Vec<PairCode>, BlockingReport) {
    let (u, r, _) = candidate_pairs_sampled(prepared, cap, truth, 0);
    (u, r)
}

/// [`candidate_pairs`], also returning for each rule an evenly spread sample of up to
/// `per_rule` of its own pairs (for per-rule EM sessions).
pub fn candidate_pairs_sampled(
    prepared: &[Prepared],
    cap: usize,
    truth: Option<&[u64]>,
    per_rule: usize,
) -> (Vec<PairCode>, BlockingReport, RuleSamples) {
    let mut samples = Vec::new();
    let all_keys: Vec<Vec<BlockKey>> = prepared.par_iter().map(keys).collect();
    let true_pairs = truth.map(count_true_pairs);
    let mut union: Vec<PairCode> = Vec::new();
    let mut report = BlockingReport::default();
    for rule in RULES {
        let mut entries: Vec<(u64, u32)> = all_keys
            .iter()
            .enumerate()
            .flat_map(|(i, ks)| {
                ks.iter()
                    .filter(|k| k.rule == rule)
                    .map(move |k| (k.key, i as u32))
            })
            .collect();
        let mut rep = RuleReport {
            rule: rule.name().to_string(),
            ..RuleReport::default()
        };
        let mut pairs = rule_pairs(&mut entries, rule.cap(cap), &mut rep);
        drop(entries);
        if let (Some(t), Some(tp)) = (truth, true_pairs) {
            pairs.par_sort_unstable();
            pairs.dedup();
            let hit = pairs.iter().filter(|&&c| is_true(t, c)).count();
            rep.true_pair_recall = Some(ratio(hit as u64, tp));
        }
        if per_rule > 0 && !pairs.is_empty() {
            let step = (pairs.len() as f64 / per_rule as f64).max(1.0);
            let n = pairs.len().min(per_rule);
            samples.push((
                rule,
                (0..n).map(|k| pairs[(k as f64 * step) as usize]).collect(),
            ));
        }
        union.extend_from_slice(&pairs);
        if union.len() > 64_000_000 {
            union.par_sort_unstable();
            union.dedup();
        }
        report.rules.push(rep);
    }
    union.par_sort_unstable();
    union.dedup();
    report.pairs = union.len() as u64;
    if let (Some(t), Some(tp)) = (truth, true_pairs) {
        let hit = union.iter().filter(|&&c| is_true(t, c)).count();
        report.true_pair_recall = Some(ratio(hit as u64, tp));
    }
    (union, report, samples)
}

/// Candidate pairs that touch at least one of the first `n_new` records (incremental
/// matching: records `0..n_new` are new, the rest are stored), sorted and distinct. Blocks and
/// caps as in [`candidate_pairs`] (a block's size counts stored and new records), but pairs of
/// two stored records are never generated: inside a block sorted by record index, the new
/// records come first, and each is paired with every record after it.
pub fn candidate_pairs_touching(
    prepared: &[Prepared],
    n_new: usize,
    cap: usize,
) -> (Vec<PairCode>, BlockingReport) {
    let all_keys: Vec<Vec<BlockKey>> = prepared.par_iter().map(keys).collect();
    let n_new = n_new.min(prepared.len()) as u32;
    let mut union: Vec<PairCode> = Vec::new();
    let mut report = BlockingReport::default();
    for rule in RULES {
        let mut entries: Vec<(u64, u32)> = all_keys
            .iter()
            .enumerate()
            .flat_map(|(i, ks)| {
                ks.iter()
                    .filter(|k| k.rule == rule)
                    .map(move |k| (k.key, i as u32))
            })
            .collect();
        entries.par_sort_unstable();
        let mut rep = RuleReport {
            rule: rule.name().to_string(),
            ..RuleReport::default()
        };
        let cap = rule.cap(cap);
        let before = union.len();
        let mut s = 0;
        while s < entries.len() {
            let mut e = s + 1;
            while e < entries.len() && entries[e].0 == entries[s].0 {
                e += 1;
            }
            let n = e - s;
            if entries[s].1 >= n_new {
                // no new record in this block
            } else if n > cap {
                rep.skipped_blocks += 1;
                rep.skipped_records += n as u64;
            } else {
                for a in s..e {
                    if entries[a].1 >= n_new {
                        break;
                    }
                    for b in a + 1..e {
                        if entries[a].1 != entries[b].1 {
                            union.push(pack(entries[a].1, entries[b].1));
                        }
                    }
                }
            }
            s = e;
        }
        rep.pairs = (union.len() - before) as u64;
        drop(entries);
        if union.len() > 64_000_000 {
            union.par_sort_unstable();
            union.dedup();
        }
        report.rules.push(rep);
    }
    union.par_sort_unstable();
    union.dedup();
    report.pairs = union.len() as u64;
    (union, report)
}

fn is_true(t: &[u64], c: PairCode) -> bool {
    let (i, j) = unpack(c);
    t[i as usize] == t[j as usize]
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Number of pairs of records sharing a person id.
pub fn count_true_pairs(t: &[u64]) -> u64 {
    let mut v = t.to_vec();
    v.sort_unstable();
    let mut total = 0u64;
    let mut s = 0;
    while s < v.len() {
        let mut e = s + 1;
        while e < v.len() && v[e] == v[s] {
            e += 1;
        }
        let n = (e - s) as u64;
        total += n * (n - 1) / 2;
        s = e;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::LinkRecord;

    fn prep(first: &str, father: &str, family: &str) -> Prepared {
        Prepared::new(&LinkRecord {
            first_name: first.into(),
            father_name: father.into(),
            family_name: family.into(),
            ..LinkRecord::default()
        })
    }

    #[test]
    fn cross_script_records_share_keys() {
        let a = keys(&prep("محمد", "أحمد", "الخطيب"));
        let b = keys(&prep("Mohammed", "Ahmad", "Al-Khatib"));
        assert!(
            a.iter()
                .any(|k| k.rule == Rule::GivenFather && b.contains(k))
        );
        assert!(
            a.iter()
                .any(|k| k.rule == Rule::GivenFamily && b.contains(k))
        );
    }

    #[test]
    fn swapped_fields_meet_in_unit_pairs() {
        let a = keys(&prep("Khaled", "Omar", "Haddad"));
        let b = keys(&prep("Haddad", "Khaled", "Omar"));
        assert!(a.iter().any(|k| k.rule == Rule::UnitPair && b.contains(k)));
    }

    #[test]
    fn union_and_caps() {
        let recs: Vec<Prepared> = (0..10).map(|_| prep("Ali", "Hasan", "Zein")).collect();
        let truth: Vec<u64> = (0..10).map(|i| i / 2).collect();
        let (pairs, rep) = candidate_pairs(&recs, 100, Some(&truth));
        assert_eq!(pairs.len(), 45);
        assert_eq!(rep.true_pair_recall, Some(1.0));
        let (pairs, rep) = candidate_pairs(&recs, 5, Some(&truth));
        assert!(pairs.is_empty());
        assert!(rep.rules[0].skipped_blocks == 1);
    }

    #[test]
    fn pack_roundtrip() {
        assert_eq!(unpack(pack(7, 3)), (3, 7));
    }
}
