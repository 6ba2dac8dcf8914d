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
    /// Skeleton of the given name and the month of detention (or of last sight): a sparse
    /// record often shares little more than a given name and the day of the arrest.
    GivenDetentionMonth,
    /// Skeleton of the given name with the day and month of birth (the year mistyped).
    GivenBirthDay,
    /// Skeleton of the family name with the day and month of birth (the year mistyped).
    FamilyBirthDay,
    /// Skeletons of given and family names and the birth year: splits the given+family,
    /// given+birth_year and family+birth_year blocks of common names, which exceed their
    /// caps on national-size lists.
    GivenFamilyBirthYear,
    /// Skeletons of given, father's and family names (no birth year needed).
    GivenFatherFamily,
    /// Skeletons of given and father's names and the birth year.
    GivenFatherBirthYear,
    /// Skeletons of given and family names and the month of detention (or of last sight).
    GivenFamilyDetentionMonth,
    /// The names crate's term keys (the attested name, else its skeleton, in any script) of
    /// given, father's and family names: a Latin spelling whose skeleton differs from the
    /// Arabic one's (a vowel read as a consonant, a Turkish reading) still meets it.
    TermGivenFatherFamily,
    /// The names crate's term keys of given and family names, and the birth year.
    TermGivenFamilyBirthYear,
    /// The names crate's term keys of given and family names, and the month of detention.
    TermGivenFamilyDetentionMonth,
}

