//! Integration tests of `athar inspect`: every encoding and delimiter Excel writes, XLSX, the
//! JSON keys of `CONTRACT.md`, and exit code 2 with a message naming the file for lists that
//! cannot be read. The fixtures are the reader's (`crates/athar-reader/tests/fixtures`).

use std::path::PathBuf;

use serde_json::Value;

use crate::util::{run, text};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../athar-reader/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Runs `athar inspect ARGS --json`, expects success, returns the JSON.
fn inspect_json(args: &[&str]) -> Value {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    all.push("--json");
    let (code, out, err) = text(&run(&all));
    assert_eq!(code, 0, "stderr: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Runs `athar inspect ARGS`, expects exit 2, returns stderr.
fn inspect_fails(args: &[&str]) -> String {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let (code, out, err) = text(&run(&all));
    assert_eq!(code, 2, "stdout: {out}\nstderr: {err}");
    assert!(out.is_empty(), "nothing on stdout: {out}");
    err
}

fn columns(v: &Value) -> Vec<(String, Value)> {
    v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["column"].as_str().unwrap().to_owned(), c["field"].clone()))
        .collect()
}

fn warnings(v: &Value) -> Vec<String> {
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn windows_1256_semicolon_with_arabic_names() {
    let v = inspect_json(&[&fixture("windows1256_semicolon.csv")]);
    assert_eq!(v["encoding"], "windows-1256");
    assert_eq!(v["delimiter"], ";");
    assert_eq!(v["rows"], 5);
    let cols = columns(&v);
    assert_eq!(cols.len(), 12);
    assert_eq!(
        cols[1],
        ("first_name".to_owned(), Value::from("first_name"))
    );
    assert_eq!(cols[11], ("ملاحظات".to_owned(), Value::Null));
    let sample = v["sample"].as_array().unwrap();
    assert_eq!(sample.len(), 5);
    assert_eq!(sample[0]["first_name"], "محمد");
    assert_eq!(sample[0]["family_name"], "الحلبي");
    assert_eq!(sample[0]["birth_date"], "12/03/1985");
    assert_eq!(sample[1]["detention_place"], "فرع 215");
    assert!(
        sample[0].get("ملاحظات").is_none(),
        "only fields in the sample"
    );
    let w = warnings(&v);
    assert!(
        w.iter()
            .any(|w| w.contains("unmapped") && w.contains("ملاحظات")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.starts_with("birth_date: 1 values") && w.ends_with("lines 6")),
        "{w:?}"
    );
}

#[test]
fn utf16_tab_separated_both_byte_orders() {
    for (file, encoding) in [
        ("utf16le_tab.txt", "utf-16le"),
        ("utf16be_tab.txt", "utf-16be"),
    ] {
        let v = inspect_json(&[&fixture(file)]);
        assert_eq!(v["encoding"], encoding);
        assert_eq!(v["delimiter"], "\t");
        assert_eq!(v["rows"], 5);
        assert_eq!(v["sample"][0]["first_name"], "محمد");
        assert_eq!(v["sample"][0]["prison_number"], "٤٥٢١");
        assert_eq!(v["sample"][3]["birth_date"], "٠٢/٠٧/١٩٩٢");
    }
}

#[test]
fn utf8_with_and_without_bom() {
    let v = inspect_json(&[&fixture("utf8_bom_comma.csv")]);
    assert_eq!(
        (v["encoding"].as_str(), v["delimiter"].as_str()),
        (Some("utf-8"), Some(","))
    );
    assert_eq!(columns(&v)[0], ("id".to_owned(), Value::from("id")));
    let v = inspect_json(&[&fixture("utf8_semicolon.csv")]);
    assert_eq!(
        (v["encoding"].as_str(), v["delimiter"].as_str()),
        (Some("utf-8"), Some(";"))
    );
    assert_eq!(v["sample"][1]["status"], "missing");
}

#[test]
fn xlsx_with_serial_dates_and_a_map() {
    let v = inspect_json(&[&fixture("registry.xlsx"), "--map", "first_name=الاسم"]);
    assert_eq!(v["encoding"], "xlsx");
    assert_eq!(v["delimiter"], Value::Null);
    assert_eq!(v["sheet"], "المعتقلون");
    assert_eq!(v["rows"], 3);
    assert_eq!(
        columns(&v)[1],
        ("الاسم".to_owned(), Value::from("first_name"))
    );
    assert_eq!(v["sample"][0]["first_name"], "محمد");
    assert_eq!(v["sample"][0]["birth_date"], "1985-03-12");
    assert_eq!(v["sample"][0]["detention_date"], "2013-07-01");
    assert_eq!(v["sample"][0]["national_id"], "1234567890");
}

#[test]
fn xlsx_other_sheet() {
    let v = inspect_json(&[&fixture("registry.xlsx"), "--sheet", "Family"]);
    assert_eq!(v["sheet"], "Family");
    assert_eq!(v["rows"], 1);
    assert_eq!(v["sample"][0]["full_name"], "فاطمة محمود العلي");
    assert_eq!(v["warnings"], Value::Array(vec![]));
}

#[test]
fn quirks_are_warnings_with_line_numbers() {
    let v = inspect_json(&[&fixture("ragged.csv")]);
    assert_eq!(v["rows"], 6);
    let w = warnings(&v);
    assert!(
        w.iter()
            .any(|w| w.contains("fewer cells") && w.ends_with("lines 3")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("more cells") && w.ends_with("lines 4")),
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w.starts_with("birth_date: 2 values")),
        "{w:?}"
    );
    assert!(w.iter().any(|w| w.starts_with("age: 1 values")), "{w:?}");
    let v = inspect_json(&[&fixture("embedded_newlines.csv")]);
    assert_eq!(v["rows"], 3);
    assert_eq!(v["sample"][0]["full_name"], "محمد أحمد\r\nالحلبي");
}

