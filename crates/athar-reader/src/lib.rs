//! Streaming list reader: CSV (UTF-8 with or without BOM, UTF-16LE/BE, Windows-1256; sniffed
//! delimiter) and XLSX, mapped onto the canonical fields of `athar-record`.
//!
//! Open a list with [`open`] (a path) or [`open_bytes`] (an upload in memory), then iterate the
//! [`ListReader`]: each item is a [`Row`] with its line number, the cells exactly as read and the
//! canonical [`Record`]. Rows are streamed: a million-row file is never held in memory, only
//! the current row (plus, for XLSX, the workbook's shared strings).
//!
//! What the file is, is decided from its content (see `detect`): a ZIP header means XLSX, a
//! byte-order mark or a NUL pattern means UTF-16, valid UTF-8 means UTF-8, and anything else is
//! Windows-1256 if it reads plausibly so. A file that cannot be read at all is a [`ReadError`]
//! naming the file; things worth a look but not fatal are [`ListReader::warnings`]:
//!
//! - columns not mapped to a field (kept with the raw row), columns without a header;
//! - ragged rows, with their line numbers: a short row's missing cells read as empty; a long
//!   row's extra non-empty cells are kept raw (named `column_N`, N counted from 1) and not
//!   mapped; empty cells past the header (trailing delimiters) are dropped silently. (XLSX
//!   rows are padded to the header's width: a sheet does not store empty cells.)
//! - empty rows (skipped), bytes that do not decode (replaced with U+FFFD);
//! - per field, the values that did not parse (dates, years, ages, sex, numbers), kept raw; date
//!   columns whose values only parse month first (MM/DD/YYYY); XLSX numbers without a date
//!   format in a date column, read as Excel serial dates (the raw cell keeps the number).
//!
//! ```
//! use athar_reader::{ReadOptions, open_bytes};
//! use athar_record::{Field, FieldMap};
//!
//! let csv = "id;الاسم;birth_date\n1;عمر;١٢/٠٣/١٩٨٥\n2;\"سامي\nالحلبي\";1990\n".as_bytes().to_vec();
//! let opts = ReadOptions { map: FieldMap::parse(["first_name=الاسم"])?, sheet: None };
//! let mut list = open_bytes("upload.csv", csv, &opts)?;
//! assert_eq!(list.encoding().name(), "utf-8");
//! assert_eq!(list.delimiter(), Some(';'));
//! let rows: Vec<_> = list.by_ref().collect::<Result<_, _>>()?;
//! assert_eq!(rows[0].record.get(Field::FirstName), Some("عمر"));
//! assert_eq!(rows[0].record.canonical(Field::BirthDate).as_deref(), Some("1985-03-12"));
//! assert_eq!((rows[1].line, rows[1].get("الاسم")), (3, Some("سامي\nالحلبي")));
//! assert!(list.warnings().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod detect;
mod error;
mod sniff;
mod stats;
mod text;
mod xlsx;

use std::borrow::Cow;
use std::fmt;
use std::io::{Cursor, Read, Seek};
use std::path::Path;
use std::sync::Arc;

use athar_record::{Field, FieldKind, FieldMap, Record};
use serde::{Deserialize, Serialize};

pub use error::ReadError;

use detect::Kind;
use stats::Stats;
use text::CsvRows;
use xlsx::{ReadSeek, XlsxRows};

/// What a list file was read as: the text encoding of a CSV, or `xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16 little-endian (Excel's "Unicode text").
    #[serde(rename = "utf-16le")]
    Utf16Le,
    /// UTF-16 big-endian.
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// Windows-1256 (what Excel writes as "CSV" on an Arabic Windows).
    #[serde(rename = "windows-1256")]
    Windows1256,
    /// An XLSX workbook.
    #[serde(rename = "xlsx")]
    Xlsx,
}

impl Encoding {
    /// The name used by `athar inspect`: `utf-8`, `utf-16le`, `utf-16be`, `windows-1256`,
    /// `xlsx`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1256 => "windows-1256",
            Encoding::Xlsx => "xlsx",
        }
    }

    fn to_encoding_rs(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Encoding::Utf8 => Some(encoding_rs::UTF_8),
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE),
            Encoding::Windows1256 => Some(encoding_rs::WINDOWS_1256),
            Encoding::Xlsx => None,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to read a list.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Explicit `--map FIELD=COLUMN` mappings; other columns map by header name.
    pub map: FieldMap,
    /// For XLSX: the sheet to read (default: the first visible worksheet). An error for CSV.
    pub sheet: Option<String>,
}

