//! Comparators: unit against unit (graded levels), whole names (missing, extra and reordered
//! parts), and role-aware comparison of split fields.
//!
//! Decision order for two units: particle compounds must agree (Abd al-Rahman is not Rahman);
//! the same key is exact; spellings attested for the same Arabic unit are a variant, for
//! different units a non-match; otherwise the skeletons with the long-vowel anchor check
//! (research note §4.4), then the class-aware edit distance (§4.3).

use serde::Serialize;

use crate::fold::Script;
use crate::name::{Name, RoleNames};
use crate::skeleton::{Key, MAX_CLASSES, class, flag, gap};
use crate::unit::{Unit, UnitKind};

/// How two units agree, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Same match key (same script).
    Exact,
    /// Both spellings attested for the same Arabic unit.
    Variant,
    /// Same consonant skeleton and compatible long vowels.
    Skeleton,
    /// Close by class-aware edit distance, or a part of a double given name.
    Close,
    /// Not the same name.
    Different,
}

impl Level {
    /// True for every level but [`Level::Different`].
    pub fn is_match(self) -> bool {
        self != Level::Different
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Exact => "exact",
            Level::Variant => "variant",
            Level::Skeleton => "skeleton",
            Level::Close => "close",
            Level::Different => "different",
        }
    }
}

/// Why a unit comparison ended where it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Same match key.
    SameKey,
    /// Spellings attested for the same Arabic unit.
    AttestedSame,
    /// Spellings attested (or nearest to spellings attested) for different Arabic units.
    AttestedDifferent,
    /// Same skeleton, long vowels compatible.
    SameSkeleton,
    /// Same skeleton but the long vowels disagree (حسن / حسين).
    VowelAnchor,
    /// Small class-aware edit distance.
    EditDistance,
    /// Too many consonant differences.
    Consonants,
    /// Different compound particles (عبد / أبو / أم / بن).
    Particle,
    /// One side is one part of the other's double given name (محمد خير / خير).
    PartOfDoubleName,
    /// A unit has no letters to compare.
    Empty,
}

/// Result of [`compare_units`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitMatch {
    /// Graded level.
    pub level: Level,
    /// 0..1, higher is more alike; consistent with `level` (a match is ≥ 0.6).
    pub similarity: f32,
    /// Why.
    pub reason: Reason,
    /// Vowel-anchor penalty of the best reading (0 = compatible; 0.5 per doubtful gap, 1 per
    /// contradicting gap).
    pub vowel_penalty: f32,
    /// Class-aware edit distance between the best readings' skeletons.
    pub distance: f32,
}

impl UnitMatch {
    fn new(level: Level, similarity: f32, reason: Reason) -> UnitMatch {
        UnitMatch {
            level,
            similarity,
            reason,
            vowel_penalty: 0.0,
            distance: 0.0,
        }
    }
}

/// Substitution cost between two classes (research note §4.3, plus S↔Z for French s = z).
const fn sub_cost(a: u8, b: u8) -> f32 {
    use class::*;
    if a == b {
        return 0.0;
    }
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    match (x, y) {
        (T, S) | (D, Z) | (T, D) | (T, Z) => 0.3,
        // Egyptian g for ج (Gamal, Ragab) and Bedouin / Iraqi / Gulf g for ق (Agil, Gasim)
        // are spelling conventions, not near sounds: as cheap as Turkish h for خ, so
        // two-consonant names (Galal, Agil) pass too.
        (H, X) | (J, G) | (K, G) => 0.4,
        (Z, S) => 0.5,
        (S, C) => 0.6,
        (J, Z) => 0.6,
        (K, X) => 0.6,
        (B, F) => 0.8,
        _ => 1.0,
    }
}

/// Insertion/deletion cost of a class.
const fn indel_cost(c: u8) -> f32 {
    use class::*;
    match c {
        K => 0.6,
        H | W | Y => 0.5,
        _ => 1.0,
    }
}

/// Substitution cost between two classes of two Arabic-script spellings. The cheap pairs
/// that only a Latin spelling makes alike — French s for z, th for ظ, Egyptian or Bedouin g for ج and
/// ق, zh for ج, q for خ, f for ب — are two different letters in Arabic script (منتظر ≠
/// منتصر); the confusions of Arabic writers themselves (ض/ظ, ذ/ز, ث/ت/س, ح/خ, س/ش) keep
/// their cost.
const fn sub_cost_arabic(a: u8, b: u8) -> f32 {
    use class::*;
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    match (x, y) {
        // ط / ظ, ت / ز: a dot apart, but two sounds no writer confuses (ظريف ≠ طريف).
        (Z, S) | (T, Z) | (J, G) | (K, G) | (J, Z) | (K, X) | (B, F) => 1.0,
        _ => sub_cost(a, b),
    }
}

/// Class-aware weighted Levenshtein distance between two skeletons.
pub fn class_distance(a: crate::Skeleton, b: crate::Skeleton) -> f32 {
    class_distance_in::<false>(a, b, [u16::MAX, 0], [u16::MAX, 0])
}

/// Number of class codes (a class is 5 bits in a [`crate::Skeleton`]).
const CLASS_CODES: usize = 32;

/// A substitution cost table indexed by two class codes.
type CostTable = [[f32; CLASS_CODES]; CLASS_CODES];

const fn cost_table(arabic: bool) -> CostTable {
    let mut t = [[0f32; CLASS_CODES]; CLASS_CODES];
    let mut a = 0;
    while a < CLASS_CODES {
        let mut b = 0;
        while b < CLASS_CODES {
            // Class codes are below 32, so the casts are exact.
            let (x, y) = (a as u8, b as u8);
            t[a][b] = if arabic {
                sub_cost_arabic(x, y)
            } else {
                sub_cost(x, y)
            };
            b += 1;
        }
        a += 1;
    }
    t
}

const fn indel_table() -> [f32; CLASS_CODES] {
    let mut t = [0f32; CLASS_CODES];
    let mut c = 0;
    while c < CLASS_CODES {
        t[c] = indel_cost(c as u8);
        c += 1;
    }
    t
}

/// [`sub_cost`] and [`sub_cost_arabic`] as tables: the distance's inner loop does one load
/// per cell instead of a chain of compares.
static SUB_LATIN: CostTable = cost_table(false);
static SUB_ARABIC: CostTable = cost_table(true);
static INDEL: [f32; CLASS_CODES] = indel_table();

/// [`class_distance`], with the costs of two Arabic-script spellings when `ARABIC` (see
/// [`sub_cost_arabic`]). `soft_a` / `soft_b` mark the S classes that are a Latin single s
/// between vowels (see [`Key::soft_s`]): only such an s may be the French spelling of a z,
/// so S against Z costs a full point at any other S (منتظر ≠ Montaser, Mountasser).
/// `marks_a` / `marks_b` are `[soft_s, hard_td]` (see [`Key::hard_td`]): a letter t against a
/// Z, or against a Latin dh, costs a full point (طريف ≠ Zarif, Tarif ≠ Dharif), as only a
/// Latin th is ظ or ذ (Kathim = كاظم, Thikra = ذكرى).
fn class_distance_in<const ARABIC: bool>(
    a: crate::Skeleton,
    b: crate::Skeleton,
    marks_a: [u16; 2],
    marks_b: [u16; 2],
) -> f32 {
    use class::{D, S, T, Z};
    let [soft_a, hard_a] = marks_a;
    let [soft_b, hard_b] = marks_b;
    let sub = if ARABIC { &SUB_ARABIC } else { &SUB_LATIN };
    let indel = |c: u8| INDEL[usize::from(c) & (CLASS_CODES - 1)];
    let (ca, na) = a.classes();
    let (cb, nb) = b.classes();
    let (xa, xb) = (&ca[..na], &cb[..nb]);
    let hard_sz =
        !ARABIC && ((xa.contains(&S) && xb.contains(&Z)) || (xa.contains(&Z) && xb.contains(&S)));
    let hard_t = !ARABIC && (hard_a | hard_b) != 0;
    let bit = |m: u16, i: usize| (m >> i.min(15)) & 1 == 1;
    // Two rows used in turn (row r in `rows[r % 2]`): neither copied nor swapped per row.
    let mut rows = [[0f32; MAX_CLASSES + 1]; 2];
    for j in 0..nb {
        rows[0][j + 1] = rows[0][j] + indel(cb[j]);
    }
    for (r, &x) in ca[..na].iter().enumerate() {
        let (lo, hi) = rows.split_at_mut(1);
        let (prev, cur) = if r % 2 == 0 {
            (&lo[0], &mut hi[0])
        } else {
            (&hi[0], &mut lo[0])
        };
        let row = &sub[usize::from(x) & (CLASS_CODES - 1)];
        let del = indel(x);
        cur[0] = prev[0] + del;
        for j in 0..nb {
            let c = cb[j];
            let mut cost = row[usize::from(c) & (CLASS_CODES - 1)];
            if hard_sz
                && ((x == S && c == Z && (soft_a >> r.min(15)) & 1 == 0)
                    || (x == Z && c == S && (soft_b >> j.min(15)) & 1 == 0))
            {
                cost = 1.0;
            }
            if hard_t
                && ((x == T && bit(hard_a, r) && (c == Z || (c == D && bit(hard_b, j))))
                    || (c == T && bit(hard_b, j) && (x == Z || (x == D && bit(hard_a, r)))))
            {
                cost = 1.0;
            }
            let s = prev[j] + cost;
            let d = prev[j + 1] + del;
            let i = cur[j] + indel(c);
            cur[j + 1] = s.min(d).min(i);
        }
    }
    rows[na % 2][nb]
}

