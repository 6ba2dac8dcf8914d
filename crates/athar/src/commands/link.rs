//! `athar link`: deduplicate and link the records of several lists.
//!
//! Reads every file (through `athar-reader`), checks ids and labels before anything is written,
//! runs the linkage engine (`athar-linkage`) and writes `CLUSTERS.csv`, and on request the
//! scored pairs with their evidence and the pairs suggested for labelling.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use athar_linkage::{Label, LinkOptions, LinkOutcome, LinkRecord, ScoredPair};
use athar_reader::ReadOptions;
use athar_record::FieldMap;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::bad_input;

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
    /// Match probability at or above which a pair is linked (default 0.3).
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
    /// Save the fitted model as JSON (for incremental matching later).
    #[arg(long, value_name = "MODEL.json")]
    model_out: Option<PathBuf>,
    /// Ground truth `id,person_id` (generated data only): adds blocking recall per rule to the
    /// report.
    #[arg(long, value_name = "TRUTH.csv")]
    truth: Option<PathBuf>,
    /// Largest block of a blocking rule compared in full.
    #[arg(long, default_value_t = 120)]
    block_cap: usize,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    json: bool,
}

/// Draws the engine's progress on stderr (hidden when stderr is not a terminal). With the
/// environment variable `ATHAR_TIMINGS` set, also prints the seconds each stage took on stderr
/// (for profiling; the contract's output is unchanged).
struct Bar {
    bar: ProgressBar,
    timings: Option<std::sync::Mutex<(String, Instant)>>,
}

impl Bar {
    /// A bar whose first stage, reading the lists, began at `start`.
    fn new(bar: ProgressBar, start: Instant) -> Bar {
        let timings = std::env::var_os("ATHAR_TIMINGS")
            .map(|_| std::sync::Mutex::new((String::from("reading"), start)));
        Bar { bar, timings }
    }

    /// Ends the timing of the current stage (prints it when timings are on).
    fn lap(&self, next: &str) {
        if let Some(t) = &self.timings
            && let Ok(mut t) = t.lock()
        {
            eprintln!("timing {:12} {:8.3} s", t.0, t.1.elapsed().as_secs_f64());
            *t = (next.to_string(), Instant::now());
        }
    }
}

impl athar_linkage::Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.lap(name);
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message(name.to_string());
    }
    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}

/// Reads the lists into engine records, checking that every record has a unique id.
fn read_records(files: &[PathBuf], map: &FieldMap) -> anyhow::Result<Vec<LinkRecord>> {
    let opts = ReadOptions {
        map: map.clone(),
        sheet: None,
    };
    let mut records = Vec::new();
    let mut seen: HashMap<String, (usize, u64)> = HashMap::new();
    for (fi, path) in files.iter().enumerate() {
        let name = path.display().to_string();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let reader = athar_reader::open(path, &opts).map_err(|e| bad_input(e.to_string()))?;
        for row in reader {
            let row = row.map_err(|e| bad_input(e.to_string()))?;
            let age_year = row
                .record
                .detention_date
                .as_ref()
                .and_then(|t| t.value)
                .map(|d| i32::from(d.year()));
            let rec = LinkRecord::from_record(&row.record, &stem, age_year);
            if rec.id.is_empty() {
                return Err(bad_input(format!(
                    "{name}: line {}: field id: missing (every record needs an id)",
                    row.line
                )));
            }
            if let Some((pf, pl)) = seen.get(&rec.id) {
                return Err(bad_input(format!(
                    "{name}: line {}: field id: duplicate id {:?} (first at {}: line {pl})",
                    row.line,
                    rec.id,
                    files[*pf].display()
                )));
            }
            seen.insert(rec.id.clone(), (fi, row.line));
            records.push(rec);
        }
    }
    Ok(records)
}

/// Parses a `match` cell: 1/0, yes/no, true/false (any case).
fn parse_match(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "y" => Some(true),
        "0" | "no" | "false" | "n" => Some(false),
        _ => None,
    }
}

fn read_labels(files: &[PathBuf], index: &HashMap<&str, usize>) -> anyhow::Result<Vec<Label>> {
    let mut labels = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let reader = athar_reader::open(path, &ReadOptions::default())
            .map_err(|e| bad_input(e.to_string()))?;
        let cols: Vec<String> = reader
            .columns()
            .iter()
            .map(|c| c.column.trim().to_ascii_lowercase())
            .collect();
        for want in ["left_id", "right_id", "match"] {
            if !cols.iter().any(|c| c == want) {
                return Err(bad_input(format!(
                    "{name}: line 1: field {want}: missing column (header must be left_id,right_id,match)"
                )));
            }
        }
        let pos = |w: &str| cols.iter().position(|c| c == w).unwrap_or(0);
        let (li, ri, mi) = (pos("left_id"), pos("right_id"), pos("match"));
        for row in reader {
            let row = row.map_err(|e| bad_input(e.to_string()))?;
            let cell = |i: usize| row.values.get(i).map(|s| s.trim()).unwrap_or("");
            let mut ids = [0usize; 2];
            for (k, (col, field)) in [(li, "left_id"), (ri, "right_id")].into_iter().enumerate() {
                let id = cell(col);
                ids[k] = *index.get(id).ok_or_else(|| {
                    bad_input(format!("{name}: line {}: field {field}: unknown id {id:?} (not in the linked lists)", row.line))
                })?;
            }
            let m = parse_match(cell(mi)).ok_or_else(|| {
                bad_input(format!(
                    "{name}: line {}: field match: {:?} is not 1/0, yes/no or true/false",
                    row.line,
                    cell(mi)
                ))
            })?;
            labels.push(Label {
                left: ids[0],
                right: ids[1],
                is_match: m,
            });
        }
    }
    Ok(labels)
}

