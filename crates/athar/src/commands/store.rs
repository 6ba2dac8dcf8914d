//! The store commands: `init`, `import`, `export`, `check`, `train`, `backup`, `persons`, `users`.

use std::io::{BufRead, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use athar_linkage::Progress;
use athar_reader::ReadOptions;
use athar_record::{Field, FieldMap};
use athar_store::ingest::{self, Incoming, MatchOptions};
use athar_store::{Change, FileInfo, PersonDetail, PersonId, Role, SourceInfo, Store};
use athar_store_any::AnyStore;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use rand::Rng;
use sha2::{Digest, Sha256};

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

/// A runtime for the store's async API (the CLI is synchronous at the edges).
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Opens the store named by `--db` (migrating it); `create` makes a missing SQLite file.
async fn open(db: &DbArgs, create: bool) -> anyhow::Result<AnyStore> {
    if let Err(e) = athar_store_any::backend_of(&db.db) {
        return Err(super::bad_input(format!("--db: {e}")));
    }
    Ok(athar_store_any::open(&db.db, create).await?)
}

/// Who acts, for the audit trail: `$ATHAR_USER`, else the login name, else `cli`.
fn actor() -> String {
    std::env::var("ATHAR_USER")
        .or_else(|_| std::env::var("USER"))
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".to_owned())
}

fn change() -> Change {
    Change::new(actor(), Utc::now())
}

/// An indicatif bar driven by the linkage engine's progress callbacks (stderr; hidden when
/// stderr is not a terminal). With the environment variable `ATHAR_TIMINGS` set, it also prints
/// the seconds each stage took on stderr (for profiling; the contract's output is unchanged).
struct Bar {
    bar: ProgressBar,
    timings: Option<std::sync::Mutex<(String, std::time::Instant, u64)>>,
}

impl Bar {
    fn new() -> Self {
        let bar = ProgressBar::new(0);
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        let timings = std::env::var_os("ATHAR_TIMINGS")
            .map(|_| std::sync::Mutex::new((String::from("start"), std::time::Instant::now(), 0)));
        Bar { bar, timings }
    }

    /// Ends the timing of the current stage (prints it when timings are on).
    fn lap(&self, next: &str, total: u64) {
        if let Some(t) = &self.timings
            && let Ok(mut t) = t.lock()
        {
            eprintln!(
                "timing {:16} {:8.3} s ({} steps)",
                t.0,
                t.1.elapsed().as_secs_f64(),
                t.2
            );
            *t = (next.to_owned(), std::time::Instant::now(), total);
        }
    }

    fn finish(&self) {
        self.lap("done", 0);
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.lap(name, total);
        self.bar.set_message(name.to_owned());
        self.bar.set_length(total);
        self.bar.set_position(0);
    }
    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}

pub fn init(args: InitArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db, true).await?;
        let counts = store.counts().await?;
        store.close().await;
        println!(
            "store ready at {} ({} backend, {} records)",
            args.db.db,
            store.backend(),
            counts.records
        );
        Ok(())
    })
}

/// One file read and ready to import.
struct ReadList {
    file: FileInfo,
    incoming: Vec<Incoming>,
    pfif: Option<athar_pfif::Extras>,
    columns: Vec<serde_json::Value>,
    warnings: Vec<String>,
}

fn read_list(path: &Path, map: &FieldMap) -> anyhow::Result<ReadList> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| super::bad_input(format!("{name}: cannot read the file: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let file_name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    if athar_pfif::looks_like_pfif(&bytes) {
        let doc = athar_pfif::parse(&name, &bytes).map_err(|e| super::bad_input(e.to_string()))?;
        let (incoming, extras) = athar_pfif::to_incoming(&doc);
        return Ok(ReadList {
            file: FileInfo {
                file_name,
                sha256,
                format: format!("pfif-{}", doc.version),
                received_at: None,
            },
            incoming,
            pfif: Some(extras),
            columns: Vec::new(),
            warnings: Vec::new(),
        });
    }
    let opts = ReadOptions {
        map: map.clone(),
        sheet: None,
    };
    let mut list = athar_reader::open_bytes(&name, bytes, &opts)
        .map_err(|e| super::bad_input(e.to_string()))?;
    let format = list.encoding().name().to_owned();
    let columns = list
        .columns()
        .iter()
        .map(|c| serde_json::json!({"column": c.column, "field": c.field.map(|f| f.name())}))
        .collect();
    let mut incoming = Vec::new();
    for row in list.by_ref() {
        let row = row.map_err(|e| super::bad_input(e.to_string()))?;
        incoming.push(Incoming {
            raw: row
                .raw()
                .map(|(k, v)| (k.into_owned(), v.to_owned()))
                .collect(),
            line: Some(row.line),
            record: row.record,
        });
    }
    let warnings = list.warnings();
    Ok(ReadList {
        file: FileInfo {
            file_name,
            sha256,
            format: if format == "xlsx" {
                "xlsx".into()
            } else {
                format!("csv-{format}")
            },
            received_at: None,
        },
        incoming,
        pfif: None,
        columns,
        warnings,
    })
}

