//! Character-level normalization: Unicode compatibility forms, invisible and bidi characters,
//! tatweel and tashkeel, Arabic letter folding (canonical level C and match-key level K of the
//! research note, table 1.2), Latin case and diacritics, digits, and script detection.
//!
//! This module owns characters only; it knows nothing of name units or compounds.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// The writing system of a string, a token or a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Script {
    /// Arabic letters only (digits and punctuation ignored).
    Arabic,
    /// Latin letters only.
    Latin,
    /// Both Arabic and Latin letters.
    Mixed,
    /// No Arabic or Latin letter at all (empty, digits, other scripts).
    Other,
}

impl Script {
    /// The lower-case name used in JSON and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Arabic => "arabic",
            Script::Latin => "latin",
            Script::Mixed => "mixed",
            Script::Other => "other",
        }
    }
}

/// True for letters of the Arabic script blocks (base, supplement, extended-A, presentation
/// forms). Marks and digits of those blocks are not letters.
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}' | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C9}' | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
        && !matches!(c, '\u{FEFF}')
}

/// True for Latin letters (ASCII and the Latin supplement/extended blocks).
pub fn is_latin_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{0250}'..='\u{02AF}')
            && c.is_alphabetic()
            && c != '\u{00D7}'
            && c != '\u{00F7}')
}

/// Detects the script of a string from its letters.
pub fn detect_script(s: &str) -> Script {
    let mut arabic = false;
    let mut latin = false;
    for c in s.chars() {
        if is_arabic_letter(c) {
            arabic = true;
        } else if is_latin_letter(c) {
            latin = true;
        }
    }
    match (arabic, latin) {
        (true, true) => Script::Mixed,
        (true, false) => Script::Arabic,
        (false, true) => Script::Latin,
        (false, false) => Script::Other,
    }
}

/// Format (Cf) and bidi characters that carry no letter: deleted from name fields
/// (research note table 1.3, plus the rest of General_Category Cf).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}' | '\u{08E2}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}'
        | '\u{034F}' | '\u{FE00}'..='\u{FE0F}')
}

/// Arabic marks deleted at both levels: tashkeel (U+064B–U+065F, including the combining
/// hamza and madda that NFKC could not compose), superscript alef, Quranic annotation marks,
/// tatweel, the high hamza left over from U+0675.
pub fn is_arabic_mark(c: char) -> bool {
    matches!(c,
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0610}'..='\u{061A}' | '\u{06D6}'..='\u{06ED}'
        | '\u{0640}' | '\u{0674}' | '\u{08D3}'..='\u{08FF}')
}

/// Level C folding of one Arabic character (safe: loses no name identity). `None` keeps it.
pub fn fold_arabic_c(c: char) -> Option<char> {
    Some(match c {
        '\u{0671}' | '\u{0672}' | '\u{0673}' | '\u{0675}' => 'ا',
        '\u{06CC}' | '\u{06D2}' | '\u{06D3}' | '\u{06D0}' => 'ي',
        '\u{06A9}' | '\u{06AA}' => 'ك',
        '\u{06C1}' | '\u{06C0}' | '\u{06D5}' | '\u{06BE}' | '\u{06C2}' => 'ه',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{066B}' => '.',
        _ => return None,
    })
}

/// Level K folding of one (level-C) Arabic character: the lossy match key.
pub fn fold_arabic_k(c: char) -> char {
    match c {
        'آ' | 'أ' | 'إ' => 'ا',
        'ة' => 'ه',
        'ى' => 'ي',
        'ؤ' => 'و',
        'ئ' => 'ي',
        _ => c,
    }
}

/// Latin letters with no canonical decomposition, mapped to ASCII (profile-neutral).
fn latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ł' => "l",
        'ħ' => "h",
        'ı' => "i",
        'þ' => "th",
        'ş' | 'ș' | 'š' => "sh",
        'č' => "ch",
        'ǧ' | 'ž' => "j",
        'ḫ' | 'ẖ' => "kh",
        'ṯ' => "th",
        'ḏ' => "dh",
        'ġ' => "gh",
        // Long vowels of the scholarly schemes (ALA-LC, DIN, ISO: ā ī ū; ISO 233 and Kurdish
        // Hawar: â î û ê) are kept long, so the vowel-anchor check can use them.
        'ā' | 'â' => "aa",
        'ī' | 'î' => "ii",
        'ū' | 'û' => "uu",
        'ē' | 'ê' => "ee",
        'ō' | 'ô' => "oo",
        _ => return None,
    })
}

