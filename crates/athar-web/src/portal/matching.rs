//! The public search's one decision: does any candidate the store found by name agree with
//! the other details the visitor gave? The answer is a person or nothing; how close a
//! non-answer came is never exposed, so the page cannot be used to probe near misses.
//!
//! A candidate agrees when at least one given detail agrees positively and no given detail
//! contradicts it (a detail the record lacks is neither).

use athar_store::portal::{PublicCandidate, PublicQuery};

use crate::portal::forms::fold_digits;

/// Folds a name for comparison: case, Arabic diacritics and tatweel, hamza and alef forms,
/// alef maqsura, ta marbuta; inner whitespace collapsed.
pub fn fold_name(s: &str) -> String {
    let folded: String = s
        .chars()
        .filter(|c| !matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}'))
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' | 'ئ' => 'ي',
            'ؤ' => 'و',
            'ة' => 'ه',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds a prison number: digits in any script, no spaces, dashes or slashes, upper case.
pub fn fold_number(s: &str) -> String {
    fold_digits(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether two given names are the same name.
pub type NameAgree<'a> = &'a dyn Fn(&str, &str) -> bool;

/// The default name agreement: equal after [`fold_name`].
pub fn same_folded(a: &str, b: &str) -> bool {
    fold_name(a) == fold_name(b)
}

/// How one detail compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Agreement {
    Agrees,
    Contradicts,
    Unknown,
}

fn compare<T>(asked: Option<&T>, stored: Option<&T>, same: impl Fn(&T, &T) -> bool) -> Agreement
where
    T: ?Sized,
{
    match (asked, stored) {
        (Some(a), Some(s)) if same(a, s) => Agreement::Agrees,
        (Some(_), Some(_)) => Agreement::Contradicts,
        _ => Agreement::Unknown,
    }
}

/// The fields of a stored record that a public search compares: a [`PublicCandidate`], or a
/// row of the in-memory name index read in place ([`crate::nameindex::RowView`]).
pub trait Details {
    /// The whole name, when the record has one.
    fn full_name(&self) -> Option<&str>;
    /// The given name.
    fn first_name(&self) -> Option<&str>;
    /// The father's name.
    fn father_name(&self) -> Option<&str>;
    /// The grandfather's name.
    fn grandfather_name(&self) -> Option<&str>;
    /// The family name.
    fn family_name(&self) -> Option<&str>;
    /// The mother's name.
    fn mother_name(&self) -> Option<&str>;
    /// The year of birth.
    fn birth_year(&self) -> Option<i32>;
    /// The prison number.
    fn prison_number(&self) -> Option<&str>;

    /// The whole name, or the name parts in order.
    fn whole_name(&self) -> String {
        match self.full_name() {
            Some(n) => n.to_string(),
            None => [
                self.first_name(),
                self.father_name(),
                self.grandfather_name(),
                self.family_name(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        }
    }
}

impl Details for PublicCandidate {
    fn full_name(&self) -> Option<&str> {
        self.full_name.as_deref()
    }
    fn first_name(&self) -> Option<&str> {
        self.first_name.as_deref()
    }
    fn father_name(&self) -> Option<&str> {
        self.father_name.as_deref()
    }
    fn grandfather_name(&self) -> Option<&str> {
        self.grandfather_name.as_deref()
    }
    fn family_name(&self) -> Option<&str> {
        self.family_name.as_deref()
    }
    fn mother_name(&self) -> Option<&str> {
        self.mother_name.as_deref()
    }
    fn birth_year(&self) -> Option<i32> {
        self.birth_year
    }
    fn prison_number(&self) -> Option<&str> {
        self.prison_number.as_deref()
    }
}

/// True when `candidate` answers `query` (see the module docs).
pub fn agrees(query: &PublicQuery, candidate: &impl Details, names: NameAgree<'_>) -> bool {
    let year = candidate.birth_year();
    let details = [
        compare(query.father_name.as_deref(), candidate.father_name(), names),
        compare(query.mother_name.as_deref(), candidate.mother_name(), names),
        compare(query.birth_year.as_ref(), year.as_ref(), |a, b| {
            (a - b).abs() <= 1
        }),
        compare(
            query.prison_number.as_deref(),
            candidate.prison_number(),
            |a, b| {
                let (a, b) = (fold_number(a), fold_number(b));
                !a.is_empty() && a == b
            },
        ),
    ];
    details.contains(&Agreement::Agrees) && !details.contains(&Agreement::Contradicts)
}

/// The person that answers `query`, if exactly one does; several different persons answering
/// is also "no" (the visitor must give more detail, and we do not say so).
pub fn decide<'a>(
    query: &PublicQuery,
    candidates: &'a [PublicCandidate],
    names: NameAgree<'_>,
) -> Option<&'a str> {
    let mut found: Option<&str> = None;
    for c in candidates.iter().filter(|c| agrees(query, *c, names)) {
        match found {
            None => found = Some(&c.person_id),
            Some(p) if p == c.person_id => {}
            Some(_) => return None,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(person: &str, father: Option<&str>, year: Option<i32>) -> PublicCandidate {
        PublicCandidate {
            person_id: person.to_string(),
            first_name: Some("محمد".into()),
            father_name: father.map(str::to_string),
            birth_year: year,
            ..Default::default()
        }
    }

    fn q(father: Option<&str>, year: Option<i32>) -> PublicQuery {
        PublicQuery {
            name: "محمد".into(),
            father_name: father.map(str::to_string),
            birth_year: year,
            ..Default::default()
        }
    }

    /// One row: query, candidates, expected person.
    fn check(query: PublicQuery, cands: &[PublicCandidate], want: Option<&str>) {
        assert_eq!(decide(&query, cands, &same_folded), want, "{query:?}");
    }

    #[test]
    fn decisions() {
        let a = cand("P1", Some("أحمد"), Some(1985));
        check(q(Some("احمد"), None), std::slice::from_ref(&a), Some("P1"));
        check(
            q(Some("أحمد"), Some(1986)),
            std::slice::from_ref(&a),
            Some("P1"),
        );
        // One contradiction is enough to say nothing.
        check(q(Some("أحمد"), Some(1990)), std::slice::from_ref(&a), None);
        check(q(Some("خالد"), None), std::slice::from_ref(&a), None);
        // A detail the record lacks proves nothing.
        check(q(None, Some(1985)), &[cand("P2", None, None)], None);
        // Two different persons: no answer.
        check(
            q(Some("أحمد"), None),
            &[a.clone(), cand("P3", Some("احمد"), None)],
            None,
        );
        // Two records of one person: that person.
        check(
            q(Some("أحمد"), None),
            &[a.clone(), cand("P1", Some("احمد"), None)],
            Some("P1"),
        );
    }

    #[test]
    fn prison_numbers_fold() {
        assert_eq!(fold_number("ص-١٢٣ ٤"), "ص1234");
        let mut c = cand("P1", None, None);
        c.prison_number = Some("A-1234".into());
        let query = PublicQuery {
            name: "x".into(),
            prison_number: Some("a 1234".into()),
            ..Default::default()
        };
        assert!(agrees(&query, &c, &same_folded));
    }
}