pub fn import(args: ImportArgs) -> anyhow::Result<()> {
    if args.source.trim().is_empty() {
        return Err(super::bad_input("--source: the source needs a name"));
    }
    let map = FieldMap::parse(&args.map).map_err(|e| super::bad_input(format!("--map: {e}")))?;
    // Read every file first: a file that cannot be read stops the command before any write.
    // Only the first file's records are kept in memory; the others are read again when their
    // turn comes (and must not have changed meanwhile), so that a large import holds one list
    // at a time.
    let mut lists = Vec::new();
    for (k, path) in args.files.iter().enumerate() {
        let mut list = read_list(path, &map)?;
        for w in &list.warnings {
            eprintln!("athar: {}: {w}", path.display());
        }
        if k > 0 && !args.dry_run {
            list.incoming = Vec::new();
            list.pfif = None;
        }
        lists.push((path.clone(), list, k > 0));
    }
    if args.dry_run {
        let lists: Vec<(PathBuf, ReadList)> = lists.into_iter().map(|(p, l, _)| (p, l)).collect();
        return dry_run(&args, &lists);
    }
    runtime()?.block_on(async {
        let store = open(&args.db, false).await?;
        let mut files = Vec::new();
        let mut total = 0u64;
        let mut all_already = true;
        for (path, list, read_again) in lists {
            let list = if read_again {
                let again = read_list(&path, &map)?;
                if again.file.sha256 != list.file.sha256 {
                    return Err(super::bad_input(format!(
                        "{}: the file changed while the import was running",
                        path.display()
                    )));
                }
                again
            } else {
                list
            };
            let change = change().because(format!("athar import {}", path.display()));
            let source = SourceInfo { name: args.source.clone(), ..SourceInfo::default() };
            let bar = Bar::new();
            let report = match &list.pfif {
                Some(extras) => {
                    athar_pfif::import(&*store, source, list.file.clone(), &list.incoming, extras, &change)
                        .await?
                }
                None => {
                    ingest::import(
                        &*store,
                        source,
                        Some(list.file.clone()),
                        &list.incoming,
                        &MatchOptions::default(),
                        &change,
                        &bar,
                    )
                    .await?
                }
            };
            bar.finish();
            let added = if report.outcome.already_imported { 0 } else { report.outcome.records };
            total += added;
            all_already &= report.outcome.already_imported;
            if !args.json {
                if report.outcome.already_imported {
                    println!(
                        "{}: already imported (same SHA-256 {}), nothing added",
                        path.display(),
                        &list.file.sha256[..12]
                    );
                } else {
                    println!(
                        "{}: imported {} records into source {:?}: {} new persons, {} joined stored persons, {} pairs for review",
                        path.display(),
                        added,
                        args.source,
                        report.new_persons,
                        report.joined_existing,
                        report.reviews
                    );
                }
            }
            files.push(serde_json::json!({
                "file": path.display().to_string(),
                "sha256": list.file.sha256,
                "format": list.file.format,
                "records": added,
                "already_imported": report.outcome.already_imported,
                "new_persons": report.new_persons,
                "joined_existing": report.joined_existing,
                "reviews": report.reviews,
            }));
        }
        store.close().await;
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "source": args.source,
                    "records": total,
                    "already_imported": all_already,
                    "files": files,
                })
            );
        }
        Ok(())
    })
}

fn dry_run(args: &ImportArgs, lists: &[(PathBuf, ReadList)]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for (path, list) in lists {
        let sample: Vec<serde_json::Value> = list
            .incoming
            .iter()
            .take(5)
            .map(|inc| {
                let fields: serde_json::Map<String, serde_json::Value> = inc
                    .record
                    .pairs()
                    .map(|(f, _)| {
                        let v = inc.record.canonical(f).unwrap_or_default();
                        (f.name().to_owned(), serde_json::Value::String(v))
                    })
                    .collect();
                serde_json::Value::Object(fields)
            })
            .collect();
        if !args.json {
            println!(
                "{} ({}, {} records) — dry run, nothing stored",
                path.display(),
                list.file.format,
                list.incoming.len()
            );
            for c in &list.columns {
                println!(
                    "  {:<24} → {}",
                    c["column"].as_str().unwrap_or(""),
                    c["field"].as_str().unwrap_or("(kept raw, not mapped)")
                );
            }
            for (i, s) in sample.iter().enumerate() {
                println!("  row {}: {s}", i + 1);
            }
        }
        files.push(serde_json::json!({
            "file": path.display().to_string(),
            "sha256": list.file.sha256,
            "format": list.file.format,
            "records": list.incoming.len(),
            "columns": list.columns,
            "sample": sample,
            "warnings": list.warnings,
        }));
    }
    if args.json {
        let total: usize = lists.iter().map(|(_, l)| l.incoming.len()).sum();
        println!(
            "{}",
            serde_json::json!({
                "source": args.source,
                "records": total,
                "already_imported": false,
                "dry_run": true,
                "files": files,
            })
        );
    }
    Ok(())
}