/// One column of the list: its header and the field it maps to. Serializes as
/// `{"column": …, "field": …}` (`field` null when unmapped), as `athar inspect --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The header as read (`column_N` when the header cell is empty).
    pub column: String,
    /// The canonical field, or `None` when the column is not mapped.
    pub field: Option<Field>,
}

/// One row of a list.
#[derive(Debug, Clone)]
pub struct Row {
    /// CSV: the physical line (1-based) where the row starts, counting the header's lines and
    /// the lines inside quoted fields. XLSX: the sheet's row number, as Excel shows it.
    pub line: u64,
    /// The cells exactly as read, in column order. A ragged CSV row has fewer or more cells
    /// than [`ListReader::columns`] (an XLSX row only more); see [`Row::raw`] for named pairs.
    pub values: Vec<String>,
    /// The row on the canonical fields.
    pub record: Record,
    /// The fields whose value did not parse and was kept raw in `record`.
    pub unparsed: Vec<Field>,
    columns: Arc<[Column]>,
}

impl Row {
    /// The cells as `(column, value)` pairs, exactly as read. Cells past the header are named
    /// `column_N` (N counted from 1).
    pub fn raw(&self) -> impl Iterator<Item = (Cow<'_, str>, &str)> {
        self.values.iter().enumerate().map(|(i, v)| {
            let name = match self.columns.get(i) {
                Some(c) => Cow::Borrowed(c.column.as_str()),
                None => Cow::Owned(format!("column_{}", i + 1)),
            };
            (name, v.as_str())
        })
    }

    /// The value of the column with this header, as read (`None` for a column the row lacks).
    pub fn get(&self, column: &str) -> Option<&str> {
        let index = self.columns.iter().position(|c| c.column == column)?;
        self.values.get(index).map(String::as_str)
    }

    /// The mapped cells as `(field, value)` pairs, values exactly as read (untrimmed), in
    /// column order; columns the row lacks are left out.
    pub fn fields(&self) -> impl Iterator<Item = (Field, &str)> {
        self.columns
            .iter()
            .zip(&self.values)
            .filter_map(|(c, v)| c.field.map(|f| (f, v.as_str())))
    }
}

/// The rows of one list, read one at a time. Iterate it (`for row in reader.by_ref()`), then
/// call [`ListReader::warnings`] for the complete warnings.
pub struct ListReader {
    name: String,
    encoding: Encoding,
    delimiter: Option<char>,
    sheet: Option<String>,
    columns: Arc<[Column]>,
    header_line: u64,
    source: Rows,
    /// Rows read while looking for the header, to be yielded first.
    pending: std::collections::VecDeque<RawRow>,
    stats: Stats,
    rows: u64,
    done: bool,
}

enum Rows {
    Csv(Box<CsvRows>),
    Xlsx(XlsxRows),
}

/// A row as the source yields it, before mapping.
pub(crate) struct RawRow {
    pub(crate) line: u64,
    pub(crate) cells: Vec<String>,
    pub(crate) lossy: bool,
    /// XLSX: which cells were numbers (empty for CSV).
    pub(crate) numeric: Vec<bool>,
}

impl Rows {
    fn next_row(&mut self, name: &str) -> Result<Option<RawRow>, ReadError> {
        match self {
            Rows::Csv(csv) => csv.next_row().map_err(|f| ReadError::Csv {
                name: name.to_owned(),
                line: f.line,
                message: f.message,
            }),
            Rows::Xlsx(x) => x.next_row(),
        }
    }
}

fn is_blank(cell: &str) -> bool {
    cell.trim().is_empty()
}

/// Opens a list file. The name in errors and warnings is the path as given.
pub fn open(path: impl AsRef<Path>, opts: &ReadOptions) -> Result<ListReader, ReadError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
        name: name.clone(),
        source,
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(ReadError::NotAList {
            name,
            what: "a directory".to_owned(),
        });
    }
    open_reader(name, std::io::BufReader::new(file), opts)
}