const LONGS: u8 = gap::R_A | gap::R_I | gap::R_U;
const QS: u8 = gap::Q_A | gap::Q_I | gap::Q_U;

/// An Arabic gap against a gap of a scholarly Latin spelling (see [`flag::EXACT`]). Where the
/// Arabic writes a long vowel, the spelling must write it long (عقيل ≠ ʿĀqil, آمال ≠ ʾAmal)
/// and write no other (عوض ≠ ʿAwwād); after ʿayn or hamza only the quality counts for ي and
/// و, which may be the hamza's seat (وائل Wāʾil, عائشة ʿĀʾisha), and so it does word-finally,
/// where a long vowel is often left unmarked (Zāna for زانا). A gap of ʿayn or hamza alone
/// writes no long vowel (رعد ≠ Rāʾid). A gap with nothing written follows the plain rules (a
/// dagger alif: Raḥmān).
fn arabic_exact_gap(ar: u8, la: u8, last: bool) -> Option<f32> {
    let longs = ar & LONGS;
    if longs == 0 {
        return (ar & gap::WILD != 0 && ar & gap::CARRIER == 0 && la & LONGS != 0).then_some(1.0);
    }
    let quality = |r: u8, q: u8| longs & r != 0 && la & q == 0;
    let miss_quality =
        quality(gap::R_A, gap::Q_A) || quality(gap::R_I, gap::Q_I) || quality(gap::R_U, gap::Q_U);
    let miss = if last {
        miss_quality
    } else if ar & gap::WILD != 0 {
        miss_quality || (longs & gap::R_A != 0 && la & gap::R_A == 0)
    } else {
        la & longs != longs
    };
    let extra = la & LONGS & !longs != 0;
    Some(if miss || extra { 1.0 } else { 0.0 })
}

fn arabic_latin_gap(ar: u8, la: u8, exact: bool, last: bool) -> f32 {
    // A dropped word-initial vowel (Brahim, Smail): doubtful, not contradicting.
    if ar & gap::CARRIER != 0 && la & QS == 0 {
        return 0.25;
    }
    if exact && let Some(c) = arabic_exact_gap(ar, la, last) {
        return c;
    }
    if ar & gap::WILD != 0 {
        let longs = ar & LONGS;
        if longs != 0 {
            // ئ / ؤ / عا / عي carry their long vowel: رائد is Raed or Raid, never Raad.
            return if la & longs != longs { 1.0 } else { 0.0 };
        }
        // A bare ʿayn or hamza shows as a, aa, ' or nothing, not as a long i (رعد ≠ Raid).
        if ar & gap::CARRIER == 0 && la & gap::LONG != 0 && la & gap::R_I != 0 && la & gap::R_U == 0
        {
            return 0.5;
        }
        return 0.0;
    }
    let longs = ar & LONGS;
    if longs != 0 {
        if la & longs != longs { 1.0 } else { 0.0 }
    } else if la & gap::LONG != 0 {
        0.5
    } else {
        0.0
    }
}

/// Cost of gap `ga` against `gb`; `ea` / `eb` say a Latin side is a scholarly spelling.
#[allow(clippy::too_many_arguments)] // one gap pair with both readings' context
fn gap_cost(
    sa: Script,
    ga: u8,
    sb: Script,
    gb: u8,
    internal: bool,
    ea: bool,
    eb: bool,
    last: bool,
) -> f32 {
    match (sa == Script::Arabic, sb == Script::Arabic) {
        (true, true) => {
            let carrier = (ga | gb) & gap::CARRIER != 0 && (ga == 0 || gb == 0);
            if carrier || ga & LONGS != gb & LONGS {
                1.0
            } else {
                0.0
            }
        }
        (true, false) => arabic_latin_gap(ga, gb, eb, last),
        (false, true) => arabic_latin_gap(gb, ga, ea, last),
        (false, false) => {
            let (qa, qb) = (ga & QS, gb & QS);
            // Two scholarly spellings both mark length (ʿĀqil ≠ ʿAqīl).
            if ea && eb && qa != 0 && qb != 0 && (ga ^ gb) & LONGS != 0 {
                return 1.0;
            }
            if latin_glides_differ(ga, gb) {
                1.0
            } else if qa == 0 && qb == 0 {
                0.0
            } else if qa == 0 || qb == 0 {
                // A vowel on one side only (Majd / Majid; Fatma / Fatima is attested).
                // An epenthetic e (Fahed, Baker) is not evidence of a vowel.
                let q = qa | qb;
                let schwa = q == gap::Q_A | gap::Q_I | gap::Q_U && (ga | gb) & gap::LONG == 0;
                if internal && !schwa { 0.5 } else { 0.0 }
            } else if (latin_aa(ga) && qb & gap::Q_I != 0) || (latin_aa(gb) && qa & gap::Q_I != 0) {
                // A long a against an i or e (Raad / Raed, Jamaal / Jamel).
                0.5
            } else if qa & qb != 0 {
                0.0
            } else {
                1.0
            }
        }
    }
}

/// Two Latin spellings with a short vowel of different quality before a consonant cluster
/// both write (Zahra / Zohra, Hajri / Hijri, Irfan / Urfan): a long vowel cannot stand in a
/// closed syllable, so the vowel is short, Arabic does not write it, and its quality is no
/// evidence about the written name. A doubled consonant does not count as the cluster: the
/// first vowel is what tells Hassan from Hussein.
fn latin_short_in_closed_syllable(a: &Key, b: &Key, i: usize, n: usize) -> bool {
    let (ga, gb) = (a.vowels.gap(i), b.vowels.gap(i));
    i + 2 < n
        && ga & QS != 0
        && gb & QS != 0
        && (ga | gb) & gap::LONG == 0
        && a.vowels.gap(i + 1) == 0
        && b.vowels.gap(i + 1) == 0
        && !a.vowels.geminated(i)
        && !b.vowels.geminated(i)
}