fn read_truth(path: &Path, index: &HashMap<&str, usize>, n: usize) -> anyhow::Result<Vec<u64>> {
    let name = path.display().to_string();
    let reader =
        athar_reader::open(path, &ReadOptions::default()).map_err(|e| bad_input(e.to_string()))?;
    let mut persons: HashMap<String, u64> = HashMap::new();
    // records without a truth row are their own person
    let mut truth: Vec<u64> = (0..n as u64).map(|i| u64::MAX - i).collect();
    for row in reader {
        let row = row.map_err(|e| bad_input(e.to_string()))?;
        let (Some(id), Some(person)) = (row.get("id"), row.get("person_id")) else {
            return Err(bad_input(format!(
                "{name}: line {}: field person_id: missing (header must be id,person_id)",
                row.line
            )));
        };
        if let Some(&i) = index.get(id.trim()) {
            let k = persons.len() as u64;
            truth[i] = *persons.entry(person.trim().to_string()).or_insert(k);
        }
    }
    Ok(truth)
}

/// Quotes a CSV cell when it needs it.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn create(path: &Path) -> anyhow::Result<BufWriter<std::fs::File>> {
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

fn write_pairs(
    path: &Path,
    out: &LinkOutcome,
    records: &[LinkRecord],
    pairs: &[ScoredPair],
) -> anyhow::Result<()> {
    let mut w = create(path)?;
    let mut header = vec![
        "left_id".to_string(),
        "right_id".into(),
        "probability".into(),
        "band".into(),
    ];
    header.extend(athar_linkage::evidence_columns());
    header.extend([
        "prior_weight".to_string(),
        "sibling_adjustment".into(),
        "labels_adjustment".into(),
    ]);
    writeln!(w, "{}", header.join(","))?;
    for chunk in pairs.chunks(65_536) {
        let explained = out.explain_pairs(chunk);
        for (p, m) in chunk.iter().zip(explained) {
            let mut cells = vec![
                csv_cell(&records[p.left as usize].id).into_owned(),
                csv_cell(&records[p.right as usize].id).into_owned(),
                format!("{:.4}", m.probability),
                m.band.as_str().to_string(),
            ];
            cells.extend(athar_linkage::evidence_values(&m));
            cells.push(format!("{:.2}", m.explanation.prior));
            cells.push(format!("{:.2}", m.explanation.sibling_adjustment));
            cells.push(format!("{:.2}", m.explanation.labels_adjustment));
            writeln!(w, "{}", cells.join(","))?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Runs `athar link`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let map = FieldMap::parse(&args.map).map_err(|e| bad_input(format!("--map: {e}")))?;
    if let Some(t) = args.threshold
        && !(t > 0.0 && t < 1.0)
    {
        return Err(bad_input(format!(
            "--threshold: {t} is not a probability strictly between 0 and 1"
        )));
    }
    let records = read_records(&args.files, &map)?;
    let index: HashMap<&str, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let labels = read_labels(&args.labels, &index)?;
    let truth = match &args.truth {
        Some(p) => Some(read_truth(p, &index, records.len())?),
        None => None,
    };
    let threshold = args
        .threshold
        .unwrap_or(athar_linkage::engine::DEFAULT_THRESHOLD);
    let opts = LinkOptions {
        threshold,
        review_threshold: athar_linkage::engine::review_threshold_for(threshold),
        block_cap: args.block_cap.max(2),
        suggest: args.suggest.unwrap_or(0),
        truth,
        ..LinkOptions::default()
    };
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:12} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = Bar::new(bar.clone(), start);
    let out = athar_linkage::link(&records, &labels, &opts, &progress)
        .map_err(|e| anyhow::anyhow!("linking failed: {e}"))?;
    bar.finish_and_clear();
    progress.lap("writing");

    let mut w = create(&args.out)?;
    writeln!(w, "record_id,cluster_id")?;
    for (r, c) in records.iter().zip(&out.clusters) {
        writeln!(w, "{},{c}", csv_cell(&r.id))?;
    }
    w.flush()?;
    if let Some(p) = &args.pairs {
        write_pairs(p, &out, &records, &out.pairs)?;
    }
    if let Some(p) = &args.suggest_out {
        write_pairs(p, &out, &records, &out.suggestions)?;
    }
    if let Some(p) = &args.model_out {
        std::fs::write(p, out.model.to_json())
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    progress.lap("done");
    let seconds = start.elapsed().as_secs_f64();
    if args.json {
        let summary = serde_json::json!({
            "records": records.len(),
            "pairs_scored": out.pairs_scored,
            "links": out.links,
            "clusters": out.n_clusters,
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "labels": labels.len(),
            "suggested": out.suggestions.len(),
            "blocking": out.blocking,
        });
        println!("{summary}");
    } else {
        println!(
            "{} records, {} pairs scored, {} links, {} clusters in {:.2} s",
            records.len(),
            out.pairs_scored,
            out.links,
            out.n_clusters,
            seconds
        );
        if args.truth.is_some() {
            for r in &out.blocking.rules {
                println!(
                    "  blocking {:28} {:>10} pairs, recall {:.4}, {} blocks over the cap",
                    r.rule,
                    r.pairs,
                    r.true_pair_recall.unwrap_or(f64::NAN),
                    r.skipped_blocks
                );
            }
            println!(
                "  blocking union {:>10} pairs, recall {:.4}",
                out.blocking.pairs,
                out.blocking.true_pair_recall.unwrap_or(f64::NAN)
            );
        }
    }
    // where true pairs were lost: a diagnostic on stderr, outside the contract's outputs
    if let Some(d) = &out.diagnosis {
        eprint!("{d}");
    }
    Ok(())
}
