//! Property: any table written as CSV — in any supported encoding, with any of the three
//! delimiters — reads back to the same header, values and line numbers.

use athar_reader::{Encoding, ReadOptions, open_bytes};
use proptest::prelude::*;

use crate::fixtures::{utf16, windows_1256};

#[derive(Debug, Clone, Copy)]
enum Enc {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Cp1256,
}

/// A word in one script (Windows-1256 text never mixes scripts inside a word).
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ابتثجحخدذرزسشصضطظعغفقكلمنهويةىءأإآؤئ]{1,8}",
        "[A-Za-zéèàçêô]{1,8}",
        "[0-9]{1,6}",
    ]
}

/// Cell text: words joined by separators that include every delimiter, quotes and newlines.
fn cell(awkward: bool) -> impl Strategy<Value = String> {
    let seps = if awkward {
        prop_oneof![
            Just(" "),
            Just(", "),
            Just(";"),
            Just("\t"),
            Just("\""),
            Just("\n"),
            Just("-"),
            Just("/")
        ]
        .boxed()
    } else {
        prop_oneof![Just(" "), Just("-"), Just("/"), Just(".")].boxed()
    };
    proptest::collection::vec((word(), seps), 0..4).prop_map(|parts| {
        let mut s = String::new();
        for (w, sep) in parts {
            s.push_str(&w);
            s.push_str(sep);
        }
        s
    })
}

fn table(awkward: bool) -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    (2usize..6, 0usize..12).prop_flat_map(move |(cols, rows)| {
        // Distinct headers that name no canonical field.
        let header = proptest::collection::vec("[a-z_]{1,10}", cols).prop_map(|names| {
            names
                .into_iter()
                .enumerate()
                .map(|(i, n)| format!("h{i}_{n}"))
                .collect::<Vec<_>>()
        });
        // The first cell is an id so that no row is blank.
        let row = (
            "[0-9]{1,5}",
            proptest::collection::vec(cell(awkward), cols - 1),
        )
            .prop_map(|(id, mut rest)| {
                rest.insert(0, id);
                rest
            });
        (header, proptest::collection::vec(row, rows))
    })
}

fn encode(text: &str, enc: Enc) -> Vec<u8> {
    match enc {
        Enc::Utf8 => text.as_bytes().to_vec(),
        Enc::Utf8Bom => [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
        Enc::Utf16Le => utf16(text, true),
        Enc::Utf16Be => utf16(text, false),
        Enc::Cp1256 => windows_1256(text),
    }
}

fn check(
    header: &[String],
    rows: &[Vec<String>],
    enc: Enc,
    delimiter: u8,
    style: csv::QuoteStyle,
) -> Result<(), TestCaseError> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(style)
        .from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let mut list = open_bytes("p.csv", encode(&text, enc), &ReadOptions::default()).unwrap();
    let want_enc = match enc {
        Enc::Utf8 | Enc::Utf8Bom => Encoding::Utf8,
        Enc::Utf16Le => Encoding::Utf16Le,
        Enc::Utf16Be => Encoding::Utf16Be,
        Enc::Cp1256 if text.is_ascii() => Encoding::Utf8,
        Enc::Cp1256 => Encoding::Windows1256,
    };
    prop_assert_eq!(list.encoding(), want_enc);
    let names: Vec<String> = list.columns().iter().map(|c| c.column.clone()).collect();
    prop_assert_eq!(&names, header);
    let got: Vec<_> = list.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    if !rows.is_empty() {
        prop_assert_eq!(list.delimiter(), Some(char::from(delimiter)));
    }
    let values: Vec<Vec<String>> = got.iter().map(|r| r.values.clone()).collect();
    prop_assert_eq!(&values, rows);
    // A row starts on the line after the previous row's last line.
    let mut line = 2u64;
    for (row, want) in got.iter().zip(rows) {
        prop_assert_eq!(row.line, line);
        line += 1 + want
            .iter()
            .map(|c| c.matches('\n').count() as u64)
            .sum::<u64>();
    }
    // The headers name no field, so the only warning is that they are unmapped.
    let warnings = list.warnings();
    prop_assert_eq!(warnings.len(), 1, "{:?}", warnings);
    prop_assert!(warnings[0].starts_with("unmapped columns"));
    Ok(())
}

fn any_enc() -> impl Strategy<Value = Enc> {
    prop_oneof![
        Just(Enc::Utf8),
        Just(Enc::Utf8Bom),
        Just(Enc::Utf16Le),
        Just(Enc::Utf16Be),
        Just(Enc::Cp1256)
    ]
}

fn any_delimiter() -> impl Strategy<Value = u8> {
    prop_oneof![Just(b','), Just(b';'), Just(b'\t')]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every cell quoted: any content, including the other delimiters, quotes and newlines.
    #[test]
    fn quoted_csv_round_trips(
        (header, rows) in table(true),
        enc in any_enc(),
        delimiter in any_delimiter(),
    ) {
        check(&header, &rows, enc, delimiter, csv::QuoteStyle::Always)?;
    }

    /// Quoted only where needed (as Excel writes): content without the other delimiters.
    #[test]
    fn minimally_quoted_csv_round_trips(
        (header, rows) in table(false),
        enc in any_enc(),
        delimiter in any_delimiter(),
    ) {
        check(&header, &rows, enc, delimiter, csv::QuoteStyle::Necessary)?;
    }
}

/// Pieces of text-like files.
const PIECES: &[&[u8]] = &[
    b",",
    b";",
    b"\t",
    b"\"",
    b"\r\n",
    b"\n",
    b"\r",
    b"id",
    b"first_name",
    b"sep=",
    "عمر".as_bytes(),
    b"\xda\xe3\xd1",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\0",
    b"12/03/1985",
];

/// Reads whatever `open_bytes` accepts to the end; never panics.
fn read_all(bytes: Vec<u8>) {
    if let Ok(mut list) = open_bytes("any", bytes, &ReadOptions::default()) {
        for row in list.by_ref() {
            if row.is_err() {
                break;
            }
        }
        let _ = list.warnings();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes: an error or rows, never a panic or a hang.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_all(bytes);
    }

    /// Text-like bytes (delimiters, quotes, line ends, Arabic in UTF-8 and Windows-1256).
    #[test]
    fn text_like_bytes_never_panic(
        parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..200)
    ) {
        read_all(parts.concat());
    }

    /// A damaged workbook (cut or with flipped bytes): an error or rows, never a panic.
    #[test]
    fn damaged_xlsx_never_panics(cut in 0usize..8000, flips in proptest::collection::vec((0usize..8000, any::<u8>()), 0..8)) {
        let mut book = crate::fixtures::workbook();
        for (at, x) in flips {
            let len = book.len();
            book[at % len] ^= x;
        }
        book.truncate(cut.max(4));
        read_all(book);
    }
}
