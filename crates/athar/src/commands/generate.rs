//! `athar gen`: synthetic registry data with ground truth.

use std::path::PathBuf;

/// Arguments of `athar gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of persons to generate.
    #[arg(long)]
    persons: usize,
    /// Random seed; the output is deterministic for (persons, seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory to write prison.csv, family.csv, survivor.csv and truth.csv into.
    #[arg(long)]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("gen"))
}
