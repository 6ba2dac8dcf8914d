//! `athar inspect`: read a list without storing it and show how it maps onto the canonical
//! fields — encoding, delimiter, row count, columns, warnings and a sample.
//!
//! The reading is `athar-reader`'s; this module parses `--map`, streams every row (to count
//! them and collect the warnings) and prints. Every read error is bad input (exit 2).

use std::path::PathBuf;

use athar_reader::{ListReader, ReadOptions};
use athar_record::FieldMap;
use serde_json::{Map, Value, json};

/// How many records the sample shows.
const SAMPLE: usize = 5;

/// Arguments of `athar inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The list: CSV (UTF-8, UTF-16 or Windows-1256; comma, semicolon or tab) or XLSX.
    file: PathBuf,
    /// Map a column onto a canonical field (repeatable), e.g. `--map first_name=الاسم`.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// For XLSX: the sheet to read (default: the first visible worksheet).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// Print one JSON object (`encoding`, `delimiter`, `rows`, `columns`, `warnings`, `sample`,
    /// plus `file` and `sheet`) instead of text.
    #[arg(long)]
    json: bool,
}

/// What inspecting a list found.
struct Report {
    list: ListReader,
    rows: u64,
    /// Up to five rows' mapped cells, `(field, value as read)` in column order.
    sample: Vec<Vec<(&'static str, String)>>,
}

fn read(args: &Args) -> anyhow::Result<Report> {
    let file = args.file.display();
    let map = FieldMap::parse(&args.map).map_err(|e| super::bad_input(format!("{file}: {e}")))?;
    let opts = ReadOptions {
        map,
        sheet: args.sheet.clone(),
    };
    let mut list =
        athar_reader::open(&args.file, &opts).map_err(|e| super::bad_input(e.to_string()))?;
    let mut sample = Vec::new();
    let mut rows = 0u64;
    for row in list.by_ref() {
        let row = row.map_err(|e| super::bad_input(e.to_string()))?;
        rows += 1;
        if sample.len() < SAMPLE {
            sample.push(
                row.fields()
                    .map(|(f, v)| (f.name(), v.to_owned()))
                    .collect(),
            );
        }
    }
    Ok(Report { list, rows, sample })
}

/// Runs `athar inspect`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let report = read(&args)?;
    let list = &report.list;
    let warnings = list.warnings();
    if args.json {
        let sample: Vec<Map<String, Value>> = report
            .sample
            .iter()
            .map(|r| {
                r.iter()
                    .map(|(f, v)| ((*f).to_owned(), Value::String(v.clone())))
                    .collect()
            })
            .collect();
        let out = json!({
            "file": list.name(),
            "encoding": list.encoding().name(),
            "delimiter": list.delimiter().map(String::from),
            "sheet": list.sheet(),
            "rows": report.rows,
            "columns": list.columns(),
            "warnings": warnings,
            "sample": sample,
        });
        println!("{out}");
        return Ok(());
    }
    let delimiter = match list.delimiter() {
        None => "none (xlsx)".to_owned(),
        Some('\t') => "tab".to_owned(),
        Some(c) => format!("{c:?}"),
    };
    println!("{}", list.name());
    match list.sheet() {
        Some(sheet) => println!("  encoding:  {} (sheet {sheet:?})", list.encoding()),
        None => println!("  encoding:  {}", list.encoding()),
    }
    println!("  delimiter: {delimiter}");
    println!("  rows:      {}", report.rows);
    println!("  columns:");
    for c in list.columns() {
        match c.field {
            Some(f) => println!("    {} → {f}", c.column),
            None => println!("    {} (unmapped)", c.column),
        }
    }
    if warnings.is_empty() {
        println!("  warnings:  none");
    } else {
        println!("  warnings:");
        for w in &warnings {
            println!("    - {w}");
        }
    }
    println!("  sample:");
    for (i, record) in report.sample.iter().enumerate() {
        let cells: Vec<String> = record
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("    {}. {}", i + 1, cells.join(" | "));
    }
    Ok(())
}
