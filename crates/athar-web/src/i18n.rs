//! Translations (Fluent, `locales/{ar,en}/*.ftl`, embedded in the binary), plural categories,
//! and numbers and dates per locale.
//!
//! Rules that hold project-wide:
//! - Fluent's isolation marks are off; templates wrap every user-supplied value (names,
//!   places) in `<bdi>` instead.
//! - Plural categories come from `icu_plurals` (CLDR), not from Fluent's own selector: the
//!   `intl_pluralrules` 7 that Fluent uses puts 103 and 111 in the wrong Arabic category. A
//!   message that varies with a count selects on `$category`, which [`Tr::count`] fills.
//! - Numbers and dates are formatted here, not by Fluent (its `NUMBER()` options are mostly
//!   unimplemented). Arabic pages write counts and dates in Arabic-Indic digits (٠١٢…) and
//!   Levantine month names; codes and references stay in Latin letters and digits everywhere,
//!   because people type them back.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use icu_plurals::{PluralCategory, PluralRules};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static AR: LanguageIdentifier = langid!("ar");
static EN: LanguageIdentifier = langid!("en");

/// A language of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    /// Arabic, right to left: the default.
    Ar,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Ar, Lang::En];

    /// The language's code as used in URLs and `lang=` (`ar`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    /// Parses a URL segment; `None` for anything but `ar` and `en`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language of a request path (`/en/...` is English; anything else Arabic).
    pub fn from_path(path: &str) -> Lang {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        Lang::from_code(first).unwrap_or(Lang::Ar)
    }

    /// Text direction: `rtl` or `ltr`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En => "ltr",
        }
    }

    /// The other language (the switch in the header points there).
    pub fn other(self) -> Lang {
        match self {
            Lang::Ar => Lang::En,
            Lang::En => Lang::Ar,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Ar => &AR,
            Lang::En => &EN,
        }
    }
}

/// The CLDR plural category of `n` in `lang`, computed by `icu_plurals`.
pub fn plural_category(lang: Lang, n: u64) -> &'static str {
    thread_local! {
        // `PluralRules` holds compiled CLDR data behind an `Rc`, so each thread keeps its own.
        static RULES: [Option<PluralRules>; 2] = {
            let make = |code: &str| {
                let locale: icu_locale_core::Locale = code.parse().ok()?;
                PluralRules::try_new_cardinal((&locale).into()).ok()
            };
            [make("ar"), make("en")]
        };
    }
    let idx = match lang {
        Lang::Ar => 0,
        Lang::En => 1,
    };
    let category = RULES.with(|rules| match &rules[idx] {
        Some(r) => r.category_for(n),
        // Compiled data covers both locales; this branch is only reachable if it did not.
        None => PluralCategory::Other,
    });
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

/// Writes the ASCII digits of `s` as Arabic-Indic digits.
fn arabic_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// The translator handed to every template: the page's language and the message catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr {
    /// The page's language.
    pub lang: Lang,
}

impl Tr {
    /// A translator for `lang`.
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The message `key`; the key itself (and a warning in the log) if it is missing, which the
    /// catalogue tests rule out for every key the templates use.
    pub fn t(&self, key: &str) -> String {
        match LOCALES.try_lookup(self.lang.id(), key) {
            Some(s) => s,
            None => {
                tracing::warn!(key, lang = self.lang.code(), "missing translation");
                key.to_string()
            }
        }
    }

    /// The message `key` with string arguments.
    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        match LOCALES.try_lookup_with_args(self.lang.id(), key, &map) {
            Some(s) => s,
            None => {
                tracing::warn!(key, lang = self.lang.code(), "missing translation");
                key.to_string()
            }
        }
    }

    /// The message `key` for a count `n`: the message gets `$n` (formatted for the locale) and
    /// `$category` (the CLDR plural category from `icu_plurals`).
    pub fn count(&self, key: &str, n: u64) -> String {
        self.t_args(
            key,
            &[
                ("n", self.number(n)),
                ("category", plural_category(self.lang, n).to_string()),
            ],
        )
    }

    /// `n` with grouping, in the locale's digits: `1,234,567` or `١٬٢٣٤٬٥٦٧`.
    pub fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let sep = match self.lang {
            Lang::Ar => '\u{066C}',
            Lang::En => ',',
        };
        let mut out = String::with_capacity(digits.len() * 2);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        match self.lang {
            Lang::Ar => arabic_digits(&out),
            Lang::En => out,
        }
    }

    /// A date as people write it: `27 November 2026`, or `٢٧ تشرين الثاني ٢٠٢٦`.
    pub fn date(&self, at: DateTime<Utc>) -> String {
        const AR_MONTHS: [&str; 12] = [
            "كانون الثاني",
            "شباط",
            "آذار",
            "نيسان",
            "أيار",
            "حزيران",
            "تموز",
            "آب",
            "أيلول",
            "تشرين الأول",
            "تشرين الثاني",
            "كانون الأول",
        ];
        const EN_MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = at.month0() as usize;
        match self.lang {
            Lang::Ar => arabic_digits(&format!(
                "{} {} {}",
                at.day(),
                AR_MONTHS.get(month).copied().unwrap_or(""),
                at.year()
            )),
            Lang::En => format!(
                "{} {} {}",
                at.day(),
                EN_MONTHS.get(month).copied().unwrap_or(""),
                at.year()
            ),
        }
    }

    /// The page's language code (`ar`, `en`).
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The page's direction (`rtl`, `ltr`).
    pub fn dir(&self) -> &'static str {
        self.lang.dir()
    }
}

