//! XLSX rows, streamed with calamine's cell reader on a worker thread.
//!
//! calamine's streaming cell reader borrows the workbook, so the workbook lives on a worker
//! thread that turns cells into rows and hands them over a bounded channel: only the shared
//! strings table, the channel's few hundred rows and the current row are in memory, never the
//! whole sheet. Dropping the reader stops the worker.
//!
//! Cells become text: numbers without a fraction print as integers (`1985`, not `1985.0`);
//! date-formatted cells (Excel serial numbers) print as `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM:SS`
//! when they hold a time; booleans as `TRUE`/`FALSE`; errors as Excel shows them (`#N/A`).

use std::io::{Read, Seek};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{DataRef, Reader, SheetType, SheetVisible, Xlsx};

use crate::RawRow;
use crate::error::ReadError;

/// A seekable byte source that can move to the worker thread.
pub(crate) trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

enum Msg {
    Row(RawRow),
    Fault(ReadError),
    Done,
}

/// Streams the rows of one worksheet.
pub(crate) struct XlsxRows {
    rx: Receiver<Msg>,
    name: String,
    finished: bool,
    /// The workbook counts serial dates from 1904 (old Mac Excel), not 1900.
    pub(crate) is_1904: bool,
}

/// Opens the workbook, picks the sheet (`sheet`, else the first visible worksheet) and starts
/// the worker. Returns the rows and the sheet's name.
pub(crate) fn open(
    name: &str,
    source: Box<dyn ReadSeek>,
    sheet: Option<&str>,
) -> Result<(XlsxRows, String), ReadError> {
    let broken = |message: String| ReadError::Xlsx {
        name: name.to_owned(),
        message,
    };
    let workbook: Xlsx<Box<dyn ReadSeek>> = Xlsx::new(source).map_err(|e| broken(e.to_string()))?;
    let sheets = workbook.sheets_metadata();
    let names: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let chosen = match sheet {
        Some(wanted) => {
            let wanted_trim = wanted.trim();
            names
                .iter()
                .find(|n| n.as_str() == wanted)
                .or_else(|| names.iter().find(|n| n.trim() == wanted_trim))
                .or_else(|| {
                    let lower = wanted_trim.to_lowercase();
                    names.iter().find(|n| n.trim().to_lowercase() == lower)
                })
                .cloned()
                .ok_or_else(|| ReadError::NoSheet {
                    name: name.to_owned(),
                    sheet: wanted.to_owned(),
                    available: names.clone(),
                })?
        }
        None => sheets
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .or_else(|| sheets.iter().find(|s| s.typ == SheetType::WorkSheet))
            .map(|s| s.name.clone())
            .ok_or_else(|| broken("the workbook has no worksheet".to_owned()))?,
    };
    let is_1904 = workbook.has_1904_epoch();
    let (tx, rx) = sync_channel(256);
    let worker_name = name.to_owned();
    let worker_sheet = chosen.clone();
    std::thread::Builder::new()
        .name("athar-xlsx".to_owned())
        .spawn(move || work(workbook, &worker_sheet, &worker_name, &tx))
        .map_err(|e| ReadError::Io {
            name: name.to_owned(),
            source: e,
        })?;
    Ok((
        XlsxRows {
            rx,
            name: name.to_owned(),
            finished: false,
            is_1904,
        },
        chosen,
    ))
}

impl XlsxRows {
    /// The next non-empty row, or `None` at the end.
    pub(crate) fn next_row(&mut self) -> Result<Option<RawRow>, ReadError> {
        if self.finished {
            return Ok(None);
        }
        match self.rx.recv() {
            Ok(Msg::Row(row)) => Ok(Some(row)),
            Ok(Msg::Done) => {
                self.finished = true;
                Ok(None)
            }
            Ok(Msg::Fault(err)) => {
                self.finished = true;
                Err(err)
            }
            Err(_) => {
                self.finished = true;
                Err(ReadError::Xlsx {
                    name: self.name.clone(),
                    message: "the sheet reader stopped unexpectedly".to_owned(),
                })
            }
        }
    }
}

