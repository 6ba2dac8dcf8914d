//! The 24 canonical fields of `CONTRACT.md` and the column → field mapping (`--map`).
//!
//! Owns the field names and the rule that maps a list's header onto them: a column whose header
//! equals a field name (case-insensitive, surrounding spaces ignored) maps automatically;
//! `--map FIELD=COLUMN` maps any other column and takes precedence. Knows nothing of files.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One canonical record field, as listed in `CONTRACT.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The record's identifier in its list.
    Id,
    /// The list the record comes from.
    Source,
    /// The whole name as one string, when the list does not split it.
    FullName,
    /// Given name (الاسم).
    FirstName,
    /// Father's given name (اسم الأب).
    FatherName,
    /// Grandfather's given name.
    GrandfatherName,
    /// Family name / surname (الكنية, النسبة).
    FamilyName,
    /// Mother's given name (اسم الأم).
    MotherName,
    /// Mother's family name.
    MotherFamilyName,
    /// Other names: nickname, kunya, alternate spelling.
    Alias,
    /// Sex (`M`/`F`).
    Sex,
    /// Date of birth, possibly partial.
    BirthDate,
    /// A year of birth alone.
    BirthYear,
    /// Age in years.
    Age,
    /// Syrian governorate.
    Governorate,
    /// Place of birth (free text).
    BirthPlace,
    /// Address or place of residence (free text).
    Residence,
    /// National ID or other document number.
    NationalId,
    /// Number assigned in detention.
    PrisonNumber,
    /// Date of arrest or detention, possibly partial.
    DetentionDate,
    /// Prison, branch or facility.
    DetentionPlace,
    /// Date last seen, possibly partial.
    LastSeenDate,
    /// Place last seen.
    LastSeenPlace,
    /// Status as the list states it.
    Status,
}

/// How a field's text is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// Free text (names, places, identifiers of the list, status): kept as written, trimmed.
    Text,
    /// A sex marker, parsed into [`crate::Sex`].
    Sex,
    /// A partial date, parsed into [`crate::PartialDate`].
    Date,
    /// A year (1800–2100), digits folded.
    Year,
    /// An age in years (0–130), digits folded.
    Age,
    /// A document or prison number: digits folded, separators dropped.
    Identifier,
}

impl Field {
    /// Every field, in the order of `CONTRACT.md`.
    pub const ALL: [Field; 24] = [
        Field::Id,
        Field::Source,
        Field::FullName,
        Field::FirstName,
        Field::FatherName,
        Field::GrandfatherName,
        Field::FamilyName,
        Field::MotherName,
        Field::MotherFamilyName,
        Field::Alias,
        Field::Sex,
        Field::BirthDate,
        Field::BirthYear,
        Field::Age,
        Field::Governorate,
        Field::BirthPlace,
        Field::Residence,
        Field::NationalId,
        Field::PrisonNumber,
        Field::DetentionDate,
        Field::DetentionPlace,
        Field::LastSeenDate,
        Field::LastSeenPlace,
        Field::Status,
    ];

    /// The field's canonical name, e.g. `father_name`.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Source => "source",
            Field::FullName => "full_name",
            Field::FirstName => "first_name",
            Field::FatherName => "father_name",
            Field::GrandfatherName => "grandfather_name",
            Field::FamilyName => "family_name",
            Field::MotherName => "mother_name",
            Field::MotherFamilyName => "mother_family_name",
            Field::Alias => "alias",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::BirthYear => "birth_year",
            Field::Age => "age",
            Field::Governorate => "governorate",
            Field::BirthPlace => "birth_place",
            Field::Residence => "residence",
            Field::NationalId => "national_id",
            Field::PrisonNumber => "prison_number",
            Field::DetentionDate => "detention_date",
            Field::DetentionPlace => "detention_place",
            Field::LastSeenDate => "last_seen_date",
            Field::LastSeenPlace => "last_seen_place",
            Field::Status => "status",
        }
    }

    /// How this field's text is interpreted.
    pub const fn kind(self) -> FieldKind {
        match self {
            Field::Sex => FieldKind::Sex,
            Field::BirthDate | Field::DetentionDate | Field::LastSeenDate => FieldKind::Date,
            Field::BirthYear => FieldKind::Year,
            Field::Age => FieldKind::Age,
            Field::NationalId | Field::PrisonNumber => FieldKind::Identifier,
            _ => FieldKind::Text,
        }
    }

    /// True for fields that hold a person's name (or part of one).
    pub const fn is_name(self) -> bool {
        matches!(
            self,
            Field::FullName
                | Field::FirstName
                | Field::FatherName
                | Field::GrandfatherName
                | Field::FamilyName
                | Field::MotherName
                | Field::MotherFamilyName
                | Field::Alias
        )
    }

    /// The field a column header names, if any: the header equals a field name,
    /// case-insensitive, surrounding spaces ignored (a leading BOM too).
    ///
    /// ```
    /// use athar_record::Field;
    /// assert_eq!(Field::from_header("  Father_Name "), Some(Field::FatherName));
    /// assert_eq!(Field::from_header("father name"), None);
    /// ```
    pub fn from_header(header: &str) -> Option<Field> {
        let h = trim_header(header);
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(h))
    }
}