fn output(out: &Option<PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match out {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

pub fn export(args: ExportArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db, false).await?;
        let mut w = output(&args.out)?;
        match args.format {
            Format::Csv => export_csv(&*store, &mut w).await?,
            Format::Pfif => athar_pfif::export(&*store, &mut w).await?,
        }
        w.flush()?;
        store.close().await;
        Ok(())
    })
}

async fn export_csv(store: &dyn Store, w: &mut dyn Write) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut header = vec!["person_id", "record_id", "source_name", "line"];
    header.extend(Field::ALL.iter().map(|f| f.name()));
    csv.write_record(&header)?;
    let mut after = 0;
    loop {
        let page = store.records_page(after, 10_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            let mut row = vec![
                r.person_id.to_string(),
                r.id.to_string(),
                r.source.clone(),
                r.line.map(|l| l.to_string()).unwrap_or_default(),
            ];
            row.extend(
                Field::ALL
                    .iter()
                    .map(|f| r.field(f.name()).unwrap_or("").to_owned()),
            );
            csv.write_record(&row)?;
        }
    }
    csv.flush()?;
    Ok(())
}

pub fn check(args: DbArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args, false).await?;
        let faults = store.check().await?;
        let counts = store.counts().await?;
        store.close().await;
        if faults.is_empty() {
            println!(
                "ok: {} records, {} persons, {} imports, {} link events, {} open reviews",
                counts.records, counts.persons, counts.imports, counts.events, counts.open_reviews
            );
            return Ok(());
        }
        for f in &faults {
            eprintln!("athar check: {}: {}", f.code, f.message);
        }
        anyhow::bail!(
            "the store has {} fault(s); first: {}: {}",
            faults.len(),
            faults[0].code,
            faults[0].message
        )
    })
}

pub fn train(args: DbArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args, false).await?;
        let bar = Bar::new();
        let report = ingest::train(&*store, &MatchOptions::default(), &change(), &bar).await?;
        bar.finish();
        store.close().await;
        println!(
            "model {} trained on {} records with {} labels ({} pairs scored); {} keys rebuilt",
            report.version, report.records, report.labels, report.pairs_scored, report.keys
        );
        Ok(())
    })
}

pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&args.db, false).await?;
        if args.path.exists() {
            return Err(super::bad_input(format!(
                "{}: exists; a backup never overwrites a file",
                args.path.display()
            )));
        }
        store.backup(&args.path).await?;
        store.close().await;
        println!("backup written to {}", args.path.display());
        Ok(())
    })
}

fn parse_person_id(id: &str) -> anyhow::Result<PersonId> {
    id.trim_start_matches(['P', 'p'])
        .parse()
        .map_err(|_| super::bad_input(format!("ID: {id:?} is not a person id (a number, e.g. 42)")))
}

