//! `athar serve` and `athar demo`.
//!
//! `serve` opens an existing store and serves the portal (and the console and API) on one
//! address until Ctrl-C or SIGTERM. `demo` builds a fresh store in a new temporary directory
//! by running this same binary's contract commands (`gen`, `init`, `import` for each list,
//! `users add` for four demo accounts), then serves it and prints the URL and the accounts.
//! The temporary directory is removed when the demo stops.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::Context as _;
use athar_store::Store;
use athar_store::portal::PortalStore;
use athar_store_any::AnyStore;
use athar_web::config::{IpNet, WebConfig};
use athar_web::console::ConsoleBackend;
use athar_web::portal::searchlog::GroupCommitLog;
use athar_web::registry::StoreRegistry;
use athar_web::{AppState, serve_with_listener};
use rand::Rng as _;

/// Arguments of `athar serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The store: sqlite://PATH or postgres://…
    #[arg(long, env = "ATHAR_DATABASE_URL", default_value = "sqlite://athar.db")]
    db: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    #[command(flatten)]
    web: WebArgs,
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
    #[command(flatten)]
    web: WebArgs,
}

/// Web settings shared by `serve` and `demo`.
#[derive(Debug, clap::Args)]
struct WebArgs {
    /// A reverse proxy whose X-Forwarded-For / Forwarded headers are believed (CIDR or address;
    /// repeatable). Without it, the client address is the TCP peer.
    #[arg(
        long = "trusted-proxy",
        value_name = "CIDR",
        env = "ATHAR_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// Mark cookies Secure and send HSTS (set when a TLS proxy is in front).
    #[arg(long)]
    secure_cookies: bool,
    /// How the public reaches the organization, shown after a possible match.
    #[arg(long, env = "ATHAR_ORGANIZATION_CONTACT")]
    organization_contact: Option<String>,
}

impl WebArgs {
    fn config(&self) -> anyhow::Result<WebConfig> {
        let mut config = WebConfig::default();
        for net in &self.trusted_proxies {
            let parsed: IpNet = net
                .parse()
                .map_err(|e| super::bad_input(format!("--trusted-proxy {net}: {e}")))?;
            config.trusted_proxies.push(parsed);
        }
        config.secure_cookies = self.secure_cookies;
        if let Some(c) = &self.organization_contact {
            config.organization_contact = c.clone();
        }
        Ok(config)
    }
}

fn listen_addr(listen: &str) -> anyhow::Result<SocketAddr> {
    listen.parse().map_err(|_| {
        super::bad_input(format!(
            "--listen {listen}: expected ADDRESS:PORT, e.g. 127.0.0.1:8080"
        ))
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The store's three faces the web tier needs: the registry, the portal's own tables, and the
/// console's backend.
type Faces = (
    Arc<dyn Store>,
    Arc<dyn PortalStore>,
    Arc<dyn ConsoleBackend>,
);

fn split(store: AnyStore) -> Faces {
    match store {
        AnyStore::Sqlite(s) => {
            let s = Arc::new(s);
            (s.clone(), s.clone(), s)
        }
        AnyStore::Postgres(s) => {
            let s = Arc::new(s);
            (s.clone(), s.clone(), s)
        }
    }
}

/// Opens `db`, binds `listen`, calls `ready` with the bound address, and serves until a
/// shutdown signal.
async fn run_server(
    db: &str,
    listen: SocketAddr,
    config: WebConfig,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let store = athar_store_any::open(db, false)
        .await
        .with_context(|| format!("--db {db}"))?;
    let (registry, portal, console) = split(store);
    let registry = Arc::new(
        StoreRegistry::new(registry, portal.clone())
            .await
            .context("cannot read the matching model")?,
    );
    // The public search's name index reads every record once (a while on a large store the
    // first time), then keeps up with imports every few seconds.
    let read = registry
        .catch_up()
        .await
        .context("cannot index the registry for search")?;
    if read > 0 {
        eprintln!("athar: indexed {read} records for the public search");
    }
    eprintln!(
        "athar: {} records in the public search's name index",
        registry.indexed()
    );
    let indexer = registry.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            if let Err(e) = indexer.catch_up().await {
                eprintln!("athar: indexing for the public search failed: {e}");
            }
        }
    });
    // Every public search is logged before it is answered; searches that arrive together
    // share one commit (`athar_web::portal::searchlog`).
    let (logged, log_writer) = GroupCommitLog::start(portal);
    let state = AppState::new(logged, registry, config).with_console(console);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener
        .local_addr()
        .context("cannot read the bound address")?;
    ready(addr);
    serve_with_listener(listener, state, shutdown_signal())
        .await
        .context("the server failed")?;
    // The state is gone with the server: the search log's writer stores what is still queued
    // and ends.
    if tokio::time::timeout(std::time::Duration::from_secs(30), log_writer)
        .await
        .is_err()
    {
        eprintln!("athar: the search log writer did not finish within 30 s");
    }
    Ok(())
}

