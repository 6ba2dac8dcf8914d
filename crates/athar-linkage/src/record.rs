//! The engine's input: one record as the linkage engine sees it.
//!
//! Deliberately small and owned by this crate, so the engine can be driven from a CSV file, the
//! store or a test without depending on how those represent records. Everything is optional
//! except `id`.

use serde::{Deserialize, Serialize};

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// Male.
    M,
    /// Female.
    F,
}

/// A date that may be known only to the year or the month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Date {
    /// Year, when known.
    pub year: Option<i32>,
    /// Month 1–12, when known.
    pub month: Option<u8>,
    /// Day 1–31, when known.
    pub day: Option<u8>,
}

impl Date {
    /// A date known to the day.
    pub fn ymd(year: i32, month: u8, day: u8) -> Self {
        Date {
            year: Some(year),
            month: Some(month),
            day: Some(day),
        }
    }

    /// A date known only to the year.
    pub fn year(year: i32) -> Self {
        Date {
            year: Some(year),
            month: None,
            day: None,
        }
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.year.is_none()
    }
}

/// One record to link: the canonical fields the engine compares.
///
/// `source` names the list the record comes from; parameters are stratified by source pair.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// Identifier, unique across everything linked together.
    pub id: String,
    /// The list the record comes from.
    pub source: String,
    /// The whole name as one string, when the list does not split it.
    pub full_name: String,
    /// Given name.
    pub first_name: String,
    /// Father's given name.
    pub father_name: String,
    /// Grandfather's given name.
    pub grandfather_name: String,
    /// Family name.
    pub family_name: String,
    /// Mother's given name.
    pub mother_name: String,
    /// Mother's family name.
    pub mother_family_name: String,
    /// Other names (nickname, kunya, alternate spelling).
    pub alias: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth (possibly partial; a bare birth year or a year derived from an age goes
    /// here as a year-only date).
    pub birth_date: Date,
    /// Syrian governorate (any spelling).
    pub governorate: String,
    /// Place of birth (free text).
    pub birth_place: String,
    /// Address or place of residence (free text).
    pub residence: String,
    /// National ID or other document number (digits are folded before comparison).
    pub national_id: String,
    /// Prison number.
    pub prison_number: String,
    /// Date of arrest or detention.
    pub detention_date: Date,
    /// Prison, branch or facility.
    pub detention_place: String,
    /// Date the person was last seen (families report it; for a detainee it is mostly the day
    /// of the arrest): compared as the detention date when that is missing.
    #[serde(default)]
    pub last_seen_date: Date,
}

fn date_of(d: &athar_record::PartialDate) -> Date {
    Date {
        year: Some(i32::from(d.year())),
        month: d.month(),
        day: d.day(),
    }
}

fn text(s: &Option<String>) -> String {
    s.as_deref().unwrap_or("").trim().to_string()
}

impl LinkRecord {
    /// The name fields, each parsed once per distinct string by the engine's `prepare_all`.
    pub fn name_fields(&self) -> [&str; 8] {
        [
            &self.first_name,
            &self.father_name,
            &self.grandfather_name,
            &self.family_name,
            &self.mother_name,
            &self.mother_family_name,
            &self.full_name,
            &self.alias,
        ]
    }

    /// Builds the engine's record from a canonical record. `source` is used when the record
    /// names none; `age_year` is the year an `age` refers to (the list's date), used only when
    /// neither `birth_date` nor `birth_year` is known.
    pub fn from_record(
        r: &athar_record::Record,
        source: &str,
        age_year: Option<i32>,
    ) -> LinkRecord {
        let typed_text = |t: &Option<athar_record::Typed<String>>| {
            t.as_ref()
                .map(|t| t.value.clone().unwrap_or_else(|| t.raw.clone()))
                .unwrap_or_default()
        };
        let mut birth = r
            .birth_date
            .as_ref()
            .and_then(|t| t.value)
            .map(|d| date_of(&d))
            .unwrap_or_default();
        if birth.year.is_none() {
            birth.year = r.birth_year.as_ref().and_then(|t| t.value).map(i32::from);
        }
        if birth.year.is_none()
            && let (Some(age), Some(y)) = (r.age.as_ref().and_then(|t| t.value), age_year)
        {
            birth.year = Some(y - i32::from(age));
        }
        let src = text(&r.source);
        LinkRecord {
            id: text(&r.id),
            source: if src.is_empty() {
                source.to_string()
            } else {
                src
            },
            full_name: text(&r.full_name),
            first_name: text(&r.first_name),
            father_name: text(&r.father_name),
            grandfather_name: text(&r.grandfather_name),
            family_name: text(&r.family_name),
            mother_name: text(&r.mother_name),
            mother_family_name: text(&r.mother_family_name),
            alias: text(&r.alias),
            sex: r.sex.as_ref().and_then(|t| t.value).map(|s| match s {
                athar_record::Sex::Male => Sex::M,
                athar_record::Sex::Female => Sex::F,
            }),
            birth_date: birth,
            governorate: text(&r.governorate),
            birth_place: text(&r.birth_place),
            residence: text(&r.residence),
            national_id: typed_text(&r.national_id),
            prison_number: typed_text(&r.prison_number),
            detention_date: r
                .detention_date
                .as_ref()
                .and_then(|t| t.value)
                .map(|d| date_of(&d))
                .unwrap_or_default(),
            detention_place: text(&r.detention_place),
            last_seen_date: r
                .last_seen_date
                .as_ref()
                .and_then(|t| t.value)
                .map(|d| date_of(&d))
                .unwrap_or_default(),
        }
    }
}
