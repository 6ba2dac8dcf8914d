//! The canonical [`Record`]: every field of `CONTRACT.md`, typed where the contract gives a
//! type, built from `(Field, text)` pairs.
//!
//! Free-text fields are kept as written (trimmed). Sex, dates, years, ages and identifiers are
//! parsed into [`Typed`] values that keep the raw text beside the parse; a text that does not
//! parse stays raw and is reported by [`Record::from_pairs`] so callers can count it.

use serde::{Deserialize, Serialize};

use crate::date::PartialDate;
use crate::field::{Field, FieldKind};
use crate::value::{Sex, Typed, parse_age, parse_identifier, parse_year};

/// One record on the canonical fields. Empty (or whitespace-only) cells are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)] // Each field is the `Field` of the same name; see `Field` for meanings.
pub struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grandfather_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother_family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Typed<Sex>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Typed<PartialDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<Typed<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<Typed<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governorate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residence: Option<String>,
    /// Parsed value: the number in comparable form (see [`parse_identifier`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_id: Option<Typed<String>>,
    /// Parsed value: the number in comparable form (see [`parse_identifier`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prison_number: Option<Typed<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detention_date: Option<Typed<PartialDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detention_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_date: Option<Typed<PartialDate>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

fn text(value: &str) -> Option<String> {
    let t = value.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn date(raw: &str) -> Typed<PartialDate> {
    Typed::parse_with(raw, |s| PartialDate::parse(s).ok())
}

fn raw_of<T>(v: &Option<Typed<T>>) -> Option<&str> {
    v.as_ref().map(|t| t.raw.as_str())
}

fn unparsed<T>(v: &Option<Typed<T>>) -> bool {
    v.as_ref().is_some_and(|t| !t.is_parsed())
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a record from `(field, text)` pairs and returns it with the fields whose text did
    /// not parse (kept raw), in field order, each once. A later pair for the same field replaces
    /// an earlier one.
    ///
    /// ```
    /// use athar_record::{Field, Record};
    /// let (r, bad) = Record::from_pairs([
    ///     (Field::FirstName, "محمد"),
    ///     (Field::BirthDate, "١٢/٠٣/١٩٨٥"),
    ///     (Field::Age, "about 40"),
    /// ]);
    /// assert_eq!(r.get(Field::FirstName), Some("محمد"));
    /// assert_eq!(r.birth_date.unwrap().value.unwrap().to_string(), "1985-03-12");
    /// assert_eq!(bad, vec![Field::Age]);
    /// ```
    pub fn from_pairs<'a, I>(pairs: I) -> (Record, Vec<Field>)
    where
        I: IntoIterator<Item = (Field, &'a str)>,
    {
        let mut record = Record::new();
        for (field, value) in pairs {
            record.set(field, value);
        }
        let bad = record.unparsed_fields();
        (record, bad)
    }

    /// Sets one field from its text (empty text clears it). Returns `false` when the text is kept
    /// raw because it did not parse.
    pub fn set(&mut self, field: Field, value: &str) -> bool {
        let empty = value.trim().is_empty();
        macro_rules! typed {
            ($slot:expr, $parse:expr) => {{
                $slot = (!empty).then(|| $parse(value));
                !unparsed(&$slot)
            }};
        }
        match field {
            Field::Id => self.id = text(value),
            Field::Source => self.source = text(value),
            Field::FullName => self.full_name = text(value),
            Field::FirstName => self.first_name = text(value),
            Field::FatherName => self.father_name = text(value),
            Field::GrandfatherName => self.grandfather_name = text(value),
            Field::FamilyName => self.family_name = text(value),
            Field::MotherName => self.mother_name = text(value),
            Field::MotherFamilyName => self.mother_family_name = text(value),
            Field::Alias => self.alias = text(value),
            Field::Governorate => self.governorate = text(value),
            Field::BirthPlace => self.birth_place = text(value),
            Field::Residence => self.residence = text(value),
            Field::DetentionPlace => self.detention_place = text(value),
            Field::LastSeenPlace => self.last_seen_place = text(value),
            Field::Status => self.status = text(value),
            Field::Sex => return typed!(self.sex, |s| Typed::parse_with(s, Sex::parse)),
            Field::BirthDate => return typed!(self.birth_date, date),
            Field::DetentionDate => return typed!(self.detention_date, date),
            Field::LastSeenDate => return typed!(self.last_seen_date, date),
            Field::BirthYear => {
                return typed!(self.birth_year, |s| Typed::parse_with(s, parse_year));
            }
            Field::Age => return typed!(self.age, |s| Typed::parse_with(s, parse_age)),
            Field::NationalId => {
                return typed!(self.national_id, |s| Typed::parse_with(s, parse_identifier));
            }
            Field::PrisonNumber => {
                return typed!(self.prison_number, |s| Typed::parse_with(
                    s,
                    parse_identifier
                ));
            }
        }
        true
    }

    /// The text of a field as read (trimmed), parsed or not; `None` when absent.
    pub fn get(&self, field: Field) -> Option<&str> {
        match field {
            Field::Id => self.id.as_deref(),
            Field::Source => self.source.as_deref(),
            Field::FullName => self.full_name.as_deref(),
            Field::FirstName => self.first_name.as_deref(),
            Field::FatherName => self.father_name.as_deref(),
            Field::GrandfatherName => self.grandfather_name.as_deref(),
            Field::FamilyName => self.family_name.as_deref(),
            Field::MotherName => self.mother_name.as_deref(),
            Field::MotherFamilyName => self.mother_family_name.as_deref(),
            Field::Alias => self.alias.as_deref(),
            Field::Sex => raw_of(&self.sex),
            Field::BirthDate => raw_of(&self.birth_date),
            Field::BirthYear => raw_of(&self.birth_year),
            Field::Age => raw_of(&self.age),
            Field::Governorate => self.governorate.as_deref(),
            Field::BirthPlace => self.birth_place.as_deref(),
            Field::Residence => self.residence.as_deref(),
            Field::NationalId => raw_of(&self.national_id),
            Field::PrisonNumber => raw_of(&self.prison_number),
            Field::DetentionDate => raw_of(&self.detention_date),
            Field::DetentionPlace => self.detention_place.as_deref(),
            Field::LastSeenDate => raw_of(&self.last_seen_date),
            Field::LastSeenPlace => self.last_seen_place.as_deref(),
            Field::Status => self.status.as_deref(),
        }
    }

    /// The field's value in canonical text form: dates as `YYYY[-MM[-DD]]`, sex as `M`/`F`,
    /// numbers with ASCII digits, identifiers in comparable form, free text as read. Falls back
    /// to the raw text when the value did not parse.
    pub fn canonical(&self, field: Field) -> Option<String> {
        fn typed<T: ToString>(v: &Option<Typed<T>>) -> Option<String> {
            v.as_ref()
                .map(|t| t.value.as_ref().map_or_else(|| t.raw.clone(), T::to_string))
        }
        match field {
            Field::Sex => self.sex.as_ref().map(|t| {
                t.value
                    .map_or_else(|| t.raw.clone(), |s| s.code().to_owned())
            }),
            Field::BirthDate => typed(&self.birth_date),
            Field::DetentionDate => typed(&self.detention_date),
            Field::LastSeenDate => typed(&self.last_seen_date),
            Field::BirthYear => typed(&self.birth_year),
            Field::Age => typed(&self.age),
            Field::NationalId => typed(&self.national_id),
            Field::PrisonNumber => typed(&self.prison_number),
            _ => self.get(field).map(str::to_owned),
        }
    }

    /// True when the field is present but its text did not parse (always false for free text).
    pub fn is_unparsed(&self, field: Field) -> bool {
        match field.kind() {
            FieldKind::Text => false,
            _ => match field {
                Field::Sex => unparsed(&self.sex),
                Field::BirthDate => unparsed(&self.birth_date),
                Field::DetentionDate => unparsed(&self.detention_date),
                Field::LastSeenDate => unparsed(&self.last_seen_date),
                Field::BirthYear => unparsed(&self.birth_year),
                Field::Age => unparsed(&self.age),
                Field::NationalId => unparsed(&self.national_id),
                Field::PrisonNumber => unparsed(&self.prison_number),
                _ => false,
            },
        }
    }

    /// The present fields whose text did not parse, in field order.
    pub fn unparsed_fields(&self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| self.is_unparsed(*f))
            .collect()
    }

    /// The present fields and their text as read, in field order.
    pub fn pairs(&self) -> impl Iterator<Item = (Field, &str)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| self.get(f).map(|v| (f, v)))
    }

    /// True when no field is present.
    pub fn is_empty(&self) -> bool {
        self.pairs().next().is_none()
    }

    /// The year of birth from the best evidence: `birth_date`, else `birth_year`. (`age` is not
    /// converted: that needs the list's date, which the caller knows.)
    pub fn birth_year_known(&self) -> Option<u16> {
        self.birth_date
            .as_ref()
            .and_then(|t| t.value)
            .map(|d| d.year())
            .or_else(|| self.birth_year.as_ref().and_then(|t| t.value))
    }

    /// The sex, when given and parsed.
    pub fn sex_known(&self) -> Option<Sex> {
        self.sex.as_ref().and_then(|t| t.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_text(field: Field) -> &'static str {
        match field.kind() {
            FieldKind::Text => "نص",
            FieldKind::Sex => "أنثى",
            FieldKind::Date => "٠٣/١٩٨٥",
            FieldKind::Year => "1985",
            FieldKind::Age => "40",
            FieldKind::Identifier => "A-١٢",
        }
    }

    #[test]
    fn every_field_sets_and_gets() {
        let (r, bad) = Record::from_pairs(Field::ALL.map(|f| (f, sample_text(f))));
        assert!(bad.is_empty(), "{bad:?}");
        for f in Field::ALL {
            assert_eq!(r.get(f), Some(sample_text(f)), "{f}");
        }
        assert_eq!(r.pairs().count(), 24);
        assert_eq!(r.canonical(Field::BirthDate).as_deref(), Some("1985-03"));
        assert_eq!(r.canonical(Field::Sex).as_deref(), Some("F"));
        assert_eq!(r.canonical(Field::PrisonNumber).as_deref(), Some("A12"));
    }

    #[test]
    fn every_typed_field_counts_unparsed() {
        for f in Field::ALL {
            let (r, bad) = Record::from_pairs([(f, " ??? ")]);
            assert_eq!(r.get(f), Some("???"));
            if f.kind() == FieldKind::Text {
                assert!(bad.is_empty());
            } else {
                assert_eq!(bad, vec![f]);
                assert_eq!(r.canonical(f).as_deref(), Some("???"));
            }
        }
    }

    #[test]
    fn empty_cells_are_absent_and_not_counted() {
        let (r, bad) = Record::from_pairs(Field::ALL.map(|f| (f, "  ")));
        assert!(bad.is_empty());
        assert!(r.is_empty());
    }

    #[test]
    fn later_pair_replaces_earlier() {
        let (r, bad) = Record::from_pairs([(Field::Age, "x"), (Field::Age, "4")]);
        assert!(bad.is_empty());
        assert_eq!(r.age.unwrap().value, Some(4));
    }

    #[test]
    fn birth_year_from_date_or_year() {
        let (r, _) = Record::from_pairs([(Field::BirthYear, "1990"), (Field::BirthDate, "1985")]);
        assert_eq!(r.birth_year_known(), Some(1985));
        let (r, _) = Record::from_pairs([(Field::BirthYear, "1990"), (Field::BirthDate, "?")]);
        assert_eq!(r.birth_year_known(), Some(1990));
    }

    #[test]
    fn serde_round_trip() {
        let (r, _) = Record::from_pairs([
            (Field::Id, "p-1"),
            (Field::FirstName, "خالد"),
            (Field::Sex, "ذكر"),
            (Field::BirthDate, "12/03/1985"),
            (Field::Age, "?"),
        ]);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""birth_date":{"raw":"12/03/1985","value":"1985-03-12"}"#));
        assert!(json.contains(r#""sex":{"raw":"ذكر","value":"M"}"#));
        assert!(!json.contains("father_name"));
        let back: Record = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }
}