/// Opens a list held in memory (an upload), under `name` for messages.
pub fn open_bytes(
    name: impl Into<String>,
    bytes: Vec<u8>,
    opts: &ReadOptions,
) -> Result<ListReader, ReadError> {
    open_reader(name.into(), Cursor::new(bytes), opts)
}

/// Opens a list from any seekable source, under `name` for messages.
pub fn open_reader<R>(
    name: impl Into<String>,
    source: R,
    opts: &ReadOptions,
) -> Result<ListReader, ReadError>
where
    R: Read + Seek + Send + 'static,
{
    let name = name.into();
    let mut source: Box<dyn ReadSeek> = Box::new(source);
    let (kind, head) = detect::detect(&name, &mut source)?;
    let (mut rows, encoding, delimiter, sheet) = match kind {
        Kind::Xlsx => {
            let (rows, sheet) = xlsx::open(&name, source, opts.sheet.as_deref())?;
            (Rows::Xlsx(rows), Encoding::Xlsx, None, Some(sheet))
        }
        Kind::Text(encoding) => {
            if opts.sheet.is_some() {
                return Err(ReadError::SheetOnCsv { name });
            }
            let Sniffed {
                delimiter,
                cr_only,
                sep_line,
            } = sniff_head(&head, encoding);
            let source: Box<dyn Read + Send> = source;
            let mut rows = CsvRows::new(source, encoding, delimiter, cr_only);
            if sep_line {
                // Excel's `sep=;` hint line: it named the delimiter; it is not the header.
                let _ = rows.next_row().map_err(|f| ReadError::Csv {
                    name: name.clone(),
                    line: f.line,
                    message: f.message,
                })?;
            }
            (
                Rows::Csv(Box::new(rows)),
                encoding,
                Some(char::from(delimiter)),
                None,
            )
        }
    };
    let (header_row, titles, pending) = find_header(&mut rows, &name, &opts.map)?;
    let mut stats = Stats::default();
    if !titles.is_empty() {
        let lines: Vec<String> = titles.iter().map(u64::to_string).collect();
        stats.fixed.push(format!(
            "title rows above the header skipped: {} {}",
            if encoding == Encoding::Xlsx {
                "rows"
            } else {
                "lines"
            },
            lines.join(", ")
        ));
    }
    let mut cells = header_row.cells;
    while cells.last().is_some_and(|c| is_blank(c)) {
        cells.pop();
    }
    let mut unnamed = Vec::new();
    let header: Vec<String> = cells
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            if is_blank(&h) {
                unnamed.push(format!("column_{}", i + 1));
                format!("column_{}", i + 1)
            } else {
                h
            }
        })
        .collect();
    let fields = opts.map.resolve(&header).map_err(|source| ReadError::Map {
        name: name.clone(),
        source,
        columns: header.clone(),
    })?;
    if !unnamed.is_empty() {
        stats.fixed.push(format!(
            "columns without a header, named by position: {}",
            unnamed.join(", ")
        ));
    }
    let columns: Vec<Column> = header
        .iter()
        .zip(&fields)
        .map(|(h, f)| Column {
            column: h.clone(),
            field: *f,
        })
        .collect();
    let unmapped: Vec<&str> = columns
        .iter()
        .filter(|c| c.field.is_none())
        .map(|c| c.column.as_str())
        .collect();
    if !unmapped.is_empty() {
        stats.fixed.push(format!(
            "unmapped columns (kept with the raw record, not used for matching): {}",
            unmapped.join(", ")
        ));
    }
    for c in columns.iter().filter(|c| c.field.is_none()) {
        if let Some(f) = Field::from_header(&c.column) {
            stats.fixed.push(format!(
                "column {:?} names field {f}, which another column already maps; it stays \
                 unmapped",
                c.column
            ));
        }
    }
    Ok(ListReader {
        name,
        encoding,
        delimiter,
        sheet,
        columns: columns.into(),
        header_line: header_row.line,
        source: rows,
        pending: pending.into(),
        stats,
        rows: 0,
        done: false,
    })
}

/// How many rows below a one-cell first row are searched for the real header.
const HEADER_LOOKAHEAD: usize = 10;

fn filled(row: &RawRow) -> usize {
    row.cells.iter().filter(|c| !is_blank(c)).count()
}

