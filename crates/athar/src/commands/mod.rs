//! The command line: one module per area, each owning its `Args` and its `run`.
//!
//! A module turns its arguments into calls on the library crates and prints the result; it
//! reports bad input with [`bad_input`] so that `main` exits with code 2.

use clap::{Parser, Subcommand};

mod eval;
mod generate;
mod inspect;
mod link;
mod names;
mod serve;
mod store;

/// Athar: a registry for finding the missing and the detained.
#[derive(Debug, Parser)]
#[command(name = "athar", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a synthetic registry (three lists and the ground truth).
    Gen(generate::Args),
    /// Read a list without storing it and show how it maps onto the canonical fields.
    Inspect(inspect::Args),
    /// Normalize and compare names.
    #[command(subcommand)]
    Names(names::Command),
    /// Deduplicate and link the records of one or more lists.
    Link(link::Args),
    /// Evaluate clusters against ground truth.
    Eval(eval::Args),
    /// Create an empty registry store.
    Init(store::InitArgs),
    /// Import lists into the store (atomic per file, idempotent by content).
    Import(store::ImportArgs),
    /// Export the registry as CSV or PFIF 1.4.
    Export(store::ExportArgs),
    /// Verify the store's integrity.
    Check(store::DbArgs),
    /// Re-estimate the matching model from the store, caseworkers' decisions included.
    Train(store::DbArgs),
    /// Back up the store to PATH.
    Backup(store::BackupArgs),
    /// Show and search persons.
    #[command(subcommand)]
    Persons(store::PersonsCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Users(store::UsersCommand),
    /// Serve the portal, the console and the API.
    Serve(serve::ServeArgs),
    /// A fresh demo registry with synthetic data, linked and served.
    Demo(serve::DemoArgs),
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Gen(args) => generate::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Names(cmd) => names::run(cmd),
        Command::Link(args) => link::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Init(args) => store::init(args),
        Command::Import(args) => store::import(args),
        Command::Export(args) => store::export(args),
        Command::Check(args) => store::check(args),
        Command::Train(args) => store::train(args),
        Command::Backup(args) => store::backup(args),
        Command::Persons(cmd) => store::persons(cmd),
        Command::Users(cmd) => store::users(cmd),
        Command::Serve(args) => serve::serve(args),
        Command::Demo(args) => serve::demo(args),
    }
}

/// Bad usage or bad input: the command exits with code 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Wraps a message as bad input (exit code 2). The message names the file, line and field.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// True when the error, or anything in its chain, is bad input.
pub fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|e| e.is::<BadInput>())
}
