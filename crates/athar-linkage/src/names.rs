//! Name handling inside the engine: names split into units with an exact key and a
//! cross-script consonant skeleton, and graded comparison of two name fields.
//!
//! Two readings of every name: the engine's own units with a cross-script consonant skeleton
//! (u64 hashes — the blocking keys and the name-set comparison use them, and stores persist the
//! keys), and the units of the names crate `athar-names`, which the comparison levels and the
//! term frequencies use (it tells حسن from حسين and عمر from عمار, and knows attested
//! cross-script variants).
//!
//! A field comparison through `athar-names` costs a few hundred nanoseconds; the engine compares
//! millions of pairs whose fields repeat, so comparisons are memoised — per thread, then in a
//! table all threads share — by the identity of the two fields ([`NameField::id`], a hash of
//! the units as the names crate sees them).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use athar_names as an;

use crate::text::{combine, fold_text, hash_str, is_arabic_char};

/// One name unit (a word, or a compound such as عبد الرحمن / Abdul Rahman kept as one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Hash of the folded spelling (same script, same spelling).
    pub exact: u64,
    /// Hash of the cross-script consonant skeleton.
    pub skel: u64,
    /// The skeleton itself (class letters), for graded distance.
    pub skel_text: Box<str>,
    /// True when written in Arabic script.
    pub arabic: bool,
}

/// A name field (one role, or a whole name) as a sequence of units.
#[derive(Debug, Clone, Default)]
pub struct NameField {
    /// The units in order (the engine's skeleton reading, for blocking and the name set).
    pub units: Arc<[Unit]>,
    /// Hash of all unit skeletons written together (a compound written glued or split).
    pub concat: u64,
    /// The units as the names crate reads them (for comparison levels and term frequencies).
    pub an: Arc<[an::Unit]>,
    /// Identity of [`NameField::an`]: equal ids mean the same units (0 when there are none).
    pub id: u64,
}

impl PartialEq for NameField {
    fn eq(&self, o: &Self) -> bool {
        self.units == o.units && self.id == o.id
    }
}

impl Eq for NameField {}

/// Identity hash of one names-crate unit: everything its comparison depends on derives from
/// its written form, key, kind and script.
fn unit_identity(u: &an::Unit) -> u64 {
    let mut h = hash_str(&u.raw);
    h = combine(h, u.key_id);
    h = combine(h, u.kind as u64);
    combine(h, u.script as u64)
}

/// Identity hash of a sequence of names-crate units (0 for none).
pub fn field_identity(units: &[an::Unit]) -> u64 {
    if units.is_empty() {
        return 0;
    }
    let mut h = 0x6e61_6d65u64;
    for u in units {
        h = combine(h, unit_identity(u));
    }
    h.max(1)
}

impl NameField {
    /// True when the field has no units.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// A field from both readings.
    pub fn from_parts(units: Vec<Unit>, an_units: Vec<an::Unit>) -> NameField {
        let mut f = NameField::from_units(units);
        f.id = field_identity(&an_units);
        f.an = an_units.into();
        f
    }

    /// The term key of the whole field, stable across scripts and spellings: the names crate's
    /// [`an::Unit::term_key`] of each unit combined (the skeleton key when the names crate
    /// found no unit).
    pub fn term_key(&self) -> u64 {
        if self.an.is_empty() {
            return self.skel_key();
        }
        let mut h = 0x7466u64;
        for u in self.an.iter() {
            h = combine(h, u.term_key());
        }
        h
    }

    /// The part of the field in unit ranges of each reading (for names split by position).
    fn slice(&self, old: std::ops::Range<usize>, new: std::ops::Range<usize>) -> NameField {
        let o = self
            .units
            .get(old)
            .map(<[Unit]>::to_vec)
            .unwrap_or_default();
        let n = self
            .an
            .get(new)
            .map(<[an::Unit]>::to_vec)
            .unwrap_or_default();
        NameField::from_parts(o, n)
    }

    /// A full name split in Syrian order: given, father, [grandfather], family (the rest).
    pub fn syrian_roles(&self) -> [NameField; 4] {
        let slots = |n: usize| -> [std::ops::Range<usize>; 4] {
            match n {
                0 => [0..0, 0..0, 0..0, 0..0],
                1 => [0..1, 0..0, 0..0, 0..0],
                2 => [0..1, 0..0, 0..0, 1..2],
                3 => [0..1, 1..2, 0..0, 2..3],
                n => [0..1, 1..2, 2..3, 3..n],
            }
        };
        let (so, sn) = (slots(self.units.len()), slots(self.an.len()));
        std::array::from_fn(|k| self.slice(so[k].clone(), sn[k].clone()))
    }

