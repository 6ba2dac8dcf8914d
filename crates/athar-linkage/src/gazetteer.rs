//! A small gazetteer of Syrian governorates and major towns in Arabic, English and French
//! spellings, so that "Alep", "Aleppo" and "حلب" compare as one place and a town compares as
//! being inside its governorate.
//!
//! Lookup goes through the same consonant skeleton as names, after article tokens are dropped,
//! so unlisted spellings that differ only in vowels or doubled letters still resolve.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::names::{skeleton_arabic, skeleton_latin};
use crate::text::{fold_text, is_arabic_char};

/// The governorates: index = governorate code.
const GOVERNORATES: &[&[&str]] = &[
    &["دمشق", "Damascus", "Dimashq", "Damas", "Sham", "الشام"],
    &[
        "ريف دمشق",
        "Rif Dimashq",
        "Rif Damascus",
        "Rural Damascus",
        "Damascus Countryside",
        "Reef Damascus",
        "Rif Dimachq",
        "Rif de Damas",
        "Damascus Rural",
    ],
    &["حلب", "Aleppo", "Halab", "Alep"],
    &["حمص", "Homs", "Hims"],
    &["حماة", "Hama", "Hamah", "Hamat"],
    &[
        "اللاذقية",
        "Latakia",
        "Lattakia",
        "Lattaquie",
        "Ladhiqiyah",
        "Al-Ladhiqiyah",
        "Latakiya",
    ],
    &["طرطوس", "Tartus", "Tartous", "Tartouss", "Tartose"],
    &["إدلب", "Idlib", "Idleb", "Edlib"],
    &["الرقة", "Raqqa", "Ar-Raqqah", "Raqqah", "Rakka", "Raqa"],
    &[
        "دير الزور",
        "Deir ez-Zor",
        "Deir Ezzor",
        "Deir el-Zor",
        "Dayr az-Zawr",
        "Deir ez Zor",
        "Deir Ez-Zour",
        "Deir Al-Zour",
        "Deir Ezzour",
        "Der Ezzor",
    ],
    &[
        "الحسكة",
        "Al-Hasakah",
        "Hasakah",
        "Hassakeh",
        "Hasaka",
        "Hassake",
        "Hassakah",
        "Hasakeh",
    ],
    &["درعا", "Daraa", "Dar'a", "Deraa", "Deraa", "Dera'a"],
    &[
        "السويداء",
        "As-Suwayda",
        "Suwayda",
        "Sweida",
        "Soueida",
        "Sweida",
        "Suwaida",
        "Sweidaa",
    ],
    &[
        "القنيطرة",
        "Quneitra",
        "Qunaytirah",
        "Kuneitra",
        "Quneitera",
        "Kuneitira",
    ],
];

