//! XLSX: serial dates, numbers, the first sheet or `--sheet NAME`, Arabic text intact.

use athar_reader::{Encoding, ReadOptions, open, open_bytes};
use athar_record::{Field, FieldMap};
use rust_xlsxwriter::Workbook;

use crate::fixtures;

fn read(
    bytes: Vec<u8>,
    map: &[&str],
    sheet: Option<&str>,
) -> (athar_reader::ListReader, Vec<athar_reader::Row>) {
    let opts = ReadOptions {
        map: FieldMap::parse(map).unwrap(),
        sheet: sheet.map(str::to_owned),
    };
    let mut list = open_bytes("registry.xlsx", bytes, &opts).unwrap();
    let rows = list.by_ref().collect::<Result<Vec<_>, _>>().unwrap();
    (list, rows)
}

#[test]
fn first_sheet_with_serial_dates() {
    let (list, rows) = read(fixtures::workbook(), &["first_name=الاسم"], None);
    assert_eq!(list.encoding(), Encoding::Xlsx);
    assert_eq!(list.delimiter(), None);
    assert_eq!(list.sheet(), Some("المعتقلون"));
    let fields: Vec<(&str, Option<Field>)> = list
        .columns()
        .iter()
        .map(|c| (c.column.as_str(), c.field))
        .collect();
    assert_eq!(
        fields,
        [
            ("id", Some(Field::Id)),
            ("الاسم", Some(Field::FirstName)),
            ("family_name", Some(Field::FamilyName)),
            ("birth_date", Some(Field::BirthDate)),
            ("detention_date", Some(Field::DetentionDate)),
            ("prison_number", Some(Field::PrisonNumber)),
            ("age", Some(Field::Age)),
            ("national_id", Some(Field::NationalId)),
            ("ملاحظات", None),
        ]
    );
    let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 3, 5], "the empty sheet row 4 is skipped");
    assert_eq!(
        rows[0].values,
        [
            "1",
            "محمد",
            "الحلبي",
            "1985-03-12",
            "2013-07-01",
            "4521",
            "40",
            "1234567890",
            "نُقل إلى صيدنايا"
        ]
    );
    let r = &rows[0].record;
    assert_eq!(r.canonical(Field::BirthDate).as_deref(), Some("1985-03-12"));
    assert_eq!(
        r.canonical(Field::DetentionDate).as_deref(),
        Some("2013-07-01")
    );
    assert_eq!(r.age.as_ref().unwrap().value, Some(40));
    assert_eq!(
        r.canonical(Field::NationalId).as_deref(),
        Some("1234567890")
    );
    // A sheet row with empty cells at its end is padded to the header, not ragged.
    assert_eq!(
        rows[1].values,
        ["2", "عمر", "الشامي", "٠٢/٠٧/١٩٩٢", "", "7781", "", "", ""]
    );
    assert_eq!(
        rows[1].record.canonical(Field::BirthDate).as_deref(),
        Some("1992-07-02")
    );
    assert_eq!(rows[2].unparsed, vec![Field::BirthDate, Field::Age]);
    let w = list.warnings();
    assert!(!w.iter().any(|w| w.starts_with("ragged")), "{w:?}");
    assert!(
        w.iter()
            .any(|w| w.starts_with("birth_date: 1 values") && w.ends_with("rows 5")),
        "{w:?}"
    );
}

#[test]
fn another_sheet_by_name() {
    for name in ["Family", " family "] {
        let (list, rows) = read(fixtures::workbook(), &[], Some(name));
        assert_eq!(list.sheet(), Some("Family"));
        assert_eq!(rows.len(), 1);
        let r = &rows[0].record;
        assert_eq!(r.get(Field::FullName), Some("فاطمة محمود العلي"));
        assert_eq!(r.canonical(Field::Sex).as_deref(), Some("F"));
        assert_eq!(r.birth_year.as_ref().unwrap().value, Some(1992));
        assert_eq!(r.get(Field::MotherName), Some("زينب"));
        assert!(list.warnings().is_empty(), "{:?}", list.warnings());
    }
}