    /// A full name read family first: family, given, father, grandfather.
    pub fn family_first_roles(&self) -> [NameField; 4] {
        let slots = |n: usize| -> [std::ops::Range<usize>; 4] {
            let at = |i: usize| if i < n { i..i + 1 } else { 0..0 };
            [at(1), at(2), at(3), at(0)]
        };
        let (so, sn) = (slots(self.units.len()), slots(self.an.len()));
        std::array::from_fn(|k| self.slice(so[k].clone(), sn[k].clone()))
    }

    /// The skeleton key of the whole field (units in order).
    pub fn skel_key(&self) -> u64 {
        let mut h = 0x51u64;
        for u in self.units.iter() {
            h = crate::text::combine(h, u.skel);
        }
        h
    }

    /// The exact key of the whole field.
    pub fn exact_key(&self) -> u64 {
        let mut h = 0x17u64;
        for u in self.units.iter() {
            h = crate::text::combine(h, u.exact);
        }
        h
    }

    /// The skeleton of the first unit (the given name of a compound field), for blocking.
    pub fn first_skel(&self) -> Option<u64> {
        self.units.first().map(|u| u.skel)
    }
}

/// Prefix particles that bind to the next word as one unit.
const PREFIXES: &[&str] = &[
    "abd", "abdul", "abdel", "abdal", "abu", "abou", "abo", "عبد", "ابو", "بو",
];
/// Suffixes that bind to the previous word as one unit.
const SUFFIXES: &[&str] = &[
    "الدين",
    "الله",
    "din",
    "eddine",
    "addin",
    "uddin",
    "eldin",
    "aldin",
    "allah",
    "ullah",
    "illah",
    "ellah",
    "dine",
    "deen",
];
/// Article tokens dropped when they stand alone.
const ARTICLES: &[&str] = &[
    "al", "el", "al-", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "er", "es", "et", "ez",
    "en", "ul", "ال", "bin", "ben", "ibn", "بن", "bint", "بنت",
];

/// Latin abbreviations expanded before keying.
fn expand_abbrev(tok: &str) -> &str {
    match tok {
        "mhd" | "mohd" | "md" | "moh" | "mohd." | "m" => "muhammad",
        _ => tok,
    }
}

/// Parses a name into both readings: the engine's skeleton units ([`parse_skeleton`]) and the
/// names crate's units.
pub fn parse(s: &str) -> NameField {
    let mut f = parse_skeleton(s);
    if !f.units.is_empty() {
        let units = an::Name::parse(s).units;
        f.id = field_identity(&units);
        f.an = units.into();
    }
    f
}

/// Splits a name into the engine's skeleton units: folds the text, drops stand-alone articles,
/// binds particles. (No names-crate reading: [`NameField::an`] stays empty.)
pub fn parse_skeleton(s: &str) -> NameField {
    let folded = fold_text(s);
    if folded.is_empty() {
        return NameField::default();
    }
    let toks: Vec<&str> = folded.split(' ').map(expand_abbrev).collect();
    let mut words: Vec<String> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let nxt = toks.get(i + 1).copied();
        if ARTICLES.contains(&t) {
            // "abd al rahman": the article belongs to the compound being built.
            i += 1;
            continue;
        }
        if PREFIXES.contains(&t) && nxt.is_some() {
            // bind to the next non-article token
            let mut j = i + 1;
            while j < toks.len() && ARTICLES.contains(&toks[j]) {
                j += 1;
            }
            if j < toks.len() {
                let head = match t {
                    "abdul" | "abdel" | "abdal" => "abd",
                    _ => t,
                };
                words.push(format!("{head}{}", toks[j]));
                i = j + 1;
                continue;
            }
        }
        if SUFFIXES.contains(&t) && !words.is_empty() {
            if let Some(last) = words.last_mut() {
                let core = match t {
                    "الدين" => "دين",
                    "aldin" | "eldin" | "addin" => "din",
                    _ => t,
                };
                last.push_str(core);
            }
            i += 1;
            continue;
        }
        words.push(t.to_string());
        i += 1;
    }
    let units = words
        .iter()
        .filter(|w| !w.is_empty())
        .map(|w| {
            let arabic = w.chars().any(is_arabic_char);
            let sk = if arabic {
                skeleton_arabic(w)
            } else {
                skeleton_latin(w)
            };
            Unit {
                exact: hash_str(w),
                skel: hash_str(&sk),
                skel_text: sk.into_boxed_str(),
                arabic,
            }
        })
        .collect();
    NameField::from_units(units)
}