/// Two Latin spellings that differ only in an i or u of a first open syllable, the rest of
/// the word spelled alike (Nihad / Nuhad, Hisham / Husham): Arabic writes no short vowel,
/// and the vocalization of such names varies (نهاد Nihād or Nuhād). An a stays evidence,
/// it also writes the ā of فاعل (Zahir ≠ Zuhir). The next gap must be spelled the same and
/// stand inside the word, so Lina ≠ Luna keeps its final long vowel.
fn latin_first_open_short(a: &Key, b: &Key, i: usize, n: usize) -> bool {
    let (ga, gb) = (a.vowels.gap(i), b.vowels.gap(i));
    let next = a.vowels.gap(2);
    let iu = |g: u8| latin_i(g) || latin_u(g);
    // An a against an i or u too when the next vowel is an a both spell alike: the ā of
    // فِعال / فُعال, after which the first vowel is short and unwritten (جنان Jinan / Janan,
    // رحاب Rihab / Rahab, شحاتة Shihata / Shahata). Before another vowel an a may be the ā
    // of فاعل (Zahir ≠ Zuhir).
    let a_before_a = (latin_a(ga) || latin_a(gb)) && next & gap::Q_A != 0;
    i == 1
        && n >= 4
        && a.vowels.gap(0) == 0
        && b.vowels.gap(0) == 0
        && ((iu(ga) && iu(gb)) || (a_before_a && (iu(ga) || iu(gb))))
        && (ga | gb) & gap::LONG == 0
        && !a.vowels.geminated(1)
        && !b.vowels.geminated(1)
        && next & QS != 0
        && next == b.vowels.gap(2)
        && !a.yod(2)
        && !b.yod(2)
}

/// Two Latin spellings of a word outside the three-radical templates (a nisba, a word of four
/// consonants or more), one of which writes a short vowel inside the word where the other
/// writes none (Malki / Maliki, Tounsi / Tounissi, Hashmi / Hashimi, Nabulsi / Nablusi):
/// Arabic writes no short vowel, so neither spelling shows one. A long spelling (ee, ai …)
/// stays evidence of a written ī, ū or ay. A lone a may be the ā of a longer pattern
/// (مبارك Mbarek ≠ مبروك Mebrouk), so it counts as short only when the next vowel is spelled
/// alike on both sides (Ramadan / Ramdan, Hassanain / Hasnain). In a
/// three-radical word the slot before the last radical is the template (see `Slots`: مجد
/// Majd ≠ ماجد Majid, فضل Fadl ≠ فاضل Fadil), and the rule does not apply.
fn latin_unwritten_short(a: &Key, b: &Key, i: usize, n: usize) -> bool {
    let (ga, gb) = (a.vowels.gap(i), b.vowels.gap(i));
    let g = ga | gb;
    let next = a.vowels.gap(i + 1);
    i > 0
        && i + 1 < n
        && (ga == 0) != (gb == 0)
        && g & gap::LONG == 0
        && (!latin_a(g) || (next != 0 && next == b.vowels.gap(i + 1)))
}

/// Levantine and Maghreb imala: a long ā after the first syllable is often written e
/// (Kamāl / Kamel, Ṭalāl / Talel, ʿArafāt / Arafet; research note §3.2). In the first
/// syllable aa against e stays a doubt (Raad / Raed), and so does a three-radical CaCeC,
/// which reads as فاعل.
fn latin_imala(ga: u8, gb: u8) -> bool {
    (latin_aa(ga) && latin_e(gb)) || (latin_aa(gb) && latin_e(ga))
}

/// A Latin long gap with an i glide only (Naif, Nāyif) against one with a u glide only
/// (Nawaf, Nouaf): ي against و, two different written letters.
fn latin_glides_differ(ga: u8, gb: u8) -> bool {
    let i_only = |g: u8| g & gap::LONG != 0 && g & gap::Q_I != 0 && g & gap::Q_U == 0;
    let u_only = |g: u8| g & gap::LONG != 0 && g & gap::Q_U != 0 && g & gap::Q_I == 0;
    (i_only(ga) && u_only(gb)) || (u_only(ga) && i_only(gb))
}

/// Cost of an i glide before a vowel (Bahia, Lamya; see [`Key::yod`]) in gap `i` of one
/// reading where the other has no ي: an Arabic gap without ي, ʿayn or hamza alone excepted
/// (a short i may stand before them), or a Latin gap with no i, y or e (بهية Bahia ≠ بهاء
/// Baha, لمياء Lamia ≠ لمى Lama, ربيعة Rabia ≠ ربى Ruba).
fn yod_cost(sa: Script, a: &Key, sb: Script, b: &Key, i: usize) -> f32 {
    let lacks = |s: Script, k: &Key| {
        let g = k.vowels.gap(i);
        if s == Script::Arabic {
            g & gap::R_I == 0 && (g & gap::WILD == 0 || g & LONGS != 0)
        } else {
            !k.yod(i) && g & gap::R_I == 0
        }
    };
    let hit = (sa != Script::Arabic && a.yod(i) && lacks(sb, b))
        || (sb != Script::Arabic && b.yod(i) && lacks(sa, a));
    if hit { 1.0 } else { 0.0 }
}

/// Cost of a consonantal Latin w (Fadwa, Fadoua, Hasnaoui; see [`Key::waw`]) in gap `i` of
/// one reading where the other has no و: an Arabic gap without و (unless a ʿayn or hamza a
/// short u may stand before is in it: معاذ Mouad, دعاء Duaa; the ة and a final ء after ا are
/// not), or a Latin gap with no o, u or w, where only a written w counts (see
/// [`Key::waw_w`]): فداء Fida ≠ فدوى Fadwa, Fadoua; الحسني Hasani ≠ الحسناوي Hasnawi.
fn waw_cost(sa: Script, a: &Key, sb: Script, b: &Key, i: usize) -> f32 {
    let last = i + 1 == a.gaps().min(b.gaps());
    let arabic_lacks = |k: &Key| {
        let g = k.vowels.gap(i);
        g & gap::R_U == 0
            && (g & gap::WILD == 0 || (last && k.flags & flag::SILENT_FINAL_WILD != 0))
    };
    let latin_lacks = |k: &Key| !k.waw(i) && k.vowels.gap(i) & gap::R_U == 0;
    let hit = |s: Script, k: &Key, so: Script, o: &Key| {
        s != Script::Arabic
            && if so == Script::Arabic {
                k.waw(i) && arabic_lacks(o)
            } else {
                k.waw_w(i) && latin_lacks(o)
            }
    };
    if hit(sa, a, sb, b) || hit(sb, b, sa, a) {
        1.0
    } else {
        0.0
    }
}

/// Cost of the word-initial gap between an Arabic and a Latin single word. Every Arabic word
/// starts with a consonant: a Latin spelling that starts with a vowel writes an initial ا / أ
/// / إ or ع, which an Arabic word starting with another consonant lacks (اللامي ≠ Alami),
/// unless the vowel is a glued article's before its assimilated doubled letter (الزين
/// Ezzein); an initial ʿayn is always written as a vowel (العلمي ≠ Lami), unlike the hamza of
/// a dropped initial vowel (Brahim, Smail = إبراهيم, إسماعيل).
fn initial_cost(a: &Unit, ka: &Key, b: &Unit, kb: &Key) -> f32 {
    let (ar_unit, ar, la) = match (a.script == Script::Arabic, b.script == Script::Arabic) {
        (true, false) => (a, ka, kb),
        (false, true) => (b, kb, ka),
        // Between two Latin spellings an initial vowel is no evidence: the Maghrebi article
        // glued with or without its vowel (Elarbi = Larbi) and a vowel dropped before a
        // cluster (Brahim = Ibrahim) make it one.
        _ => return 0.0,
    };
    if ar_unit.article && la.vowels.geminated(0) {
        return 0.0;
    }
    if (ar.end | la.end) & crate::skeleton::end::COMPOUND != 0 {
        return 0.0;
    }
    let (g_ar, g_la) = (ar.vowels.gap(0), la.vowels.gap(0));
    let ayn = g_ar & gap::WILD != 0 && g_ar & gap::CARRIER == 0;
    if (g_ar == 0 && g_la & QS != 0) || (ayn && g_la & QS == 0) {
        1.0
    } else {
        0.0
    }
}

/// Cost of a Latin diphthong ai / ay / ei / ey (see [`Key::diphthong`]) in gap `i` of one
/// reading where the other has no ay: an Arabic gap with neither ي nor ʿayn / hamza (which
/// may stand between a and i: سعيد Said, وائل Wail), or a Latin gap spelled with a or aa
/// only (العبيدي Obeidi ≠ العبادي Ebadi). An e or i on the other side may be the same
/// diphthong (Husein, Khiri) and is no evidence.
fn diphthong_cost(sa: Script, a: &Key, sb: Script, b: &Key, i: usize) -> f32 {
    let lacks = |s: Script, k: &Key| {
        let g = k.vowels.gap(i);
        if s == Script::Arabic {
            g & (gap::R_I | gap::WILD) == 0
        } else {
            !k.diphthong(i) && g & QS != 0 && g & (gap::Q_I | gap::Q_U) == 0
        }
    };
    let hit = (sa != Script::Arabic && a.diphthong(i) && lacks(sb, b))
        || (sb != Script::Arabic && b.diphthong(i) && lacks(sa, a));
    if hit { 1.0 } else { 0.0 }
}

