//! Writes large synthetic lists for the reader's end-to-end benchmark
//! (`crates/athar-reader/benches/inspect.sh`): the same ROWS-row table as UTF-8 CSV (comma),
//! UTF-16LE (tab, Excel's "Unicode text"), Windows-1256 (semicolon) and XLSX (serial dates).
//!
//! Usage: `cargo run --release -p athar-reader --example bench_lists -- OUT_DIR ROWS`
//!
//! Names are drawn from small pools of common Arabic given and family names with a fixed
//! linear congruential generator: synthetic, deterministic, no real person.

// An example program: failing loudly on a bad argument or a full disk is what it should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;

use rust_xlsxwriter::{Format, Workbook};

const GIVEN: [&str; 24] = [
    "محمد",
    "أحمد",
    "علي",
    "عمر",
    "خالد",
    "حسن",
    "حسين",
    "محمود",
    "مصطفى",
    "يوسف",
    "إبراهيم",
    "عبد الرحمن",
    "سامر",
    "رامي",
    "زياد",
    "فادي",
    "باسل",
    "وائل",
    "طارق",
    "ماهر",
    "فاطمة",
    "زينب",
    "مريم",
    "عائشة",
];
const FAMILY: [&str; 16] = [
    "الحلبي",
    "الشامي",
    "المصري",
    "العلي",
    "الخطيب",
    "الأحمد",
    "الحسن",
    "السيد",
    "النجار",
    "الحداد",
    "العمر",
    "الدرويش",
    "القاسم",
    "الزعبي",
    "الحمصي",
    "الإدلبي",
];
const PLACES: [&str; 6] = ["صيدنايا", "فرع 215", "فرع فلسطين", "المزة", "عدرا", "حماة"];
const HEADER: [&str; 10] = [
    "id",
    "first_name",
    "father_name",
    "family_name",
    "mother_name",
    "sex",
    "birth_date",
    "prison_number",
    "detention_place",
    "status",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

fn row(i: usize, rng: &mut Lcg) -> [String; 10] {
    let given = rng.next(GIVEN.len());
    let female = given >= 20;
    [
        format!("P{i}"),
        GIVEN[given].to_owned(),
        GIVEN[rng.next(20)].to_owned(),
        FAMILY[rng.next(FAMILY.len())].to_owned(),
        GIVEN[20 + rng.next(4)].to_owned(),
        if female { "أنثى" } else { "ذكر" }.to_owned(),
        format!(
            "{:02}/{:02}/{}",
            1 + rng.next(28),
            1 + rng.next(12),
            1950 + rng.next(55)
        ),
        (10_000 + rng.next(90_000)).to_string(),
        PLACES[rng.next(PLACES.len())].to_owned(),
        "معتقل".to_owned(),
    ]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().expect("OUT_DIR"));
    let rows: usize = args
        .next()
        .expect("ROWS")
        .parse()
        .expect("ROWS is a number");
    std::fs::create_dir_all(&out).unwrap();

    let mut text = String::new();
    let mut rng = Lcg(7);
    let mut table = Vec::with_capacity(rows);
    for i in 0..rows {
        table.push(row(i, &mut rng));
    }
    for (name, delimiter) in [
        ("utf8.csv", ","),
        ("utf16le.txt", "\t"),
        ("cp1256.csv", ";"),
    ] {
        text.clear();
        text.push_str(&HEADER.join(delimiter));
        text.push_str("\r\n");
        for r in &table {
            text.push_str(&r.join(delimiter));
            text.push_str("\r\n");
        }
        let bytes: Vec<u8> = match name {
            "utf8.csv" => text.as_bytes().to_vec(),
            "utf16le.txt" => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            _ => encoding_rs::WINDOWS_1256.encode(&text).0.into_owned(),
        };
        let mut f = std::fs::File::create(out.join(name)).unwrap();
        f.write_all(&bytes).unwrap();
    }

    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (i, r) in table.iter().enumerate() {
        let at = u32::try_from(i + 1).unwrap();
        for (c, v) in r.iter().enumerate() {
            let c = c as u16;
            if c == 6 {
                let (d, rest) = v.split_at(2);
                let (m, y) = rest[1..].split_at(2);
                let dt = rust_xlsxwriter::ExcelDateTime::from_ymd(
                    y[1..].parse().unwrap(),
                    m.parse().unwrap(),
                    d.parse().unwrap(),
                )
                .unwrap();
                ws.write_datetime_with_format(at, c, dt, &date).unwrap();
            } else if c == 7 {
                ws.write_number(at, c, v.parse::<f64>().unwrap()).unwrap();
            } else {
                ws.write_string(at, c, v).unwrap();
            }
        }
    }
    wb.save(out.join("list.xlsx")).unwrap();
    println!("{rows} rows written to {}", out.display());
}