impl NameField {
    /// A field from units.
    pub fn from_units(units: Vec<Unit>) -> NameField {
        let concat: String = units.iter().map(|u| &*u.skel_text).collect();
        NameField {
            units: units.into(),
            concat: hash_str(&concat),
            an: Arc::from(Vec::new()),
            id: 0,
        }
    }
}

/// Collapses doubled classes and drops a final H (§4.2 post-processing).
fn finish(mut v: Vec<u8>) -> String {
    v.dedup();
    if v.len() > 1 && v.last() == Some(&b'H') {
        v.pop();
    }
    String::from_utf8(v).unwrap_or_default()
}

/// Arabic word → consonant-class skeleton.
pub fn skeleton_arabic(w: &str) -> String {
    let glued;
    let w = if let Some(rest) = w.strip_prefix("عبدال") {
        glued = format!("عبد{rest}");
        glued.as_str()
    } else {
        w
    };
    let mut chars: Vec<char> = w.chars().collect();
    // a doubled leading alef (االاتاسي) is a slip of the pen
    while chars.len() > 3 && chars[0] == 'ا' && chars[1] == 'ا' {
        chars.remove(0);
    }
    // drop a glued article ال when the word is long enough
    let start = if chars.len() > 3 && chars[0] == 'ا' && chars[1] == 'ل' {
        2
    } else {
        0
    };
    let mut out = Vec::with_capacity(chars.len());
    for (k, &c) in chars[start..].iter().enumerate() {
        let initial = k == 0;
        let cls = match c {
            'ب' | 'پ' => Some(b'B'),
            'ت' | 'ط' | 'ث' => Some(b'T'),
            'ج' | 'ژ' => Some(b'J'),
            'ح' | 'ه' => Some(b'H'),
            'خ' => Some(b'X'),
            'د' | 'ض' | 'ذ' => Some(b'D'),
            'ز' | 'ظ' => Some(b'Z'),
            'س' | 'ص' => Some(b'S'),
            'ش' | 'چ' => Some(b'C'),
            'ف' | 'ڤ' => Some(b'F'),
            'ق' | 'ك' | 'ک' => Some(b'K'),
            'غ' | 'گ' => Some(b'G'),
            'ل' => Some(b'L'),
            'م' => Some(b'M'),
            'ن' => Some(b'N'),
            'ر' => Some(b'R'),
            'و' if initial => Some(b'W'),
            'ي' | 'ی' if initial => Some(b'Y'),
            _ => None,
        };
        if let Some(c) = cls {
            out.push(c);
        }
    }
    finish(out)
}

