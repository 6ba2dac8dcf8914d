//! The reader's fixtures: small synthetic lists in every encoding, delimiter and quirk the
//! reader handles, built here so that their bytes are explained by code. The same files are
//! committed under `tests/fixtures/` for the CLI tests and the README; the test
//! `committed_fixtures_are_current` checks they still match this generator, and
//! `cargo test -p athar-reader --test tests -- --ignored regenerate_fixtures` rewrites them.
//!
//! Every name is synthetic.

use std::path::PathBuf;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The header of the main table: canonical names plus one Arabic notes column (unmapped).
pub const HEADER: [&str; 12] = [
    "id",
    "first_name",
    "father_name",
    "family_name",
    "mother_name",
    "sex",
    "birth_date",
    "governorate",
    "prison_number",
    "detention_place",
    "status",
    "ملاحظات",
];

/// The main table. `ascii_digits` replaces Arabic-Indic digits (Windows-1256 has none).
pub fn table(ascii_digits: bool) -> Vec<Vec<String>> {
    let rows: [[&str; 12]; 5] = [
        [
            "1",
            "محمد",
            "أحمد",
            "الحلبي",
            "فاطمة",
            "ذكر",
            "12/03/1985",
            "حلب",
            "٤٥٢١",
            "صيدنايا",
            "معتقل",
            "—",
        ],
        [
            "2",
            "عمر",
            "خالد",
            "الشامي",
            "",
            "M",
            "1990",
            "دمشق",
            "7781",
            "فرع 215",
            "missing",
            "آخر اتصال: 2013; لا أخبار",
        ],
        [
            "3",
            "Khaled",
            "Mhd",
            "Al-Masri",
            "Amina",
            "male",
            "1978-11-02",
            "Homs",
            "",
            "Sednaya",
            "released",
            "",
        ],
        [
            "4",
            "فاطمة",
            "محمود",
            "العلي",
            "زينب",
            "أنثى",
            "٠٢/٠٧/١٩٩٢",
            "إدلب",
            "",
            "",
            "مفقودة",
            "",
        ],
        [
            "5",
            "سامر",
            "عبد الرحمن",
            "الخطيب",
            "",
            "ذكر",
            "حوالي 1980",
            "",
            "",
            "",
            "",
            "تاريخ الميلاد غير معروف",
        ],
    ];
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    if ascii_digits {
                        athar_record::fold_digits(c).into_owned()
                    } else {
                        (*c).to_owned()
                    }
                })
                .collect()
        })
        .collect()
}

/// CSV text with `delimiter` and CRLF line ends (as Excel writes), quoting where needed.
pub fn csv_text(header: &[&str], rows: &[Vec<String>], delimiter: u8) -> String {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// `text` in UTF-16 with a byte-order mark.
pub fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        if little_endian {
            out.extend(unit.to_le_bytes());
        } else {
            out.extend(unit.to_be_bytes());
        }
    }
    out
}

/// `text` in Windows-1256; panics if a character does not exist there.
pub fn windows_1256(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1256.encode(text);
    assert!(!unmappable, "not encodable in Windows-1256: {text}");
    bytes.into_owned()
}

/// Quoted fields with embedded newlines, doubled quotes and delimiters.
pub fn embedded_newlines() -> String {
    "id,full_name,residence,status\r\n\
     1,\"محمد أحمد\r\nالحلبي\",\"حلب، الشعار\",detained\r\n\
     2,\"Omar \"\"Abu Khaled\"\" Al-Shami\",\"Damascus, Mezzeh\r\nBuilding 4\r\nFloor 2\",missing\r\n\
     3,سامر الخطيب,,released\r\n"
        .to_owned()
}

/// Ragged rows, an empty row, trailing delimiters, unparsable dates and ages.
pub fn ragged() -> String {
    "id,first_name,birth_date,age\n\
     1,عمر,1985-03-12,40\n\
     2,علي\n\
     3,خالد,1990,35,extra,more\n\
     \n\
     ,,,\n\
     4,سعيد,32/13/1990,old\n\
     5,زياد,1975,,,,\n\
     6,رامي,?,٢٢\n"
        .to_owned()
}

