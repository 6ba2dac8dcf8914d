//! Files that cannot be read at all, and bad options: a typed error whose message names the
//! file and says what is wrong.

use athar_reader::{ReadError, ReadOptions, open, open_bytes};
use athar_record::{FieldMap, MapError};

use crate::fixtures;

fn err(bytes: &[u8], opts: &ReadOptions) -> ReadError {
    let e = open_bytes("list.csv", bytes.to_vec(), opts).unwrap_err();
    assert!(e.to_string().starts_with("list.csv: "), "{e}");
    assert_eq!(e.file_name(), "list.csv");
    e
}

fn plain(bytes: &[u8]) -> ReadError {
    err(bytes, &ReadOptions::default())
}

#[test]
fn missing_file() {
    let e = open("/nonexistent/athar/list.csv", &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, ReadError::Io { .. }));
    assert!(
        e.to_string()
            .starts_with("/nonexistent/athar/list.csv: cannot read the file"),
        "{e}"
    );
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(e, ReadError::NotAList { .. } | ReadError::Io { .. }),
        "{e}"
    );
}

#[test]
fn empty_files() {
    for bytes in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\n\n\r\n",
        b",,,\n,,\n",
        b"\xFF\xFE",
    ] {
        assert!(matches!(plain(bytes), ReadError::Empty { .. }), "{bytes:?}");
    }
}

#[test]
fn binary_junk() {
    let junk: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(plain(&junk), ReadError::NotAList { .. }));
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
    let e = plain(png);
    assert!(e.to_string().contains("binary data"), "{e}");
    let pdf = plain(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    assert!(pdf.to_string().contains("PDF"), "{pdf}");
    let xls = plain(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]);
    assert!(xls.to_string().contains(".xls"), "{xls}");
}

#[test]
fn broken_xlsx() {
    let book = fixtures::workbook();
    for cut in [book.len() / 2, 100, 30] {
        let e = plain(&book[..cut]);
        assert!(matches!(e, ReadError::Xlsx { .. }), "cut at {cut}: {e}");
        assert!(e.to_string().contains("broken XLSX"), "{e}");
    }
    let mut corrupt = book.clone();
    for b in corrupt.iter_mut().skip(200).step_by(7) {
        *b ^= 0x5A;
    }
    let e = open_bytes("list.csv", corrupt, &ReadOptions::default())
        .and_then(|mut l| l.try_for_each(|r| r.map(drop)).map(|()| l));
    assert!(e.is_err(), "a corrupted workbook must not read as valid");
}

#[test]
fn unknown_encodings() {
    let text = "الاسم,الكنية,مكان الولادة\nمحمد,الحلبي,حلب\nعمر,الشامي,دمشق\nخالد,المصري,حمص\n";
    let (iso, _, _) = encoding_rs::ISO_8859_6.encode(text);
    let e = plain(&iso);
    assert!(matches!(e, ReadError::UnknownEncoding { .. }), "{e}");
    assert!(e.to_string().contains("unknown text encoding"), "{e}");
    let e = plain(b"\xFF\xFE\0\0i\0\0\0d\0\0\0");
    assert!(matches!(e, ReadError::UnknownEncoding { .. }), "{e}");
}

#[test]
fn sheet_on_csv_and_missing_sheet() {
    let opts = ReadOptions {
        map: FieldMap::new(),
        sheet: Some("Family".to_owned()),
    };
    assert!(matches!(
        err(b"id\n1\n", &opts),
        ReadError::SheetOnCsv { .. }
    ));
    let opts = ReadOptions {
        map: FieldMap::new(),
        sheet: Some("Prisoners".to_owned()),
    };
    let e = err(&fixtures::workbook(), &opts);
    assert_eq!(
        e.to_string(),
        "list.csv: no sheet \"Prisoners\" (the sheets are: المعتقلون, Family)"
    );
}

#[test]
fn map_to_a_missing_column() {
    let opts = ReadOptions {
        map: FieldMap::parse(["first_name=الاسم"]).unwrap(),
        sheet: None,
    };
    let e = err(b"id,name\n1,x\n", &opts);
    assert!(
        matches!(&e, ReadError::Map { source: MapError::UnknownColumn { column, .. }, .. } if column == "الاسم"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "list.csv: --map first_name=\"الاسم\": no column \"الاسم\" in the header (the columns \
         are: id, name)"
    );
}
