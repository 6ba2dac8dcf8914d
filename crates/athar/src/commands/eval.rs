//! `athar eval`: pairwise and B-cubed precision, recall and F1 of clusters against truth.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use athar_reader::ReadOptions;

use super::bad_input;

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

/// Reads a two-column CSV `key_col,value_col` into a map, rejecting duplicate keys.
fn read_pairs(
    path: &Path,
    key_col: &str,
    value_col: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    let name = path.display().to_string();
    let reader =
        athar_reader::open(path, &ReadOptions::default()).map_err(|e| bad_input(e.to_string()))?;
    let cols: Vec<String> = reader
        .columns()
        .iter()
        .map(|c| c.column.trim().to_string())
        .collect();
    let find = |w: &str| cols.iter().position(|c| c.eq_ignore_ascii_case(w));
    let (Some(k), Some(v)) = (find(key_col), find(value_col)) else {
        return Err(bad_input(format!(
            "{name}: line 1: header must be {key_col},{value_col}"
        )));
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for row in reader {
        let row = row.map_err(|e| bad_input(e.to_string()))?;
        let key = row
            .values
            .get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let value = row
            .values
            .get(v)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if key.is_empty() {
            return Err(bad_input(format!(
                "{name}: line {}: field {key_col}: empty",
                row.line
            )));
        }
        if value.is_empty() {
            return Err(bad_input(format!(
                "{name}: line {}: field {value_col}: empty",
                row.line
            )));
        }
        if let Some(first) = seen.insert(key.clone(), row.line) {
            return Err(bad_input(format!(
                "{name}: line {}: field {key_col}: {key:?} appears twice (first at line {first})",
                row.line
            )));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// Runs `athar eval`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let clusters = read_pairs(&args.clusters, "record_id", "cluster_id")?;
    let truth = read_pairs(&args.truth, "id", "person_id")?;
    let mut person_of: HashMap<&str, u64> = HashMap::new();
    let mut person_ids: HashMap<&str, u64> = HashMap::new();
    for (id, p) in &truth {
        let k = person_ids.len() as u64;
        let pid = *person_ids.entry(p.as_str()).or_insert(k);
        person_of.insert(id.as_str(), pid);
    }
    let mut cluster_ids: HashMap<&str, u64> = HashMap::new();
    let mut items = Vec::with_capacity(clusters.len());
    let mut missing = 0usize;
    for (id, c) in &clusters {
        let k = cluster_ids.len() as u64;
        let cid = *cluster_ids.entry(c.as_str()).or_insert(k);
        match person_of.get(id.as_str()) {
            Some(&p) => items.push((cid, p)),
            None => missing += 1,
        }
    }
    let s = athar_linkage::eval::evaluate(&items);
    if args.json {
        let v = serde_json::json!({
            "precision": s.precision,
            "recall": s.recall,
            "f1": s.f1,
            "bcubed_precision": s.bcubed_precision,
            "bcubed_recall": s.bcubed_recall,
            "bcubed_f1": s.bcubed_f1,
            "records": items.len(),
            "records_without_truth": missing,
        });
        print_out(&format!("{v}\n"))?;
    } else {
        print_out(&format!(
            "pairwise  precision {:.4}  recall {:.4}  F1 {:.4}\n\
             B-cubed   precision {:.4}  recall {:.4}  F1 {:.4}\n\
             {} records evaluated, {} without a truth row (ignored)\n",
            s.precision,
            s.recall,
            s.f1,
            s.bcubed_precision,
            s.bcubed_recall,
            s.bcubed_f1,
            items.len(),
            missing
        ))?;
    }
    Ok(())
}

/// Writes to stdout; a reader that closed the pipe early (`| head`) is not an error.
fn print_out(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(s.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
