//! CSV in every encoding and delimiter, and the quirks: embedded newlines, ragged rows, empty
//! rows, `--map`.

use athar_reader::{Encoding, ListReader, ReadOptions, Row, open, open_bytes};
use athar_record::{Field, FieldMap, Sex};

use crate::fixtures::{self, HEADER, table};

pub fn opts(map: &[&str]) -> ReadOptions {
    ReadOptions {
        map: FieldMap::parse(map).unwrap(),
        sheet: None,
    }
}

pub fn read(name: &str, bytes: Vec<u8>, map: &[&str]) -> (ListReader, Vec<Row>) {
    let mut list = open_bytes(name, bytes, &opts(map)).unwrap();
    let rows = list.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    (list, rows)
}

fn fixture(name: &str) -> Vec<u8> {
    fixtures::all()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap()
        .1
}

/// The main table reads the same in every CSV encoding and delimiter.
#[test]
fn every_encoding_and_delimiter_reads_the_main_table() {
    let cases = [
        ("utf8_bom_comma.csv", Encoding::Utf8, ',', false),
        ("utf8_semicolon.csv", Encoding::Utf8, ';', false),
        ("utf16le_tab.txt", Encoding::Utf16Le, '\t', false),
        ("utf16be_tab.txt", Encoding::Utf16Be, '\t', false),
        (
            "windows1256_semicolon.csv",
            Encoding::Windows1256,
            ';',
            true,
        ),
    ];
    for (name, encoding, delimiter, ascii_digits) in cases {
        let (list, rows) = read(name, fixture(name), &[]);
        assert_eq!(list.encoding(), encoding, "{name}");
        assert_eq!(list.delimiter(), Some(delimiter), "{name}");
        let headers: Vec<&str> = list.columns().iter().map(|c| c.column.as_str()).collect();
        assert_eq!(headers, HEADER, "{name}");
        let fields: Vec<Option<Field>> = list.columns().iter().map(|c| c.field).collect();
        let mut want: Vec<Option<Field>> =
            HEADER[..11].iter().map(|h| Field::from_header(h)).collect();
        want.push(None);
        assert_eq!(fields, want, "{name}");
        let values: Vec<Vec<String>> = rows.iter().map(|r| r.values.clone()).collect();
        assert_eq!(values, table(ascii_digits), "{name}");
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6], "{name}");

        let first = &rows[0].record;
        assert_eq!(first.get(Field::FirstName), Some("محمد"), "{name}");
        assert_eq!(first.get(Field::FamilyName), Some("الحلبي"), "{name}");
        assert_eq!(first.sex_known(), Some(Sex::Male));
        assert_eq!(
            first.canonical(Field::BirthDate).as_deref(),
            Some("1985-03-12")
        );
        assert_eq!(
            first.canonical(Field::PrisonNumber).as_deref(),
            Some("4521")
        );
        assert_eq!(rows[2].record.sex_known(), Some(Sex::Male));
        assert_eq!(rows[3].record.sex_known(), Some(Sex::Female));
        assert_eq!(
            rows[3].record.canonical(Field::BirthDate).as_deref(),
            Some("1992-07-02")
        );
        assert_eq!(rows[1].get("ملاحظات"), Some("آخر اتصال: 2013; لا أخبار"));
        assert_eq!(rows[4].unparsed, vec![Field::BirthDate]);
        assert_eq!(
            rows[4].record.get(Field::BirthDate),
            Some("حوالي 1980"),
            "kept raw"
        );
        assert_eq!(
            list.warnings(),
            vec![
                "unmapped columns (kept with the raw record, not used for matching): ملاحظات"
                    .to_owned(),
                "birth_date: 1 values are not dates in a known format and were kept raw: lines 6"
                    .to_owned(),
            ],
            "{name}"
        );
    }
}