#[test]
fn human_output() {
    let (code, out, err) = text(&run(&["inspect", &fixture("windows1256_semicolon.csv")]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("encoding:  windows-1256"), "{out}");
    assert!(out.contains("delimiter: ';'"), "{out}");
    assert!(out.contains("rows:      5"), "{out}");
    assert!(out.contains("first_name → first_name"), "{out}");
    assert!(out.contains("ملاحظات (unmapped)"), "{out}");
    assert!(out.contains("first_name=محمد"), "{out}");
}

#[test]
fn missing_file_exits_2() {
    let err = inspect_fails(&["/nonexistent/list.csv"]);
    assert!(
        err.contains("/nonexistent/list.csv: cannot read the file"),
        "{err}"
    );
}

#[test]
fn junk_and_empty_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.csv");
    let bytes: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&junk, bytes).unwrap();
    let err = inspect_fails(&[junk.to_str().unwrap(), "--json"]);
    assert!(err.contains("junk.csv: not a CSV or XLSX list"), "{err}");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let err = inspect_fails(&[empty.to_str().unwrap()]);
    assert!(err.contains("empty.csv: the file is empty"), "{err}");
}

#[test]
fn broken_xlsx_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(fixture("registry.xlsx")).unwrap();
    let broken = dir.path().join("broken.xlsx");
    std::fs::write(&broken, &whole[..whole.len() / 2]).unwrap();
    let err = inspect_fails(&[broken.to_str().unwrap()]);
    assert!(err.contains("broken.xlsx: broken XLSX workbook"), "{err}");
}

/// Arabic text in ISO-8859-6, a legacy encoding the reader refuses to guess.
fn iso_8859_6(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{621}'..='\u{63a}' => (u32::from(c) - 0x621 + 0xC1) as u8,
            '\u{640}'..='\u{652}' => (u32::from(c) - 0x640 + 0xE0) as u8,
            c if c.is_ascii() => c as u8,
            c => panic!("not in ISO-8859-6: {c}"),
        })
        .collect()
}

#[test]
fn unknown_encoding_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iso.csv");
    let text = "الاسم,الكنية,مكان الولادة\nمحمد,الحلبي,حلب\nعمر,الشامي,دمشق\nخالد,المصري,حمص\n";
    std::fs::write(&path, iso_8859_6(text)).unwrap();
    let err = inspect_fails(&[path.to_str().unwrap()]);
    assert!(err.contains("iso.csv: unknown text encoding"), "{err}");
}

#[test]
fn bad_map_and_sheet_exit_2() {
    let csv = fixture("utf8_semicolon.csv");
    let err = inspect_fails(&[&csv, "--map", "nickname=ملاحظات"]);
    assert!(
        err.contains("utf8_semicolon.csv") && err.contains("\"nickname\""),
        "{err}"
    );
    let err = inspect_fails(&[&csv, "--map", "alias=Notes"]);
    assert!(err.contains("no column \"Notes\""), "{err}");
    let err = inspect_fails(&[&csv, "--map", "alias"]);
    assert!(err.contains("expected FIELD=COLUMN"), "{err}");
    let err = inspect_fails(&[&csv, "--sheet", "Family"]);
    assert!(err.contains("--sheet applies only to XLSX"), "{err}");
    let err = inspect_fails(&[&fixture("registry.xlsx"), "--sheet", "Nope"]);
    assert!(
        err.contains("no sheet \"Nope\" (the sheets are: المعتقلون, Family)"),
        "{err}"
    );
}

#[test]
fn map_onto_an_arabic_header() {
    let v = inspect_json(&[&fixture("utf8_semicolon.csv"), "--map", "alias=ملاحظات"]);
    assert_eq!(columns(&v)[11], ("ملاحظات".to_owned(), Value::from("alias")));
    assert_eq!(v["sample"][1]["alias"], "آخر اتصال: 2013; لا أخبار");
    assert!(!warnings(&v).iter().any(|w| w.contains("unmapped")));
}
