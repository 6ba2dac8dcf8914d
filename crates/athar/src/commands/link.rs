//! `athar link`: deduplicate and link the records of several lists.

use std::path::PathBuf;

/// Arguments of `athar link`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lists to link (CSV or XLSX); `id` must be unique across all of them.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where to write `record_id,cluster_id`, one row per input record.
    #[arg(long)]
    out: PathBuf,
    /// Where to write the scored pairs with their per-field evidence.
    #[arg(long)]
    pairs: Option<PathBuf>,
    /// Map a column onto a canonical field (repeatable).
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// Match probability at or above which a pair is linked.
    #[arg(long)]
    threshold: Option<f64>,
    /// Pairs judged by a human: `left_id,right_id,match` (repeatable).
    #[arg(long)]
    labels: Vec<PathBuf>,
    /// Also suggest the N pairs whose labels would teach the model most.
    #[arg(long, value_name = "N", requires = "suggest_out")]
    suggest: Option<usize>,
    /// Where to write the suggested pairs.
    #[arg(long, value_name = "TOLABEL.csv", requires = "suggest")]
    suggest_out: Option<PathBuf>,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("link"))
}
