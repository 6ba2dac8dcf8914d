//! Criterion benchmarks of the name kernel: unit comparison on precomputed keys (the hot loop
//! of linkage), whole-name comparison, and parsing.
//!
//! `cargo bench -p athar-names --bench compare`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use athar_names::{Name, Unit, compare_names, compare_units};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const NAMES: &[&str] = &[
    "محمد",
    "Mohammed",
    "أحمد",
    "Ahmad",
    "حسن",
    "Hussein",
    "عبد الرحمن",
    "Abdulrahman",
    "خالد",
    "Khaled",
    "عمر",
    "Ammar",
    "يوسف",
    "Youssef",
    "فاطمة",
    "Fatmeh",
    "الخطيب",
    "Al-Khatib",
    "منذر",
    "Monzer",
    "هيثم",
    "Haissam",
    "سليمان",
    "Sleiman",
    "نور الدين",
    "Noureddine",
    "قباني",
    "Kabbani",
    "مصطفى",
    "Moustapha",
    "زينب",
    "Zeynep",
];

fn units() -> Vec<Unit> {
    NAMES.iter().flat_map(|s| Name::parse(s).units).collect()
}

fn bench_units(c: &mut Criterion) {
    let us = units();
    let pairs = (us.len() * us.len()) as u64;
    let mut g = c.benchmark_group("units");
    g.throughput(Throughput::Elements(pairs));
    g.bench_function("compare_units all pairs", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for a in &us {
                for x in &us {
                    n += u32::from(compare_units(black_box(a), black_box(x)).level.is_match());
                }
            }
            n
        })
    });
    g.finish();
}

fn bench_names(c: &mut Criterion) {
    let a = Name::parse("محمد عبد الرحمن أحمد الخطيب");
    let b = Name::parse("Mohammed Abdulrahman Al-Khatib");
    let mut g = c.benchmark_group("names");
    g.throughput(Throughput::Elements(1));
    g.bench_function("compare_names 4x3 units", |bch| {
        bch.iter(|| compare_names(black_box(&a), black_box(&b)))
    });
    g.bench_function("parse Arabic full name", |bch| {
        bch.iter(|| Name::parse(black_box("محمد عبد الرحمن أحمد الخطيب")))
    });
    g.bench_function("parse Latin full name", |bch| {
        bch.iter(|| Name::parse(black_box("Mohammed Abdulrahman Al-Khatib")))
    });
    g.finish();
}

criterion_group!(benches, bench_units, bench_names);
criterion_main!(benches);