/// The committed fixtures are what the generator makes (XLSX compared by content).
#[test]
fn committed_fixtures_are_current() {
    for (name, bytes) in fixtures::all() {
        let path = fixtures::committed(name);
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if name.ends_with(".xlsx") {
            let mut a = open_bytes(name, bytes, &ReadOptions::default()).unwrap();
            let mut b = open(&path, &ReadOptions::default()).unwrap();
            let a_rows: Vec<Vec<String>> = a.by_ref().map(|r| r.unwrap().values).collect();
            let b_rows: Vec<Vec<String>> = b.by_ref().map(|r| r.unwrap().values).collect();
            assert_eq!(a.columns(), b.columns(), "{name}");
            assert_eq!(a_rows, b_rows, "{name}");
        } else {
            assert!(on_disk == bytes, "{name} differs from the generator");
        }
    }
}

/// Rewrites the committed fixtures from the generator.
#[test]
#[ignore = "writes files: run on purpose to regenerate the fixtures"]
fn regenerate_fixtures() {
    std::fs::create_dir_all(fixtures::dir()).unwrap();
    for (name, bytes) in fixtures::all() {
        std::fs::write(fixtures::committed(name), bytes).unwrap();
    }
}

#[test]
fn a_path_reads_like_bytes() {
    let path = fixtures::committed("windows1256_semicolon.csv");
    let mut list = open(&path, &ReadOptions::default()).unwrap();
    assert_eq!(list.name(), path.display().to_string());
    assert_eq!(list.encoding(), Encoding::Windows1256);
    let rows: Vec<_> = list.by_ref().map(|r| r.unwrap().values).collect();
    assert_eq!(rows, table(true));
}

#[test]
fn quoted_fields_keep_newlines_quotes_and_delimiters() {
    let (list, rows) = read("nl.csv", fixtures::embedded_newlines().into_bytes(), &[]);
    assert_eq!(list.delimiter(), Some(','));
    assert_eq!(rows.len(), 3);
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 4, 7]);
    assert_eq!(
        rows[0].record.get(Field::FullName),
        Some("محمد أحمد\r\nالحلبي")
    );
    assert_eq!(rows[0].get("residence"), Some("حلب، الشعار"));
    assert_eq!(
        rows[1].get("full_name"),
        Some("Omar \"Abu Khaled\" Al-Shami")
    );
    assert_eq!(
        rows[1].get("residence"),
        Some("Damascus, Mezzeh\r\nBuilding 4\r\nFloor 2")
    );
    assert_eq!(rows[2].get("residence"), Some(""));
    assert!(list.warnings().is_empty(), "{:?}", list.warnings());
}

#[test]
fn ragged_and_empty_rows_are_reported_with_lines() {
    let (list, rows) = read("ragged.csv", fixtures::ragged().into_bytes(), &[]);
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 4, 7, 8, 9]);
    // Short row: the missing cells read as empty.
    assert_eq!(rows[1].values, ["2", "علي"]);
    assert_eq!(rows[1].record.get(Field::BirthDate), None);
    // Long row: the extra cells are kept raw, by position, and not mapped.
    let raw: Vec<(String, String)> = rows[2]
        .raw()
        .map(|(c, v)| (c.into_owned(), v.to_owned()))
        .collect();
    assert_eq!(raw[4], ("column_5".to_owned(), "extra".to_owned()));
    assert_eq!(raw[5], ("column_6".to_owned(), "more".to_owned()));
    // Trailing delimiters past the header are not ragged.
    assert_eq!(rows[4].values, ["5", "زياد", "1975", ""]);
    assert_eq!(rows[5].record.age.as_ref().unwrap().value, Some(22));
    assert_eq!(rows[3].unparsed, vec![Field::BirthDate, Field::Age]);
    assert_eq!(
        list.warnings(),
        [
            "ragged rows: 1 rows have fewer cells than the header (missing cells read as empty): \
             lines 3",
            "ragged rows: 1 rows have more cells than the header (extra cells kept with the raw \
             record as column_N, not mapped): lines 4",
            "1 empty rows skipped: lines 6",
            "birth_date: 2 values are not dates in a known format and were kept raw: lines 7, 9",
            "age: 1 values are not ages in whole years (0-130) and were kept raw: lines 7",
        ]
    );
    assert_eq!(list.rows_read(), 6);
}

