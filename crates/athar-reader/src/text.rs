//! CSV rows, streamed: the source is decoded to UTF-8 on the fly (`encoding_rs_io`) and parsed
//! with the `csv` crate (quoted fields, embedded newlines, doubled quotes). Only the parser's
//! buffer and the current row are in memory.
//!
//! UTF-8 is passed through without transcoding and each cell is checked: invalid bytes (past the
//! part of the file detection scanned) are replaced with U+FFFD and the row is flagged.
//! Transcoded encodings flag rows holding U+FFFD (an unpaired UTF-16 surrogate).
//!
//! Line numbers are counted here, not taken from `csv::Position`, whose line is where the
//! previous record ended (before skipped blank lines, and before the LF of a CRLF). Records end
//! at LF only; the CR of a CRLF is stripped from the last cell, and a file with CR line ends
//! only (old Mac Excel) has its CRs read as LFs. A record's first line is then the parser's
//! line count after the record, less the LFs inside its cells, less one for its terminating LF
//! (absent only when the record ends the file).

use std::io::{self, Read};

use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

use crate::{Encoding, RawRow};

/// A boxed byte source.
pub(crate) type Source = Box<dyn Read + Send>;

/// The decoded stream, noting when it ends; optionally turning CR into LF.
pub(crate) struct Tracked<R> {
    inner: R,
    eof: bool,
    cr_to_lf: bool,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        if self.cr_to_lf {
            for b in &mut buf[..n] {
                if *b == b'\r' {
                    *b = b'\n';
                }
            }
        }
        Ok(n)
    }
}

/// Streams the rows of a CSV text.
pub(crate) struct CsvRows {
    reader: csv::Reader<Tracked<DecodeReaderBytes<Source, Vec<u8>>>>,
    record: csv::ByteRecord,
    passthru: bool,
}

/// A CSV parse failure at a line.
pub(crate) struct CsvFault {
    pub line: u64,
    pub message: String,
}

impl CsvRows {
    pub(crate) fn new(source: Source, encoding: Encoding, delimiter: u8, cr_only: bool) -> Self {
        let mut builder = DecodeReaderBytesBuilder::new();
        builder.strip_bom(true);
        let passthru = encoding == Encoding::Utf8;
        if passthru {
            builder.utf8_passthru(true);
        } else {
            builder.encoding(encoding.to_encoding_rs());
        }
        let decoded = Tracked {
            inner: builder.build(source),
            eof: false,
            cr_to_lf: cr_only,
        };
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .buffer_capacity(64 * 1024)
            .from_reader(decoded);
        CsvRows {
            reader,
            record: csv::ByteRecord::new(),
            passthru,
        }
    }

    /// The next row, or `None` at the end. Blank lines are skipped.
    pub(crate) fn next_row(&mut self) -> Result<Option<RawRow>, CsvFault> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {
                    let inner: u64 = self
                        .record
                        .iter()
                        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
                        .sum();
                    let terminated = u64::from(!self.reader.get_ref().eof);
                    let end = self.reader.position().line();
                    let line = end.saturating_sub(inner + terminated).max(1);
                    let mut cells: Vec<String> = Vec::with_capacity(self.record.len());
                    let mut lossy = false;
                    let last = self.record.len().saturating_sub(1);
                    for (i, bytes) in self.record.iter().enumerate() {
                        let bytes = if i == last {
                            bytes.strip_suffix(b"\r").unwrap_or(bytes)
                        } else {
                            bytes
                        };
                        cells.push(match std::str::from_utf8(bytes) {
                            Ok(s) => {
                                lossy |= !self.passthru && s.contains('\u{FFFD}');
                                s.to_owned()
                            }
                            Err(_) => {
                                lossy = true;
                                String::from_utf8_lossy(bytes).into_owned()
                            }
                        });
                    }
                    if cells.len() == 1 && cells[0].is_empty() {
                        continue;
                    }
                    return Ok(Some(RawRow {
                        line,
                        cells,
                        lossy,
                        numeric: Vec::new(),
                    }));
                }
                Err(err) => {
                    let line = self.reader.position().line();
                    let message = match err.kind() {
                        csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
                        _ => err.to_string(),
                    };
                    return Err(CsvFault { line, message });
                }
            }
        }
    }
}