/// A Latin word-final i/y (not e): the nisba or long ī (Husseini, Fadi), never an unwritten
/// short vowel.
fn latin_final_i(g: u8) -> bool {
    g & gap::Q_I != 0 && g & (gap::Q_A | gap::WILD) == 0
}

/// Extra cost of the word-final gap: a final i against nothing (حسين / Husseini).
fn final_gap_cost(sa: Script, ga: u8, sb: Script, gb: u8) -> f32 {
    match (sa == Script::Arabic, sb == Script::Arabic) {
        (true, false) if ga & (LONGS | gap::WILD) == 0 && latin_final_i(gb) => 1.0,
        (false, true) if gb & (LONGS | gap::WILD) == 0 && latin_final_i(ga) => 1.0,
        (false, false) if (ga == 0 && latin_final_i(gb)) || (gb == 0 && latin_final_i(ga)) => 1.0,
        _ => 0.0,
    }
}

/// Cost of two word endings (ة against a consonant, a bare final a against i …).
fn end_cost(sa: Script, ea: u8, sb: Script, eb: u8) -> f32 {
    use crate::skeleton::end::*;
    if (ea | eb) & COMPOUND != 0 {
        return 0.0;
    }
    let contradicts = |ar: u8, la: u8| match ar {
        TA => !matches!(la, A | E | AH),
        CONSONANT => matches!(la, A | I | U | AH),
        I => matches!(la, A | E | AH),
        H => la == A,
        // Final ا / ى / اء is a long a (Nada, Huda, Hanaa), never a final i or u.
        A => matches!(la, I | U),
        AYN_I => matches!(la, A | AH),
        _ => false,
    };
    let hit = match (sa == Script::Arabic, sb == Script::Arabic) {
        (true, true) => (ea == TA) != (eb == TA),
        (true, false) => contradicts(ea, eb),
        (false, true) => contradicts(eb, ea),
        (false, false) => matches!(
            (ea, eb),
            (A, CONSONANT | I)
                | (CONSONANT | I, A)
                | (I | U, CONSONANT)
                | (CONSONANT, I | U)
                // -i against -iah / -ieh: ي against يّة, the feminine (Hadi / Hadieh).
                | (I, AH)
                | (AH, I)
                // A Latin -ih (read as ANY) against a bare -a: the feminine (Rabih / Rabia).
                | (ANY, A)
                | (A, ANY)
        ),
    };
    if hit { 1.0 } else { 0.0 }
}

/// The two vowel slots of a three-radical word, where Arabic morphological patterns show:
/// فاعل (ماجد: ā, then a short i), فَعَل / فَعْل (مجد, شرف), فعيل (شريف), فعال (وصال), فعول
/// (نصوح). `v1` is the gap after the first radical, `v2` the gap before the last one.
#[derive(Debug, Clone, Copy)]
struct Slots {
    v1: u8,
    v2: u8,
    /// Second and third radical classes.
    c2: u8,
    c3: u8,
    /// The second radical was written doubled (Latin).
    gem2: bool,
    /// A Turkish/Kurdish reading (see [`crate::skeleton::flag::TURKIC`]).
    turkic: bool,
}

/// The slots of a single-word reading: three consonant classes after no vowel (Majed,
/// ماجد), or two after an initial vowel, ʿayn or hamza (Amer, عامر).
fn slots(script: Script, k: &Key) -> Option<Slots> {
    {
        use crate::skeleton::end::*;
        // Compounds and words ending in a long i / u (the nisba حلبي, Halebi) follow other
        // templates.
        if k.end & COMPOUND != 0 || matches!(k.end & CLASS, I | U | ANY | AYN_I) {
            return None;
        }
    }
    let (c, n) = k.skeleton.classes();
    let g0 = k.vowels.gap(0);
    if n == 2 && g0 == 0 {
        // A dropped final h is the third radical (ناصح, Naseh, Nasouh): the gap before it
        // is the second slot.
        let last = k.vowels.gap(2);
        let dropped_h = if script == Script::Arabic {
            k.end & crate::skeleton::end::CLASS == crate::skeleton::end::H
        } else {
            last & gap::WILD != 0
        };
        if !dropped_h {
            return None;
        }
        return Some(Slots {
            v1: k.vowels.gap(1),
            v2: last & !gap::WILD,
            c2: c[1],
            c3: class::H,
            gem2: k.vowels.geminated(1),
            turkic: k.turkic(),
        });
    }
    let first = match n {
        3 if g0 == 0 => 1,
        2 if g0 != 0 => 0,
        _ => return None,
    };
    Some(Slots {
        v1: k.vowels.gap(first),
        v2: k.vowels.gap(first + 1),
        c2: c[first],
        c3: c[first + 1],
        gem2: k.vowels.geminated(first),
        turkic: k.turkic(),
    })
}

/// A Latin gap spelled with e only (one e, not ee/ei): the Levantine short i of فاعل, an
/// imala or an epenthetic vowel.
fn latin_e(g: u8) -> bool {
    g & (gap::Q_A | gap::Q_I | gap::Q_U) == gap::Q_A | gap::Q_I | gap::Q_U
        && g & (gap::R_U | gap::LONG) == 0
}

/// A Latin gap spelled with a only (a, aa).
fn latin_a(g: u8) -> bool {
    g & (gap::Q_I | gap::Q_U) == 0 && g & gap::Q_A != 0
}

/// A Latin gap spelled with a long a only (aa).
fn latin_aa(g: u8) -> bool {
    latin_a(g) && g & gap::LONG != 0
}

/// A Latin gap spelled with i / y only.
fn latin_i(g: u8) -> bool {
    g & (gap::Q_A | gap::Q_U) == 0 && g & gap::Q_I != 0
}

/// A Latin gap spelled with o / u only.
fn latin_u(g: u8) -> bool {
    g & (gap::Q_A | gap::Q_I) == 0 && g & gap::Q_U != 0
}

/// Latin CaCeC with a single middle consonant (Majed, Samer, Amer): how Levantine spelling
/// writes فاعل. Not in a Turkish reading, where e is also the vowel of an Arabic short a
/// (Cafer = جعفر, Zafer = ظافر), nor with two equal last radicals: a geminate root's فاعل
/// contracts (شادّ), so Talel, Jalel are the imala of فعال (طلال, جلال).
fn latin_faail(s: &Slots) -> bool {
    latin_a(s.v1) && latin_e(s.v2) && !s.gem2 && !s.turkic && s.c2 != s.c3
}

/// A final cluster that Levantine speech (and so Latin spelling) breaks with an e: a guttural
/// before the last radical (Fahed) or a sonorant last radical (Bader, Najem).
fn epenthetic(s: &Slots) -> bool {
    use class::*;
    matches!(s.c2, H | X | G) || matches!(s.c3, R | L | M | N)
}

