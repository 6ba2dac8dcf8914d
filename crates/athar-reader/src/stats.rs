//! What reading noticed, turned into warnings: unmapped and unnamed columns, ragged rows, empty
//! rows, undecodable bytes, and values of typed fields that did not parse (counted per field,
//! with the first line numbers).

use std::collections::BTreeMap;

use athar_record::{Field, FieldKind};

/// How many line numbers a warning lists before it only counts.
const SHOWN: usize = 10;

/// A count and the first few lines it happened at.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lines {
    count: u64,
    first: Vec<u64>,
}

impl Lines {
    pub(crate) fn add(&mut self, line: u64) {
        self.count += 1;
        if self.first.len() < SHOWN {
            self.first.push(line);
        }
    }

    fn describe(&self, word: &str) -> String {
        let list: Vec<String> = self.first.iter().map(u64::to_string).collect();
        let more = if self.count > self.first.len() as u64 {
            format!(", … ({} in all)", self.count)
        } else {
            String::new()
        };
        format!("{word} {}{more}", list.join(", "))
    }
}

/// Counters filled while rows are read.
#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    /// Warnings known when the file was opened (columns).
    pub(crate) fixed: Vec<String>,
    pub(crate) short: Lines,
    pub(crate) long: Lines,
    pub(crate) empty: Lines,
    pub(crate) lossy: Lines,
    pub(crate) unparsed: BTreeMap<Field, Lines>,
    /// Date values that parse only month first (`03/25/1985`), per field.
    pub(crate) month_first: BTreeMap<Field, Lines>,
    /// XLSX numbers without a date format read as serial dates, per field.
    pub(crate) serials: BTreeMap<Field, Lines>,
}

fn what_it_is_not(field: Field) -> &'static str {
    match field.kind() {
        FieldKind::Date => "not dates in a known format",
        FieldKind::Year => "not years (four digits, 1800-2100)",
        FieldKind::Age => "not ages in whole years (0-130)",
        FieldKind::Sex => "not a sex (M/F, male/female, ذكر/أنثى)",
        FieldKind::Identifier => "not document numbers (letters and digits)",
        FieldKind::Text => "not readable",
    }
}

impl Stats {
    /// The warnings so far, in a stable order.
    pub(crate) fn warnings(&self, row_word: &str, encoding: &str) -> Vec<String> {
        let mut out = self.fixed.clone();
        if self.short.count > 0 {
            out.push(format!(
                "ragged rows: {} rows have fewer cells than the header (missing cells read as \
                 empty): {}",
                self.short.count,
                self.short.describe(row_word)
            ));
        }
        if self.long.count > 0 {
            out.push(format!(
                "ragged rows: {} rows have more cells than the header (extra cells kept with the \
                 raw record as column_N, not mapped): {}",
                self.long.count,
                self.long.describe(row_word)
            ));
        }
        if self.empty.count > 0 {
            out.push(format!(
                "{} empty rows skipped: {}",
                self.empty.count,
                self.empty.describe(row_word)
            ));
        }
        if self.lossy.count > 0 {
            out.push(format!(
                "{} rows hold bytes that are not valid {encoding}, replaced with U+FFFD: {}",
                self.lossy.count,
                self.lossy.describe(row_word)
            ));
        }
        for (field, lines) in &self.serials {
            out.push(format!(
                "{field}: {} numbers without a date format were read as Excel serial dates \
                 (the raw cell keeps the number): {}",
                lines.count,
                lines.describe(row_word)
            ));
        }
        for (field, lines) in &self.unparsed {
            out.push(format!(
                "{field}: {} values are {} and were kept raw: {}",
                lines.count,
                what_it_is_not(*field),
                lines.describe(row_word)
            ));
            if let Some(mf) = self.month_first.get(field) {
                out.push(format!(
                    "{field}: {} of them read only month first (MM/DD/YYYY): if this list \
                     writes dates month first, its other slash dates were read with day and \
                     month swapped: {}",
                    mf.count,
                    mf.describe(row_word)
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_listed_then_counted() {
        let mut s = Stats::default();
        for line in 2..20 {
            s.unparsed.entry(Field::BirthDate).or_default().add(line);
        }
        s.short.add(7);
        let w = s.warnings("lines", "utf-8");
        assert_eq!(
            w[0],
            "ragged rows: 1 rows have fewer cells than the header (missing cells read as empty): \
             lines 7"
        );
        assert_eq!(
            w[1],
            "birth_date: 18 values are not dates in a known format and were kept raw: lines 2, 3, \
             4, 5, 6, 7, 8, 9, 10, 11, … (18 in all)"
        );
    }
}
