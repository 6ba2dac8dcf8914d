//! [`ReadError`]: why a list cannot be read. Every message names the file, and the line or row
//! when there is one, so the CLI can print it as is (and exit 2).

use athar_record::MapError;

/// A list that cannot be read, or a bad option for reading it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be opened or read.
    #[error("{name}: cannot read the file: {source}")]
    Io {
        /// The file.
        name: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty (or holds only a byte-order mark or blank lines): there is no header.
    #[error("{name}: the file is empty: no header row")]
    Empty {
        /// The file.
        name: String,
    },
    /// The file is not a CSV or XLSX list at all.
    #[error("{name}: not a CSV or XLSX list: {what}")]
    NotAList {
        /// The file.
        name: String,
        /// What it looks like instead.
        what: String,
    },
    /// The file is text, but not in UTF-8, UTF-16 or Windows-1256.
    #[error(
        "{name}: unknown text encoding: not UTF-8, UTF-16 (with a byte-order mark) or \
         Windows-1256 ({detail}); save it from Excel as \"CSV UTF-8\""
    )]
    UnknownEncoding {
        /// The file.
        name: String,
        /// What gave it away.
        detail: String,
    },
    /// The file is a ZIP container but not a readable XLSX workbook.
    #[error("{name}: broken XLSX workbook: {message}")]
    Xlsx {
        /// The file.
        name: String,
        /// calamine's description of the fault.
        message: String,
    },
    /// A cell of an XLSX sheet cannot be read.
    #[error("{name}: row {row}: broken XLSX sheet: {message}")]
    XlsxRow {
        /// The file.
        name: String,
        /// The sheet row (1-based), as Excel numbers it.
        row: u64,
        /// calamine's description of the fault.
        message: String,
    },
    /// `--sheet NAME` names no sheet of the workbook.
    #[error("{name}: no sheet {sheet:?} (the sheets are: {})", available.join(", "))]
    NoSheet {
        /// The file.
        name: String,
        /// The sheet asked for.
        sheet: String,
        /// The sheets the workbook has.
        available: Vec<String>,
    },
    /// `--sheet` was given for a CSV file.
    #[error("{name}: --sheet applies only to XLSX workbooks, and this file is CSV")]
    SheetOnCsv {
        /// The file.
        name: String,
    },
    /// A `--map` option does not fit this file's header.
    #[error("{name}: {source} (the columns are: {})", columns.join(", "))]
    Map {
        /// The file.
        name: String,
        /// What is wrong with the mapping.
        #[source]
        source: MapError,
        /// The file's columns, to help pick the right one.
        columns: Vec<String>,
    },
    /// The CSV parser failed at a line.
    #[error("{name}: line {line}: {message}")]
    Csv {
        /// The file.
        name: String,
        /// The physical line (1-based).
        line: u64,
        /// What went wrong.
        message: String,
    },
}

impl ReadError {
    /// The file the error is about.
    pub fn file_name(&self) -> &str {
        match self {
            ReadError::Io { name, .. }
            | ReadError::Empty { name }
            | ReadError::NotAList { name, .. }
            | ReadError::UnknownEncoding { name, .. }
            | ReadError::Xlsx { name, .. }
            | ReadError::XlsxRow { name, .. }
            | ReadError::NoSheet { name, .. }
            | ReadError::SheetOnCsv { name }
            | ReadError::Map { name, .. }
            | ReadError::Csv { name, .. } => name,
        }
    }
}
