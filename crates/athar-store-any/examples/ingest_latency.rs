//! Benchmark helper (run by `bench/store.sh`): ingests the records of a list one at a time into
//! an existing store — each blocked, scored with the saved model against the stored records and
//! placed, in its own transaction, as the web portal does — and prints the latency percentiles
//! (of all records, and `warm_*` of all but the first 50).
//!
//! `cargo run --release -p athar-store-any --example ingest_latency -- DB_URL LIST.csv N`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use athar_store::ingest::{self, Incoming, MatchOptions};
use athar_store::{Change, SourceInfo};

/// Records of a run before the `warm_*` percentiles start.
const WARM_UP: usize = 50;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (url, list, n) = (&args[1], &args[2], args[3].parse::<usize>().expect("N"));
    let store = athar_store_any::open(url, false)
        .await
        .expect("open the store");
    let (_, model) = ingest::load_model(&*store)
        .await
        .unwrap()
        .expect("a saved model");
    let reader = athar_reader::open(list, &athar_reader::ReadOptions::default()).unwrap();
    let rows: Vec<Incoming> = reader
        .take(n)
        .map(|row| {
            let row = row.unwrap();
            Incoming {
                raw: row
                    .raw()
                    .map(|(k, v)| (k.into_owned(), v.to_owned()))
                    .collect(),
                line: Some(row.line),
                record: row.record,
            }
        })
        .collect();
    let opts = MatchOptions::default();
    let source = SourceInfo {
        name: "bench-portal".into(),
        ..SourceInfo::default()
    };
    let mut times = Vec::with_capacity(rows.len());
    let mut bands = std::collections::BTreeMap::new();
    for r in rows {
        let change = Change::new("bench", chrono::Utc::now());
        let t = Instant::now();
        let out = ingest::ingest_one(&*store, source.clone(), r, Some(&model), &opts, &change)
            .await
            .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        *bands.entry(out.band.as_str()).or_insert(0u32) += 1;
    }
    // The first records of a run meet cold caches (pages, parsed names, the thread pool); a
    // server meets them once. Reported apart, the rest as `warm_*`.
    let mut warm: Vec<f64> = times.iter().skip(WARM_UP).copied().collect();
    times.sort_by(f64::total_cmp);
    warm.sort_by(f64::total_cmp);
    let pct = |t: &[f64], p: f64| t[((t.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{{\"records\": {}, \"p50_ms\": {:.2}, \"p95_ms\": {:.2}, \"p99_ms\": {:.2}, \"max_ms\": {:.2}, \"warm_p95_ms\": {:.2}, \"warm_p99_ms\": {:.2}, \"warm_max_ms\": {:.2}, \"bands\": {:?}}}",
        times.len(),
        pct(&times, 0.5),
        pct(&times, 0.95),
        pct(&times, 0.99),
        times[times.len() - 1],
        pct(&warm, 0.95),
        pct(&warm, 0.99),
        warm[warm.len() - 1],
        bands
    );
    store.close().await;
}
