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
}
