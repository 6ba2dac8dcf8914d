//! Small text helpers: stable hashing, digit folding, script detection, folding of free text.

/// A stable 64-bit hash (FNV-1a with a final avalanche), identical across runs and machines,
/// so keys can be stored in a database and compared later.
pub fn hash_str(s: &str) -> u64 {
    hash_bytes(0, s.as_bytes())
}

/// Hashes bytes, continuing from `seed` (use a different seed per key family).
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// Combines two hashes, order-sensitive.
pub fn combine(a: u64, b: u64) -> u64 {
    mix(a ^ b.rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// A final avalanche (splitmix64).
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Folds Arabic-Indic (U+0660–0669) and Persian (U+06F0–06F9) digits to ASCII.
pub fn fold_digit(c: char) -> char {
    match c {
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        _ => c,
    }
}

/// A document number reduced to its comparable core: digits folded to ASCII, letters
/// upper-cased, everything else (spaces, dashes, slashes) dropped, leading zeros kept.
/// Returns `None` when nothing is left.
pub fn fold_number(s: &str) -> Option<String> {
    let out: String = s
        .chars()
        .map(fold_digit)
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    if out.is_empty() { None } else { Some(out) }
}

/// True for characters of the Arabic script blocks.
pub fn is_arabic_char(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// The letters of the basic Arabic block (hamza to yeh, tatweel included): alphabetic and
/// without case, so the Unicode tables need not be asked about them.
fn is_basic_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}')
}

/// The script of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// No letters.
    None,
    /// Arabic letters only (or mostly).
    Arabic,
    /// Latin letters only (or mostly).
    Latin,
}

/// The dominant script of `s`.
pub fn script_of(s: &str) -> Script {
    let (mut ar, mut la) = (0usize, 0usize);
    for c in s.chars() {
        // the common letters first, without the Unicode tables
        if c.is_ascii() {
            la += usize::from(c.is_ascii_alphabetic());
        } else if is_basic_arabic_letter(c) || (is_arabic_char(c) && c.is_alphabetic()) {
            ar += 1;
        } else if c.is_alphabetic() {
            la += 1;
        }
    }
    if ar == 0 && la == 0 {
        Script::None
    } else if ar >= la {
        Script::Arabic
    } else {
        Script::Latin
    }
}

/// Format characters that must vanish, not split a word: zero-width (non-)joiners and spaces,
/// direction marks and embeddings, the byte-order mark, the soft hyphen.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Folds free text for exact comparison: NFKD, diacritics and tatweel removed, Latin
/// lower-cased, Arabic hamza/alef/ta-marbuta/alef-maqsura folded, punctuation to spaces,
/// whitespace collapsed.
pub fn fold_text(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.nfkd() {
        let c = fold_digit(c);
        let c = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            'ؤ' => 'و',
            'ئ' => 'ي',
            _ => c,
        };
        if unicode_normalization::char::is_combining_mark(c) || c == '\u{0640}' || is_invisible(c) {
            continue;
        }
        if is_basic_arabic_letter(c) {
            out.push(c);
            space = false;
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_fold() {
        assert_eq!(fold_number("٠١٢-٣٤"), Some("01234".to_string()));
        assert_eq!(fold_number("۴۵ a"), Some("45A".to_string()));
        assert_eq!(fold_number(" - "), None);
    }

    #[test]
    fn scripts() {
        assert_eq!(script_of("محمد"), Script::Arabic);
        assert_eq!(script_of("Mohammed"), Script::Latin);
        assert_eq!(script_of("12"), Script::None);
    }

    #[test]
    fn text_folds() {
        assert_eq!(fold_text("  Al-Ḥasakah "), "al hasakah");
        assert_eq!(fold_text("الحسكة"), "الحسكه");
        assert_eq!(fold_text("أحمد"), "احمد");
        // r4: direction marks and joiners inside a word must not split it
        assert_eq!(fold_text("م\u{200F}حمود"), "محمود");
        assert_eq!(fold_text("ماه\u{200C}ر"), "ماهر");
    }

    #[test]
    fn the_arabic_fast_path_agrees_with_the_unicode_tables() {
        for c in ('\u{0600}'..='\u{06FF}').chain('\0'..='\u{7F}') {
            if is_basic_arabic_letter(c) {
                assert!(c.is_alphabetic() && c.is_alphanumeric(), "{c:?}");
                assert!(c.to_lowercase().eq([c]), "{c:?}");
                assert!(is_arabic_char(c), "{c:?}");
            }
            if c.is_ascii() {
                assert_eq!(c.is_ascii_alphabetic(), c.is_alphabetic(), "{c:?}");
            }
        }
    }

    #[test]
    fn hashes_are_stable() {
        assert_eq!(hash_str("abc"), hash_str("abc"));
        assert_ne!(hash_str("abc"), hash_str("abd"));
        assert_ne!(combine(1, 2), combine(2, 1));
    }
}