/// Arabic pattern against a Latin spelling's vowel slots.
fn pattern_arabic_latin(ar: &Slots, la: &Slots) -> f32 {
    let (a1, a2) = (ar.v1 & (LONGS | gap::WILD), ar.v2 & (LONGS | gap::WILD));
    if a1 & gap::R_A != 0 && a1 & (gap::R_I | gap::R_U) == 0 && a2 == 0 {
        // فاعل: the second slot is a short i (Majid, Majed, Samer), never a or u
        // (حامد ≠ Hamad); a vowel after a doubled consonant is not after ā (صادق ≠ Seddik).
        let mut p = 0.0;
        if la.v2 != 0 && la.v2 & gap::Q_I == 0 {
            p += 1.0;
        }
        if la.gem2 {
            p += 0.5;
        }
        return p;
    }
    if a1 & LONGS != 0 || (ar.v1 & gap::WILD != 0 && ar.v1 & gap::CARRIER != 0) {
        return 0.0;
    }
    match a2 {
        0 => {
            // فَعَل / فَعْل: a, nothing, or an epenthetic e; not i (شرف ≠ Sharif), and CaCeC
            // reads as فاعل unless the cluster invites an epenthetic e (مجد ≠ Majed). A
            // doubled middle radical (Muallim, Mudarris) is a shadda: the word is مُفَعِّل or
            // فَعَّل, not فَعْل, and its vowel after the shadda may be i.
            if latin_i(la.v2) && !latin_e(la.v1) && !la.gem2 {
                1.0
            } else if (latin_u(la.v2) && !latin_u(la.v1)) || (latin_faail(la) && !epenthetic(la)) {
                0.5
            } else {
                0.0
            }
        }
        // فعال: a, aa; a single-consonant CaCeC is فاعل (وصال ≠ Wasel).
        gap::R_A if latin_faail(la) => 0.5,
        // فعيل: i, ee, y; a lone e is the short i of فاعل (صديق ≠ Sadek).
        gap::R_I if latin_e(la.v2) => 0.5,
        _ => 0.0,
    }
}

/// Two Latin spellings' vowel slots: CaCeC (فاعل) against CaCaC, CaCoC, CaCC or CaCeeC.
fn pattern_latin_latin(a: &Slots, b: &Slots) -> f32 {
    let one = |x: &Slots, y: &Slots| -> f32 {
        if !latin_faail(x) {
            return 0.0;
        }
        if y.v2 == 0 {
            if epenthetic(x) { 0.0 } else { 0.5 }
        } else if y.v2 & gap::Q_I == 0 || (y.v2 & gap::LONG != 0 && y.v2 & gap::R_I != 0) {
            0.5
        } else {
            0.0
        }
    };
    one(a, b).max(one(b, a))
}

/// Penalty of the morphological-pattern checks (see [`Slots`]).
fn pattern_penalty(sa: Script, a: &Key, sb: Script, b: &Key) -> f32 {
    let (Some(x), Some(y)) = (slots(sa, a), slots(sb, b)) else {
        return 0.0;
    };
    match (sa == Script::Arabic, sb == Script::Arabic) {
        (true, false) => pattern_arabic_latin(&x, &y),
        (false, true) => pattern_arabic_latin(&y, &x),
        (false, false) => pattern_latin_latin(&x, &y),
        (true, true) => 0.0,
    }
}

/// Vowel-anchor penalty of two readings with skeletons of the same length (§4.4), word
/// endings and morphological patterns included.
pub fn vowel_penalty(sa: Script, a: &Key, sb: Script, b: &Key) -> f32 {
    vowel_penalty_with(sa, a, sb, b, true)
}

/// [`vowel_penalty`] with or without the morphological-pattern checks. The lexicon's
/// nearest-spelling search leaves them out: a spelling one letter from an attested one
/// (Jamel, attested Djamel / Jemal) is evidence in its own right.
pub(crate) fn vowel_penalty_with(sa: Script, a: &Key, sb: Script, b: &Key, patterns: bool) -> f32 {
    let n = a.gaps().min(b.gaps());
    let mut p = 0.0;
    let both_latin = sa != Script::Arabic && sb != Script::Arabic;
    // Three-radical words read their vowels by template (see `Slots`): there CaCeC is فاعل
    // and not an imala (Kamel / Kamaal, Sameh / Samaah). Computed only when needed.
    // A geminate root has no such فاعل (see `latin_faail`): Talaal / Talel is an imala.
    let template = || {
        let faail = |s: Slots| s.c2 != s.c3;
        slots(sa, a).is_some_and(faail) || slots(sb, b).is_some_and(faail)
    };
    // A two-letter Arabic word hides its long vowels (طه Ṭāhā): no exact reading against it.
    let hidden = |s: Script, k: &Key| {
        s == Script::Arabic
            && k.end & crate::skeleton::end::CLASS == crate::skeleton::end::ANY
            && k.skeleton.len() <= 2
    };
    let exact_a = sa != Script::Arabic && a.flags & flag::EXACT != 0 && !hidden(sb, b);
    let exact_b = sb != Script::Arabic && b.flags & flag::EXACT != 0 && !hidden(sa, a);
    let any_yod = (a.yod | b.yod) != 0;
    let any_diph = (a.diph | b.diph) != 0;
    let any_waw = (a.waw | b.waw) != 0;
    // Outside the three-radical templates (see `latin_unwritten_short`). Computed only when
    // a gap needs it.
    let untemplated = || a.skeleton.len() >= 3 && slots(sa, a).is_none() && slots(sb, b).is_none();
    for i in 0..n {
        let (ga, gb) = (a.vowels.gap(i), b.vowels.gap(i));
        if any_yod {
            p += yod_cost(sa, a, sb, b, i);
        }
        if any_waw {
            p += waw_cost(sa, a, sb, b, i);
        }
        if any_diph {
            p += diphthong_cost(sa, a, sb, b, i);
        }
        if both_latin && latin_unwritten_short(a, b, i, n) && untemplated() {
            continue;
        }
        // Levantine drops the short vowel of a first open syllable before a long one
        // (Droubi / Durubi, Sleiman / Suleiman, Knan / Kinan).
        if both_latin
            && i == 1
            && n >= 3
            && a.vowels.gap(0) == 0
            && b.vowels.gap(0) == 0
            && ((ga == 0 && a.vowels.gap(2) != 0) || (gb == 0 && b.vowels.gap(2) != 0))
        {
            continue;
        }
        if both_latin
            && (latin_short_in_closed_syllable(a, b, i, n) || latin_first_open_short(a, b, i, n))
        {
            continue;
        }
        if both_latin && i >= 2 && latin_imala(ga, gb) && !template() {
            continue;
        }
        p += gap_cost(
            sa,
            ga,
            sb,
            gb,
            i > 0 && i + 1 < n,
            exact_a,
            exact_b,
            i + 1 == n,
        );
    }
    if patterns {
        p += pattern_penalty(sa, a, sb, b);
    }
    if n > 1 {
        p += final_gap_cost(sa, a.vowels.gap(n - 1), sb, b.vowels.gap(n - 1));
    }
    // Arabic phonotactics: a long vowel is never followed by a word-final pair of consonants,
    // so ماجد has a vowel between ج and د that a Latin spelling must show (Majid, not Majd).
    // Inside a word the cluster is real in loans and nisbas (مارديني, Mardini), and so it is
    // before a written final vowel (روجدا Rojda). After a و or ي that the Latin spelling
    // shows with its own vowel (بروسك Brusk, Birusk) the cluster is a Kurdish or Persian
    // word's: the Arabic names that a vowel-less Latin cluster would write instead are
    // فَعْل / فُعْل (مجد Majd, رشد Rushd), whose vowel stands before the second radical, not
    // before the cluster, and stays evidence.
    let (ar, la, ar_key, la_key) = match (sa == Script::Arabic, sb == Script::Arabic) {
        (true, false) => (true, true, a, b),
        (false, true) => (true, true, b, a),
        _ => (false, false, a, b),
    };
    let single_word = (a.end | b.end) & crate::skeleton::end::COMPOUND == 0
        && ar_key.end & crate::skeleton::end::CLASS != crate::skeleton::end::TA;
    if ar && la && single_word && n >= 3 && ar_key.vowels.gap(n - 1) & LONGS == 0 {
        let i = n - 3;
        let (g, next) = (ar_key.vowels.gap(i), ar_key.vowels.gap(i + 1));
        if g & LONGS != 0 && next == 0 && la_key.vowels.gap(i + 1) & QS == 0 {
            let lg = la_key.vowels.gap(i);
            let glide_shown = g & gap::R_A == 0
                && ((g & gap::R_U != 0 && latin_u(lg)) || (g & gap::R_I != 0 && latin_i(lg)));
            if !glide_shown {
                p += 1.0;
            }
        }
    }
    if both_latin && n > 1 {
        // -ah / -eh is ة (or ح, ه) after a vowel; a spelling that ends on the bare consonant
        // instead is another name (Fadil / Fadilah), unlike Salih / Saleh.
        use crate::skeleton::end::{AH, CONSONANT};
        let bare = |k: &Key| k.end == CONSONANT && k.vowels.gap(n - 1) == 0;
        if (a.end == AH && bare(b)) || (b.end == AH && bare(a)) {
            p += 1.0;
        }
        // A final glide + e is the Turkish feminine -iye (يّة), not the -i of ي (Fevzi /
        // Fevziye, as Hadi / Hadieh).
        use crate::skeleton::end::{E, I};
        let iye = |k: &Key| k.end == E && k.yod(n - 1);
        if (a.end == I && iye(b)) || (b.end == I && iye(a)) {
            p += 1.0;
        }
    }
    // Two Arabic spellings that merge a dropped final ح on different sides of a long vowel
    // (فتحية / فتيحة, صبحي / صبيح) are two words; a Latin spelling cannot show which.
    use crate::skeleton::flag::H_BEFORE_LONG;
    if sa == Script::Arabic && sb == Script::Arabic && (a.flags ^ b.flags) & H_BEFORE_LONG != 0 {
        p += 1.0;
    }
    // The same for a Latin spelling: the vowel after its dropped final h shows which side
    // of the ح the long ī / ū stood on (فتحية Fathia ≠ فتيحة Fatiha, صبحي Subhi ≠ صبيح Sabih).
    // An Arabic ا after the ح (ضحى, نهى) is a Latin a, which says nothing.
    use crate::skeleton::flag::{H_BEFORE_IU, H_DROPPED};
    if !(sa == Script::Arabic && sb == Script::Arabic) && a.flags & b.flags & H_DROPPED != 0 {
        let a_only = |s: Script, k: &Key| {
            s == Script::Arabic && k.flags & H_BEFORE_LONG != 0 && k.flags & H_BEFORE_IU == 0
        };
        if !a_only(sa, a) && !a_only(sb, b) && (a.flags ^ b.flags) & H_BEFORE_IU != 0 {
            p += 1.0;
        }
    }
    p + end_cost(sa, a.end, sb, b.end)
}

