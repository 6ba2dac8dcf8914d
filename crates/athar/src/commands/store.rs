//! The store commands: `init`, `import`, `export`, `check`, `train`, `backup`, `persons`, `users`.

use std::path::PathBuf;

/// The `--db URL` option.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// The store: sqlite://PATH or postgres://…
    #[arg(long, env = "ATHAR_DATABASE_URL", default_value = "sqlite://athar.db")]
    db: String,
}

/// Arguments of `athar init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    db: DbArgs,
}

/// Arguments of `athar import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The lists to import (CSV, XLSX or PFIF XML).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The name of the source these lists belong to.
    #[arg(long)]
    source: String,
    /// Map a column onto a canonical field (repeatable).
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    #[command(flatten)]
    db: DbArgs,
    /// Show the mapping and the first normalized rows; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// One row per record with its person.
    Csv,
    /// PFIF 1.4 XML.
    Pfif,
}

/// Arguments of `athar export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long)]
    format: Format,
    #[command(flatten)]
    db: DbArgs,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Arguments of `athar backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Where to write the backup.
    path: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

/// The `persons` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PersonsCommand {
    /// Show one person with all records, claims, determinations and history.
    Show {
        /// The person's id.
        id: String,
        #[command(flatten)]
        db: DbArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Search persons by name and other details.
    Search {
        /// The name to look for.
        name: String,
        /// Father's name.
        #[arg(long)]
        father: Option<String>,
        /// Mother's name.
        #[arg(long)]
        mother: Option<String>,
        /// Birth year.
        #[arg(long)]
        birth_year: Option<i32>,
        #[command(flatten)]
        db: DbArgs,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The `users` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// Add a staff account; the password is read from standard input or generated and printed.
    Add {
        /// Login name.
        name: String,
        /// Role: caseworker, coordinator, analyst or admin.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn init(args: InitArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("init"))
}

pub fn import(args: ImportArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("import"))
}

pub fn export(args: ExportArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("export"))
}

pub fn check(args: DbArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("check"))
}

pub fn train(args: DbArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("train"))
}

pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("backup"))
}

pub fn persons(cmd: PersonsCommand) -> anyhow::Result<()> {
    let _ = cmd;
    Err(super::not_built("persons"))
}

pub fn users(cmd: UsersCommand) -> anyhow::Result<()> {
    let _ = cmd;
    Err(super::not_built("users"))
}
