//! Arabic-script spellings as writers produce them: the orthographic variation of the research
//! note (§1.2: hamza forms, ة/ه, ى/ي, ئ/ي; tashkeel, tatweel, invisible characters, Persian
//! look-alikes), compounds joined, the article dropped, and keyboard typos.

use rand::Rng;

use crate::config::GenConfig;

/// One writer's spelling habits, drawn once per record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArabicHabits {
    drop_hamza: bool,
    ta_as_ha: bool,
    maqsura_as_ya: bool,
    drop_seat: bool,
}

impl ArabicHabits {
    pub fn draw(cfg: &GenConfig, rng: &mut impl Rng) -> Self {
        Self {
            drop_hamza: rng.random_bool(cfg.hamza_dropped_rate),
            ta_as_ha: rng.random_bool(cfg.ta_marbuta_as_ha_rate),
            maqsura_as_ya: rng.random_bool(cfg.alef_maqsura_as_ya_rate),
            drop_seat: rng.random_bool(cfg.hamza_seat_dropped_rate),
        }
    }
}

/// The Arabic (101) keyboard rows, for adjacent-key typos.
const ARABIC_ROWS: [&str; 3] = ["ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرىةوزظ"];

/// The QWERTY rows, for Latin typos.
const LATIN_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

fn neighbour(c: char, rows: &[&str; 3], rng: &mut impl Rng) -> Option<char> {
    for row in rows {
        let chars: Vec<char> = row.chars().collect();
        if let Some(i) = chars.iter().position(|&x| x == c) {
            let left = i.checked_sub(1).map(|j| chars[j]);
            let right = chars.get(i + 1).copied();
            return match (left, right) {
                (Some(l), Some(r)) => Some(if rng.random_bool(0.5) { l } else { r }),
                (l, r) => l.or(r),
            };
        }
    }
    None
}

/// One typo at a random letter: adjacent key, dropped, doubled or swapped with the next.
/// Spaces are never touched and a name never becomes empty.
pub(crate) fn typo(s: &str, rng: &mut impl Rng) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.len() < 3 {
        return s.to_owned();
    }
    let i = letters[rng.random_range(0..letters.len())];
    let upper = chars[i].is_uppercase();
    match rng.random_range(0..10u8) {
        0..=3 => {
            let lower = chars[i].to_lowercase().next().unwrap_or(chars[i]);
            let rows = if lower.is_ascii() {
                &LATIN_ROWS
            } else {
                &ARABIC_ROWS
            };
            if let Some(n) = neighbour(lower, rows, rng) {
                chars[i] = if upper {
                    n.to_uppercase().next().unwrap_or(n)
                } else {
                    n
                };
            }
        }
        4..=5 => {
            chars.remove(i);
        }
        6..=7 => {
            let c = chars[i];
            chars.insert(i, c);
        }
        _ => {
            if i + 1 < chars.len() && chars[i + 1].is_alphabetic() && !upper {
                chars.swap(i, i + 1);
            } else {
                chars.remove(i);
            }
        }
    }
    chars.into_iter().collect()
}

const HARAKAT: [char; 4] = ['\u{064E}', '\u{064F}', '\u{0650}', '\u{0651}'];

/// A letter that joins to the next one, so a tatweel after it is plausible.
fn joins_left(c: char) -> bool {
    !matches!(
        c,
        'ا' | 'أ' | 'إ' | 'آ' | 'د' | 'ذ' | 'ر' | 'ز' | 'و' | 'ؤ' | 'ة' | 'ى' | ' '
    )
}

/// Spells a table name (Arabic) the way one writer would.
pub(crate) fn render(
    arabic: &str,
    is_family: bool,
    habits: ArabicHabits,
    cfg: &GenConfig,
    rng: &mut impl Rng,
) -> String {
    let mut s = String::with_capacity(arabic.len() + 4);
    let words: Vec<&str> = arabic.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let mut w = *w;
        if i == 0
            && is_family
            && w.starts_with("ال")
            && w.chars().count() > 3
            && rng.random_bool(cfg.arabic_article_dropped_rate)
        {
            w = &w["ال".len()..];
        }
        if i > 0 {
            // عبد الرحمن → عبدالرحمن; نور الدين → نورالدين; عبد الله → عبدالله.
            let joinable = w.starts_with("ال") || w == "الله";
            if !(joinable && rng.random_bool(cfg.compound_joined_rate)) {
                s.push(' ');
            }
        }
        s.push_str(w);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let last = chars.get(i + 1).is_none_or(|&n| n == ' ');
        let c = match c {
            'أ' | 'إ' | 'آ' if habits.drop_hamza => 'ا',
            'ة' if habits.ta_as_ha && last => 'ه',
            'ى' if habits.maqsura_as_ya => 'ي',
            'ئ' if habits.drop_seat => 'ي',
            'ؤ' if habits.drop_seat => 'و',
            other => other,
        };
        out.push(c);
    }
    if rng.random_bool(cfg.tatweel_rate) {
        out = insert_after_joining(&out, '\u{0640}', rng);
    }
    if rng.random_bool(cfg.tashkeel_rate) {
        let marks = rng.random_range(1..=3);
        for _ in 0..marks {
            let h = HARAKAT[rng.random_range(0..HARAKAT.len())];
            out = insert_after_letter(&out, h, rng);
        }
    }
    if rng.random_bool(cfg.persian_letter_rate) {
        out = if out.contains('ك') && rng.random_bool(0.5) {
            out.replacen('ك', "ک", 1)
        } else {
            out.replacen('ي', "ی", 1)
        };
    }
    if rng.random_bool(cfg.invisible_char_rate) {
        let mark = if rng.random_bool(0.5) {
            '\u{200F}'
        } else {
            '\u{200C}'
        };
        out = insert_after_letter(&out, mark, rng);
    }
    if rng.random_bool(cfg.typo_rate) {
        out = typo(&out, rng);
    }
    out
}