/// True when a cell names a field or a `--map` column.
fn names_a_column(cell: &str, map: &FieldMap) -> bool {
    let cell = cell.trim();
    Field::from_header(cell).is_some()
        || map
            .entries()
            .any(|(_, c)| c == cell || c.to_lowercase() == cell.to_lowercase())
}

/// True when a row looks like a header: it names a field or a `--map` column, or it has at
/// least three filled cells and none of them holds a digit.
fn looks_like_header(row: &RawRow, map: &FieldMap) -> bool {
    let cells = || row.cells.iter().filter(|c| !is_blank(c));
    cells().any(|c| names_a_column(c, map))
        || (cells().count() >= 3
            && cells().all(|c| {
                !athar_record::fold_digits(c)
                    .chars()
                    .any(|ch| ch.is_ascii_digit())
            }))
}

/// The header row: the first row with a non-blank cell — unless that row has a single filled
/// cell that names no column (a title, as Arabic spreadsheets often have) and one of the next
/// rows has two or more filled cells and looks like a header. Returns the header, the lines of
/// the title rows skipped, and the rows read past the header.
fn find_header(
    rows: &mut Rows,
    name: &str,
    map: &FieldMap,
) -> Result<(RawRow, Vec<u64>, Vec<RawRow>), ReadError> {
    let first = loop {
        match rows.next_row(name)? {
            None => {
                return Err(ReadError::Empty {
                    name: name.to_owned(),
                });
            }
            Some(row) if filled(&row) == 0 => {}
            Some(row) => break row,
        }
    };
    if filled(&first) != 1 || first.cells.iter().any(|c| names_a_column(c, map)) {
        return Ok((first, Vec::new(), Vec::new()));
    }
    let mut ahead: Vec<RawRow> = Vec::new();
    while ahead.len() < HEADER_LOOKAHEAD {
        match rows.next_row(name)? {
            None => break,
            Some(row) => ahead.push(row),
        }
    }
    let at = ahead.iter().position(|r| filled(r) >= 2);
    let Some(at) = at.filter(|&at| looks_like_header(&ahead[at], map)) else {
        return Ok((first, Vec::new(), ahead));
    };
    let mut titles = vec![first.line];
    let rest = ahead.split_off(at + 1);
    let header = ahead.pop();
    titles.extend(ahead.iter().filter(|r| filled(r) > 0).map(|r| r.line));
    match header {
        Some(header) => Ok((header, titles, rest)),
        None => Ok((first, Vec::new(), rest)),
    }
}

/// What the decoded head of a CSV tells.
struct Sniffed {
    /// The delimiter.
    delimiter: u8,
    /// Lines end with CR only (old Mac Excel).
    cr_only: bool,
    /// The first line is Excel's `sep=X` hint, which named the delimiter.
    sep_line: bool,
}

/// Sniffs the decoded head of a CSV: Excel's `sep=X` first line if there is one, else the
/// delimiter that splits the rows most consistently.
fn sniff_head(head: &[u8], encoding: Encoding) -> Sniffed {
    let truncated = head.len() >= detect::HEAD;
    let sample: Cow<'_, str> = match encoding {
        Encoding::Utf8 | Encoding::Xlsx => {
            String::from_utf8_lossy(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head))
        }
        Encoding::Utf16Le | Encoding::Utf16Be | Encoding::Windows1256 => {
            let enc = encoding.to_encoding_rs().unwrap_or(encoding_rs::UTF_8);
            let body = if encoding == Encoding::Windows1256 {
                head
            } else {
                head.strip_prefix(&[0xFF, 0xFE])
                    .or_else(|| head.strip_prefix(&[0xFE, 0xFF]))
                    .unwrap_or(head)
            };
            enc.decode_without_bom_handling(body).0
        }
    };
    let cr_only = sample.contains('\r') && !sample.contains('\n');
    let first_line = sample.split(['\r', '\n']).next().unwrap_or_default();
    if let Some(sep) = first_line.strip_prefix("sep=")
        && let [d @ (b',' | b';' | b'\t' | b'|')] = sep.as_bytes()
    {
        return Sniffed {
            delimiter: *d,
            cr_only,
            sep_line: true,
        };
    }
    let sample = if truncated {
        sample
            .rfind(['\n', '\r'])
            .map_or(&sample[..], |i| &sample[..=i])
    } else {
        &sample[..]
    };
    let default = match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => b'\t',
        _ => b',',
    };
    Sniffed {
        delimiter: sniff::sniff_delimiter(sample, truncated, default),
        cr_only,
        sep_line: false,
    }
}