/// Latin word → consonant-class skeleton.
pub fn skeleton_latin(w: &str) -> String {
    let mut b: Vec<u8> = w.bytes().filter(u8::is_ascii_alphabetic).collect();
    for glued in [&b"abdul"[..], b"abdel", b"abdal", b"abdol"] {
        if b.len() > 6 && b.starts_with(glued) {
            b.drain(3..5);
            break;
        }
    }
    // glued article al/el on a long word
    let start = if b.len() > 4 && (b.starts_with(b"al") || b.starts_with(b"el")) {
        2
    } else {
        0
    };
    let b = &b[start..];
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let n = b.get(i + 1).copied();
        let n2 = b.get(i + 2).copied();
        let initial = i == 0;
        let (cls, adv): (Option<u8>, usize) = match (c, n, n2) {
            (b's', Some(b'c'), Some(b'h')) => (Some(b'C'), 3),
            (b's', Some(b'h'), _) | (b'c', Some(b'h'), _) => (Some(b'C'), 2),
            (b'k', Some(b'h'), _) => (Some(b'X'), 2),
            (b'g', Some(b'h'), _) => (Some(b'G'), 2),
            (b't', Some(b'h'), _) => (Some(b'T'), 2),
            (b'd', Some(b'h'), _) => (Some(b'D'), 2),
            (b'd', Some(b'j'), _) => (Some(b'J'), 2),
            (b'p', Some(b'h'), _) => (Some(b'F'), 2),
            (b'c', Some(b'k'), _) => (Some(b'K'), 2),
            (b'c', Some(b'e' | b'i' | b'y'), _) => (Some(b'S'), 1),
            (b'c', _, _) | (b'q', _, _) | (b'k', _, _) => (Some(b'K'), 1),
            (b'g', Some(b'e' | b'i' | b'y'), _) => (Some(b'J'), 1),
            (b'g', _, _) => (Some(b'G'), 1),
            (b'b' | b'p', _, _) => (Some(b'B'), 1),
            (b'f' | b'v', _, _) => (Some(b'F'), 1),
            (b'x', _, _) => (Some(b'X'), 1),
            (b'w', _, _) if initial => (Some(b'W'), 1),
            (b'y', _, _) if initial => (Some(b'Y'), 1),
            (b't' | b'd' | b'z' | b's' | b'j' | b'h' | b'l' | b'm' | b'n' | b'r', _, _) => {
                (Some(c.to_ascii_uppercase()), 1)
            }
            _ => (None, 1),
        };
        if let Some(c) = cls {
            out.push(c);
        }
        i += adv;
    }
    finish(out)
}

/// Substitution cost between two consonant classes (§4.3).
fn sub_cost(a: u8, b: u8) -> f32 {
    if a == b {
        return 0.0;
    }
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    match (x, y) {
        (b'S', b'T') | (b'D', b'Z') | (b'D', b'T') | (b'T', b'Z') => 0.3,
        (b'H', b'X') => 0.4,
        (b'G', b'K') | (b'G', b'J') => 0.5,
        (b'J', b'K') => 0.6,
        (b'C', b'S') => 0.6,
        _ => 1.0,
    }
}

fn indel_cost(a: u8) -> f32 {
    match a {
        b'H' | b'W' | b'Y' => 0.5,
        b'K' => 0.6,
        _ => 1.0,
    }
}