/// Major towns: (governorate code, spellings).
const TOWNS: &[(u16, &[&str])] = &[
    (1, &["دوما", "Douma", "Duma"]),
    (1, &["داريا", "Darayya", "Daraya", "Daria"]),
    (1, &["الزبداني", "Zabadani", "Al-Zabadani", "Zebdani"]),
    (1, &["التل", "Al-Tall", "At-Tall", "Al Tal"]),
    (1, &["قدسيا", "Qudsaya", "Qudssaya"]),
    (1, &["جرمانا", "Jaramana", "Jermana"]),
    (1, &["حرستا", "Harasta"]),
    (
        1,
        &["صيدنايا", "Saydnaya", "Sednaya", "Saidnaya", "Sednaia"],
    ),
    (1, &["يبرود", "Yabroud", "Yabrud"]),
    (1, &["النبك", "An-Nabk", "Nabk", "Al-Nabk"]),
    (1, &["قطنا", "Qatana", "Katana"]),
    (
        1,
        &[
            "معضمية الشام",
            "Moadamiyeh",
            "Muadamiyat al-Sham",
            "Moadamiya",
        ],
    ),
    (1, &["عربين", "Arbin", "Irbin"]),
    (1, &["زملكا", "Zamalka", "Zamalka"]),
    (1, &["الكسوة", "Al-Kiswah", "Kiswah", "Kesweh"]),
    (2, &["منبج", "Manbij", "Menbij"]),
    (2, &["الباب", "Al-Bab", "Al Bab", "El Bab"]),
    (2, &["اعزاز", "Azaz", "Aazaz", "Izaz"]),
    (2, &["عفرين", "Afrin", "Efrin"]),
    (2, &["جرابلس", "Jarablus", "Jarabulus", "Djerablous"]),
    (2, &["السفيرة", "As-Safira", "Safira", "Al-Safirah"]),
    (2, &["عين العرب", "Ayn al-Arab", "Kobani", "Kobane"]),
    (3, &["تدمر", "Palmyra", "Tadmur", "Tadmor", "Palmyre"]),
    (3, &["القصير", "Al-Qusayr", "Qusayr", "Qusair", "Kusair"]),
    (3, &["تلبيسة", "Talbiseh", "Talbisa"]),
    (3, &["الرستن", "Ar-Rastan", "Rastan", "Al-Rastan"]),
    (3, &["تلكلخ", "Tal Kalakh", "Talkalakh", "Tell Kalakh"]),
    (3, &["الحولة", "Houla", "Al-Houla", "Hula"]),
    (
        4,
        &["السلمية", "Salamiyah", "Salamieh", "Salamiyeh", "Salamiya"],
    ),
    (4, &["مصياف", "Masyaf", "Masyaf", "Misyaf", "Masiaf"]),
    (4, &["محردة", "Mhardeh", "Mahardah", "Muhardah"]),
    (
        4,
        &["السقيلبية", "Suqaylabiyah", "Al-Suqaylabiyah", "Skeilbiyeh"],
    ),
    (4, &["كفرزيتا", "Kafr Zita", "Kafrzita"]),
    (5, &["جبلة", "Jableh", "Jablah", "Jeble", "Djebleh"]),
    (5, &["القرداحة", "Qardaha", "Al-Qardahah", "Kardaha"]),
    (5, &["الحفة", "Al-Haffah", "Haffa", "Haffeh"]),
    (6, &["بانياس", "Baniyas", "Banias", "Banyas"]),
    (6, &["صافيتا", "Safita", "Safitha"]),
    (6, &["الدريكيش", "Ad-Durayksh", "Dreikish", "Draykish"]),
    (
        7,
        &[
            "معرة النعمان",
            "Maarat al-Numan",
            "Maaret al-Nouman",
            "Ma'arrat an-Nu'man",
            "Maarat Al Numan",
        ],
    ),
    (
        7,
        &[
            "جسر الشغور",
            "Jisr al-Shughur",
            "Jisr ash-Shughur",
            "Jisr el-Choughour",
            "Jisr Al Shoghour",
        ],
    ),
    (7, &["سراقب", "Saraqib", "Saraqeb"]),
    (7, &["أريحا", "Ariha", "Areeha"]),
    (7, &["كفرنبل", "Kafr Nabl", "Kafranbel", "Kafr Nubl"]),
    (
        7,
        &[
            "خان شيخون",
            "Khan Shaykhun",
            "Khan Sheikhoun",
            "Khan Cheikhoun",
        ],
    ),
    (7, &["بنش", "Binnish", "Binnesh"]),
    (8, &["الطبقة", "At-Tabqah", "Tabqa", "Al-Thawrah", "Tabka"]),
    (8, &["تل أبيض", "Tell Abyad", "Tal Abyad", "Tel Abiad"]),
    (
        9,
        &["الميادين", "Al-Mayadin", "Mayadin", "Mayadeen", "Mayadine"],
    ),
    (
        9,
        &[
            "البوكمال",
            "Abu Kamal",
            "Al-Bukamal",
            "Albukamal",
            "Boukamal",
        ],
    ),
    (9, &["العشارة", "Al-Asharah", "Ashara"]),
    (
        10,
        &[
            "القامشلي",
            "Qamishli",
            "Al-Qamishli",
            "Kamishli",
            "Qamechli",
            "Qamishlo",
        ],
    ),
    (
        10,
        &[
            "رأس العين",
            "Ras al-Ayn",
            "Ras al-Ain",
            "Serekaniye",
            "Ras el-Ain",
        ],
    ),
    (10, &["عامودا", "Amuda", "Amouda"]),
    (10, &["المالكية", "Al-Malikiyah", "Derik", "Malikiyah"]),
    (11, &["نوى", "Nawa", "Nawa"]),
    (11, &["إزرع", "Izra", "Izraa", "Ezraa"]),
    (
        11,
        &[
            "بصرى الشام",
            "Busra al-Sham",
            "Bosra",
            "Busra",
            "Bosra al-Sham",
        ],
    ),
    (11, &["طفس", "Tafas", "Tafs"]),
    (11, &["جاسم", "Jasim", "Jassem"]),
    (11, &["انخل", "Inkhil", "Inkhel"]),
    (11, &["الصنمين", "As-Sanamayn", "Sanamein", "Al-Sanamayn"]),
    (11, &["داعل", "Dael", "Da'el"]),
    (12, &["شهبا", "Shahba", "Chahba"]),
    (12, &["صلخد", "Salkhad"]),
    (13, &["خان أرنبة", "Khan Arnabah", "Khan Arnaba"]),
];

