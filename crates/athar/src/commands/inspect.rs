//! `athar inspect`: read a list without storing it.

use std::path::PathBuf;

/// Arguments of `athar inspect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The list: CSV (any encoding Excel writes) or XLSX.
    file: PathBuf,
    /// Map a column onto a canonical field (repeatable).
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// For XLSX: the sheet to read (default: the first).
    #[arg(long)]
    sheet: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("inspect"))
}
