//! `athar names normalize` and `athar names compare`.

/// The `names` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show the normalized form, the name units and their keys.
    Normalize {
        /// The name, in Arabic or Latin script.
        name: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare two names and explain the decision.
    Compare {
        /// First name.
        a: String,
        /// Second name.
        b: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    let _ = cmd;
    Err(super::not_built("names"))
}
