//! Delimiter sniffing: comma, semicolon or tab, decided on the decoded head of the file.
//!
//! Each candidate parses the head with the real CSV parser (so delimiters inside quoted fields
//! do not count). The winner splits the rows into more than one field most consistently: the
//! share of rows having the most common field count, ties (within 5 points) going to the
//! candidate with more fields, then to comma, semicolon, tab in that order. A head where no
//! candidate gives more than one field is a one-column list: the default is used (tab for
//! UTF-16, Excel's "Unicode text"; comma otherwise).

/// The delimiters sniffed, in order of preference on ties.
pub(crate) const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];

/// How many records of the head are looked at.
const MAX_RECORDS: usize = 500;

struct Score {
    delimiter: u8,
    consistency: f64,
    fields: usize,
}

fn score(sample: &str, truncated: bool, delimiter: u8) -> Option<Score> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(sample.as_bytes());
    let mut counts: Vec<usize> = Vec::new();
    let mut record = csv::ByteRecord::new();
    while counts.len() < MAX_RECORDS {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                    continue;
                }
                counts.push(record.len());
            }
            Ok(false) | Err(_) => break,
        }
    }
    // The last record of a cut head may be cut too.
    if truncated && counts.len() > 1 {
        counts.pop();
    }
    if counts.is_empty() {
        return None;
    }
    let mut freq: Vec<(usize, usize)> = Vec::new();
    for &c in &counts {
        match freq.iter_mut().find(|(n, _)| *n == c) {
            Some((_, k)) => *k += 1,
            None => freq.push((c, 1)),
        }
    }
    let (fields, hits) = freq
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))?;
    if fields < 2 {
        return None;
    }
    Some(Score {
        delimiter,
        consistency: hits as f64 / counts.len() as f64,
        fields,
    })
}

/// The delimiter of a CSV whose decoded head is `sample` (`truncated` when the file goes on).
pub(crate) fn sniff_delimiter(sample: &str, truncated: bool, default: u8) -> u8 {
    let scores: Vec<Score> = CANDIDATES
        .iter()
        .filter_map(|&d| score(sample, truncated, d))
        .collect();
    let Some(best) = scores.iter().map(|s| s.consistency).reduce(f64::max) else {
        return default;
    };
    let mut chosen: Option<&Score> = None;
    for s in scores.iter().filter(|s| s.consistency + 0.05 >= best) {
        if chosen.is_none_or(|c| s.fields > c.fields) {
            chosen = Some(s);
        }
    }
    chosen.map_or(default, |s| s.delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(s: &str) -> char {
        char::from(sniff_delimiter(s, false, b','))
    }

    #[test]
    fn plain_delimiters() {
        assert_eq!(sniff("id,name,year\n1,Omar,1980\n2,Ali,1990\n"), ',');
        assert_eq!(sniff("id;name;year\n1;عمر;1980\n2;علي;1990\n"), ';');
        assert_eq!(sniff("id\tname\tyear\n1\tعمر\t1980\n"), '\t');
    }

    #[test]
    fn commas_inside_values_do_not_fool_semicolons() {
        let s = "id;name;residence\n1;عمر;دمشق, المزة\n2;علي;حلب\n3;سعيد;حمص, الوعر, شارع 5\n";
        assert_eq!(sniff(s), ';');
    }

    #[test]
    fn quoted_delimiters_are_ignored() {
        let s = "id,name,note\n1,\"Omar; son of Ali\",\"a;b;c;d\"\n2,Ali,\"x;y\"\n3,Sami,\"\"\n";
        assert_eq!(sniff(s), ',');
    }

    #[test]
    fn embedded_newlines_in_quotes() {
        let s = "id;name;note\n1;Omar;\"line one\nline two, with comma\"\n2;Ali;x\n";
        assert_eq!(sniff(s), ';');
    }

    #[test]
    fn single_column_uses_default() {
        assert_eq!(sniff_delimiter("name\nOmar\nAli\n", false, b'\t'), b'\t');
        assert_eq!(sniff("name\nOmar\nAli\n"), ',');
    }

    #[test]
    fn ragged_rows_still_sniff() {
        let s = "a;b;c;d\n1;2;3;4\n1;2;3\n1;2;3;4\n1;2;3;4;5\n";
        assert_eq!(sniff(s), ';');
    }
}
