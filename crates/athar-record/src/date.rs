//! Partial dates: a year, a year and month, or a full date, parsed from the formats of
//! `CONTRACT.md` without guessing.
//!
//! Accepted (after folding Arabic-Indic and Persian digits and dropping bidi marks):
//! `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (also with `/` or `.`), `DD/MM/YYYY` and `D/M/YYYY` (also with
//! `-` or `.`), `MM/YYYY`, `YYYYMMDD`, an ISO date followed by a time (`1985-03-12 00:00:00`, as
//! spreadsheets export), a named month (`12 آذار 1985`, `تشرين الأول 2013`, `12-Mar-1985`,
//! `12 mars 1985`: English, French, Levantine and Egyptian Arabic names), and a trailing `م`
//! (the Arabic mark for a Gregorian year). Years must lie in 1800–2100, which also keeps Hijri
//! years (١٤٠٥) from passing as Gregorian ones. Slash dates are day first, as Syrian lists write
//! them: `03/25/1985` is not a date and stays raw.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::fold_digits;

/// The earliest year accepted as a date.
pub const MIN_YEAR: u16 = 1800;
/// The latest year accepted as a date.
pub const MAX_YEAR: u16 = 2100;

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

/// A date known to year, month or day precision. Ordered by (year, month, day), with an unknown
/// month or day sorting before every known one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    year: u16,
    /// 0 when unknown.
    month: u8,
    /// 0 when unknown.
    day: u8,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {text:?}")]
pub struct DateError {
    /// The text as given.
    pub text: String,
}

impl PartialDate {
    /// A year alone; `None` outside 1800–2100.
    pub fn year_only(year: u16) -> Option<Self> {
        (MIN_YEAR..=MAX_YEAR)
            .contains(&year)
            .then_some(PartialDate {
                year,
                month: 0,
                day: 0,
            })
    }

    /// A year and month; `None` when either is out of range.
    pub fn year_month(year: u16, month: u8) -> Option<Self> {
        let mut d = Self::year_only(year)?;
        (1..=12).contains(&month).then(|| {
            d.month = month;
            d
        })
    }

    /// A full date; `None` when it does not exist (30 February, 31 April, 29 February 1900).
    pub fn ymd(year: u16, month: u8, day: u8) -> Option<Self> {
        let mut d = Self::year_month(year, month)?;
        (day >= 1 && day <= days_in_month(year, month)).then(|| {
            d.day = day;
            d
        })
    }

