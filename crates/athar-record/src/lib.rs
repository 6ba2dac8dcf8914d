//! The canonical record model: the fields of `CONTRACT.md` as typed values.
//!
//! Pure: no I/O. Partial dates keep their precision and their raw text; numbers have
//! Arabic-Indic and Persian digits folded; nothing is guessed, what does not parse stays raw and
//! is reported so the caller can count it.
//!
//! - [`Field`]: the 24 canonical fields, their names and header matching; [`FieldMap`]: the
//!   `--map FIELD=COLUMN` options and how a header resolves onto fields.
//! - [`PartialDate`]: a date known to year, month or day.
//! - [`Sex`], [`fold_digits`], [`parse_year`], [`parse_age`], [`parse_identifier`]: the strict
//!   parsers of the typed fields; [`Typed`]: a parsed value with its raw text.
//! - [`Record`]: one record on the canonical fields, built from `(Field, text)` pairs.
//!
//! ```
//! use athar_record::{Field, FieldMap, Record};
//! let columns = FieldMap::parse(["first_name=الاسم"]).unwrap()
//!     .resolve(&["id", "الاسم", "ملاحظات"]).unwrap();
//! let row = ["7", "عمر", "note"];
//! let pairs = columns.iter().zip(row).filter_map(|(f, v)| f.map(|f| (f, v)));
//! let (record, unparsed) = Record::from_pairs(pairs);
//! assert_eq!(record.get(Field::FirstName), Some("عمر"));
//! assert!(unparsed.is_empty());
//! ```

mod date;
mod field;
mod record;
mod value;

pub use date::{DateError, MAX_YEAR, MIN_YEAR, PartialDate, Precision};
pub use field::{Field, FieldKind, FieldMap, MapError};
pub use record::Record;
pub use value::{MAX_AGE, Sex, Typed, fold_digits, parse_age, parse_identifier, parse_year};
