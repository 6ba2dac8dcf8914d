//! The name lexicon as data: titles, particles, abbreviations, the article exception list
//! (research note P1) and the attested-variant table (`data/variants.tsv`, note §3.3).
//!
//! The variant table is evidence only: a spelling attested for the same Arabic unit is a
//! strong match, spellings attested for different units are a strong non-match; everything
//! else falls through to the skeleton rules.

use crate::skeleton::flag::L_ARTICLE;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::unit::{Unit, build_units_plain};

/// The attested-variant table (Arabic unit, tab, Latin spellings separated by `|`).
pub const VARIANTS_TSV: &str = include_str!("../data/variants.tsv");

/// Arabic titles and status words stripped into a name's `titles` (note §2.3).
pub const ARABIC_TITLES: &[&str] = &[
    "الشهيد",
    "الشهيدة",
    "شهيد",
    "المعتقل",
    "المعتقلة",
    "معتقل",
    "الطفل",
    "الطفلة",
    "المرحوم",
    "المرحومة",
    "الحاج",
    "الحاجة",
    "حاج",
    "الحجي",
    "السيد",
    "السيدة",
    "الآنسة",
    "الدكتور",
    "الدكتورة",
    "دكتور",
    "د",
    "المهندس",
    "المهندسة",
    "الشيخ",
    "الأستاذ",
    "الأستاذة",
    "الاستاذ",
];

/// Latin titles stripped into a name's `titles`.
pub const LATIN_TITLES: &[&str] = &[
    "dr", "doctor", "eng", "engineer", "haj", "hajj", "hajji", "hadj", "hadji", "hajja", "hajjeh",
    "sheikh", "shaikh", "cheikh", "sheik", "martyr", "mr", "mrs", "ms", "miss", "prof", "the",
    "late", "mme", "mlle",
];

/// Word-initial ال that is not the article: names beginning with hamzated alef typed without
/// the hamza (note P1).
pub const ARTICLE_EXCEPTIONS: &[&str] = &[
    "الياس",
    "الهام",
    "الفت",
    "الماس",
    "اليسار",
    "اليسع",
    "اليس",
    "الين",
    "البير",
    "اليان",
];

/// Latin article tokens, plain and sun-letter assimilated (note §2.3 rule 4).
pub const LATIN_ARTICLES: &[&str] = &[
    "al", "el", "ul", "il", "ad", "ar", "as", "ash", "at", "az", "an", "ed", "er", "es", "et",
    "ez", "en", "ud", "ur", "us", "ut", "uz", "un", "ech", "ez", "ej",
    // The article's vowel elided after a vowel (ALA-LC Abū l-Khayr).
    "l",
];

/// Latin abbreviations of محمد (note §2.3).
pub const LATIN_MUHAMMAD_ABBREVIATIONS: &[&str] = &["mhd", "mohd", "md", "muhd", "mhmd", "mohd"];

/// Second elements that form one given name with a preceding محمد (note §2.3).
pub const DOUBLE_GIVEN_SECOND: &[&str] = &["خير", "نور", "سعيد", "أمين", "علي", "ديب"];

/// One Arabic name unit of the variant table.
#[derive(Debug, Clone)]
pub struct Group {
    /// The Arabic unit as written in the table (level C).
    pub arabic: String,
    /// Its level-K key.
    pub key: String,
    /// Its Latin spellings as written in the table.
    pub latin: Vec<String>,
    /// Skeletons and vowel signatures of the Arabic unit.
    pub keys: Vec<crate::Key>,
}

/// The parsed variant table with its indexes.
#[derive(Debug, Default)]
pub struct Lexicon {
    /// Arabic units, indexed by group id.
    pub groups: Vec<Group>,
    by_arabic: HashMap<String, Vec<u16>>,
    by_latin: HashMap<String, Vec<u16>>,
    by_skeleton: HashMap<u64, Vec<(String, u16)>>,
}

fn push_unique(v: &mut Vec<u16>, g: u16) {
    if !v.contains(&g) {
        v.push(g);
    }
}