/// Trims surrounding whitespace and the invisible marks spreadsheets leave around headers
/// (BOM, bidi marks).
pub(crate) fn trim_header(header: &str) -> &str {
    header.trim_matches(|c: char| c.is_whitespace() || is_invisible_mark(c))
}

/// Zero-width and bidi control characters that Arabic spreadsheets sprinkle around text.
pub(crate) fn is_invisible_mark(c: char) -> bool {
    matches!(
        c,
        '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Field {
    type Err = MapError;

    /// Parses a field name (same rule as [`Field::from_header`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::from_header(s).ok_or_else(|| MapError::UnknownField {
            field: s.to_owned(),
        })
    }
}

/// What is wrong with a `--map` option or with applying it to a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// The option is not of the form `FIELD=COLUMN`.
    #[error("--map {spec:?}: expected FIELD=COLUMN")]
    Malformed {
        /// The option as given.
        spec: String,
    },
    /// The field is not one of the canonical fields.
    #[error("unknown field {field:?} (the fields are: {})", field_list())]
    UnknownField {
        /// The field name as given.
        field: String,
    },
    /// The same field is mapped twice.
    #[error("--map maps field {field} twice")]
    DuplicateField {
        /// The field.
        field: Field,
    },
    /// The column named by `--map` is not in the header.
    #[error("--map {field}={column:?}: no column {column:?} in the header")]
    UnknownColumn {
        /// The field.
        field: Field,
        /// The column as given.
        column: String,
    },
    /// Two fields are mapped onto the same column.
    #[error("--map maps column {column:?} to both {first} and {second}")]
    ColumnTwice {
        /// The column.
        column: String,
        /// The first field mapped to it.
        first: Field,
        /// The second field mapped to it.
        second: Field,
    },
}

fn field_list() -> String {
    Field::ALL.map(Field::name).join(", ")
}

/// The explicit `--map FIELD=COLUMN` options of a command.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMap {
    entries: Vec<(Field, String)>,
}