#[test]
fn the_committed_workbook_reads_from_a_path() {
    let path = fixtures::committed("registry.xlsx");
    let mut list = open(&path, &ReadOptions::default()).unwrap();
    assert_eq!(list.encoding(), Encoding::Xlsx);
    assert_eq!(list.by_ref().count(), 3);
}

#[test]
fn hidden_first_sheet_is_skipped_by_default() {
    let mut wb = Workbook::new();
    let hidden = wb.add_worksheet();
    hidden.set_name("lookup").unwrap();
    hidden.write_string(0, 0, "code").unwrap();
    hidden.set_hidden(true);
    let list = wb.add_worksheet();
    list.set_name("list").unwrap();
    list.write_string(0, 0, "first_name").unwrap();
    list.write_string(1, 0, "زياد").unwrap();
    list.set_active(true);
    let (reader, rows) = read(wb.save_to_buffer().unwrap(), &[], None);
    assert_eq!(reader.sheet(), Some("list"));
    assert_eq!(rows[0].record.get(Field::FirstName), Some("زياد"));
}

#[test]
fn header_row_need_not_be_the_first() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(2, 1, "id").unwrap();
    ws.write_string(2, 2, "full_name").unwrap();
    ws.write_number(3, 1, 9).unwrap();
    ws.write_string(3, 2, "سعيد").unwrap();
    let (list, rows) = read(wb.save_to_buffer().unwrap(), &[], None);
    assert_eq!(list.header_line(), 3);
    assert_eq!(rows[0].line, 4);
    assert_eq!(rows[0].record.get(Field::FullName), Some("سعيد"));
    assert_eq!(list.columns()[0].column, "column_1");
}

#[test]
fn dropping_a_reader_midway_stops_cleanly() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "id").unwrap();
    for r in 1..5000u32 {
        ws.write_number(r, 0, r).unwrap();
    }
    let mut list = open_bytes(
        "big.xlsx",
        wb.save_to_buffer().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(list.next().unwrap().unwrap().values, ["1"]);
    drop(list);
}

#[test]
fn title_row_above_the_header() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "قائمة المفقودين").unwrap();
    for (c, h) in ["id", "الاسم", "birth_date"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    ws.write_number(3, 0, 1).unwrap();
    ws.write_string(3, 1, "رامي").unwrap();
    let (list, rows) = read(wb.save_to_buffer().unwrap(), &["first_name=الاسم"], None);
    assert_eq!(list.header_line(), 3);
    assert_eq!(rows[0].record.get(Field::FirstName), Some("رامي"));
    assert_eq!(
        list.warnings(),
        ["title rows above the header skipped: rows 1"]
    );
}

#[test]
fn serial_numbers_without_a_date_format_in_a_date_column() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["id", "birth_date", "detention_date", "age"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 1).unwrap();
    ws.write_number(1, 1, fixtures::serial(1985, 3, 12))
        .unwrap();
    ws.write_number(1, 2, 2013).unwrap();
    ws.write_number(1, 3, 40).unwrap();
    ws.write_number(2, 0, 2).unwrap();
    ws.write_string(2, 1, "31118").unwrap();
    let (list, rows) = read(wb.save_to_buffer().unwrap(), &[], None);
    // The raw cell keeps the number; the record reads the date.
    assert_eq!(rows[0].values[1], "31118");
    let r = &rows[0].record;
    assert_eq!(r.canonical(Field::BirthDate).as_deref(), Some("1985-03-12"));
    // A number that is a plausible year stays a year; a number in a non-date column a number.
    assert_eq!(r.canonical(Field::DetentionDate).as_deref(), Some("2013"));
    assert_eq!(r.age.as_ref().unwrap().value, Some(40));
    // Text that looks like a serial is not a date.
    assert_eq!(rows[1].unparsed, vec![Field::BirthDate]);
    let w = list.warnings();
    assert!(
        w.iter().any(
            |w| w.starts_with("birth_date: 1 numbers without a date format")
                && w.ends_with("rows 2")
        ),
        "{w:?}"
    );
}