impl ListReader {
    /// The file's name, as given to [`open`] or [`open_bytes`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the file was read as.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The CSV delimiter (`,`, `;` or tab); `None` for XLSX.
    pub fn delimiter(&self) -> Option<char> {
        self.delimiter
    }

    /// For XLSX, the sheet being read.
    pub fn sheet(&self) -> Option<&str> {
        self.sheet.as_deref()
    }

    /// The columns of the header, each with the field it maps to.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The line (CSV) or row (XLSX) of the header.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// How many rows have been yielded so far (empty rows are skipped, not counted).
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The warnings so far: complete once the rows have all been read.
    pub fn warnings(&self) -> Vec<String> {
        let word = if self.encoding == Encoding::Xlsx {
            "rows"
        } else {
            "lines"
        };
        self.stats.warnings(word, self.encoding.name())
    }

    fn next_row(&mut self) -> Result<Option<Row>, ReadError> {
        loop {
            let raw = match self.pending.pop_front() {
                Some(raw) => raw,
                None => match self.source.next_row(&self.name)? {
                    Some(raw) => raw,
                    None => return Ok(None),
                },
            };
            let width = self.columns.len();
            let mut cells = raw.cells;
            while cells.len() > width && cells.last().is_some_and(|c| is_blank(c)) {
                cells.pop();
            }
            if cells.iter().all(|c| is_blank(c)) {
                self.stats.empty.add(raw.line);
                continue;
            }
            if self.encoding == Encoding::Xlsx && cells.len() < width {
                // A sheet stores no empty cells, so a short row is not ragged: pad it.
                cells.resize(width, String::new());
            }
            if cells.len() < width {
                self.stats.short.add(raw.line);
            } else if cells.len() > width {
                self.stats.long.add(raw.line);
            }
            if raw.lossy {
                self.stats.lossy.add(raw.line);
            }
            // XLSX numbers in a date column without a date format are serial dates.
            let is_1904 = match &self.source {
                Rows::Xlsx(x) => x.is_1904,
                Rows::Csv(_) => false,
            };
            let mut serials: Vec<(usize, String)> = Vec::new();
            for (i, (c, v)) in self.columns.iter().zip(&cells).enumerate() {
                if let Some(f) = c.field
                    && f.kind() == FieldKind::Date
                    && raw.numeric.get(i).copied().unwrap_or(false)
                    && let Some(date) = xlsx::serial_date(v, is_1904)
                {
                    self.stats.serials.entry(f).or_default().add(raw.line);
                    serials.push((i, date));
                }
            }
            let pairs = self
                .columns
                .iter()
                .zip(&cells)
                .enumerate()
                .filter_map(|(i, (c, v))| {
                    let v = serials
                        .iter()
                        .find(|(at, _)| *at == i)
                        .map_or(v.as_str(), |(_, d)| d.as_str());
                    c.field.map(|f| (f, v))
                });
            let (record, unparsed) = Record::from_pairs(pairs);
            for f in &unparsed {
                self.stats.unparsed.entry(*f).or_default().add(raw.line);
                if f.kind() == FieldKind::Date
                    && record
                        .get(*f)
                        .is_some_and(athar_record::PartialDate::looks_month_first)
                {
                    self.stats.month_first.entry(*f).or_default().add(raw.line);
                }
            }
            self.rows += 1;
            return Ok(Some(Row {
                line: raw.line,
                values: cells,
                record,
                unparsed,
                columns: Arc::clone(&self.columns),
            }));
        }
    }
}

impl Iterator for ListReader {
    type Item = Result<Row, ReadError>;

    /// The next row; after an error, `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_row() {
            Ok(Some(row)) => Some(Ok(row)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                self.done = true;
                Some(Err(err))
            }
        }
    }
}

impl fmt::Debug for ListReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListReader")
            .field("name", &self.name)
            .field("encoding", &self.encoding)
            .field("delimiter", &self.delimiter)
            .field("sheet", &self.sheet)
            .field("columns", &self.columns)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}
