//! `athar gen`: synthetic registry data with ground truth.
//!
//! Generation lives in `athar-gen` (pure, seeded); this module checks the arguments, writes the
//! directory through `athar_gen::write_dir` and prints what it wrote.

use std::path::PathBuf;

use anyhow::Context;

/// Arguments of `athar gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of true persons to generate (each appears in one to three lists, sometimes twice
    /// in the same list).
    #[arg(long)]
    persons: usize,
    /// Random seed; the output is byte-identical for the same (persons, seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Directory to write prison.csv, family.csv, survivor.csv and truth.csv into (created if
    /// missing; existing files of those names are replaced).
    #[arg(long)]
    out: PathBuf,
    /// Print one JSON object (`persons`, `records`, `prison`, `family`, `survivor`, `out`,
    /// `seconds`) instead of human text.
    #[arg(long)]
    json: bool,
}

/// Runs `athar gen`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.persons == 0 {
        return Err(super::bad_input("--persons: must be at least 1"));
    }
    if args.out.is_file() {
        return Err(super::bad_input(format!(
            "--out {}: is a file, not a directory",
            args.out.display()
        )));
    }
    let started = std::time::Instant::now();
    let config = athar_gen::GenConfig::default();
    let registry = athar_gen::generate(args.persons, args.seed, &config)
        .map_err(|e| super::bad_input(format!("--persons {}: {e}", args.persons)))?;
    let summary = athar_gen::write_dir(&args.out, &registry)
        .with_context(|| format!("writing the lists into {}", args.out.display()))?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        let out = serde_json::json!({
            "persons": summary.persons,
            "records": summary.records(),
            "prison": summary.prison,
            "family": summary.family,
            "survivor": summary.survivor,
            "out": args.out.display().to_string(),
            "seconds": seconds,
        });
        println!("{out}");
    } else {
        println!(
            "{} persons, {} records (prison {}, family {}, survivor {}) written to {} in {:.1} s",
            summary.persons,
            summary.records(),
            summary.prison,
            summary.family,
            summary.survivor,
            args.out.display(),
            seconds
        );
    }
    Ok(())
}