#[test]
fn map_renames_columns_and_wins_over_headers() {
    let text = "ID;الاسم;اسم الأب;first_name;notes\n7;عمر;خالد;x;n\n";
    let (list, rows) = read(
        "m.csv",
        text.as_bytes().to_vec(),
        &["first_name=الاسم", "father_name= اسم الأب "],
    );
    let fields: Vec<Option<Field>> = list.columns().iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [
            Some(Field::Id),
            Some(Field::FirstName),
            Some(Field::FatherName),
            None,
            None
        ]
    );
    assert_eq!(rows[0].record.get(Field::FirstName), Some("عمر"));
    assert_eq!(rows[0].record.get(Field::FatherName), Some("خالد"));
    assert_eq!(rows[0].record.get(Field::Id), Some("7"));
    let w = list.warnings();
    assert!(w[0].ends_with(": first_name, notes"), "{w:?}");
    assert!(
        w[1].contains("\"first_name\" names field first_name"),
        "{w:?}"
    );
}

#[test]
fn header_only_and_headers_with_spaces() {
    let (list, rows) = read("h.csv", b"\xEF\xBB\xBF ID , Full_Name \r\n".to_vec(), &[]);
    assert!(rows.is_empty());
    assert_eq!(list.columns()[0].field, Some(Field::Id));
    assert_eq!(list.columns()[1].field, Some(Field::FullName));
    assert_eq!(list.columns()[1].column, " Full_Name ");
}

#[test]
fn blank_header_cells_are_named_by_position() {
    let (list, rows) = read("b.csv", b"id,,status,\n1,x,ok,\n".to_vec(), &[]);
    let names: Vec<&str> = list.columns().iter().map(|c| c.column.as_str()).collect();
    assert_eq!(names, ["id", "column_2", "status"]);
    assert_eq!(rows[0].get("column_2"), Some("x"));
    assert!(list.warnings()[0].contains("column_2"));
}

#[test]
fn single_column_lists() {
    let (list, rows) = read("one.csv", "full_name\nعمر الشامي\nعلي\n".into(), &[]);
    assert_eq!(list.delimiter(), Some(','));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].record.get(Field::FullName), Some("عمر الشامي"));
    let (list, _) = read(
        "one.txt",
        fixtures::utf16("full_name\r\nعمر\r\n", true),
        &[],
    );
    assert_eq!(list.delimiter(), Some('\t'));
}

#[test]
fn invalid_utf8_late_in_a_utf8_file_is_replaced_and_reported() {
    let mut text = "id,first_name\n".to_owned();
    for i in 0..3000 {
        text.push_str(&format!("{i},عمر\n"));
    }
    let mut bytes = text.into_bytes();
    bytes.extend(b"3000,\xFFbad\n");
    let (list, rows) = read("late.csv", bytes, &[]);
    assert_eq!(list.encoding(), Encoding::Utf8);
    assert_eq!(rows.last().unwrap().values[1], "\u{FFFD}bad");
    let w = list.warnings();
    assert_eq!(
        w,
        ["1 rows hold bytes that are not valid utf-8, replaced with U+FFFD: lines 3002"]
    );
}

#[test]
fn lf_crlf_and_no_final_newline() {
    for text in ["id,age\n1,30\n2,31", "id,age\r\n1,30\r\n2,31\r\n"] {
        let (_, rows) = read("x.csv", text.into(), &[]);
        let ages: Vec<_> = rows
            .iter()
            .map(|r| r.record.age.clone().unwrap().value)
            .collect();
        assert_eq!(ages, [Some(30), Some(31)]);
    }
}