/// Class-weighted edit distance between two skeletons.
pub fn skel_distance(a: &str, b: &str) -> f32 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return 0.0;
    }
    const W: usize = 48;
    if b.len() >= W {
        return a.len().max(b.len()) as f32;
    }
    let mut prev = [0.0f32; W];
    let mut cur = [0.0f32; W];
    for (j, &cb) in b.iter().enumerate() {
        prev[j + 1] = prev[j] + indel_cost(cb);
    }
    for &ca in a {
        cur[0] = prev[0] + indel_cost(ca);
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + sub_cost(ca, cb))
                .min(prev[j + 1] + indel_cost(ca))
                .min(cur[j] + indel_cost(cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Graded agreement of two name fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameLevel {
    /// Same spelling, unit for unit.
    Exact,
    /// Same skeleton, unit for unit (a variant spelling or the other script).
    Skeleton,
    /// Close skeletons (one cheap class substitution, a dropped unit of a compound).
    Close,
    /// Some units agree, others do not.
    Partial,
    /// Nothing agrees.
    Different,
}

/// True when two units can be the same name: same skeleton, or a small class-weighted distance
/// relative to their length.
pub fn units_close(a: &Unit, b: &Unit) -> bool {
    if a.skel == b.skel {
        return true;
    }
    let (sa, sb) = (a.skel_text.as_bytes(), b.skel_text.as_bytes());
    let la = sa.len().max(sb.len());
    if la < 2 {
        return false;
    }
    let max = if la >= 4 { 0.65 } else { 0.35 };
    // every length difference costs at least one cheap deletion (0.5)
    if sa.len().abs_diff(sb.len()) as f32 * 0.5 > max {
        return false;
    }
    // two or more positions where neither letter occurs in the other skeleton cost ≥ 0.6 each
    let foreign = sa
        .iter()
        .filter(|c| !sb.contains(c))
        .count()
        .max(sb.iter().filter(|c| !sa.contains(c)).count());
    if foreign >= 2 {
        return false;
    }
    skel_distance(&a.skel_text, &b.skel_text) <= max
}

/// Compares two non-empty name fields by the engine's skeletons only (the fallback when the
/// names crate found no unit on one side).
pub fn compare_skeletons(a: &NameField, b: &NameField) -> NameLevel {
    if a.units.len() == b.units.len() {
        if a.units
            .iter()
            .zip(b.units.iter())
            .all(|(x, y)| x.exact == y.exact)
        {
            return NameLevel::Exact;
        }
        if a.units
            .iter()
            .zip(b.units.iter())
            .all(|(x, y)| x.skel == y.skel)
        {
            return NameLevel::Skeleton;
        }
        if a.units
            .iter()
            .zip(b.units.iter())
            .all(|(x, y)| units_close(x, y))
        {
            return NameLevel::Close;
        }
    }
    // one field's units all found in the other (compound vs its head, extra unit)
    let (short, long) = if a.units.len() <= b.units.len() {
        (a, b)
    } else {
        (b, a)
    };
    let found = short
        .units
        .iter()
        .filter(|u| long.units.iter().any(|v| units_close(u, v)))
        .count();
    if found == short.units.len() && !short.units.is_empty() {
        return NameLevel::Close;
    }
    // a compound written glued vs split (عبدالرحمن vs عبد الرحمن already bound by parse;
    // catch "abdulrahman" vs "rahman" style head loss)
    if a.concat == b.concat {
        return NameLevel::Skeleton;
    }
    if found > 0 {
        NameLevel::Partial
    } else {
        NameLevel::Different
    }
}

/// A fast hasher for integer keys (the multiply-rotate of rustc's FxHash).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut c = bytes.chunks_exact(8);
        for w in &mut c {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.write_u64(u64::from_le_bytes(b));
        }
        for &b in c.remainder() {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Slots of the per-thread memo of field comparisons: direct-mapped (a slot holds the last
/// pair that hashed to it), so it stays small enough for the processor's caches — a large hash
/// map spent more time on cache misses than the comparisons it saved. A slot is one word: the
/// high bits of the pair's hash with the level code in the low three bits (0 = empty).
const MEMO_SLOTS: usize = 1 << 17;

thread_local! {
    static MEMO: RefCell<Box<[u64]>> = RefCell::new(vec![0; MEMO_SLOTS].into_boxed_slice());
}

/// The second memo level, shared by all threads and behind each thread's own: a pair compared
/// on one thread is not compared again on another, and pairs the small per-thread memo evicted
/// are found here (at 100k persons the per-thread memos missed 17 M times for 5.4 M distinct
/// pairs). Same one-word slots, a power of two of them; sized once per process, by
/// [`size_shared_memo`] or on the first comparison.
static SHARED: OnceLock<Box<[AtomicU64]>> = OnceLock::new();

/// Slots of the shared memo when no batch sized it (512 KB).
const SHARED_MIN_SLOTS: usize = 1 << 16;

/// Most slots of the shared memo (128 MB).
const SHARED_MAX_SLOTS: usize = 1 << 24;

fn shared_memo() -> &'static [AtomicU64] {
    SHARED.get_or_init(|| new_shared(SHARED_MIN_SLOTS))
}

fn new_shared(slots: usize) -> Box<[AtomicU64]> {
    (0..slots).map(|_| AtomicU64::new(0)).collect()
}

/// Sizes the shared memo for a batch over `records` records — 128 slots a record (32 MB at
/// 32k records), within 512 KB and 128 MB — unless this process has compared names already:
/// the memo then keeps its size (which changes the time of a comparison, never its result).
pub fn size_shared_memo(records: usize) {
    SHARED.get_or_init(|| {
        new_shared(
            records
                .saturating_mul(128)
                .next_power_of_two()
                .clamp(SHARED_MIN_SLOTS, SHARED_MAX_SLOTS),
        )
    });
}

/// This thread's memo of field comparisons, held for a run of comparisons (one pair of records)
/// so the thread-local is reached once, not once per field.
pub struct Memo<'a> {
    local: &'a mut [u64],
    shared: &'static [AtomicU64],
}

/// Runs `f` with this thread's [`Memo`]. `f` must compare through the memo it is given:
/// [`compare_fields`] inside it would find the memo taken and panic.
pub fn with_memo<R>(f: impl FnOnce(&mut Memo<'_>) -> R) -> R {
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        f(&mut Memo {
            local: &mut m[..],
            shared: shared_memo(),
        })
    })
}

fn level_code(l: NameLevel) -> u8 {
    match l {
        NameLevel::Exact => 0,
        NameLevel::Skeleton => 1,
        NameLevel::Close => 2,
        NameLevel::Partial => 3,
        NameLevel::Different => 4,
    }
}

fn level_of(c: u8) -> NameLevel {
    match c {
        0 => NameLevel::Exact,
        1 => NameLevel::Skeleton,
        2 => NameLevel::Close,
        3 => NameLevel::Partial,
        _ => NameLevel::Different,
    }
}

/// Compares two non-empty name fields through the names crate (memoised by field identity, per
/// thread and then across threads); by skeletons when the names crate found no unit on one side.
pub fn compare_fields(a: &NameField, b: &NameField) -> NameLevel {
    with_memo(|m| m.compare_fields(a, b))
}

impl Memo<'_> {
    /// [`compare_fields`] through this memo.
    pub fn compare_fields(&mut self, a: &NameField, b: &NameField) -> NameLevel {
        if a.an.is_empty() || b.an.is_empty() {
            return compare_skeletons(a, b);
        }
        if a.id == b.id {
            return NameLevel::Exact;
        }
        let (x, y) = (a.id.min(b.id), a.id.max(b.id));
        let h = combine(x, y);
        let tag = h & !7;
        let e = &mut self.local[(h >> 7) as usize & (MEMO_SLOTS - 1)];
        if *e & !7 == tag && *e & 7 != 0 {
            return level_of((*e & 7) as u8 - 1);
        }
        // A slot is written whole with the one value its pair always has, so a race between
        // threads can only cost a comparison, never change a level.
        let s = &self.shared[(h >> 7) as usize & (self.shared.len() - 1)];
        let v = s.load(Ordering::Relaxed);
        let word = if v & !7 == tag && v & 7 != 0 {
            v
        } else {
            let w = tag | u64::from(level_code(compare_units_seq(&a.an, &b.an)) + 1);
            s.store(w, Ordering::Relaxed);
            w
        };
        *e = word;
        level_of((word & 7) as u8 - 1)
    }
}