pub fn persons(cmd: PersonsCommand) -> anyhow::Result<()> {
    match cmd {
        PersonsCommand::Show { id, db, json } => {
            let id = parse_person_id(&id)?;
            runtime()?.block_on(async {
                let store = open(&db, false).await?;
                let person = store.person(id).await?;
                let Some(person) = person.filter(|p| !p.records.is_empty()) else {
                    anyhow::bail!("no person {id} in the store");
                };
                store
                    .audit(
                        "read_person",
                        "person",
                        Some(&id.to_string()),
                        &serde_json::json!({"via": "cli"}),
                        &change(),
                    )
                    .await?;
                store.close().await;
                if json {
                    println!("{}", serde_json::to_string(&person)?);
                } else {
                    print_person(&person);
                }
                Ok(())
            })
        }
        PersonsCommand::Search {
            name,
            father,
            mother,
            birth_year,
            db,
            json,
        } => {
            if name.trim().is_empty() {
                return Err(super::bad_input("NAME: empty name"));
            }
            runtime()?.block_on(async {
                let store = open(&db, false).await?;
                let model = ingest::load_model(&*store).await?;
                let q = ingest::Query {
                    name: name.clone(),
                    father,
                    mother,
                    birth_year,
                };
                let hits = ingest::search(&*store, &q, model.as_ref().map(|(_, m)| m), 20).await?;
                store
                    .audit(
                        "search",
                        "person",
                        None,
                        &serde_json::json!({"query": name, "hits": hits.len()}),
                        &change(),
                    )
                    .await?;
                store.close().await;
                if json {
                    let hits: Vec<_> = hits
                        .iter()
                        .map(|h| {
                            serde_json::json!({
                                "person_id": h.person_id,
                                "record_id": h.record_id,
                                "name": h.display_name,
                                "source": h.source,
                                "score": h.score,
                            })
                        })
                        .collect();
                    println!("{}", serde_json::json!({"query": name, "persons": hits}));
                } else if hits.is_empty() {
                    println!("no person matches {name:?}");
                } else {
                    for h in hits {
                        println!(
                            "P{:<8} {:.2}  {}  ({}, record {})",
                            h.person_id, h.score, h.display_name, h.source, h.record_id
                        );
                    }
                }
                Ok(())
            })
        }
    }
}

fn print_person(p: &PersonDetail) {
    println!("person P{} ({} records)", p.id, p.records.len());
    if let Some(d) = p.determinations.last() {
        println!(
            "  status: {} (by {} at {}; evidence: {})",
            d.status, d.decided_by, d.decided_at, d.evidence
        );
    }
    for r in &p.records {
        println!(
            "  record {} from {} (line {}): {}",
            r.id,
            r.source,
            r.line.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
            r.display_name
        );
        for (k, v) in &r.fields {
            println!("      {k}: {v}");
        }
    }
    for c in &p.claims {
        println!(
            "  claim: {} — {:?} (by {})",
            c.status,
            c.statement,
            c.claimant.as_deref().unwrap_or("anonymous")
        );
    }
    for d in &p.detentions {
        println!(
            "  detention: {} no. {} from {} to {} ({})",
            d.facility.as_deref().unwrap_or("?"),
            d.prison_number.as_deref().unwrap_or("?"),
            d.started.as_deref().unwrap_or("?"),
            d.ended.as_deref().unwrap_or("?"),
            d.outcome.as_str()
        );
    }
    for n in &p.notes {
        println!("  note by {}: {}", n.author, n.text);
    }
    for e in &p.history {
        println!(
            "  event {} {} by {} at {}{}",
            e.id,
            e.kind.as_str(),
            e.actor,
            e.at,
            e.reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
    }
}

pub fn users(cmd: UsersCommand) -> anyhow::Result<()> {
    let UsersCommand::Add { name, role, db } = cmd;
    let role: Role = role
        .parse()
        .map_err(|e: athar_store::StoreError| super::bad_input(format!("--role: {e}")))?;
    if name.trim().is_empty() || name.chars().any(char::is_whitespace) {
        return Err(super::bad_input(format!(
            "NAME: {name:?} is not a login name (no spaces)"
        )));
    }
    let stdin = std::io::stdin();
    // A password piped on standard input is used; otherwise one is generated and shown once.
    let mut piped = String::new();
    if !stdin.is_terminal() {
        stdin
            .lock()
            .read_line(&mut piped)
            .context("cannot read the password from standard input")?;
    }
    let piped = piped.trim_end_matches(['\n', '\r']).to_owned();
    let (password, generated) = if piped.is_empty() {
        (generate_password(), true)
    } else {
        if piped.chars().count() < 12 {
            return Err(super::bad_input(
                "standard input: the password needs at least 12 characters",
            ));
        }
        (piped, false)
    };
    let hash = hash_password(&password)?;
    runtime()?.block_on(async {
        let store = open(&db, false).await?;
        store
            .add_user(&name, role, &hash, &change())
            .await
            .map_err(|e| match e {
                athar_store::StoreError::Conflict(m) => super::bad_input(format!("NAME: {m}")),
                e => e.into(),
            })?;
        store.close().await;
        Ok::<_, anyhow::Error>(())
    })?;
    if generated {
        println!(
            "user {name} ({}) added; password (shown once): {password}",
            role.as_str()
        );
    } else {
        println!("user {name} ({}) added", role.as_str());
    }
    Ok(())
}

fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// argon2id with the crate's defaults (m=19 MiB, t=2, p=1), as a PHC string.
fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::PasswordHasher;
    let argon2 = argon2::Argon2::default();
    let hash = argon2
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    Ok(hash.to_string())
}
