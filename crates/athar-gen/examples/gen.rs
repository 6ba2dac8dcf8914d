//! Writes a generated registry without the CLI: `cargo run --release -p athar-gen --example gen
//! -- PERSONS SEED DIR`. Used to profile the generator on its own.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let persons: usize = args.next().ok_or("PERSONS")?.parse()?;
    let seed: u64 = args.next().ok_or("SEED")?.parse()?;
    let dir = std::path::PathBuf::from(args.next().ok_or("DIR")?);
    let t = std::time::Instant::now();
    let registry = athar_gen::generate(persons, seed, &athar_gen::GenConfig::default())?;
    let generated = t.elapsed();
    let summary = athar_gen::write_dir(&dir, &registry)?;
    eprintln!(
        "{summary:?} population {:.2} s, total {:.2} s",
        generated.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