/// Serial date of a day, as Excel stores it (1900 system).
pub fn serial(y: u16, m: u8, d: u8) -> f64 {
    ExcelDateTime::from_ymd(y, m, d).unwrap().to_excel()
}

/// An XLSX workbook: sheet `المعتقلون` with serial dates and numbers, sheet `Family` with
/// other columns.
pub fn workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let iso = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("المعتقلون").unwrap();
    let header = [
        "id",
        "الاسم",
        "family_name",
        "birth_date",
        "detention_date",
        "prison_number",
        "age",
        "national_id",
        "ملاحظات",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Row 2: dates as serial numbers with date formats, numbers as numbers.
    ws.write_number(1, 0, 1).unwrap();
    ws.write_string(1, 1, "محمد").unwrap();
    ws.write_string(1, 2, "الحلبي").unwrap();
    ws.write_number_with_format(1, 3, serial(1985, 3, 12), &date)
        .unwrap();
    ws.write_datetime_with_format(1, 4, ExcelDateTime::from_ymd(2013, 7, 1).unwrap(), &iso)
        .unwrap();
    ws.write_number(1, 5, 4521).unwrap();
    ws.write_number(1, 6, 40).unwrap();
    ws.write_number(1, 7, 1234567890).unwrap();
    ws.write_string(1, 8, "نُقل إلى صيدنايا").unwrap();
    // Row 3: a date typed as text, Arabic-Indic digits.
    ws.write_number(2, 0, 2).unwrap();
    ws.write_string(2, 1, "عمر").unwrap();
    ws.write_string(2, 2, "الشامي").unwrap();
    ws.write_string(2, 3, "٠٢/٠٧/١٩٩٢").unwrap();
    ws.write_number(2, 5, 7781).unwrap();
    // Row 4 left empty; row 5: unparsable date text.
    ws.write_number(4, 0, 3).unwrap();
    ws.write_string(4, 1, "Khaled").unwrap();
    ws.write_string(4, 2, "Al-Masri").unwrap();
    ws.write_string(4, 3, "unknown").unwrap();
    ws.write_number(4, 6, 35.5).unwrap();
    let fam = wb.add_worksheet();
    fam.set_name("Family").unwrap();
    for (c, h) in ["full_name", "sex", "birth_year", "mother_name"]
        .iter()
        .enumerate()
    {
        fam.write_string(0, c as u16, *h).unwrap();
    }
    fam.write_string(1, 0, "فاطمة محمود العلي").unwrap();
    fam.write_string(1, 1, "أنثى").unwrap();
    fam.write_number(1, 2, 1992).unwrap();
    fam.write_string(1, 3, "زينب").unwrap();
    wb.save_to_buffer().unwrap()
}

/// Every committed fixture: file name and bytes (XLSX bytes are not byte-stable: see
/// [`committed`]).
pub fn all() -> Vec<(&'static str, Vec<u8>)> {
    let arabic = csv_text(&HEADER, &table(false), b',');
    let ascii = csv_text(&HEADER, &table(true), b';');
    let tab = csv_text(&HEADER, &table(false), b'\t');
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(arabic.as_bytes());
    vec![
        ("utf8_bom_comma.csv", bom),
        (
            "utf8_semicolon.csv",
            csv_text(&HEADER, &table(false), b';').into_bytes(),
        ),
        ("utf16le_tab.txt", utf16(&tab, true)),
        ("utf16be_tab.txt", utf16(&tab, false)),
        ("windows1256_semicolon.csv", windows_1256(&ascii)),
        ("embedded_newlines.csv", embedded_newlines().into_bytes()),
        ("ragged.csv", ragged().into_bytes()),
        ("registry.xlsx", workbook()),
    ]
}

/// The folder of the committed fixtures.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The committed fixture `name`.
pub fn committed(name: &str) -> PathBuf {
    dir().join(name)
}