fn is_particle(k: UnitKind) -> bool {
    matches!(
        k,
        UnitKind::Abd | UnitKind::Abu | UnitKind::Umm | UnitKind::Bin
    )
}

/// A بن compound against a simple unit whose skeleton is as long: the same family name
/// written glued (Maghrebi بنكيران, Benkirane = Ben Kirane, Bin Kīrān), whose letters the
/// skeletons then compare. A bare stem is shorter by the particle's two letters and stays
/// another name (Kirane ≠ Ben Kirane): the particle check is kept for it. Only بن: an أبو
/// compound's skeleton does not keep the particle's letters.
fn glued_bin(a: &Unit, b: &Unit) -> bool {
    let one = |x: &Unit, y: &Unit| {
        x.kind == UnitKind::Bin
            && y.kind == UnitKind::Simple
            && x.keys.iter().any(|kx| {
                y.keys
                    .iter()
                    .any(|ky| kx.skeleton.len() == ky.skeleton.len())
            })
    };
    one(a, b) || one(b, a)
}

fn intersects(a: &[u16], b: &[u16]) -> bool {
    a.iter().any(|x| b.contains(x))
}

/// Attested-variant evidence: Some(true) same unit, Some(false) different units, None unknown.
fn lexicon_evidence(a: &Unit, b: &Unit) -> Option<(bool, bool)> {
    let (ea, eb) = (!a.groups.is_empty(), !b.groups.is_empty());
    let ga = if ea { &a.groups } else { &a.near };
    let gb = if eb { &b.groups } else { &b.near };
    if ga.is_empty() || gb.is_empty() {
        return None;
    }
    Some((intersects(ga, gb), ea && eb))
}

/// Compares two units. Symmetric: `compare_units(a, b)` and `compare_units(b, a)` agree.
pub fn compare_units(a: &Unit, b: &Unit) -> UnitMatch {
    // A double given name against a single unit: compare with each part.
    let a_dg = a.kind == UnitKind::DoubleGiven;
    let b_dg = b.kind == UnitKind::DoubleGiven;
    if a_dg != b_dg {
        let (dg, other) = if a_dg { (a, b) } else { (b, a) };
        let whole = compare_simple(dg, other);
        if whole.level.is_match() {
            return whole;
        }
        let mut best = whole;
        for p in &dg.parts {
            let m = compare_simple(p, other);
            if m.level.is_match() && (!best.level.is_match() || m.similarity > best.similarity) {
                best = m;
            }
        }
        if best.level.is_match() && best.reason != Reason::PartOfDoubleName {
            best.level = Level::Close;
            best.similarity = (best.similarity * 0.85).max(0.6);
            best.reason = Reason::PartOfDoubleName;
        }
        return best;
    }
    compare_simple(a, b)
}