#[test]
fn line_numbers_count_blank_lines_and_every_line_ending() {
    for text in [
        "id,age\n\n1,30\n\n\n2,31\n",
        "id,age\r\n\r\n1,30\r\n\r\n\r\n2,31",
        "id,age\r\r1,30\r\r\r2,31\r",
    ] {
        let (list, rows) = read("x.csv", text.into(), &[]);
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 6], "{text:?}");
        assert_eq!(rows[1].values, ["2", "31"], "{text:?}");
        assert!(
            list.warnings().is_empty(),
            "{text:?}: {:?}",
            list.warnings()
        );
    }
}

#[test]
fn crlf_inside_quotes_is_kept_and_crlf_endings_are_not() {
    let (_, rows) = read(
        "q.csv",
        "id,note\r\n1,\"a\r\nb\"\r\n2,\"c\"\r\n".into(),
        &[],
    );
    assert_eq!(rows[0].values, ["1", "a\r\nb"]);
    assert_eq!(rows[1].values, ["2", "c"]);
    assert_eq!(rows[1].line, 4);
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    let text = "قائمة المعتقلين - فرع 215,,\nتاريخ: 2013,,\n,,\nid,الاسم,الكنية\n1,عمر,الشامي\n";
    let (list, rows) = read("t.csv", text.into(), &["first_name=الاسم"]);
    assert_eq!(list.header_line(), 4);
    assert_eq!(list.columns()[1].field, Some(Field::FirstName));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].line, rows[0].record.get(Field::FirstName)),
        (5, Some("عمر"))
    );
    assert_eq!(
        list.warnings()[0],
        "title rows above the header skipped: lines 1, 2"
    );
    // Without a name it knows, a header of three text cells is still found.
    let text = "سجل,,\nرقم,الاسم,الكنية\n1,عمر,الشامي\n";
    let (list, rows) = read("t.csv", text.into(), &[]);
    assert_eq!(list.header_line(), 2);
    assert_eq!(rows.len(), 1);
}

#[test]
fn one_filled_header_cell_is_not_a_title() {
    // A header with a blank second cell.
    let (list, rows) = read("h.csv", "full_name,\nعمر,x\nعلي,y\n".into(), &[]);
    assert_eq!(list.header_line(), 1);
    assert_eq!(rows.len(), 2);
    // A single-column list of names.
    let (list, rows) = read("n.csv", "الاسم\nعمر\nعلي\nسعيد\n".into(), &[]);
    assert_eq!(list.header_line(), 1);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].values, ["سعيد"]);
    // Data rows under a one-cell header are not mistaken for a header.
    let (list, rows) = read("d.csv", "note\n1,عمر,1985\n2,علي,1990\n".into(), &[]);
    assert_eq!(list.header_line(), 1);
    assert_eq!(rows.len(), 2);
}

#[test]
fn excel_sep_hint_line_names_the_delimiter() {
    let (list, rows) = read(
        "s.csv",
        "sep=;\r\nid;full_name\r\n1;عمر, الشامي\r\n".into(),
        &[],
    );
    assert_eq!(list.delimiter(), Some(';'));
    assert_eq!(list.header_line(), 2);
    assert_eq!(rows[0].line, 3);
    assert_eq!(rows[0].record.get(Field::FullName), Some("عمر, الشامي"));
}

#[test]
fn month_first_dates_are_flagged() {
    let text = "id,birth_date\n1,03/04/1985\n2,03/25/1985\n3,12/31/1990\n";
    let (list, rows) = read("us.csv", text.into(), &[]);
    // Read day first, as the contract says; the month-first ones stay raw...
    assert_eq!(
        rows[0].record.canonical(Field::BirthDate).as_deref(),
        Some("1985-04-03")
    );
    assert_eq!(rows[1].unparsed, vec![Field::BirthDate]);
    // ...and the warning says what that means for the others.
    let w = list.warnings();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[1].starts_with("birth_date: 2 of them read only month first"),
        "{w:?}"
    );
    assert!(w[1].ends_with("lines 3, 4"), "{w:?}");
}