/// All rules, in report order.
pub const RULES: [Rule; 24] = [
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
    Rule::GivenDetentionMonth,
    Rule::GivenBirthDay,
    Rule::FamilyBirthDay,
    Rule::GivenFamilyBirthYear,
    Rule::GivenFatherFamily,
    Rule::GivenFatherBirthYear,
    Rule::GivenFamilyDetentionMonth,
    Rule::TermGivenFatherFamily,
    Rule::TermGivenFamilyBirthYear,
    Rule::TermGivenFamilyDetentionMonth,
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
            Rule::GivenDetentionMonth => &[0, 13],
            Rule::GivenBirthDay => &[0, 7],
            Rule::FamilyBirthDay => &[3, 7],
            Rule::GivenFamilyBirthYear => &[0, 3, 7],
            Rule::GivenFatherFamily => &[0, 1, 3],
            Rule::GivenFatherBirthYear => &[0, 1, 7],
            Rule::GivenFamilyDetentionMonth => &[0, 3, 13],
            Rule::TermGivenFatherFamily => &[0, 1, 3],
            Rule::TermGivenFamilyBirthYear => &[0, 3, 7],
            Rule::TermGivenFamilyDetentionMonth => &[0, 3, 13],
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
            Rule::GivenDetentionMonth => "given+detention_month",
            Rule::GivenBirthDay => "given+birth_day_month",
            Rule::FamilyBirthDay => "family+birth_day_month",
            Rule::GivenFamilyBirthYear => "given+family+birth_year",
            Rule::GivenFatherFamily => "given+father+family",
            Rule::GivenFatherBirthYear => "given+father+birth_year",
            Rule::GivenFamilyDetentionMonth => "given+family+detention_month",
            Rule::TermGivenFatherFamily => "term:given+father+family",
            Rule::TermGivenFamilyBirthYear => "term:given+family+birth_year",
            Rule::TermGivenFamilyDetentionMonth => "term:given+family+detention_month",
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
            Rule::GivenDetentionMonth => 15,
            Rule::GivenBirthDay => 16,
            Rule::FamilyBirthDay => 17,
            Rule::GivenFamilyBirthYear => 18,
            Rule::GivenFatherFamily => 19,
            Rule::GivenFatherBirthYear => 20,
            Rule::GivenFamilyDetentionMonth => 21,
            Rule::TermGivenFatherFamily => 22,
            Rule::TermGivenFamilyBirthYear => 23,
            Rule::TermGivenFamilyDetentionMonth => 24,
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
    if let (Some(g), Some(fa), Some(y)) = (given, family, by) {
        out.push(k(Rule::GivenFamilyBirthYear, &[g, fa, y]));
    }
    if let (Some(g), Some(f), Some(fa)) = (given, father, family) {
        out.push(k(Rule::GivenFatherFamily, &[g, f, fa]));
    }
    if let (Some(g), Some(f), Some(y)) = (given, father, by) {
        out.push(k(Rule::GivenFatherBirthYear, &[g, f, y]));
    }
    if let (Some(g), Some(y), Some(m)) = (given, p.detention.year, p.detention.month) {
        if let Some(fa) = family {
            out.push(k(
                Rule::GivenFamilyDetentionMonth,
                &[g, fa, (y as u64) * 12 + u64::from(m)],
            ));
        }
        out.push(k(
            Rule::GivenDetentionMonth,
            &[g, (y as u64) * 12 + u64::from(m)],
        ));
    }
    if let (Some(y), Some(m), Some(d)) = (p.birth.year, p.birth.month, p.birth.day) {
        out.push(k(Rule::BirthDate, &[y as u64, u64::from(m), u64::from(d)]));
        // a year off by one (or mistyped) keeps the day and month
        let day = u64::from(m) * 32 + u64::from(d);
        if let Some(g) = given {
            out.push(k(Rule::GivenBirthDay, &[g, day]));
        }
        if let Some(f) = family {
            out.push(k(Rule::FamilyBirthDay, &[f, day]));
        }
    }
    let term = |i: usize| (!p.roles[i].is_empty()).then(|| p.roles[i].term_key());
    if let (Some(g), Some(fa)) = (term(0), term(3)) {
        if let Some(f) = term(1) {
            out.push(k(Rule::TermGivenFatherFamily, &[g, f, fa]));
        }
        if let Some(y) = by {
            out.push(k(Rule::TermGivenFamilyBirthYear, &[g, fa, y]));
        }
        if let (Some(y), Some(m)) = (p.detention.year, p.detention.month) {
            out.push(k(
                Rule::TermGivenFamilyDetentionMonth,
                &[g, fa, (y as u64) * 12 + u64::from(m)],
            ));
        }
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

/// Candidate pairs of all rules in union, sorted and distinct, with the per-rule report, as
/// one list. `truth` (a person id per record), when given, fills in the recall figures. The
/// engine enumerates the same pairs block by block ([`Blocks`]); this list is the reference
/// its tests compare against.
pub fn candidate_pairs(
    prepared: &[Prepared],
    cap: usize,
    truth: Option<&[u64]>,
) -> (Vec<PairCode>, BlockingReport) {
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
    (union, report)
}

/// Bits of a block code below the rule's position (see [`Blocks`]).
const RULE_SHIFT: u32 = 56;

/// The block code of a key: the rule's position in [`RULES`] above the key's high bits, so that
/// codes sort rule by rule.
fn block_code(rule: Rule, key: u64) -> u64 {
    let pos = RULES.iter().position(|&r| r == rule).unwrap_or(0) as u64;
    (pos << RULE_SHIFT) | (key >> (64 - RULE_SHIFT))
}

/// The blocks of every rule, enumerated block by block: the pairs of one block are compared
/// while its records sit in the processor's caches, and no list of all candidate pairs is ever
/// built (at 500k persons that list held 58 million pairs and its sort took seconds).
///
/// A pair belongs to the first block, in code order, that holds both its records, so the union
/// of the rules yields each pair once: the same set as [`candidate_pairs`].
#[derive(Debug, Clone)]
pub struct Blocks {
    /// `(code, record)` of every member of every block within its rule's cap, sorted.
    entries: Vec<(u64, u32)>,
    /// Entry ranges of the blocks, in code order.
    blocks: Vec<(usize, usize)>,
    /// Per record, the codes of its blocks in ascending order: `codes[offs[i]..offs[i + 1]]`.
    offs: Vec<usize>,
    codes: Vec<u64>,
    /// Records below this index are new: [`Blocks::for_each_pair`] yields only pairs touching
    /// one ([`Blocks::touching`]); `u32::MAX` for a whole list.
    n_new: u32,
    /// Per-rule figures: pairs proposed (before the union), blocks and records skipped.
    pub report: BlockingReport,
}

impl Blocks {
    /// Computes every record's keys and groups them into blocks; blocks larger than their
    /// rule's cap (see [`Rule::cap`]) are skipped and counted in the report.
    pub fn new(prepared: &[Prepared], cap: usize) -> Blocks {
        Blocks::build(prepared, cap, u32::MAX)
    }

    /// The blocks of incremental matching: records `0..n_new` are new, the rest stored. Only
    /// blocks holding a new record are kept (a block's size, for its cap, counts both), and
    /// [`Blocks::for_each_pair`] yields only pairs touching a new record — never two stored
    /// records. The report counts those pairs.
    pub fn touching(prepared: &[Prepared], n_new: usize, cap: usize) -> Blocks {
        Blocks::build(
            prepared,
            cap,
            u32::try_from(n_new.min(prepared.len())).unwrap_or(u32::MAX),
        )
    }

    fn build(prepared: &[Prepared], cap: usize, n_new: u32) -> Blocks {
        let n = prepared.len();
        let mut all: Vec<(u64, u32)> = prepared
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, p)| {
                let mut codes: Vec<u64> =
                    keys(p).iter().map(|k| block_code(k.rule, k.key)).collect();
                codes.sort_unstable();
                codes.dedup();
                codes.into_iter().map(move |c| (c, i as u32))
            })
            .collect();
        all.par_sort_unstable();
        let mut report = BlockingReport {
            rules: RULES
                .iter()
                .map(|r| RuleReport {
                    rule: r.name().to_string(),
                    ..RuleReport::default()
                })
                .collect(),
            ..BlockingReport::default()
        };
        // Keep the blocks within their caps, compacted in place.
        let mut blocks = Vec::new();
        let (mut s, mut w) = (0, 0);
        while s < all.len() {
            let code = all[s].0;
            let mut e = s + 1;
            while e < all.len() && all[e].0 == code {
                e += 1;
            }
            let pos = (code >> RULE_SHIFT) as usize;
            let rep = &mut report.rules[pos];
            let m = e - s;
            // members are sorted by index: the first is new when any is
            if all[s].1 >= n_new {
                // no new record: nothing to compare
            } else if m > RULES[pos].cap(cap) {
                rep.skipped_blocks += 1;
                rep.skipped_records += m as u64;
            } else if m > 1 {
                let fresh = all[s..e].iter().filter(|x| x.1 < n_new).count();
                rep.pairs += (fresh * (m - fresh) + fresh * (fresh - 1) / 2) as u64;
                all.copy_within(s..e, w);
                blocks.push((w, w + m));
                w += m;
            }
            s = e;
        }
        all.truncate(w);
        all.shrink_to_fit();
        let entries = all;
        // Entries are in code order, so each record's codes arrive ascending.
        let mut offs = vec![0usize; n + 1];
        for &(_, i) in &entries {
            offs[i as usize + 1] += 1;
        }
        for i in 0..n {
            offs[i + 1] += offs[i];
        }
        let mut fill: Vec<usize> = offs[..n].to_vec();
        let mut codes = vec![0u64; entries.len()];
        for &(c, i) in &entries {
            codes[fill[i as usize]] = c;
            fill[i as usize] += 1;
        }
        Blocks {
            entries,
            blocks,
            offs,
            codes,
            n_new,
            report,
        }
    }

    /// Number of blocks compared.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// True when no block holds two records.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Pairs the rules propose, duplicates across and within rules included.
    pub fn proposed(&self) -> u64 {
        self.report.rules.iter().map(|r| r.pairs).sum()
    }

    fn codes_of(&self, i: u32) -> &[u64] {
        &self.codes[self.offs[i as usize]..self.offs[i as usize + 1]]
    }

    /// True when no block with a code in `from..code` holds both `i` and `j`.
    fn first(&self, i: u32, j: u32, code: u64, from: u64) -> bool {
        let (a, b) = (self.codes_of(i), self.codes_of(j));
        let (mut x, mut y) = (
            a.partition_point(|&c| c < from),
            b.partition_point(|&c| c < from),
        );
        while x < a.len() && y < b.len() {
            let (u, v) = (a[x], b[y]);
            if u >= code || v >= code {
                return true;
            }
            match u.cmp(&v) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => return false,
            }
        }
        true
    }

    /// True when some block holds both `i` and `j`.
    pub fn holds(&self, i: u32, j: u32) -> bool {
        !self.first(i, j, u64::MAX, 0)
    }

    /// Calls `f(i, j)`, `i < j`, for every pair whose first block is block `b` (with
    /// [`Blocks::touching`], every such pair with a new record).
    pub fn for_each_pair(&self, b: usize, mut f: impl FnMut(u32, u32)) {
        let (s, e) = self.blocks[b];
        let members = &self.entries[s..e];
        let code = members[0].0;
        for (x, &(_, i)) in members.iter().enumerate() {
            if i >= self.n_new {
                break;
            }
            for &(_, j) in &members[x + 1..] {
                if self.first(i, j, code, 0) {
                    f(i, j);
                }
            }
        }
    }

    /// A sample of about `want` distinct pairs, spread evenly over all of them (chosen by a
    /// hash of the pair and `seed`), sorted; and an estimate of the number of distinct pairs.
    pub fn sample(&self, want: usize, seed: u64) -> (Vec<PairCode>, f64) {
        let proposed = self.proposed();
        let rate = if proposed == 0 {
            1.0
        } else {
            (want as f64 / proposed as f64).min(1.0)
        };
        let limit = if rate >= 1.0 {
            u64::MAX
        } else {
            (rate * u64::MAX as f64) as u64
        };
        let mut out: Vec<PairCode> = (0..self.blocks.len())
            .into_par_iter()
            .with_min_len(64)
            .flat_map_iter(|b| {
                let (s, e) = self.blocks[b];
                let members = &self.entries[s..e];
                let code = members[0].0;
                let mut v = Vec::new();
                for (x, &(_, i)) in members.iter().enumerate() {
                    for &(_, j) in &members[x + 1..] {
                        let c = pack(i, j);
                        if crate::text::mix(c ^ seed) <= limit && self.first(i, j, code, 0) {
                            v.push(c);
                        }
                    }
                }
                v
            })
            .collect();
        out.par_sort_unstable();
        let estimate = if rate >= 1.0 {
            out.len() as f64
        } else {
            out.len() as f64 / rate
        };
        (out, estimate)
    }

    /// Fills in the report's recall figures from `truth` (a person id per record): per rule,
    /// the share of true pairs its blocks hold; for the union, the share any block holds.
    pub fn recall(&self, truth: &[u64], report: &mut BlockingReport) {
        let total = count_true_pairs(truth);
        let (per_rule, union) = (0..self.blocks.len())
            .into_par_iter()
            .with_min_len(64)
            .fold(
                || (vec![0u64; RULES.len()], 0u64),
                |(mut per_rule, mut union), b| {
                    let (s, e) = self.blocks[b];
                    let members = &self.entries[s..e];
                    let code = members[0].0;
                    let rule_from = code >> RULE_SHIFT << RULE_SHIFT;
                    for (x, &(_, i)) in members.iter().enumerate() {
                        for &(_, j) in &members[x + 1..] {
                            if truth[i as usize] != truth[j as usize] {
                                continue;
                            }
                            if self.first(i, j, code, rule_from) {
                                per_rule[(code >> RULE_SHIFT) as usize] += 1;
                            }
                            if self.first(i, j, code, 0) {
                                union += 1;
                            }
                        }
                    }
                    (per_rule, union)
                },
            )
            .reduce(
                || (vec![0u64; RULES.len()], 0u64),
                |(mut a, x), (b, y)| {
                    for (p, q) in a.iter_mut().zip(b) {
                        *p += q;
                    }
                    (a, x + y)
                },
            );
        for (rep, hit) in report.rules.iter_mut().zip(per_rule) {
            rep.true_pair_recall = Some(ratio(hit, total));
        }
        report.true_pair_recall = Some(ratio(union, total));
    }
}

