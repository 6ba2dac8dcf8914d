//! Helpers shared by the integration tests: run the built `athar` binary.

use std::process::{Command, Output};

/// A `Command` for the `athar` binary under test.
pub fn athar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_athar"))
}

/// Runs `athar` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    athar().args(args).output().expect("run athar")
}

/// The exit code, stdout and stderr of a finished command, as text.
pub fn text(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