/// `athar serve`.
pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let listen = listen_addr(&args.listen)?;
    let config = args.web.config()?;
    runtime()?.block_on(run_server(&args.db, listen, config, |addr| {
        println!(
            "Athar is serving {} on http://{addr}/ (Ctrl-C stops it)",
            args.db
        );
    }))
}

/// Runs this binary with `args` (and `stdin`), failing with its stderr when it fails.
fn athar(args: &[&str], stdin: Option<&str>) -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the athar executable")?;
    let mut child = Command::new(exe)
        .args(args)
        .env_remove("ATHAR_DATABASE_URL")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run athar {}", args.join(" ")))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .context("cannot write to athar's standard input")?;
    }
    let out = child.wait_with_output().context("athar did not finish")?;
    if !out.status.success() {
        anyhow::bail!(
            "athar {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The demo's staff accounts: (login, role).
const DEMO_ACCOUNTS: [(&str, &str); 4] = [
    ("caseworker", "caseworker"),
    ("coordinator", "coordinator"),
    ("analyst", "analyst"),
    ("admin", "admin"),
];

/// A fresh demo password: 16 letters and digits, without look-alikes.
fn demo_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A demo staff account: login, role, password.
type DemoAccount = (String, String, String);

/// Removes the demo directory when dropped.
struct DemoDir(PathBuf);

impl Drop for DemoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn build_demo(dir: &Path, persons: usize) -> anyhow::Result<(String, Vec<DemoAccount>)> {
    let data = dir.join("lists");
    let data_s = data.to_string_lossy().into_owned();
    let db = format!("sqlite://{}", dir.join("athar.db").display());
    let n = persons.to_string();
    eprintln!("athar demo: generating {persons} synthetic persons…");
    athar(
        &["gen", "--persons", &n, "--seed", "1", "--out", &data_s],
        None,
    )?;
    athar(&["init", "--db", &db], None)?;
    for (file, source) in [
        ("prison.csv", "prison-register"),
        ("family.csv", "family-reports"),
        ("survivor.csv", "survivor-registrations"),
    ] {
        eprintln!("athar demo: importing and linking {file} as {source}…");
        let path = data.join(file).to_string_lossy().into_owned();
        athar(&["import", &path, "--source", source, "--db", &db], None)?;
    }
    let mut accounts = Vec::new();
    for (login, role) in DEMO_ACCOUNTS {
        let password = demo_password();
        athar(
            &["users", "add", login, "--role", role, "--db", &db],
            Some(&format!("{password}\n")),
        )?;
        accounts.push((login.to_string(), role.to_string(), password));
    }
    Ok((db, accounts))
}

/// `athar demo`.
pub fn demo(args: DemoArgs) -> anyhow::Result<()> {
    if args.persons == 0 {
        return Err(super::bad_input("--persons: must be at least 1"));
    }
    let listen = listen_addr(&args.listen)?;
    let config = args.web.config()?;
    let dir = std::env::temp_dir().join(format!("athar-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let guard = DemoDir(dir.clone());
    let (db, accounts) = build_demo(&dir, args.persons)?;
    runtime()?.block_on(run_server(&db, listen, config, |addr| {
        println!(
            "Athar demo: {} synthetic persons in {}",
            args.persons,
            dir.display()
        );
        println!("Portal (Arabic):  http://{addr}/ar/");
        println!("Portal (English): http://{addr}/en/");
        println!("Demo staff accounts (passwords shown once):");
        for (login, role, password) in &accounts {
            println!("  {login:<12} role {role:<12} password {password}");
        }
        println!("Ctrl-C stops the demo and deletes its temporary database.");
        let _ = std::io::stdout().flush();
    }))?;
    drop(guard);
    Ok(())
}