fn compare_simple(a: &Unit, b: &Unit) -> UnitMatch {
    if a.keys.is_empty() || b.keys.is_empty() {
        return UnitMatch::new(Level::Different, 0.0, Reason::Empty);
    }
    if (is_particle(a.kind) || is_particle(b.kind)) && a.kind != b.kind && !glued_bin(a, b) {
        return UnitMatch::new(Level::Different, 0.2, Reason::Particle);
    }
    if a.script == b.script && a.key_id == b.key_id && a.key == b.key {
        return UnitMatch::new(Level::Exact, 1.0, Reason::SameKey);
    }
    let evidence = lexicon_evidence(a, b);
    if let Some((true, true)) = evidence {
        return UnitMatch::new(Level::Variant, 0.97, Reason::AttestedSame);
    }
    // Rules: best reading pair.
    let mut best_eq: Option<f32> = None;
    // Pattern part of the best same-skeleton penalty (see `pen_ok`).
    let mut best_eq_pat = 0.0f32;
    let mut best_d = f32::INFINITY;
    let mut best_d_pen = 0.0f32;
    let mut min_len = usize::MAX;
    // A scholarly spelling writes ص, ظ, ج, ق, خ, ب as such: against Arabic script or another
    // scholarly spelling, the cheap pairs of casual spellings (s for z, g for ج) do not apply.
    let exact = |u: &Unit, k: &Key| u.script == Script::Arabic || k.flags & flag::EXACT != 0;
    // Exact readings against Arabic script or another scholarly spelling, the plain readings
    // of a scholarly spelling against casual spellings only.
    let has_exact = |u: &Unit| u.keys.iter().any(|k| k.flags & flag::EXACT != 0);
    let (a_exact, b_exact) = (has_exact(a), has_exact(b));
    let usable = |k: &Key, own_exact: bool, other: &Unit, other_exact: bool| {
        if k.flags & flag::EXACT != 0 {
            other.script == Script::Arabic || other_exact
        } else {
            !own_exact || (other.script != Script::Arabic && !other_exact)
        }
    };
    for ka in &a.keys {
        if !usable(ka, a_exact, b, b_exact) {
            continue;
        }
        for kb in &b.keys {
            if !usable(kb, b_exact, a, a_exact) {
                continue;
            }
            if (ka.flags & flag::L_ARTICLE != 0 && !b.article)
                || (kb.flags & flag::L_ARTICLE != 0 && !a.article)
            {
                continue;
            }
            if ka.skeleton == kb.skeleton {
                let p = vowel_penalty(a.script, ka, b.script, kb) + initial_cost(a, ka, b, kb);
                let pat = pattern_penalty(a.script, ka, b.script, kb);
                match best_eq {
                    Some(q) if q < p => {}
                    // Ties keep the smaller pattern part, whatever the reading order.
                    Some(q) if q == p => best_eq_pat = best_eq_pat.min(pat),
                    _ => {
                        best_eq = Some(p);
                        best_eq_pat = pat;
                    }
                }
            } else {
                let (la, lb) = (ka.skeleton.len(), kb.skeleton.len());
                if la.abs_diff(lb) > 2 {
                    continue;
                }
                let d = if exact(a, ka) && exact(b, kb) {
                    class_distance_in::<true>(ka.skeleton, kb.skeleton, [0, 0], [0, 0])
                } else {
                    class_distance_in::<false>(
                        ka.skeleton,
                        kb.skeleton,
                        [ka.soft_s, ka.hard_td],
                        [kb.soft_s, kb.hard_td],
                    )
                };
                let pen = if la == lb {
                    vowel_penalty(a.script, ka, b.script, kb) + initial_cost(a, ka, b, kb)
                } else {
                    0.0
                };
                if d + 0.5 * pen < best_d + 0.5 * best_d_pen {
                    best_d = d;
                    best_d_pen = pen;
                    min_len = la.min(lb);
                }
            }
        }
    }
    let near_same = matches!(evidence, Some((true, false)));
    if let Some((false, _)) = evidence {
        let mut m = UnitMatch::new(Level::Different, 0.4, Reason::AttestedDifferent);
        m.vowel_penalty = best_eq.unwrap_or(0.0);
        return m;
    }
    let both_latin = a.script != Script::Arabic && b.script != Script::Arabic;
    // Compounds are long and distinctive; their stems are often spelled with a long vowel
    // the Arabic does not write (الرحمن, Raḥmān).
    let compound = !matches!(a.kind, UnitKind::Simple | UnitKind::Abbreviation)
        || !matches!(b.kind, UnitKind::Simple | UnitKind::Abbreviation);
    // Near an attested spelling, a doubtful vowel is tolerated; between two Latin spellings
    // the pattern check compares the spellings themselves and is not (Samer / Samar).
    let pen_ok = |p: f32, pat: f32| {
        if near_same {
            if both_latin {
                p <= 1.0 && pat == 0.0
            } else {
                p <= 0.5
            }
        } else if compound {
            p <= 0.5
        } else {
            p == 0.0
        }
    };
    if let Some(p) = best_eq {
        if pen_ok(p, best_eq_pat) {
            let mut m = UnitMatch::new(Level::Skeleton, 0.92 - 0.1 * p, Reason::SameSkeleton);
            m.vowel_penalty = p;
            return m;
        }
        let mut m = UnitMatch::new(
            Level::Different,
            (0.55 - 0.1 * p).max(0.2),
            Reason::VowelAnchor,
        );
        m.vowel_penalty = p;
        if !best_d.is_finite() || best_d > 0.6 {
            return m;
        }
    }
    if best_d.is_finite() {
        let limit = match min_len {
            0..=2 => 0.4,
            3..=5 => 0.6,
            _ => 1.0,
        };
        let limit = if near_same { limit + 0.5 } else { limit };
        if best_d <= limit && pen_ok(best_d_pen, 0.0) {
            let mut m = UnitMatch::new(
                Level::Close,
                (0.88 - 0.2 * best_d - 0.1 * best_d_pen).max(0.6),
                Reason::EditDistance,
            );
            m.distance = best_d;
            m.vowel_penalty = best_d_pen;
            return m;
        }
        let reason = if best_d <= limit {
            Reason::VowelAnchor
        } else {
            Reason::Consonants
        };
        let mut m = UnitMatch::new(Level::Different, (0.55 - 0.2 * best_d).max(0.0), reason);
        m.distance = best_d;
        m.vowel_penalty = best_d_pen;
        return m;
    }
    UnitMatch::new(Level::Different, 0.0, Reason::Consonants)
}

/// One aligned pair of units in a [`NameMatch`].
#[derive(Debug, Clone, Serialize)]
pub struct AlignedPair {
    /// Index of the left unit (in `Name::units`).
    pub left: usize,
    /// Index of the right unit.
    pub right: usize,
    /// The left unit's text (or the part of a double given name).
    pub left_text: String,
    /// The right unit's text.
    pub right_text: String,
    /// Unit comparison.
    #[serde(flatten)]
    pub unit: UnitMatch,
}

/// Result of [`compare_names`].
#[derive(Debug, Clone, Serialize)]
pub struct NameMatch {
    /// 0..1, higher is more alike.
    pub score: f32,
    /// True when the two names can be the same name: every unit of one of them is matched
    /// and no unit of either contradicts the other.
    pub same: bool,
    /// Matched units.
    pub pairs: Vec<AlignedPair>,
    /// Texts of the left units left unmatched.
    pub unmatched_left: Vec<String>,
    /// Texts of the right units left unmatched.
    pub unmatched_right: Vec<String>,
    /// Matched units appear in a different order.
    pub reordered: bool,
    /// One-line explanation.
    pub reason: String,
}

/// A name's comparable atoms: units, with double given names split into their parts.
fn atoms(n: &Name) -> Vec<(usize, &Unit)> {
    let mut out = Vec::with_capacity(n.units.len() + 1);
    for (i, u) in n.units.iter().enumerate() {
        if u.kind == UnitKind::DoubleGiven && !u.parts.is_empty() {
            for p in &u.parts {
                out.push((i, p));
            }
        } else {
            out.push((i, u));
        }
    }
    out
}