/// Letters whose insertion, deletion or exchange for another such letter turns one name into
/// another (حسن / حسين, محمود / محمد, سعيد / سعود; Latin vowels), so such an edit is not taken
/// for a typing slip.
fn weak_letter(c: char) -> bool {
    matches!(
        c,
        'ا' | 'أ'
            | 'إ'
            | 'آ'
            | 'و'
            | 'ي'
            | 'ى'
            | 'ء'
            | 'ئ'
            | 'ؤ'
            | 'ة'
            | 'ه'
            | 'a'
            | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'y'
            | 'w'
            | 'h'
    )
}

/// True when two units of one script differ by one typing slip: a consonant typed for another
/// letter, two neighbouring letters swapped, a consonant dropped or added, or a letter doubled
/// (نابلسي / نتبلسي, ثائر / ثائؤ, يوسف / يوس). The names crate rightly calls these different
/// names; for linkage a slip in one name of an otherwise agreeing record is the commonest
/// corruption there is. Short names (under 3 letters) and edits that make another name (a long
/// vowel added or dropped) are not slips.
pub fn typo_close(a: &an::Unit, b: &an::Unit) -> bool {
    if a.script != b.script || a.kind != b.kind || a.key == b.key {
        return false;
    }
    // same script: keys more than one letter apart in length are no slip (and most pairs
    // compared are different names, so this check is the hot path: no allocation)
    if a.key.len().abs_diff(b.key.len()) > 4 {
        return false;
    }
    const MAX: usize = 24;
    let chars = |k: &str, out: &mut [char; MAX]| {
        let mut n = 0;
        for c in k.chars() {
            if n == MAX {
                return None;
            }
            out[n] = c;
            n += 1;
        }
        Some(n)
    };
    let (mut xa, mut ya) = (['\0'; MAX], ['\0'; MAX]);
    let (Some(nx), Some(ny)) = (chars(&a.key, &mut xa), chars(&b.key, &mut ya)) else {
        return false;
    };
    let (x, y) = (&xa[..nx], &ya[..ny]);
    let (long, short) = if x.len() >= y.len() { (x, y) } else { (y, x) };
    if short.len() < 3 || long.len() > short.len() + 1 {
        return false;
    }
    let i = long
        .iter()
        .zip(short)
        .position(|(p, q)| p != q)
        .unwrap_or(short.len());
    if long.len() == short.len() {
        if long[i + 1..] == short[i + 1..] {
            // one letter typed for another
            return !(weak_letter(long[i]) && weak_letter(short[i]));
        }
        // two neighbours swapped
        return i + 1 < long.len()
            && long[i] == short[i + 1]
            && long[i + 1] == short[i]
            && long[i + 2..] == short[i + 2..];
    }
    // one letter dropped from the longer: a consonant, or one of a doubled pair
    long[i + 1..] == short[i..]
        && (!weak_letter(long[i])
            || (i > 0 && long[i - 1] == long[i])
            || long.get(i + 1) == Some(&long[i]))
}