/// Candidate pairs that touch at least one of the first `n_new` records (incremental
/// matching: records `0..n_new` are new, the rest are stored), sorted and distinct. Blocks and
/// caps as in [`candidate_pairs`] (a block's size counts stored and new records), but pairs of
/// two stored records are never generated: inside a block sorted by record index, the new
/// records come first, and each is paired with every record after it. Incremental matching
/// enumerates the same pairs block by block ([`Blocks::touching`]); this list is the reference
/// its tests compare against.
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

    fn varied(n: usize) -> Vec<Prepared> {
        let given = ["Ali", "علي", "Omar", "Hasan", "حسن", "Khaled"];
        let father = ["Ahmad", "أحمد", "Yusuf", "Omar"];
        let family = ["Zein", "الزين", "Haddad", "Khatib", "Omar"];
        (0..n)
            .map(|i| {
                prep(
                    given[i % given.len()],
                    father[(i / 3) % father.len()],
                    family[(i / 7) % family.len()],
                )
            })
            .collect()
    }

    /// Checks `blocks` against the pair list `want` and its report `rep`: every pair once
    /// (`i < j`), the same pairs, the same per-rule figures.
    fn assert_blocks_match(blocks: &Blocks, want: &[PairCode], rep: &BlockingReport, case: &str) {
        let mut got = Vec::new();
        for b in 0..blocks.len() {
            blocks.for_each_pair(b, |i, j| {
                assert!(i < j);
                got.push(pack(i, j));
            });
        }
        let n = got.len();
        got.sort_unstable();
        got.dedup();
        assert_eq!(got.len(), n, "a pair enumerated twice ({case})");
        assert_eq!(got, want, "{case}");
        for (a, b) in blocks.report.rules.iter().zip(&rep.rules) {
            assert_eq!(
                (a.pairs, a.skipped_blocks, a.skipped_records),
                (b.pairs, b.skipped_blocks, b.skipped_records),
                "{} ({case})",
                a.rule
            );
        }
    }

    #[test]
    fn blocks_enumerate_the_union_once() {
        let recs = varied(90);
        for cap in [4, 10, 200] {
            let (want, rep) = candidate_pairs(&recs, cap, None);
            let blocks = Blocks::new(&recs, cap);
            assert_blocks_match(&blocks, &want, &rep, &format!("cap {cap}"));
        }
    }

    #[test]
    fn touching_blocks_give_the_pairs_with_a_new_record() {
        let recs = varied(90);
        for (n_new, cap) in [(10, 200), (30, 10), (0, 200), (90, 200)] {
            let (want, rep) = candidate_pairs_touching(&recs, n_new, cap);
            assert!(want.iter().all(|&c| unpack(c).0 < n_new as u32));
            let blocks = Blocks::touching(&recs, n_new, cap);
            assert_blocks_match(&blocks, &want, &rep, &format!("n_new {n_new} cap {cap}"));
        }
    }

    #[test]
    fn block_recall_and_sample_match_the_pair_list() {
        let recs = varied(90);
        let truth: Vec<u64> = (0..90).map(|i| (i % 13) as u64).collect();
        let (pairs, want) = candidate_pairs(&recs, 200, Some(&truth));
        let blocks = Blocks::new(&recs, 200);
        let mut got = blocks.report.clone();
        blocks.recall(&truth, &mut got);
        assert_eq!(got.true_pair_recall, want.true_pair_recall);
        for (a, b) in got.rules.iter().zip(&want.rules) {
            assert_eq!(a.true_pair_recall, b.true_pair_recall, "{}", a.rule);
        }
        let (all, estimate) = blocks.sample(usize::MAX, 1);
        assert_eq!(all, pairs);
        assert_eq!(estimate, pairs.len() as f64);
        let (some, estimate) = blocks.sample(pairs.len() / 4, 1);
        assert!(some.iter().all(|c| pairs.binary_search(c).is_ok()));
        assert!(!some.is_empty() && some.len() < pairs.len());
        assert!(estimate > 0.0);
    }

    #[test]
    fn pack_roundtrip() {
        assert_eq!(unpack(pack(7, 3)), (3, 7));
    }
}
