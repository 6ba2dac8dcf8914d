//! Benchmark helper (run by `bench/store.sh`): ingests the records of a list one at a time into
//! an existing store — each blocked, scored with the saved model against the stored records and
//! placed, in its own transaction, as the web portal does — and prints the latency percentiles.
//!
//! `cargo run --release -p athar-store-any --example ingest_latency -- DB_URL LIST.csv N`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use athar_store::ingest::{self, Incoming, MatchOptions};
use athar_store::{Change, SourceInfo};

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
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{{\"records\": {}, \"p50_ms\": {:.2}, \"p95_ms\": {:.2}, \"p99_ms\": {:.2}, \"max_ms\": {:.2}, \"bands\": {:?}}}",
        times.len(),
        pct(0.5),
        pct(0.95),
        pct(0.99),
        times[times.len() - 1],
        bands
    );
    store.close().await;
}