/// Every message key of a language's catalogue files (for the catalogue tests).
pub fn catalogue_keys(lang: Lang) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang.code());
    let mut keys = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return keys;
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for line in text.lines() {
            let first = line.chars().next();
            if first.is_some_and(|c| c.is_ascii_alphabetic())
                && let Some((key, _)) = line.split_once('=')
            {
                keys.push(key.trim().to_string());
            }
        }
    }
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Golden table of Arabic plural categories (CLDR): the numbers `intl_pluralrules` 7 gets
    /// wrong (103, 111) are in it.
    #[test]
    fn arabic_plural_categories_follow_cldr() {
        let table: &[(u64, &str)] = &[
            (0, "zero"),
            (1, "one"),
            (2, "two"),
            (3, "few"),
            (10, "few"),
            (11, "many"),
            (99, "many"),
            (100, "other"),
            (101, "other"),
            (102, "other"),
            (103, "few"),
            (110, "few"),
            (111, "many"),
            (199, "many"),
            (1000, "other"),
            (1003, "few"),
        ];
        for (n, want) in table {
            assert_eq!(plural_category(Lang::Ar, *n), *want, "ar {n}");
        }
        assert_eq!(plural_category(Lang::En, 1), "one");
        assert_eq!(plural_category(Lang::En, 103), "other");
    }

    #[test]
    fn numbers_per_locale() {
        assert_eq!(Tr::new(Lang::En).number(1_234_567), "1,234,567");
        assert_eq!(Tr::new(Lang::Ar).number(1_234_567), "١٬٢٣٤٬٥٦٧");
        assert_eq!(Tr::new(Lang::Ar).number(7), "٧");
        assert_eq!(Tr::new(Lang::En).number(100), "100");
    }

    #[test]
    fn dates_per_locale() {
        let at = Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap();
        assert_eq!(Tr::new(Lang::En).date(at), "27 November 2026");
        assert_eq!(Tr::new(Lang::Ar).date(at), "٢٧ تشرين الثاني ٢٠٢٦");
    }

    #[test]
    fn counted_messages_use_the_icu_category() {
        let ar = Tr::new(Lang::Ar);
        assert_eq!(ar.count("updates-count", 103), "١٠٣ تحديثات");
        assert_eq!(ar.count("updates-count", 111), "١١١ تحديثاً");
        assert_eq!(ar.count("updates-count", 1), "تحديث واحد");
        assert_eq!(ar.count("updates-count", 2), "تحديثان");
        assert_eq!(Tr::new(Lang::En).count("updates-count", 1), "1 update");
        assert_eq!(Tr::new(Lang::En).count("updates-count", 103), "103 updates");
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let ar = catalogue_keys(Lang::Ar);
        let en = catalogue_keys(Lang::En);
        assert!(!en.is_empty());
        assert_eq!(ar, en);
        for lang in Lang::ALL {
            for (key, vars) in catalogue_messages(lang) {
                let args: Vec<(&'static str, String)> = vars
                    .iter()
                    .map(|v| {
                        let name: &'static str = Box::leak(v.clone().into_boxed_str());
                        let value = if v == "category" { "other" } else { "1" };
                        (name, value.to_string())
                    })
                    .collect();
                let text = Tr::new(lang).t_args(&key, &args);
                assert_ne!(text, key, "{key} does not resolve in {lang:?}");
            }
        }
    }

    /// Each message of a language's catalogue with the `$variables` it uses.
    fn catalogue_messages(lang: Lang) -> Vec<(String, Vec<String>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang.code());
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                if line.starts_with(|c: char| c.is_ascii_alphabetic())
                    && let Some((key, _)) = line.split_once('=')
                {
                    out.push((key.trim().to_string(), Vec::new()));
                }
                if let Some((_, vars)) = out.last_mut() {
                    for part in line.split('$').skip(1) {
                        let name: String = part
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                            .collect();
                        if !name.is_empty() && !vars.contains(&name) {
                            vars.push(name);
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn paths_choose_the_language() {
        assert_eq!(Lang::from_path("/en/search"), Lang::En);
        assert_eq!(Lang::from_path("/ar/search"), Lang::Ar);
        assert_eq!(Lang::from_path("/"), Lang::Ar);
        assert_eq!(Lang::from_path("/static/site.css"), Lang::Ar);
    }
}
