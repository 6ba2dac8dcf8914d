//! Reading what people type: trimming, length caps, years in any digits, and the list of
//! problems a form is shown again with (as translation keys).

/// The longest value accepted in a one-line field, in characters.
pub const MAX_FIELD: usize = 200;
/// The longest free text accepted (a tip, a message), in characters.
pub const MAX_TEXT: usize = 4000;

/// Folds Arabic-Indic and Persian digits to ASCII.
pub fn fold_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + 0x30).unwrap_or(c),
            '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + 0x30).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Collects the problems of one form submission.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<&'static str>);

impl Problems {
    /// No problems yet.
    pub fn new() -> Problems {
        Problems(Vec::new())
    }

    /// Notes a problem (a translation key) once.
    pub fn add(&mut self, key: &'static str) {
        if !self.0.contains(&key) {
            self.0.push(key);
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A one-line field: trimmed, inner whitespace collapsed, `None` when empty; too long adds
    /// `form-too-long`.
    pub fn line(&mut self, raw: &str) -> Option<String> {
        let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.chars().count() > MAX_FIELD {
            self.add("form-too-long");
            return None;
        }
        (!s.is_empty()).then_some(s)
    }

    /// A free-text field: trimmed, `None` when empty; too long adds `form-too-long`.
    pub fn text(&mut self, raw: &str) -> Option<String> {
        let s = raw.trim();
        if s.chars().count() > MAX_TEXT {
            self.add("form-too-long");
            return None;
        }
        (!s.is_empty()).then(|| s.to_string())
    }

    /// A year (1900–2030), in any digits; anything else adds `form-bad-year`.
    pub fn year(&mut self, raw: &str) -> Option<i32> {
        let s = fold_digits(raw.trim());
        if s.is_empty() {
            return None;
        }
        match s.parse::<i32>() {
            Ok(y) if (1900..=2030).contains(&y) => Some(y),
            _ => {
                self.add("form-bad-year");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_cleaned() {
        let mut p = Problems::new();
        assert_eq!(p.line("  محمد   أحمد "), Some("محمد أحمد".to_string()));
        assert_eq!(p.line("   "), None);
        assert_eq!(p.year("١٩٨٥"), Some(1985));
        assert_eq!(p.year(" 1990 "), Some(1990));
        assert!(p.is_empty());
        assert_eq!(p.year("85"), None);
        assert_eq!(p.line(&"x".repeat(MAX_FIELD + 1)), None);
        assert_eq!(p.0, vec!["form-bad-year", "form-too-long"]);
    }
}
