//! `athar`: the one binary. It parses the command line of `CONTRACT.md` and hands each command
//! to its module under `commands/`; the work itself lives in the library crates.
//!
//! Exit codes: `0` success, `1` failure while running, `2` bad usage or bad input.

mod commands;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: the public search allocates and frees many
/// small strings per request (candidates' fields, analyzed names), and glibc's malloc and free
/// took 18 % of the server's CPU under load at 1M records.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("athar: {err:#}");
            if commands::is_bad_input(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