/// The worker: reads the sheet's cells in order and sends one message per non-empty row.
fn work(mut workbook: Xlsx<Box<dyn ReadSeek>>, sheet: &str, name: &str, tx: &SyncSender<Msg>) {
    let mut cells = match workbook.worksheet_cells_reader(sheet) {
        Ok(cells) => cells,
        Err(e) => {
            let _ = tx.send(Msg::Fault(ReadError::Xlsx {
                name: name.to_owned(),
                message: format!("sheet {sheet:?}: {e}"),
            }));
            return;
        }
    };
    let mut current: Option<u32> = None;
    let mut row: Vec<(u32, String, bool)> = Vec::new();
    let flush = |current: Option<u32>, row: &mut Vec<(u32, String, bool)>| -> bool {
        let Some(r) = current else { return true };
        if row.is_empty() {
            return true;
        }
        let width = row
            .iter()
            .map(|(c, _, _)| *c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut out = vec![String::new(); width];
        let mut numeric = vec![false; width];
        for (c, text, number) in row.drain(..) {
            out[c as usize] = text;
            numeric[c as usize] = number;
        }
        tx.send(Msg::Row(RawRow {
            line: u64::from(r) + 1,
            cells: out,
            lossy: false,
            numeric,
        }))
        .is_ok()
    };
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (r, c) = cell.get_position();
                let value = cell.get_value();
                let number = matches!(value, DataRef::Int(_) | DataRef::Float(_));
                let text = cell_text(value);
                if text.is_empty() {
                    continue;
                }
                if current != Some(r) {
                    if !flush(current, &mut row) {
                        return;
                    }
                    current = Some(r);
                }
                row.push((c, text, number));
            }
            Ok(None) => {
                if flush(current, &mut row) {
                    let _ = tx.send(Msg::Done);
                }
                return;
            }
            Err(e) => {
                let _ = tx.send(Msg::Fault(ReadError::XlsxRow {
                    name: name.to_owned(),
                    row: current.map_or(1, |r| u64::from(r) + 1),
                    message: e.to_string(),
                }));
                return;
            }
        }
    }
}

/// A number as a person reads it: integers without `.0`.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)] // Integral and below 1e15: exact in i64.
        let i = f as i64;
        i.to_string()
    } else {
        f.to_string()
    }
}

/// The date an Excel serial number stands for, as `YYYY-MM-DD`: a whole number of days that is
/// not itself a plausible year (1800–2100) and falls in 1910–2100 (smaller numbers in a date
/// column are more likely something else than a date before 1910). `None` otherwise.
pub(crate) fn serial_date(text: &str, is_1904: bool) -> Option<String> {
    let n: u32 = text.parse().ok()?;
    if (1800..=2100).contains(&n) || !(3_653..=73_415).contains(&n) {
        return None;
    }
    let dt =
        calamine::ExcelDateTime::new(f64::from(n), calamine::ExcelDateTimeType::DateTime, is_1904);
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    (1910..=2100)
        .contains(&y)
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

/// The text of one cell.
pub(crate) fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if dt.as_f64() < 1.0 {
                format!("{h:02}:{mi:02}:{s:02}")
            } else if (h, mi, s, ms) == (0, 0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    fn date(serial: f64) -> String {
        cell_text(&DataRef::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        )))
    }

    #[test]
    fn serial_dates() {
        assert_eq!(date(31118.0), "1985-03-12");
        assert_eq!(date(1.0), "1900-01-01");
        assert_eq!(date(61.0), "1900-03-01");
        assert_eq!(date(45658.5), "2025-01-01 12:00:00");
        let d1904 = ExcelDateTime::new(29656.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(cell_text(&DataRef::DateTime(d1904)), "1985-03-12");
    }

    #[test]
    fn serial_numbers_in_general_format() {
        assert_eq!(serial_date("31118", false).as_deref(), Some("1985-03-12"));
        assert_eq!(serial_date("29656", true).as_deref(), Some("1985-03-12"));
        assert_eq!(serial_date("1985", false), None, "a year, not a serial");
        assert_eq!(serial_date("80000", false), None, "past 2100");
        assert_eq!(serial_date("35.5", false), None);
        assert_eq!(serial_date("0", false), None);
        assert_eq!(
            serial_date("150", false),
            None,
            "1900-05-29 is not believed"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(cell_text(&DataRef::Float(1985.0)), "1985");
        assert_eq!(cell_text(&DataRef::Float(12345678901.0)), "12345678901");
        assert_eq!(cell_text(&DataRef::Float(35.5)), "35.5");
        assert_eq!(cell_text(&DataRef::Int(-3)), "-3");
        assert_eq!(cell_text(&DataRef::Bool(true)), "TRUE");
    }
}