    /// The year.
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1–12), when known.
    pub fn month(&self) -> Option<u8> {
        (self.month != 0).then_some(self.month)
    }

    /// The day of the month, when known.
    pub fn day(&self) -> Option<u8> {
        (self.day != 0).then_some(self.day)
    }

    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (0, _) => Precision::Year,
            (_, 0) => Precision::Month,
            _ => Precision::Day,
        }
    }

    /// Parses one of the formats of `CONTRACT.md` (see the module documentation).
    ///
    /// ```
    /// use athar_record::{PartialDate, Precision};
    /// let d = PartialDate::parse("١٢/٣/١٩٨٥").unwrap();
    /// assert_eq!(d.to_string(), "1985-03-12");
    /// assert_eq!(PartialDate::parse("1985-03").unwrap().precision(), Precision::Month);
    /// assert!(PartialDate::parse("31/02/1985").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, DateError> {
        parse_date(text).ok_or_else(|| DateError {
            text: text.to_owned(),
        })
    }

    /// True when `text` is a slash, dash or dot date that only parses month first
    /// (`03/25/1985`): a sign that its list writes MM/DD/YYYY, so that its other dates, read day
    /// first, may have day and month swapped. Readers warn about it; nothing is reinterpreted.
    ///
    /// ```
    /// use athar_record::PartialDate;
    /// assert!(PartialDate::looks_month_first("03/25/1985"));
    /// assert!(!PartialDate::looks_month_first("25/03/1985"));
    /// ```
    pub fn looks_month_first(text: &str) -> bool {
        let folded = fold_digits(text);
        let s = crate::value::clean(&folded);
        let Some(sep) = s.bytes().find(|b| matches!(b, b'-' | b'/' | b'.')) else {
            return false;
        };
        let parts: Vec<&str> = s.split(char::from(sep)).collect();
        match parts.as_slice() {
            [m, d, y] if y.len() == 4 => match (small(m), small(d), number(y, 4, 4)) {
                (Some(m), Some(d), Some(y)) => {
                    (13..=31).contains(&d) && Self::ymd(y, m, d).is_some()
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The same date with the day swapped for the month, when that is also a date
    /// (`1985-03-12` ↔ `1985-12-03`). Linkage uses this for the day/month swap lists show.
    pub fn swap_day_month(&self) -> Option<Self> {
        if self.precision() != Precision::Day {
            return None;
        }
        Self::ymd(self.year, self.day, self.month)
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A run of ASCII digits of length `min..=max`, as a number.
fn number(part: &str, min: usize, max: usize) -> Option<u16> {
    if part.len() < min || part.len() > max || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

fn small(part: &str) -> Option<u8> {
    number(part, 1, 2).and_then(|n| u8::try_from(n).ok())
}

/// Strips a time of day after an ISO date (`1985-03-12 00:00:00`, `1985-03-12T10:30`).
fn strip_time(s: &str) -> &str {
    if let Some(pos) = s.find([' ', 'T'])
        && pos == 10
    {
        let time = s[pos + 1..].trim();
        let ok = !time.is_empty()
            && time.contains(':')
            && time
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
            && time.as_bytes()[0].is_ascii_digit();
        if ok {
            return &s[..pos];
        }
    }
    s
}

fn parse_date(text: &str) -> Option<PartialDate> {
    let folded = fold_digits(text);
    let s = crate::value::clean(&folded);
    // A trailing "م" (ميلادي) marks a Gregorian date; "هـ" (Hijri) does not parse.
    let s = s.strip_suffix('م').map_or(s, str::trim_end);
    let s = strip_time(s);
    if s.chars().any(char::is_alphabetic) {
        return parse_named_month(s);
    }
    if s.is_empty() || !s.is_ascii() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            4 => PartialDate::year_only(number(s, 4, 4)?),
            8 => PartialDate::ymd(number(&s[..4], 4, 4)?, small(&s[4..6])?, small(&s[6..8])?),
            _ => None,
        };
    }
    let sep = s.bytes().find(|b| matches!(b, b'-' | b'/' | b'.'))?;
    let parts: Vec<&str> = s.split(char::from(sep)).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => PartialDate::ymd(number(y, 4, 4)?, small(m)?, small(d)?),
        [d, m, y] if y.len() == 4 => PartialDate::ymd(number(y, 4, 4)?, small(m)?, small(d)?),
        [y, m] if y.len() == 4 => PartialDate::year_month(number(y, 4, 4)?, small(m)?),
        [m, y] if y.len() == 4 => PartialDate::year_month(number(y, 4, 4)?, small(m)?),
        _ => None,
    }
}

/// Month names: English and French (full and three-letter), Levantine Arabic (كانون الثاني …
/// as Syrian lists write them) and Egyptian/standard Arabic (يناير …). Arabic is matched with
/// hamza on alef folded (أ إ آ → ا).
const MONTHS: &[(&str, u8)] = &[
    ("january", 1),
    ("jan", 1),
    ("janvier", 1),
    ("february", 2),
    ("feb", 2),
    ("février", 2),
    ("fevrier", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("may", 5),
    ("mai", 5),
    ("june", 6),
    ("jun", 6),
    ("juin", 6),
    ("july", 7),
    ("jul", 7),
    ("juillet", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("october", 10),
    ("oct", 10),
    ("octobre", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("december", 12),
    ("dec", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("كانون الثاني", 1),
    ("شباط", 2),
    ("اذار", 3),
    ("نيسان", 4),
    ("ايار", 5),
    ("حزيران", 6),
    ("تموز", 7),
    ("اب", 8),
    ("ايلول", 9),
    ("تشرين الاول", 10),
    ("تشرين الثاني", 11),
    ("كانون الاول", 12),
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("ابريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يونيه", 6),
    ("يوليو", 7),
    ("يوليه", 7),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
];

/// `[D] MONTH YYYY` or `MONTH [D] YYYY` with a month name (`12 آذار 1985`, `12-Mar-1985`,
/// `March 1985`, `تشرين الأول 2013`). Separators: spaces, `-`, `/`, `.`, `,`.
fn parse_named_month(s: &str) -> Option<PartialDate> {
    let norm: String = s
        .chars()
        .map(|c| match c {
            'أ' | 'إ' | 'آ' => 'ا',
            '-' | '/' | '.' | ',' | '،' => ' ',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    let tokens: Vec<&str> = norm.split_whitespace().collect();
    // The month: one token, or two for the compound Levantine names.
    let mut found: Option<(usize, usize, u8)> = None;
    for i in 0..tokens.len() {
        for len in [2, 1] {
            if i + len > tokens.len() {
                continue;
            }
            let phrase = tokens[i..i + len].join(" ");
            if let Some(&(_, m)) = MONTHS.iter().find(|(name, _)| *name == phrase) {
                found = Some((i, len, m));
                break;
            }
        }
        if found.is_some() {
            break;
        }
    }
    let (at, len, month) = found?;
    let numbers: Vec<&str> = tokens[..at]
        .iter()
        .chain(&tokens[at + len..])
        .copied()
        .collect();
    match numbers.as_slice() {
        [y] => PartialDate::year_month(number(y, 4, 4)?, month),
        [d, y] if y.len() == 4 => PartialDate::ymd(number(y, 4, 4)?, month, small(d)?),
        _ => None,
    }
}

impl fmt::Display for PartialDate {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month() {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day() {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PartialDate::parse(s)
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        PartialDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Golden table: input → canonical form ("" when it must stay raw).
    const CASES: &[(&str, &str)] = &[
        ("1985", "1985"),
        ("1985-03", "1985-03"),
        ("1985-3", "1985-03"),
        ("1985-03-12", "1985-03-12"),
        ("1985/03/12", "1985-03-12"),
        ("12/03/1985", "1985-03-12"),
        ("2/3/1985", "1985-03-02"),
        ("12-03-1985", "1985-03-12"),
        ("12.03.1985", "1985-03-12"),
        ("03/1985", "1985-03"),
        ("19850312", "1985-03-12"),
        ("١٩٨٥", "1985"),
        ("١٢/٠٣/١٩٨٥", "1985-03-12"),
        ("۱۹۸۵-۰۳-۱۲", "1985-03-12"),
        ("1985م", "1985"),
        ("1985 م", "1985"),
        ("  1985-03-12 ", "1985-03-12"),
        ("\u{200f}12/03/1985", "1985-03-12"),
        ("1985-03-12 00:00:00", "1985-03-12"),
        ("1985-03-12T10:30", "1985-03-12"),
        ("12 آذار 1985", "1985-03-12"),
        ("١٢ اذار ١٩٨٥م", "1985-03-12"),
        ("3 تشرين الأول 2013", "2013-10-03"),
        ("كانون الثاني 1990", "1990-01"),
        ("12-Mar-1985", "1985-03-12"),
        ("March 1985", "1985-03"),
        ("March 12, 1985", "1985-03-12"),
        ("12 mars 1985", "1985-03-12"),
        ("5 أيار، 2012", "2012-05-05"),
        ("12 يناير 1985", "1985-01-12"),
        ("2000-02-29", "2000-02-29"),
        ("29/02/2024", "2024-02-29"),
        // Stays raw: never guessed.
        ("1900-02-29", ""),
        ("31/04/1985", ""),
        ("03/25/1985", ""),
        ("85", ""),
        ("12/03/85", ""),
        ("198503", ""),
        ("1405", ""),
        ("1405هـ", ""),
        ("1799", ""),
        ("2101", ""),
        ("1985-13", ""),
        ("1985-00-10", ""),
        ("1985-03/12", ""),
        ("12/03/1985/1", ""),
        ("about 1985", ""),
        ("30 شباط 1985", ""),
        ("12 آذار", ""),
        ("Mar 85", ""),
        ("12 Marchx 1985", ""),
        ("آذار آذار 1985", ""),
        ("1 2 March 1985", ""),
        ("غير معروف", ""),
        ("", ""),
        ("-", ""),
        ("1985-03-12 noon", ""),
        ("19851312", ""),
    ];

    #[test]
    fn golden_table() {
        for (input, want) in CASES {
            let got = PartialDate::parse(input)
                .map(|d| d.to_string())
                .unwrap_or_default();
            assert_eq!(&got, want, "input {input:?}");
        }
    }

    #[test]
    fn precision_and_parts() {
        let d = PartialDate::parse("1985-03").unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (1985, Some(3), None));
        assert_eq!(
            PartialDate::parse("1985").unwrap().precision(),
            Precision::Year
        );
        assert_eq!(
            PartialDate::parse("19850312").unwrap().precision(),
            Precision::Day
        );
    }

    #[test]
    fn swap_day_month() {
        let d = PartialDate::parse("1985-03-12").unwrap();
        assert_eq!(d.swap_day_month().unwrap().to_string(), "1985-12-03");
        assert_eq!(
            PartialDate::parse("1985-03-25").unwrap().swap_day_month(),
            None
        );
    }

    #[test]
    fn serde_as_canonical_string() {
        let d = PartialDate::parse("12/03/1985").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1985-03-12\"");
        let back: PartialDate = serde_json::from_str("\"1985-03-12\"").unwrap();
        assert_eq!(back, d);
    }

    fn arb_date() -> impl Strategy<Value = PartialDate> {
        (MIN_YEAR..=MAX_YEAR, 0u8..=12, 0u8..=31).prop_filter_map("valid", |(y, m, d)| {
            match (m, d) {
                (0, _) => PartialDate::year_only(y),
                (m, 0) => PartialDate::year_month(y, m),
                (m, d) => PartialDate::ymd(y, m, d),
            }
        })
    }

    const ARABIC: [char; 10] = ['٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨', '٩'];

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = PartialDate::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_date_like(s in "[0-9٠-٩۰-۹/.\\- :Tم]{0,20}") {
            if let Ok(d) = PartialDate::parse(&s) {
                // Whatever parses is a real date in range and round-trips.
                prop_assert!((MIN_YEAR..=MAX_YEAR).contains(&d.year()));
                prop_assert_eq!(PartialDate::parse(&d.to_string()), Ok(d));
            }
        }

        #[test]
        fn display_round_trips(d in arb_date()) {
            prop_assert_eq!(PartialDate::parse(&d.to_string()), Ok(d));
        }

        #[test]
        fn every_contract_format_round_trips(d in arb_date()) {
            let (y, m, day) = (d.year(), d.month(), d.day());
            let mut forms = vec![d.to_string()];
            match (m, day) {
                (Some(m), Some(day)) => {
                    forms.push(format!("{day:02}/{m:02}/{y}"));
                    forms.push(format!("{day}/{m}/{y}"));
                    forms.push(format!("{y}{m:02}{day:02}"));
                }
                (Some(m), None) => forms.push(format!("{m:02}/{y}")),
                _ => {}
            }
            for form in forms {
                let arabic: String = form
                    .chars()
                    .map(|c| c.to_digit(10).map_or(c, |n| ARABIC[n as usize]))
                    .collect();
                prop_assert_eq!(PartialDate::parse(&form), Ok(d), "{}", form);
                prop_assert_eq!(PartialDate::parse(&arabic), Ok(d), "{}", arabic);
            }
        }
    }
}
