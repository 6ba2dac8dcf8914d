//! Evaluation of `compare_names` on a labelled set of name pairs.
//!
//! `cargo run --release -p athar-names --example eval -- [PAIRS.tsv] [--errors N]`
//! reads `left<TAB>right<TAB>same<TAB>category` (header line first; default
//! `crates/athar-names/eval/pairs.tsv`) and prints, per category and overall, how often
//! `same` agrees with the label. With `--errors N` it also prints up to N misclassified pairs
//! per category. `--explain A B` prints the units of two names, their keys and every unit
//! comparison instead.

#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;

use athar_names::{Name, compare_names, compare_units};

fn explain(a: &str, b: &str) {
    let (na, nb) = (Name::parse(a), Name::parse(b));
    for (label, n) in [("A", &na), ("B", &nb)] {
        for u in &n.units {
            let keys: Vec<String> = u
                .keys
                .iter()
                .map(|k| {
                    format!(
                        "{} [{}] end {:#x}",
                        k.skeleton.letters(),
                        k.vowels.describe(k.gaps()),
                        k.end
                    )
                })
                .collect();
            println!(
                "{label} {} ({:?}) groups {:?} near {:?}: {}",
                u.text,
                u.kind,
                u.groups,
                u.near,
                keys.join("; ")
            );
        }
    }
    for ua in &na.units {
        for ub in &nb.units {
            println!("{} ~ {}: {:?}", ua.text, ub.text, compare_units(ua, ub));
        }
    }
    let m = compare_names(&na, &nb);
    println!("same {} score {:.2}: {}", m.same, m.score, m.reason);
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut path = format!("{}/eval/pairs.tsv", env!("CARGO_MANIFEST_DIR"));
    let mut show = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--explain" {
            let (x, y) = (
                args.next().unwrap_or_default(),
                args.next().unwrap_or_default(),
            );
            explain(&x, &y);
            return Ok(());
        }
        if a == "--errors" {
            show = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
        } else {
            path = a;
        }
    }
    let text = std::fs::read_to_string(&path)?;
    // category -> (total, correct, errors)
    let mut cats: BTreeMap<String, (usize, usize, Vec<String>)> = BTreeMap::new();
    let (mut same_n, mut same_ok, mut diff_n, mut diff_ok) = (0, 0, 0, 0);
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 3 {
            return Err(format!(
                "{path}: line {}: expected 3 or 4 tab-separated fields",
                i + 1
            )
            .into());
        }
        let label = f[2].trim() == "1";
        let cat = f.get(3).copied().unwrap_or("all").to_string();
        let m = compare_names(&Name::parse(f[0]), &Name::parse(f[1]));
        let ok = m.same == label;
        if label {
            same_n += 1;
            same_ok += usize::from(ok);
        } else {
            diff_n += 1;
            diff_ok += usize::from(ok);
        }
        let e = cats.entry(cat).or_default();
        e.0 += 1;
        e.1 += usize::from(ok);
        if !ok && e.2.len() < show {
            e.2.push(format!(
                "    {} | {} | score {:.2} | {}",
                f[0], f[1], m.score, m.reason
            ));
        }
    }
    for (cat, (n, ok, errs)) in &cats {
        println!(
            "{cat:28} {ok:5}/{n:5}  {:6.2} %",
            100.0 * *ok as f64 / *n as f64
        );
        for e in errs {
            println!("{e}");
        }
    }
    println!(
        "same pairs judged same:           {same_ok}/{same_n} = {:.2} %",
        100.0 * same_ok as f64 / same_n.max(1) as f64
    );
    println!(
        "different pairs judged different: {diff_ok}/{diff_n} = {:.2} %",
        100.0 * diff_ok as f64 / diff_n.max(1) as f64
    );
    Ok(())
}
