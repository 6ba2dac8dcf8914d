//! Integration tests of the store commands (`init`, `import`, `export`, `check`, `train`,
//! `backup`, `persons`, `users`) through the real binary, on SQLite — and the crash-safety test:
//! an import killed with SIGKILL at many points leaves a sound store with the file entirely
//! present or entirely absent.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use crate::util::{athar, text};

/// A scratch directory with a store URL in it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn url(&self) -> String {
        format!("sqlite://{}", self.path("athar.db").display())
    }
    /// Runs athar with `--db` in the environment.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = athar()
            .args(args)
            .env("ATHAR_DATABASE_URL", self.url())
            .env("ATHAR_USER", "tester")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        text(&out)
    }
    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "athar {args:?} failed: {err}");
        out
    }
    fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
    fn generate(&self, persons: usize) -> PathBuf {
        let dir = self.path("data");
        let out = athar()
            .args([
                "gen",
                "--persons",
                &persons.to_string(),
                "--seed",
                "3",
                "--out",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn records_in(check_out: &str) -> u64 {
    // "ok: N records, …"
    check_out
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn r5_import_is_atomic_idempotent_and_checked() {
    let t = Scratch::new();
    let data = t.generate(300);
    let prison = data.join("prison.csv");
    // No store yet: a clear failure, nothing created.
    let (code, _, err) = t.run(&["import", s(&prison), "--source", "prison"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("athar init"), "{err}");
    t.ok(&["init"]);
    let first = t.json(&["import", s(&prison), "--source", "prison", "--json"]);
    assert_eq!(first["source"], "prison");
    assert_eq!(first["already_imported"], false);
    let n = first["records"].as_u64().unwrap();
    assert!(n > 100);
    let again = t.json(&["import", s(&prison), "--source", "prison", "--json"]);
    assert_eq!(again["already_imported"], true);
    assert_eq!(again["records"], 0);
    assert_eq!(records_in(&t.ok(&["check"])), n);
    let both = t.json(&[
        "import",
        s(&data.join("family.csv")),
        s(&data.join("survivor.csv")),
        "--source",
        "family",
        "--json",
    ]);
    assert!(
        both["files"][0]["joined_existing"].as_u64().unwrap() > 0,
        "{both}"
    );
    let total = n + both["records"].as_u64().unwrap();
    assert_eq!(records_in(&t.ok(&["check"])), total);
}

#[test]
fn r5_bad_input_exits_2_and_writes_nothing() {
    let t = Scratch::new();
    t.ok(&["init"]);
    let bad = t.path("bad.csv");
    std::fs::write(&bad, b"").unwrap();
    let (code, _, err) = t.run(&["import", s(&bad), "--source", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.csv"), "{err}");
    let xml = t.path("bad.xml");
    std::fs::write(
        &xml,
        "<?xml version=\"1.0\"?>\n<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\">\n  <pfif:person>\n    <pfif:full_name>x</pfif:full_name>\n  </pfif:person>\n</pfif:pfif>\n",
    )
    .unwrap();
    let (code, _, err) = t.run(&["import", s(&xml), "--source", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.xml") && err.contains("line 3") && err.contains("person_record_id"),
        "{err}"
    );
    // A good file listed with a bad one: nothing of either is written.
    let good = t.path("good.csv");
    std::fs::write(&good, "id,full_name\n1,عمر خالد\n").unwrap();
    let (code, _, _) = t.run(&["import", s(&good), s(&bad), "--source", "x"]);
    assert_eq!(code, 2);
    let (code, _, err) = t.run(&["import", s(&good), "--source", "x", "--map", "nonsense"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(records_in(&t.ok(&["check"])), 0);
    let (code, _, err) = t.run(&["users", "add", "rana", "--role", "superuser"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = t.run(&["persons", "show", "not-a-number"]);
    assert_eq!(code, 2);
}

#[test]
fn r5_dry_run_shows_mapping_and_stores_nothing() {
    let t = Scratch::new();
    t.ok(&["init"]);
    let f = t.path("list.csv");
    std::fs::write(&f, "رقم,الاسم الكامل,مواليد\n7,عمر خالد الحلبي,١٩٨٥\n").unwrap();
    let out = t.json(&[
        "import",
        s(&f),
        "--source",
        "x",
        "--map",
        "full_name=الاسم الكامل",
        "--map",
        "birth_year=مواليد",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(out["dry_run"], true);
    let file = &out["files"][0];
    assert_eq!(file["sample"][0]["full_name"], "عمر خالد الحلبي");
    assert_eq!(file["sample"][0]["birth_year"], "1985");
    assert!(
        file["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["column"] == "رقم" && c["field"].is_null())
    );
    assert_eq!(records_in(&t.ok(&["check"])), 0);
    let human = t.ok(&[
        "import",
        s(&f),
        "--source",
        "x",
        "--map",
        "full_name=الاسم الكامل",
        "--dry-run",
    ]);
    assert!(
        human.contains("dry run") && human.contains("full_name"),
        "{human}"
    );
}

#[test]
fn r5_export_persons_users_backup() {
    let t = Scratch::new();
    let data = t.generate(200);
    t.ok(&["init"]);
    t.ok(&["import", s(&data.join("prison.csv")), "--source", "prison"]);
    t.ok(&["import", s(&data.join("family.csv")), "--source", "family"]);
    let csv = t.ok(&["export", "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("person_id,record_id,source_name,line,id,source,full_name")
    );
    let rows = lines.count() as u64;
    assert_eq!(rows, records_in(&t.ok(&["check"])));
    let pfif_path = t.path("out.xml");
    t.ok(&["export", "--format", "pfif", "--out", s(&pfif_path)]);
    let xml = std::fs::read_to_string(&pfif_path).unwrap();
    assert_eq!(xml.matches("<pfif:person>").count() as u64, rows);
    assert!(xml.contains("linked_person_record_id"));
    // Round trip through the CLI: a fresh store gets the same number of persons.
    let u = Scratch::new();
    u.ok(&["init"]);
    let imported = u.json(&["import", s(&pfif_path), "--source", "pfif", "--json"]);
    assert_eq!(imported["records"].as_u64().unwrap(), rows);
    let persons = |c: &str| c.split(", ").nth(1).unwrap().to_owned();
    assert_eq!(persons(&u.ok(&["check"])), persons(&t.ok(&["check"])));

    let shown = t.json(&["persons", "show", "1", "--json"]);
    assert_eq!(shown["id"], 1);
    assert!(!shown["records"].as_array().unwrap().is_empty());
    let (code, _, _) = t.run(&["persons", "show", "999999"]);
    assert_eq!(code, 1);
    let name = shown["records"][0]["display_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let hits = t.json(&["persons", "search", &name, "--json"]);
    assert!(
        hits["persons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["person_id"] == 1),
        "{hits}"
    );

    let added = t.ok(&["users", "add", "rana", "--role", "caseworker"]);
    assert!(added.contains("password"), "{added}");
    let (code, _, err) = t.run(&["users", "add", "rana", "--role", "admin"]);
    assert_eq!(code, 2, "{err}");
    // A password from standard input is hashed with argon2id.
    let mut child = athar()
        .args(["users", "add", "sami", "--role", "admin"])
        .env("ATHAR_DATABASE_URL", t.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery staple\n")
        .unwrap();
    assert!(child.wait().unwrap().success());

    let backup = t.path("backup.db");
    t.ok(&["backup", s(&backup)]);
    let (code, _, _) = t.run(&["backup", s(&backup)]);
    assert_eq!(code, 2, "never overwrites");
    let restored = athar()
        .args(["check", "--db", &format!("sqlite://{}", backup.display())])
        .output()
        .unwrap();
    let (code, out, err) = text(&restored);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, t.ok(&["check"]));
    let trained = t.ok(&["train"]);
    assert!(trained.contains("trained on"), "{trained}");
}

#[test]
fn r5_check_names_the_fault() {
    let t = Scratch::new();
    t.ok(&["init"]);
    let f = t.path("list.csv");
    std::fs::write(&f, "id,full_name\n1,عمر خالد\n2,سامي\n").unwrap();
    t.ok(&["import", s(&f), "--source", "x"]);
    // Simulate a torn import: the import says 2 records, one is gone.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = athar_store_sqlite::SqliteStore::open(&t.url(), false)
            .await
            .unwrap();
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(store.pool())
            .await
            .unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM blocking_keys WHERE record_id = 2")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM memberships WHERE record_id = 2")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM link_moves WHERE record_id = 2")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM records WHERE id = 2")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        store.close().await;
    });
    let (code, _, err) = t.run(&["check"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("import_count"), "{err}");
}

/// Crash safety: SIGKILL during a large import, at 12 points spread over its duration. After
/// each kill the store opens, `athar check` passes, and the file is entirely present or absent.
#[test]
fn r5_crash_during_import_leaves_file_present_or_absent() {
    let t = Scratch::new();
    let data = t.generate(6_000);
    let list = data.join("family.csv");
    let n_lines = std::fs::read_to_string(&list).unwrap().lines().count() as u64 - 1;
    // How long an uninterrupted import takes here (the faster of two runs).
    let mut full = std::time::Duration::MAX;
    for _ in 0..2 {
        let reference = Scratch::new();
        reference.ok(&["init"]);
        let started = Instant::now();
        reference.ok(&["import", s(&list), "--source", "family"]);
        full = full.min(started.elapsed());
        assert_eq!(records_in(&reference.ok(&["check"])), n_lines);
    }

    // Kill points at 7%, 14%, … 84% of the import's duration. The duration is learned as we
    // go: a run that had already finished at a point shows the import is shorter than that.
    let mut outcomes = Vec::new();
    let mut landed = 0u32;
    let mut attempts = 0;
    while landed < 12 && attempts < 40 {
        attempts += 1;
        let trial = Scratch::new();
        trial.ok(&["init"]);
        let at = full.mul_f64(f64::from(landed + 1) * 0.07);
        let mut child = athar()
            .args(["import", s(&list), "--source", "family"])
            .env("ATHAR_DATABASE_URL", trial.url())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap_or(()); // SIGKILL on Unix; an error only if it had exited
        child.wait().unwrap();
        if finished {
            full = at;
        } else {
            landed += 1;
        }
        // Uncommitted frames in the WAL mean the kill landed inside the write transaction.
        let wal = std::fs::metadata(trial.path("athar.db-wal")).map_or(0, |m| m.len());
        let n = records_in(&trial.ok(&["check"]));
        assert!(
            n == 0 || n == n_lines,
            "after a kill at {at:?}: {n} records, expected 0 or {n_lines}"
        );
        outcomes.push((at, finished, wal, n));
        // Whatever happened, importing again completes the store exactly once.
        trial.ok(&["import", s(&list), "--source", "family"]);
        assert_eq!(records_in(&trial.ok(&["check"])), n_lines);
        let again = trial.json(&["import", s(&list), "--source", "family", "--json"]);
        assert_eq!(again["already_imported"], true);
    }
    eprintln!("kill points (delay, had exited, WAL bytes, records present): {outcomes:?}");
    assert!(
        landed >= 10,
        "only {landed} kills landed during the import: {outcomes:?}"
    );
}
