//! `athar serve` and `athar demo`.

/// Arguments of `athar serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: super::store::DbArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
}

/// Arguments of `athar demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Number of synthetic persons.
    #[arg(long, default_value_t = 2000)]
    persons: usize,
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("serve"))
}

pub fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(super::not_built("demo"))
}