fn insert_after_letter(s: &str, mark: char, rng: &mut impl Rng) -> String {
    let positions: Vec<usize> = s
        .char_indices()
        .filter(|(_, c)| c.is_alphabetic())
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    match positions.get(rng.random_range(0..positions.len().max(1))) {
        Some(&at) => {
            let mut out = String::with_capacity(s.len() + 3);
            out.push_str(&s[..at]);
            out.push(mark);
            out.push_str(&s[at..]);
            out
        }
        None => s.to_owned(),
    }
}

fn insert_after_joining(s: &str, mark: char, rng: &mut impl Rng) -> String {
    // Only inside a word: after a joining letter that is followed by another letter.
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let positions: Vec<usize> = chars
        .windows(2)
        .filter(|w| joins_left(w[0].1) && w[1].1.is_alphabetic())
        .map(|w| w[1].0)
        .collect();
    match positions.get(rng.random_range(0..positions.len().max(1))) {
        Some(&at) => {
            let mut out = String::with_capacity(s.len() + 8);
            out.push_str(&s[..at]);
            for _ in 0..rng.random_range(1..=3) {
                out.push(mark);
            }
            out.push_str(&s[at..]);
            out
        }
        None => s.to_owned(),
    }
}

/// Replaces ASCII digits by Arabic-Indic digits (٠–٩).
pub(crate) fn arabic_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x0660 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn habits(
        drop_hamza: bool,
        ta_as_ha: bool,
        maqsura_as_ya: bool,
        drop_seat: bool,
    ) -> ArabicHabits {
        ArabicHabits {
            drop_hamza,
            ta_as_ha,
            maqsura_as_ya,
            drop_seat,
        }
    }

    /// Each row: input, habits (hamza, ة, ى, seat), expected, with corruptions that need
    /// randomness turned off.
    #[test]
    fn orthographic_habits() {
        let cfg = GenConfig::clean();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let rows = [
            ("أحمد", habits(true, false, false, false), "احمد"),
            ("إبراهيم", habits(true, false, false, false), "ابراهيم"),
            ("آمنة", habits(true, true, false, false), "امنه"),
            ("فاطمة", habits(false, true, false, false), "فاطمه"),
            ("مصطفى", habits(false, false, true, false), "مصطفي"),
            ("وائل", habits(false, false, false, true), "وايل"),
            ("لؤي", habits(false, false, false, true), "لوي"),
            ("عبد الرحمن", habits(true, true, true, true), "عبد الرحمن"),
            (
                "فاطمة الزهراء",
                habits(false, true, false, false),
                "فاطمه الزهراء",
            ),
        ];
        for (input, h, expected) in rows {
            assert_eq!(render(input, false, h, &cfg, &mut rng), expected, "{input}");
        }
    }

    #[test]
    fn compounds_join_and_articles_drop_at_full_rate() {
        let cfg = GenConfig {
            compound_joined_rate: 1.0,
            arabic_article_dropped_rate: 1.0,
            ..GenConfig::clean()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let h = habits(false, false, false, false);
        assert_eq!(render("عبد الرحمن", false, h, &cfg, &mut rng), "عبدالرحمن");
        assert_eq!(render("عبد الله", false, h, &cfg, &mut rng), "عبدالله");
        assert_eq!(render("محمد خير", false, h, &cfg, &mut rng), "محمد خير");
        assert_eq!(render("الخطيب", true, h, &cfg, &mut rng), "خطيب");
        assert_eq!(render("الخطيب", false, h, &cfg, &mut rng), "الخطيب");
    }

    #[test]
    fn typos_change_a_name_but_keep_it_non_empty() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut changed = 0;
        for _ in 0..200 {
            let t = typo("محمود", &mut rng);
            assert!(!t.is_empty());
            if t != "محمود" {
                changed += 1;
            }
        }
        assert!(changed > 150, "{changed}");
        assert!(typo("Ali", &mut rng).chars().count() >= 2);
    }

    #[test]
    fn digits_fold_to_arabic_indic() {
        assert_eq!(arabic_digits("12/03/1990"), "١٢/٠٣/١٩٩٠");
    }
}