/// Apostrophes and ʿayn/hamza signs of the romanization schemes: deleted inside Latin tokens.
pub fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{02BB}'
            | '\u{02BC}'
            | '\u{02BE}'
            | '\u{02BF}'
            | '\u{02B9}'
            | '\u{02C8}'
            | '\u{00B4}'
            | '\u{2032}'
    )
}

/// Step 1–3 of the pipeline: NFKC, invisible characters, Arabic marks and tatweel, level-C
/// Arabic folding, separators to spaces; Latin is lower-cased but keeps its diacritics (the
/// spelling profiles need them). The result is split into tokens by [`tokens`].
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkc() {
        if is_invisible(c) || is_arabic_mark(c) || is_apostrophe(c) {
            continue;
        }
        if let Some(f) = fold_arabic_c(c) {
            out.push(f);
            continue;
        }
        if c.is_whitespace()
            || matches!(
                c,
                '-' | '_'
                    | '.'
                    | ','
                    | '،'
                    | '؛'
                    | '؟'
                    | '/'
                    | '\\'
                    | '|'
                    | ';'
                    | ':'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
                    | '"'
                    | '«'
                    | '»'
                    | '+'
                    | '*'
                    | '&'
                    | '!'
                    | '?'
                    | '<'
                    | '>'
                    | '='
                    | '#'
                    | '~'
                    | '^'
                    | '%'
                    | '$'
                    | '@'
                    | '\u{066C}'
                    | '\u{2010}'..='\u{2015}' | '\u{2212}'
            )
            || c.is_control()
        {
            out.push(' ');
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Folds a cleaned Latin (or other non-Arabic) token to its display form: diacritics
/// stripped, special letters mapped, lower-case. Arabic letters pass unchanged.
pub fn fold_latin_text(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for c in token.chars() {
        if is_arabic_letter(c) || c.is_ascii() {
            out.push(c);
        } else if let Some(s) = latin_special(c) {
            out.push_str(s);
        } else {
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    if let Some(s) = latin_special(d) {
                        out.push_str(s);
                    } else {
                        out.extend(d.to_lowercase());
                    }
                }
            });
        }
    }
    out
}

/// One token of a cleaned name: the text as cleaned (diacritics kept) and its folded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Cleaned text, Latin diacritics kept (input of the spelling profiles).
    pub raw: String,
    /// Display form: level-C Arabic, or Latin without diacritics.
    pub text: String,
    /// Arabic or Latin (or Other for digits and other scripts).
    pub script: Script,
    /// Written glued to the previous token (a particle split out of one word).
    pub glued: bool,
}

/// Splits a name into tokens: on whitespace and separators, and where the script changes
/// between Arabic and Latin letters inside one run.
pub fn tokens(s: &str) -> Vec<Token> {
    let cleaned = clean(s);
    let mut out = Vec::new();
    for word in cleaned.split(' ').filter(|w| !w.is_empty()) {
        let mut start = 0;
        let mut prev: Option<bool> = None;
        for (i, c) in word.char_indices() {
            let kind = if is_arabic_letter(c) {
                Some(true)
            } else if c.is_alphabetic() {
                Some(false)
            } else {
                None
            };
            if let (Some(p), Some(k)) = (prev, kind)
                && p != k
            {
                push_token(&mut out, &word[start..i]);
                start = i;
            }
            if kind.is_some() {
                prev = kind;
            }
        }
        push_token(&mut out, &word[start..]);
    }
    out
}

impl Token {
    /// True when this token was split out of a longer word (it is not a word of its own).
    pub fn glued_to_word(&self) -> bool {
        self.glued
    }
}

fn push_token(out: &mut Vec<Token>, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let text = fold_latin_text(raw);
    if text.is_empty() {
        return;
    }
    let script = detect_script(&text);
    out.push(Token {
        raw: raw.to_string(),
        text,
        script,
        glued: false,
    });
}

