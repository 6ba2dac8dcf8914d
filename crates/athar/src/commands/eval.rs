//! `athar eval`: pairwise and B-cubed precision, recall and F1 of clusters against truth.

use std::path::PathBuf;

/// Arguments of `athar eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `record_id,cluster_id` as written by `athar link`.
    #[arg(long)]
    clusters: PathBuf,
    /// `id,person_id` as written by `athar gen`.
    #[arg(long)]
    truth: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("eval"))
}