impl FieldMap {
    /// No explicit mapping: only headers that name a field are mapped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses `FIELD=COLUMN` options. The field is matched like a header; the column is kept as
    /// given (everything after the first `=`), to be found in the header by [`FieldMap::resolve`].
    ///
    /// ```
    /// use athar_record::{Field, FieldMap};
    /// let map = FieldMap::parse(["first_name=الاسم", "father_name = اسم الأب"]).unwrap();
    /// assert_eq!(map.column(Field::FatherName), Some("اسم الأب"));
    /// assert!(FieldMap::parse(["nickname=x"]).is_err());
    /// ```
    pub fn parse<I, S>(specs: I) -> Result<Self, MapError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut map = FieldMap::new();
        for spec in specs {
            let spec = spec.as_ref();
            let Some((field, column)) = spec.split_once('=') else {
                return Err(MapError::Malformed {
                    spec: spec.to_owned(),
                });
            };
            let field: Field = field.parse()?;
            let column = trim_header(column);
            if column.is_empty() {
                return Err(MapError::Malformed {
                    spec: spec.to_owned(),
                });
            }
            map.insert(field, column)?;
        }
        Ok(map)
    }

    /// Adds one explicit mapping.
    pub fn insert(&mut self, field: Field, column: impl Into<String>) -> Result<(), MapError> {
        if self.entries.iter().any(|(f, _)| *f == field) {
            return Err(MapError::DuplicateField { field });
        }
        self.entries.push((field, column.into()));
        Ok(())
    }

    /// The column explicitly mapped to `field`.
    pub fn column(&self, field: Field) -> Option<&str> {
        self.entries
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| c.as_str())
    }

    /// The explicit mappings, in the order given.
    pub fn entries(&self) -> impl Iterator<Item = (Field, &str)> {
        self.entries.iter().map(|(f, c)| (*f, c.as_str()))
    }

    /// True when no explicit mapping was given.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Maps each column of `headers` onto a field, or `None` when unmapped.
    ///
    /// Explicit mappings come first: a `--map` column is found by its exact header (surrounding
    /// spaces ignored), else case-insensitively. Then every remaining column whose header names
    /// a field not yet taken maps to it; when two columns name the same field, the first wins and
    /// the second stays unmapped. Error when a `--map` column is not in the header or one column
    /// is mapped to two fields.
    ///
    /// ```
    /// use athar_record::{Field, FieldMap};
    /// let map = FieldMap::parse(["first_name=Name"]).unwrap();
    /// let cols = map.resolve(&["id", "Name", "first_name", "Notes"]).unwrap();
    /// assert_eq!(cols, vec![Some(Field::Id), Some(Field::FirstName), None, None]);
    /// ```
    pub fn resolve<S: AsRef<str>>(&self, headers: &[S]) -> Result<Vec<Option<Field>>, MapError> {
        let headers: Vec<&str> = headers.iter().map(|h| trim_header(h.as_ref())).collect();
        let mut out: Vec<Option<Field>> = vec![None; headers.len()];
        for (field, column) in self.entries() {
            let index = headers
                .iter()
                .position(|h| *h == column)
                .or_else(|| {
                    let lower = column.to_lowercase();
                    headers.iter().position(|h| h.to_lowercase() == lower)
                })
                .ok_or_else(|| MapError::UnknownColumn {
                    field,
                    column: column.to_owned(),
                })?;
            if let Some(first) = out[index] {
                return Err(MapError::ColumnTwice {
                    column: headers[index].to_owned(),
                    first,
                    second: field,
                });
            }
            out[index] = Some(field);
        }
        for (index, header) in headers.iter().enumerate() {
            if out[index].is_some() {
                continue;
            }
            if let Some(field) = Field::from_header(header)
                && !out.contains(&Some(field))
            {
                out[index] = Some(field);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for f in Field::ALL {
            assert_eq!(Field::from_header(f.name()), Some(f));
            assert_eq!(f.name().parse::<Field>(), Ok(f));
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.name())
            );
        }
        let mut names: Vec<_> = Field::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 24);
    }

    #[test]
    fn header_matching_ignores_case_spaces_and_bom() {
        assert_eq!(Field::from_header("\u{feff}ID"), Some(Field::Id));
        assert_eq!(Field::from_header(" Birth_Date\t"), Some(Field::BirthDate));
        assert_eq!(Field::from_header("birth date"), None);
        assert_eq!(Field::from_header(""), None);
    }

    #[test]
    fn map_errors_are_typed() {
        assert!(matches!(
            FieldMap::parse(["nickname=x"]),
            Err(MapError::UnknownField { field }) if field == "nickname"
        ));
        assert!(matches!(
            FieldMap::parse(["first_name"]),
            Err(MapError::Malformed { .. })
        ));
        assert!(matches!(
            FieldMap::parse(["first_name="]),
            Err(MapError::Malformed { .. })
        ));
        assert!(matches!(
            FieldMap::parse(["first_name=a", "FIRST_NAME=b"]),
            Err(MapError::DuplicateField {
                field: Field::FirstName
            })
        ));
        let map = FieldMap::parse(["first_name=الاسم"]).unwrap();
        assert!(matches!(
            map.resolve(&["id", "name"]),
            Err(MapError::UnknownColumn { column, .. }) if column == "الاسم"
        ));
        let map = FieldMap::parse(["first_name=a", "alias=A"]).unwrap();
        assert!(matches!(
            map.resolve(&["a"]),
            Err(MapError::ColumnTwice { .. })
        ));
    }

    #[test]
    fn explicit_map_wins_over_auto_and_duplicates_stay_unmapped() {
        let map = FieldMap::parse(["id=رقم"]).unwrap();
        let cols = map.resolve(&["id", " رقم ", "id", "Status"]).unwrap();
        assert_eq!(cols, vec![None, Some(Field::Id), None, Some(Field::Status)]);
        let cols = FieldMap::new().resolve(&["id", "ID"]).unwrap();
        assert_eq!(cols, vec![Some(Field::Id), None]);
    }

    #[test]
    fn map_column_may_contain_equals_sign() {
        let map = FieldMap::parse(["status=a=b"]).unwrap();
        assert_eq!(map.column(Field::Status), Some("a=b"));
    }
}