/// The normalized text of a name: tokens' display forms joined by single spaces.
/// Idempotent: `normalize(&normalize(s)) == normalize(s)`.
pub fn normalize(s: &str) -> String {
    let toks = tokens(s);
    let mut out = String::with_capacity(s.len());
    for t in &toks {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    // One more pass settles the rare characters whose folded form folds again (e.g. a Latin
    // letter whose decomposition has a compatibility form), so the function is idempotent.
    let again: Vec<String> = tokens(&out).into_iter().map(|t| t.text).collect();
    let again = again.join(" ");
    if again == out { out } else { again }
}

/// Windows-1252 characters at bytes 0x80–0x9F (the rest of the byte range maps to U+0080–U+00FF).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..=0xFF).contains(&u) {
        return u8::try_from(u).ok();
    }
    CP1252_HIGH
        .iter()
        .position(|&x| x == c)
        .and_then(|i| u8::try_from(0x80 + i).ok())
}

/// True when the text looks like UTF-8 Arabic read as Windows-1252 or Latin-1 (`Ù…Ø­Ù…Ø¯`):
/// at least two lead characters Ø/Ù/Ú/Û each followed by a continuation character, and
/// such pairs make up a large share of the letters (research note §1.1 step 1).
pub fn looks_like_mojibake(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let pairs = chars
        .windows(2)
        .filter(|w| {
            matches!(w[0], 'Ø' | 'Ù' | 'Ú' | 'Û')
                && cp1252_byte(w[1]).is_some_and(|b| (0x80..=0xBF).contains(&b))
        })
        .count();
    let letters = chars.iter().filter(|c| !c.is_whitespace()).count();
    pairs >= 2 && pairs * 2 * 10 >= letters * 6
}

/// Repairs mojibake: the text re-encoded as Windows-1252 bytes and decoded as UTF-8. `None`
/// when the text does not look like mojibake or does not decode.
pub fn repair_mojibake(s: &str) -> Option<String> {
    if !looks_like_mojibake(s) {
        return None;
    }
    let bytes: Option<Vec<u8>> = s.chars().map(cp1252_byte).collect();
    String::from_utf8(bytes?).ok()
}

/// The normalized text and the script of a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    /// See [`normalize`].
    pub text: String,
    /// Script of the normalized text.
    pub script: Script,
}

/// [`normalize`] plus script detection.
pub fn normalize_with_script(s: &str) -> Normalized {
    let text = normalize(s);
    let script = detect_script(&text);
    Normalized { text, script }
}

/// The level-K match key of a string: [`normalize`], then hamza/alef, ta marbuta and alef
/// maqsura folded (Arabic). Latin is returned as normalized.
pub fn match_key(s: &str) -> String {
    normalize(s).chars().map(fold_arabic_k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presentation_forms_and_ligatures() {
        assert_eq!(normalize("ﻣﺤﻤﺪ"), "محمد");
        assert_eq!(normalize("ﷲ"), "الله");
    }

    #[test]
    fn tatweel_tashkeel_invisible() {
        assert_eq!(normalize("مُحَمَّـــد\u{200F}"), "محمد");
        assert_eq!(normalize("\u{2068}Ahmad\u{2069}"), "ahmad");
    }

    #[test]
    fn script_detection() {
        assert_eq!(detect_script("محمد"), Script::Arabic);
        assert_eq!(detect_script("Mhd"), Script::Latin);
        assert_eq!(detect_script("محمد Ali"), Script::Mixed);
        assert_eq!(detect_script("123"), Script::Other);
    }

    #[test]
    fn r3_mojibake_detected_and_repaired() {
        let bad = "Ù…Ø\u{AD}Ù…Ø¯ Ø¹Ù„ÙŠ";
        assert!(looks_like_mojibake(bad));
        assert_eq!(repair_mojibake(bad).as_deref(), Some("محمد علي"));
        assert!(!looks_like_mojibake("Mohammed Ali"));
        assert!(!looks_like_mojibake("Øystein Ødegaard"));
        assert_eq!(repair_mojibake("محمد"), None);
    }

    #[test]
    fn mixed_runs_split() {
        let t = tokens("محمدAli");
        assert_eq!(t.len(), 2);
    }
}