/// Article tokens ignored in place names.
const ARTICLES: &[&str] = &[
    "al", "el", "ar", "as", "ash", "at", "ad", "az", "an", "ez", "es", "ed", "en", "er", "et",
    "de", "la", "le",
];

/// A place resolved through the gazetteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Governorate code (0–13).
    pub governorate: u16,
    /// Town code when the place is a listed town (index into the town table).
    pub town: Option<u16>,
}

fn key(text: &str) -> String {
    let folded = fold_text(text);
    let mut k = String::new();
    for tok in folded
        .split(' ')
        .filter(|t| !t.is_empty() && !ARTICLES.contains(t))
    {
        if tok.chars().any(is_arabic_char) {
            k.push_str(&skeleton_arabic(tok));
        } else {
            k.push_str(&skeleton_latin(tok));
        }
    }
    k
}

fn index() -> &'static HashMap<String, Place> {
    static INDEX: OnceLock<HashMap<String, Place>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        // towns first, so that a governorate spelling wins a collision
        for (t, (g, names)) in TOWNS.iter().enumerate() {
            for n in *names {
                m.insert(
                    key(n),
                    Place {
                        governorate: *g,
                        town: Some(t as u16),
                    },
                );
            }
        }
        for (g, names) in GOVERNORATES.iter().enumerate() {
            for n in *names {
                m.insert(
                    key(n),
                    Place {
                        governorate: g as u16,
                        town: None,
                    },
                );
            }
        }
        m.remove("");
        m
    })
}

/// Resolves a place name (governorate or town, any listed spelling) to its place. Tries the
/// whole text, then pairs of adjacent words, then single words ("Douma, Rif Dimashq" resolves
/// to the town Douma).
pub fn lookup(text: &str) -> Option<Place> {
    let idx = index();
    let whole = key(text);
    if whole.is_empty() {
        return None;
    }
    if let Some(p) = idx.get(&whole) {
        return Some(*p);
    }
    let folded = fold_text(text);
    let toks: Vec<&str> = folded
        .split(' ')
        .filter(|t| !t.is_empty() && !ARTICLES.contains(t))
        .collect();
    let mut best: Option<Place> = None;
    for w in toks.windows(2) {
        if let Some(p) = idx.get(&key(&w.join(" "))) {
            if p.town.is_some() {
                return Some(*p);
            }
            best = best.or(Some(*p));
        }
    }
    for t in &toks {
        if let Some(p) = idx.get(&key(t)) {
            if p.town.is_some() {
                return Some(*p);
            }
            best = best.or(Some(*p));
        }
    }
    best
}

/// Number of governorates in the gazetteer.
pub fn governorate_count() -> usize {
    GOVERNORATES.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn governorates_in_three_languages() {
        for (a, b) in [
            ("حلب", "Aleppo"),
            ("Alep", "Halab"),
            ("دير الزور", "Deir ez-Zor"),
            ("Dayr az-Zawr", "Deir Ezzor"),
            ("الحسكة", "Hassaké"),
            ("السويداء", "Soueida"),
            ("ريف دمشق", "Rif Dimashq"),
            ("اللاذقية", "Lattaquié"),
        ] {
            let (pa, pb) = (lookup(a), lookup(b));
            assert!(pa.is_some(), "{a}");
            assert_eq!(pa, pb, "{a} vs {b}");
        }
        assert_ne!(
            lookup("Homs").map(|p| p.governorate),
            lookup("Hama").map(|p| p.governorate)
        );
        assert_ne!(lookup("دمشق"), lookup("ريف دمشق"));
    }

    #[test]
    fn towns_resolve_to_their_governorate() {
        let d = lookup("Douma").unwrap();
        assert_eq!(d.governorate, lookup("Rural Damascus").unwrap().governorate);
        assert!(d.town.is_some());
        assert_eq!(lookup("دوما"), Some(d));
        assert_eq!(
            lookup("Qamishli, Hasakah").map(|p| p.town.is_some()),
            Some(true)
        );
        assert_eq!(lookup("Sednaya").map(|p| p.governorate), Some(1));
        assert_eq!(lookup("Somewhere else"), None);
    }
}
