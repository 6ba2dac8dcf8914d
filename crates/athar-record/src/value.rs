//! Typed field values: sex, years, ages and identifiers, with digit folding; and [`Typed`], a
//! parsed value kept beside its raw text.
//!
//! Every parser here is strict: a text that does not clearly mean one value yields `None`, and
//! the caller keeps the raw text and counts it. Nothing is guessed.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::date::PartialDate;
use crate::field::is_invisible_mark;

/// A value parsed from a field's text, with the text beside it. `value` is `None` when the text
/// did not parse: the raw text is then all there is, and it was counted as unparsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Typed<T> {
    /// The text as read (surrounding whitespace trimmed).
    pub raw: String,
    /// The parsed value, or `None` when the text did not parse.
    pub value: Option<T>,
}

impl<T> Typed<T> {
    /// Parses `raw` with `parse`, keeping the raw text either way.
    pub fn parse_with(raw: &str, parse: impl FnOnce(&str) -> Option<T>) -> Self {
        let raw = raw.trim().to_owned();
        let value = parse(&raw);
        Typed { raw, value }
    }

    /// True when the text parsed.
    pub fn is_parsed(&self) -> bool {
        self.value.is_some()
    }

    /// The parsed value, if any.
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }
}

/// A person's sex as a list states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Sex {
    /// Male (`M`).
    #[serde(rename = "M")]
    Male,
    /// Female (`F`).
    #[serde(rename = "F")]
    Female,
}

impl Sex {
    /// `M` or `F`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }

    /// Parses `M`/`F`, `male`/`female` (any case), French `H`/`homme`/`femme`, and Arabic
    /// ذكر/أنثى (with or without hamza), ذ/أ.
    ///
    /// ```
    /// use athar_record::Sex;
    /// assert_eq!(Sex::parse(" ذكر "), Some(Sex::Male));
    /// assert_eq!(Sex::parse("Female"), Some(Sex::Female));
    /// assert_eq!(Sex::parse("?"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Sex> {
        let s = clean(text).to_lowercase();
        match s.as_str() {
            "m" | "male" | "man" | "boy" | "h" | "homme" | "masculin" | "ذكر" | "ذ" | "رجل"
            | "ذكور" => Some(Sex::Male),
            "f" | "female" | "woman" | "girl" | "femme" | "féminin" | "feminin" | "أنثى"
            | "انثى" | "أنثي" | "انثي" | "إنثى" | "أ" | "امرأة" | "إناث" | "اناث" => {
                Some(Sex::Female)
            }
            _ => None,
        }
    }
}

/// Folds Arabic-Indic (٠–٩) and Persian (۰–۹) digits into ASCII digits; other text unchanged.
///
/// ```
/// assert_eq!(athar_record::fold_digits("رقم ١٢٣/۴۵"), "رقم 123/45");
/// ```
pub fn fold_digits(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| folded_digit(c).is_some()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| folded_digit(c).unwrap_or(c)).collect())
}

fn folded_digit(c: char) -> Option<char> {
    let base = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06f0}'..='\u{06f9}' => 0x06f0,
        _ => return None,
    };
    char::from_digit(u32::from(c) - base, 10)
}

/// Trims whitespace and invisible marks (BOM, bidi controls) around a value.
pub(crate) fn clean(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || is_invisible_mark(c))
}

/// A year of birth: four digits in 1800–2100 (digits folded, a trailing `م` allowed).
pub fn parse_year(text: &str) -> Option<u16> {
    let d = PartialDate::parse(text).ok()?;
    (d.month().is_none()).then_some(d.year())
}

/// The largest age accepted.
pub const MAX_AGE: u8 = 130;

/// An age in whole years, 0–130 (digits folded). `35.0` (as spreadsheets store numbers) is
/// accepted; `35.5`, `about 35` and `35 years` are not.
pub fn parse_age(text: &str) -> Option<u8> {
    let folded = fold_digits(text);
    let s = clean(&folded);
    let s = s.strip_suffix(".0").unwrap_or(s);
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u8 = s.parse().ok()?;
    (n <= MAX_AGE).then_some(n)
}

/// A document or prison number in comparable form: digits folded, Latin letters upper-cased,
/// separators (spaces, `-`, `/`, `.`, `_`, `#`) dropped. `None` unless what remains is
/// letters and digits with at least one digit (so `غير معروف` or `-` do not parse).
///
/// ```
/// assert_eq!(athar_record::parse_identifier("ab-١٢ ٣٤").as_deref(), Some("AB1234"));
/// assert_eq!(athar_record::parse_identifier("n/a"), None);
/// ```
pub fn parse_identifier(text: &str) -> Option<String> {
    let folded = fold_digits(text);
    let mut out = String::with_capacity(folded.len());
    let mut digits = 0usize;
    for c in clean(&folded).chars() {
        if c.is_whitespace() || is_invisible_mark(c) || matches!(c, '-' | '/' | '.' | '_' | '#') {
            continue;
        }
        if !c.is_alphanumeric() {
            return None;
        }
        if c.is_ascii_digit() {
            digits += 1;
        }
        out.push(c.to_ascii_uppercase());
    }
    (digits > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_table() {
        for m in ["M", "m", "Male", "MALE", "ذكر", " ذكر ", "H", "homme"] {
            assert_eq!(Sex::parse(m), Some(Sex::Male), "{m}");
        }
        for f in [
            "F",
            "f",
            "female",
            "Femme",
            "أنثى",
            "انثى",
            "انثي",
            "\u{200f}أنثى",
        ] {
            assert_eq!(Sex::parse(f), Some(Sex::Female), "{f}");
        }
        for x in ["", "?", "x", "unknown", "غير معروف", "mf"] {
            assert_eq!(Sex::parse(x), None, "{x}");
        }
        assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"F\"");
    }

    #[test]
    fn digits_fold() {
        assert_eq!(fold_digits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
        assert_eq!(fold_digits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
        assert!(matches!(fold_digits("abc 12"), Cow::Borrowed(_)));
    }

    #[test]
    fn years_ages_identifiers() {
        assert_eq!(parse_year("١٩٨٥"), Some(1985));
        assert_eq!(parse_year("1985-03"), None);
        assert_eq!(parse_year("85"), None);
        assert_eq!(parse_age("٣٥"), Some(35));
        assert_eq!(parse_age("35.0"), Some(35));
        assert_eq!(parse_age("35.5"), None);
        assert_eq!(parse_age("131"), None);
        assert_eq!(parse_age("35 سنة"), None);
        assert_eq!(parse_age("-3"), None);
        assert_eq!(
            parse_identifier("٠١٠-٢٣٤٥٦٧٨٩").as_deref(),
            Some("01023456789")
        );
        assert_eq!(parse_identifier("ج ١٢٣").as_deref(), Some("ج123"));
        assert_eq!(parse_identifier("-"), None);
        assert_eq!(parse_identifier("غير معروف"), None);
        assert_eq!(parse_identifier("12?"), None);
    }

    #[test]
    fn typed_keeps_raw() {
        let t = Typed::parse_with(" abc ", parse_age);
        assert_eq!(t.raw, "abc");
        assert!(!t.is_parsed());
    }
}