/// The names crate's level of two units, with a typing slip ([`typo_close`]) counted as close.
fn unit_level(a: &an::Unit, b: &an::Unit) -> an::Level {
    match an::compare_units(a, b).level {
        an::Level::Different if typo_close(a, b) => an::Level::Close,
        l => l,
    }
}

/// Graded agreement of two sequences of names-crate units: unit for unit when they have as many
/// units (exact, a variant or the same skeleton, close), otherwise how many units of the shorter
/// one the longer one holds (all: close, some: partial, none: different).
pub fn compare_units_seq(a: &[an::Unit], b: &[an::Unit]) -> NameLevel {
    if a.len() == b.len() {
        let mut worst = an::Level::Exact;
        for (x, y) in a.iter().zip(b) {
            let l = unit_level(x, y);
            worst = worst.max(l);
            if worst == an::Level::Different {
                break;
            }
        }
        match worst {
            an::Level::Exact => return NameLevel::Exact,
            an::Level::Variant | an::Level::Skeleton => return NameLevel::Skeleton,
            an::Level::Close => return NameLevel::Close,
            an::Level::Different if a.len() == 1 => return NameLevel::Different,
            an::Level::Different => {}
        }
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let found = short
        .iter()
        .filter(|u| long.iter().any(|v| unit_level(u, v).is_match()))
        .count();
    if found == short.len() && !short.is_empty() {
        NameLevel::Close
    } else if found > 0 {
        NameLevel::Partial
    } else {
        NameLevel::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skel(s: &str) -> Vec<String> {
        parse(s)
            .units
            .iter()
            .map(|u| u.skel_text.to_string())
            .collect()
    }

    #[test]
    fn research_worked_examples() {
        // rows of §4.2's worked-example table
        assert_eq!(skel("محمد خير الخطيب"), ["MHMD", "XR", "XTB"]);
        assert_eq!(skel("Mohammad Kheir Al-Khatib"), ["MHMD", "XR", "XTB"]);
        assert_eq!(skel("Muhammad Khair el Khatib"), ["MHMD", "XR", "XTB"]);
        assert_eq!(skel("عبد الرحمن الشامي"), ["BDRHMN", "CM"]);
        assert_eq!(skel("Abdul Rahman Al-Shami"), ["BDRHMN", "CM"]);
        assert_eq!(skel("Abd al-Rahman al-Shami"), ["BDRHMN", "CM"]);
        assert_eq!(skel("Abdulrahman Alshami"), ["BDRHMN", "CM"]);
        assert_eq!(skel("يوسف شحادة"), ["YSF", "CHD"]);
        assert_eq!(skel("Youssef Chehade"), ["YSF", "CHD"]);
        assert_eq!(skel("Yusuf Shehadeh"), ["YSF", "CHD"]);
        assert_eq!(skel("هيثم قباني"), ["HTM", "KBN"]);
        assert_eq!(skel("Haitham Kabbani"), ["HTM", "KBN"]);
        assert_eq!(skel("Mhd"), ["MHMD"]);
    }

    #[test]
    fn levels() {
        let l = |a: &str, b: &str| compare_skeletons(&parse(a), &parse(b));
        assert_eq!(l("Ahmad", "ahmad"), NameLevel::Exact);
        assert_eq!(l("أحمد", "Ahmed"), NameLevel::Skeleton);
        assert_eq!(l("Munther", "منذر"), NameLevel::Close);
        assert_eq!(l("Mohammad Kheir", "Mohammad Saleh"), NameLevel::Partial);
        assert_eq!(l("Samir", "Khaled"), NameLevel::Different);
    }

    #[test]
    fn levels_through_the_names_crate() {
        let l = |a: &str, b: &str| compare_fields(&parse(a), &parse(b));
        // same skeleton, but the long vowel tells them apart (the skeleton reading cannot)
        assert_eq!(
            compare_skeletons(&parse("حسن"), &parse("حسين")),
            NameLevel::Skeleton
        );
        assert_eq!(l("حسن", "حسين"), NameLevel::Different);
        assert_eq!(l("عمر", "عمار"), NameLevel::Different);
        assert_eq!(l("محمد", "Mohammed"), NameLevel::Skeleton);
        assert_eq!(l("Ahmad", "ahmad"), NameLevel::Exact);
        assert_eq!(l("Samir Khaled", "Samir Haddad"), NameLevel::Partial);
        assert_eq!(l("Samir", "Khaled"), NameLevel::Different);
    }

    #[test]
    fn memoised_comparisons_agree_with_direct_ones() {
        let names = [
            "محمد",
            "Mohammed",
            "حسن",
            "حسين",
            "Hussein",
            "عبد الرحمن",
            "Abdulrahman",
            "عمر",
            "Omar",
            "عمار",
            "Ammar",
            "محمد خير",
            "Kheir",
        ];
        for _ in 0..2 {
            // the second round is answered from the memo
            for a in names {
                for b in names {
                    let (x, y) = (parse(a), parse(b));
                    assert_eq!(
                        compare_fields(&x, &y),
                        compare_units_seq(&x.an, &y.an),
                        "{a} / {b}"
                    );
                    assert_eq!(compare_fields(&x, &y), compare_fields(&y, &x), "{a} / {b}");
                }
            }
        }
    }

    #[test]
    fn field_identity_is_the_units() {
        assert_eq!(parse("Omar").id, parse("Omar").id);
        assert_eq!(parse("  Omar ").id, parse("Omar").id);
        assert_ne!(parse("Omar").id, parse("Omer").id);
        assert_ne!(parse("Omar").id, 0);
        assert_eq!(parse("").id, 0);
        // a part of a field keeps the identity of the same name parsed alone
        let [g, f, gf, fam] = parse("Ahmad Hasan Ali Halabi").syrian_roles();
        assert_eq!(g.id, parse("Ahmad").id);
        assert_eq!(f.id, parse("Hasan").id);
        assert_eq!(gf.id, parse("Ali").id);
        assert_eq!(fam.id, parse("Halabi").id);
        let [g, f, gf, fam] = parse("Yabroudi Abdullah Muhammad").family_first_roles();
        assert_eq!(fam.id, parse("Yabroudi").id);
        assert_eq!(g.id, parse("Abdullah").id);
        assert_eq!(f.id, parse("Muhammad").id);
        assert!(gf.is_empty() && gf.id == 0);
    }

    #[test]
    fn term_keys_meet_across_scripts() {
        assert_eq!(parse("محمد").term_key(), parse("Mohammed").term_key());
        assert_ne!(parse("حسن").term_key(), parse("Samir").term_key());
    }

    #[test]
    fn r4_typing_slips_are_close_and_other_names_are_not() {
        let l = |a: &str, b: &str| compare_fields(&parse(a), &parse(b));
        for (a, b) in [
            ("نابلسي", "نتبلسي"),
            ("ثائر", "ثائؤ"),
            ("يوسف", "يوس"),
            ("Khaled", "Khaked"),
            ("Darwish", "Darwisj"),
        ] {
            assert_eq!(l(a, b), NameLevel::Close, "{a} / {b}");
            assert_eq!(l(b, a), NameLevel::Close, "symmetric {a} / {b}");
        }
        for (a, b) in [
            ("حسن", "حسين"),
            ("محمود", "محمد"),
            ("سعيد", "سعود"),
            ("عمر", "عمار"),
            ("Samir", "Khaled"),
            ("علي", "عل"),
        ] {
            assert_eq!(l(a, b), NameLevel::Different, "{a} / {b}");
        }
    }

    #[test]
    fn distance_is_symmetric() {
        for (a, b) in [("MNDR", "MNTR"), ("HTM", "HSM"), ("BDRHMN", "RHMN")] {
            assert_eq!(skel_distance(a, b), skel_distance(b, a));
        }
    }
}