impl Lexicon {
    fn parse(tsv: &str) -> Lexicon {
        let mut lex = Lexicon::default();
        for line in tsv.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((ar, la)) = line.split_once('\t') else {
                continue;
            };
            let units = build_units_plain(ar);
            let [unit] = units.as_slice() else {
                continue;
            };
            let gid = u16::try_from(lex.groups.len()).unwrap_or(u16::MAX);
            lex.groups.push(Group {
                arabic: ar.to_string(),
                key: unit.key.clone(),
                latin: la.split('|').map(str::to_string).collect(),
                keys: unit.keys.clone(),
            });
            push_unique(lex.by_arabic.entry(unit.key.clone()).or_default(), gid);
            for sp in la.split('|').filter(|s| !s.trim().is_empty()) {
                let units = build_units_plain(sp);
                let [u] = units.as_slice() else {
                    continue;
                };
                for k in u.lookup_keys() {
                    push_unique(lex.by_latin.entry(k.to_string()).or_default(), gid);
                }
                for key in u.keys.iter().filter(|k| k.flags & L_ARTICLE == 0) {
                    let list = lex.by_skeleton.entry(key.skeleton.0).or_default();
                    if !list.iter().any(|(s, g)| *g == gid && *s == u.key) {
                        list.push((u.key.clone(), gid));
                    }
                }
            }
        }
        lex
    }

    /// Groups whose Arabic key or Latin spelling is exactly this unit's key.
    pub fn exact_groups(&self, unit: &Unit) -> Vec<u16> {
        let mut out = Vec::new();
        let map = if unit.script == crate::Script::Arabic {
            &self.by_arabic
        } else {
            &self.by_latin
        };
        for k in unit.lookup_keys() {
            if let Some(gs) = map.get(k) {
                for &g in gs {
                    push_unique(&mut out, g);
                }
            }
        }
        out
    }

    /// Groups of the nearest attested Latin spellings with the same skeleton (edit distance on
    /// the folded spelling at most 1 for short units, 2 up to 9 letters, 3 beyond).
    pub fn near_groups(&self, unit: &Unit) -> Vec<u16> {
        let mut best = usize::MAX;
        let mut out = Vec::new();
        let limit = match unit.key.chars().count() {
            0..=5 => 1,
            6..=9 => 2,
            _ => 3,
        };
        // The Maghrebi-article reading (Larbi as arbi) is evidence only against a unit with
        // the article, not a way into the table.
        for key in unit.keys.iter().filter(|k| k.flags & L_ARTICLE == 0) {
            let Some(list) = self.by_skeleton.get(&key.skeleton.0) else {
                continue;
            };
            for (sp, g) in list {
                if !self.vowels_fit(*g, unit) {
                    continue;
                }
                let d = levenshtein(&unit.key, sp);
                if d > limit {
                    continue;
                }
                if d < best {
                    best = d;
                    out.clear();
                }
                if d == best {
                    push_unique(&mut out, *g);
                }
            }
        }
        out
    }

    /// False when the group's Arabic unit has this unit's skeleton but its long vowels rule
    /// the spelling out (Sāmir cannot be سمير).
    fn vowels_fit(&self, g: u16, unit: &Unit) -> bool {
        let Some(group) = self.groups.get(usize::from(g)) else {
            return false;
        };
        let mut comparable = false;
        for ka in &group.keys {
            for kb in unit.keys.iter().filter(|k| k.flags & L_ARTICLE == 0) {
                if ka.skeleton.len() == kb.skeleton.len() {
                    comparable = true;
                    if crate::compare::vowel_penalty_with(
                        crate::Script::Arabic,
                        ka,
                        unit.script,
                        kb,
                        false,
                    ) < 0.5
                    {
                        return true;
                    }
                }
            }
        }
        !comparable
    }

    /// The group id of an Arabic unit written as in the table, if any.
    pub fn group_of_arabic(&self, arabic: &str) -> Option<u16> {
        let units = build_units_plain(arabic);
        let [u] = units.as_slice() else {
            return None;
        };
        self.by_arabic.get(&u.key).and_then(|v| v.first().copied())
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The lexicon, parsed on first use.
pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| Lexicon::parse(VARIANTS_TSV));

/// Group ids of محمد and of the second elements of double given names.
pub static DOUBLE_GIVEN: LazyLock<(Option<u16>, Vec<u16>)> = LazyLock::new(|| {
    let lex = &*LEXICON;
    let first = lex.group_of_arabic("محمد");
    let second = DOUBLE_GIVEN_SECOND
        .iter()
        .filter_map(|a| lex.group_of_arabic(a))
        .collect();
    (first, second)
});

/// Levenshtein distance over chars (short strings; allocation-light).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