/// Maximum-weight assignment of rows to distinct columns (exact for up to 12 columns,
/// greedy beyond). Weights ≤ 0 are never assigned.
fn assign(w: &[Vec<f32>], rows: usize, cols: usize) -> Vec<Option<usize>> {
    if cols <= 12 && rows <= 12 {
        // DP over rows with a bitmask of used columns.
        let full = 1usize << cols;
        let mut dp = vec![f32::NEG_INFINITY; full];
        let mut choice = vec![vec![usize::MAX; full]; rows];
        dp[0] = 0.0;
        for (r, row) in w.iter().enumerate().take(rows) {
            let mut next = vec![f32::NEG_INFINITY; full];
            let mut ch = vec![usize::MAX; full];
            for mask in 0..full {
                let v = dp[mask];
                if v == f32::NEG_INFINITY {
                    continue;
                }
                if v > next[mask] {
                    next[mask] = v;
                    ch[mask] = usize::MAX;
                }
                for (c, &x) in row.iter().enumerate().take(cols) {
                    if x > 0.0 && mask & (1 << c) == 0 {
                        let m2 = mask | (1 << c);
                        if v + x > next[m2] {
                            next[m2] = v + x;
                            ch[m2] = c;
                        }
                    }
                }
            }
            dp = next;
            choice[r] = ch;
        }
        let mut mask = (0..full)
            .max_by(|&a, &b| {
                dp[a]
                    .partial_cmp(&dp[b])
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(0);
        let mut out = vec![None; rows];
        for r in (0..rows).rev() {
            let c = choice[r][mask];
            if c != usize::MAX {
                out[r] = Some(c);
                mask &= !(1 << c);
            }
        }
        out
    } else {
        let mut cells: Vec<(f32, usize, usize)> = Vec::new();
        for (r, row) in w.iter().enumerate() {
            for (c, &x) in row.iter().enumerate() {
                if x > 0.0 {
                    cells.push((x, r, c));
                }
            }
        }
        cells.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        let mut out = vec![None; rows];
        let mut used = vec![false; cols];
        for (_, r, c) in cells {
            if out[r].is_none() && !used[c] {
                out[r] = Some(c);
                used[c] = true;
            }
        }
        out
    }
}

/// Compares two whole names, allowing missing, extra and reordered units.
///
/// Symmetric: the alignment is computed in one canonical orientation (by the units' texts)
/// and mirrored, so equally good alignments chosen differently in the two directions cannot
/// give `compare_names(a, b)` and `compare_names(b, a)` different scores.
pub fn compare_names(a: &Name, b: &Name) -> NameMatch {
    fn key(n: &Name) -> Vec<&str> {
        n.units.iter().map(|u| u.text.as_str()).collect()
    }
    let mut m = if key(a) <= key(b) {
        compare_names_oriented(a, b)
    } else {
        mirror(compare_names_oriented(b, a))
    };
    m.reason = name_reason(
        a.units.is_empty() || b.units.is_empty(),
        m.pairs.len(),
        &m.unmatched_left,
        &m.unmatched_right,
        m.reordered,
    );
    m
}

/// The same comparison seen from the other side (the reason is written by the caller).
fn mirror(m: NameMatch) -> NameMatch {
    let mut pairs: Vec<AlignedPair> = m
        .pairs
        .into_iter()
        .map(|p| AlignedPair {
            left: p.right,
            right: p.left,
            left_text: p.right_text,
            right_text: p.left_text,
            unit: p.unit,
        })
        .collect();
    pairs.sort_by_key(|p| (p.left, p.right));
    NameMatch {
        pairs,
        unmatched_left: m.unmatched_right,
        unmatched_right: m.unmatched_left,
        ..m
    }
}

/// The one-line explanation of a name comparison.
fn name_reason(
    no_letters: bool,
    k: usize,
    unmatched_left: &[String],
    unmatched_right: &[String],
    reordered: bool,
) -> String {
    let conflict = !unmatched_left.is_empty() && !unmatched_right.is_empty();
    if no_letters {
        "a name has no letters".to_string()
    } else if k == 0 {
        "no unit matches".to_string()
    } else if conflict {
        format!(
            "units disagree: {} vs {}",
            unmatched_left.join(" "),
            unmatched_right.join(" ")
        )
    } else if unmatched_left.is_empty() && unmatched_right.is_empty() {
        format!(
            "all {k} units match{}",
            if reordered { " (reordered)" } else { "" }
        )
    } else {
        let missing = if unmatched_left.is_empty() {
            unmatched_right
        } else {
            unmatched_left
        };
        format!(
            "{k} units match, {} only on one side: {}{}",
            missing.len(),
            missing.join(" "),
            if reordered { " (reordered)" } else { "" }
        )
    }
}

/// [`compare_names`] with `a` on the left, as given; the reason is left empty.
fn compare_names_oriented(a: &Name, b: &Name) -> NameMatch {
    let xa = atoms(a);
    let xb = atoms(b);
    let (na, nb) = (xa.len(), xb.len());
    let mut m = vec![vec![UnitMatch::new(Level::Different, 0.0, Reason::Empty); nb]; na];
    let mut w = vec![vec![0.0f32; nb]; na];
    for (i, (_, ua)) in xa.iter().enumerate() {
        for (j, (_, ub)) in xb.iter().enumerate() {
            let r = compare_units(ua, ub);
            if r.level.is_match() {
                // Prefer the positional alignment among equally good ones; symmetric in i, j.
                let pos = (i as f32 / na.max(1) as f32 - j as f32 / nb.max(1) as f32).abs();
                w[i][j] = r.similarity + 0.05 - 0.01 * pos;
            }
            m[i][j] = r;
        }
    }
    let asg = assign(&w, na, nb);
    let mut pairs = Vec::new();
    let mut used_b = vec![false; nb];
    let mut used_a = vec![false; na];
    for (i, c) in asg.iter().enumerate() {
        if let Some(j) = *c {
            used_a[i] = true;
            used_b[j] = true;
            pairs.push(AlignedPair {
                left: xa[i].0,
                right: xb[j].0,
                left_text: xa[i].1.text.clone(),
                right_text: xb[j].1.text.clone(),
                unit: m[i][j],
            });
        }
    }
    let unmatched_left: Vec<String> = xa
        .iter()
        .zip(&used_a)
        .filter(|(_, u)| !**u)
        .map(|((_, x), _)| x.text.clone())
        .collect();
    let unmatched_right: Vec<String> = xb
        .iter()
        .zip(&used_b)
        .filter(|(_, u)| !**u)
        .map(|((_, x), _)| x.text.clone())
        .collect();
    let reordered = {
        let mut sorted = pairs.clone();
        sorted.sort_by_key(|p| p.left);
        sorted.windows(2).any(|w| w[1].right < w[0].right)
    };
    let k = pairs.len();
    let conflict = !unmatched_left.is_empty() && !unmatched_right.is_empty();
    let same = k > 0 && !conflict;
    let sum: f32 = pairs.iter().map(|p| p.unit.similarity).sum();
    let unmatched = (unmatched_left.len() + unmatched_right.len()) as f32;
    let score = if k == 0 {
        0.0
    } else {
        let denom = k as f32 + if conflict { unmatched } else { 0.3 * unmatched };
        let s = sum / denom;
        if reordered { s * 0.95 } else { s }
    };
    NameMatch {
        score: score.clamp(0.0, 1.0),
        same,
        pairs,
        unmatched_left,
        unmatched_right,
        reordered,
        reason: String::new(),
    }
}

/// A name role of a split record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Given name.
    Given,
    /// Father's given name.
    Father,
    /// Grandfather's given name.
    Grandfather,
    /// Family name.
    Family,
    /// Mother's given name.
    MotherGiven,
    /// Mother's family name.
    MotherFamily,
}

impl Role {
    /// Weight of the role in the overall score (missing grandfather: tiny; family: large).
    pub fn weight(self) -> f32 {
        match self {
            Role::Given | Role::Family => 1.0,
            Role::Father => 0.8,
            Role::MotherGiven => 0.6,
            Role::MotherFamily => 0.4,
            Role::Grandfather => 0.3,
        }
    }
}

/// One role compared in a [`RoleMatch`].
#[derive(Debug, Clone, Serialize)]
pub struct RoleComparison {
    /// The role on the left.
    pub role: Role,
    /// The role on the right it was compared with (differs when swapped).
    pub against: Role,
    /// The name comparison.
    pub result: NameMatch,
}

/// Result of [`compare_roles`].
#[derive(Debug, Clone, Serialize)]
pub struct RoleMatch {
    /// Weighted score over the roles present on both sides, 0..1.
    pub score: f32,
    /// Every role present on both sides can be the same name.
    pub same: bool,
    /// Per role.
    pub roles: Vec<RoleComparison>,
    /// Given and family names were swapped on one side ("LAST, First").
    pub swapped: bool,
}

fn role_pairs(a: &RoleNames, b: &RoleNames, swap: bool) -> Vec<RoleComparison> {
    let mut out = Vec::new();
    for role in [
        Role::Given,
        Role::Father,
        Role::Grandfather,
        Role::Family,
        Role::MotherGiven,
        Role::MotherFamily,
    ] {
        let against = match (swap, role) {
            (true, Role::Given) => Role::Family,
            (true, Role::Family) => Role::Given,
            _ => role,
        };
        if let (Some(x), Some(y)) = (a.get(role), b.get(against))
            && !x.units.is_empty()
            && !y.units.is_empty()
        {
            out.push(RoleComparison {
                role,
                against,
                result: compare_names(x, y),
            });
        }
    }
    out
}

fn summarize(roles: Vec<RoleComparison>, swapped: bool) -> RoleMatch {
    let mut wsum = 0.0;
    let mut ssum = 0.0;
    let mut same = !roles.is_empty();
    for r in &roles {
        let w = r.role.weight();
        wsum += w;
        ssum += w * r.result.score;
        same &= r.result.same;
    }
    let score = if wsum > 0.0 { ssum / wsum } else { 0.0 };
    let score = if swapped { score * 0.9 } else { score };
    RoleMatch {
        score,
        same,
        roles,
        swapped,
    }
}

/// Compares two names split into roles: given with given, father with father, …; tries the
/// given/family swap too and keeps it when it explains the pair better.
pub fn compare_roles(a: &RoleNames, b: &RoleNames) -> RoleMatch {
    let straight = summarize(role_pairs(a, b, false), false);
    if straight.same {
        return straight;
    }
    let swapped = summarize(role_pairs(a, b, true), true);
    if swapped.same && !swapped.roles.is_empty() {
        return swapped;
    }
    straight
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Unit {
        Name::parse(s).units.into_iter().next().expect("one unit")
    }

    #[test]
    fn r3_basic_levels() {
        assert_eq!(compare_units(&u("محمد"), &u("مُحمّد")).level, Level::Exact);
        assert_eq!(
            compare_units(&u("محمد"), &u("Mohammed")).level,
            Level::Variant
        );
        assert_eq!(compare_units(&u("حسن"), &u("حسين")).level, Level::Different);
    }

    #[test]
    fn class_distance_costs() {
        let a = u("Monzer").keys[0].skeleton;
        let b = u("منذر").keys[0].skeleton;
        assert!((class_distance(a, b) - 0.3).abs() < 1e-6);
    }
}
