//! The caseworker console and the JSON API (issue 7) against a real SQLite store: access
//! matrix, login and sessions, review → merge → split, audit, contacts, API tokens.

/// Runs each named test body (an `async fn NAME_body(c: Console)`) on SQLite, and on
/// PostgreSQL (module `postgres`) when `ATHAR_TEST_DATABASE_URL` is set.
macro_rules! on_both_stores {
    ($($name:ident => $body:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                $body(super::start().await).await
            }
        )*
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(c) = super::super::start_pg(stringify!($name)).await {
                        super::$body(c).await
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_stores;

mod access;
mod api;
mod flows;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use athar_record::{Field, Record};
use athar_store::console::Scope;
use athar_store::ingest::{self, Incoming};
use athar_store::portal::PortalStore;
use athar_store::{
    Change, NewReview, PersonRef, Placement, RecordRef, Role, SourceInfo, WriteBatch,
};
use athar_store_postgres::PgStore;
use athar_store_sqlite::SqliteStore;
use athar_web::config::{Limit, WebConfig};
use athar_web::console::ConsoleBackend;
use athar_web::console::auth::{hash_password_with_salt, secret_hash};
use athar_web::fake::MemoryPortal;
use athar_web::state::FixedClock;
use athar_web::{AppState, serve_with_listener};
use chrono::{DateTime, TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tokio::net::TcpListener;

use crate::util::{Resp, encode, raw};

/// The password of every seeded account.
pub const PASSWORD: &str = "synthetic-password-1";

/// The fixed time of the test server.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap()
}

/// A server over a fresh SQLite store with one account per role and a small registry.
pub struct Console {
    pub addr: SocketAddr,
    pub store: Arc<dyn ConsoleBackend>,
    /// The same store as the portal sees it (cases, tips).
    pub portal: Arc<dyn PortalStore>,
    /// Review item ids seeded (prison ↔ family pair first).
    pub reviews: Vec<i64>,
    /// Record ids seeded, in order.
    pub records: Vec<i64>,
    _dir: Option<tempfile::TempDir>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn incoming(pairs: &[(Field, &str)], raw: &[(&str, &str)]) -> Incoming {
    let (record, _) = Record::from_pairs(pairs.iter().copied());
    Incoming {
        raw: raw
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        record,
        line: Some(2),
    }
}

/// Writes one source's records, each a new person, with review pairs `(i, j)` between the
/// batch's records.
async fn seed_batch(
    store: &dyn ConsoleBackend,
    source: &str,
    rows: &[Incoming],
    reviews: &[(RecordRef, RecordRef, f64)],
) -> Vec<i64> {
    let mut batch = WriteBatch::new(
        SourceInfo {
            name: source.into(),
            supplier: None,
            notes: None,
        },
        None,
    );
    for (i, inc) in rows.iter().enumerate() {
        let lr = ingest::link_record(&inc.record, format!("{source}-{i}"), source, now());
        let mut rec = ingest::new_record(inc, &lr).unwrap();
        rec.local_id = Some(format!("{source}-{i}"));
        batch.records.push(rec);
        batch.placements.push(Placement {
            person: PersonRef::New(i as u32),
            model_version: None,
            score: None,
            reason: "new person".into(),
        });
    }
    batch.new_persons = rows.len() as u32;
    for (l, r, p) in reviews {
        batch.reviews.push(NewReview {
            left: *l,
            right: *r,
            probability: *p,
            explanation: serde_json::json!({
                "prior": -6.0,
                "fields": [
                    {"field": "first_name", "level": "exact", "weight": 4.0},
                    {"field": "father_name", "level": "exact", "weight": 3.5},
                    {"field": "birth_date", "level": "off_by_one", "weight": 0.5},
                    {"field": "mother_name", "level": "missing", "weight": 0.0}
                ],
                "sibling_adjustment": 0.0,
                "labels_adjustment": 0.0,
                "log2_odds": 2.0,
                "probability": p
            }),
            model_version: None,
        });
    }
    let out = store
        .write_batch(&batch, &Change::new("athar", now()))
        .await
        .unwrap();
    out.record_ids
}

/// Starts the console over a fresh SQLite store.
pub async fn start() -> Console {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("athar.db").display());
    let store = Arc::new(SqliteStore::open(&url, true).await.unwrap());
    serve(store.clone(), store, Some(dir)).await
}

static SCHEMA: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Starts the console over a fresh schema of the PostgreSQL test database
/// (`ATHAR_TEST_DATABASE_URL`), or `None` when none is configured.
pub async fn start_pg(test: &str) -> Option<Console> {
    let Ok(url) = std::env::var("ATHAR_TEST_DATABASE_URL") else {
        eprintln!("ATHAR_TEST_DATABASE_URL is not set: PostgreSQL case of {test} not run");
        return None;
    };
    let schema = format!(
        "c_{}_{}_{}",
        test.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(30)
            .collect::<String>(),
        std::process::id(),
        SCHEMA.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
    .to_lowercase();
    let store = PgStore::open(&url, Some(&schema))
        .await
        .unwrap_or_else(|e| panic!("ATHAR_TEST_DATABASE_URL is set but unusable: {e}"));
    let store = Arc::new(store);
    Some(serve(store.clone(), store, None).await)
}

/// Seeds `store` (one account per role, a small registry) and serves the console over it.
async fn serve(
    store: Arc<dyn ConsoleBackend>,
    portal: Arc<dyn PortalStore>,
    dir: Option<tempfile::TempDir>,
) -> Console {
    let change = Change::new("athar", now());
    for (i, role) in Role::ALL.iter().enumerate() {
        let salt = format!("synthetic-salt-{i}");
        let hash = hash_password_with_salt(PASSWORD, salt.as_bytes()).unwrap();
        store
            .add_user(role.as_str(), *role, &hash, &change)
            .await
            .unwrap();
    }
    // A prison register and a family report of the same (invented) man; a survivor record of
    // another. The family's record carries a phone number (a contact detail).
    let prison = seed_batch(
        store.as_ref(),
        "prison-register",
        &[
            incoming(
                &[
                    (Field::FirstName, "سامر"),
                    (Field::FatherName, "خالد"),
                    (Field::FamilyName, "النجار"),
                    (Field::BirthYear, "1984"),
                    (Field::PrisonNumber, "7731"),
                ],
                &[
                    ("الاسم", "سامر"),
                    ("اسم الأب", "خالد"),
                    ("الكنية", "النجار"),
                    ("رقم السجين", "7731"),
                ],
            ),
            incoming(
                &[
                    (Field::FirstName, "Rami"),
                    (Field::FatherName, "Adel"),
                    (Field::FamilyName, "Haddad"),
                    (Field::BirthYear, "1990"),
                ],
                &[("name", "Rami"), ("father", "Adel"), ("family", "Haddad")],
            ),
        ],
        &[],
    )
    .await;
    let family = seed_batch(
        store.as_ref(),
        "family-reports",
        &[incoming(
            &[
                (Field::FirstName, "Samer"),
                (Field::FatherName, "Khaled"),
                (Field::FamilyName, "Al-Najjar"),
                (Field::BirthYear, "1985"),
                (Field::Residence, "Synthetic street 12"),
                (Field::Governorate, "Daraa"),
            ],
            &[
                ("first_name", "Samer"),
                ("father_name", "Khaled"),
                ("family_name", "Al-Najjar"),
                ("phone", "+000 555 0101"),
                ("residence", "Synthetic street 12"),
            ],
        )],
        &[
            (RecordRef::Existing(prison[0]), RecordRef::New(0), 0.55),
            (RecordRef::Existing(prison[1]), RecordRef::New(0), 0.12),
        ],
    )
    .await;
    let reviews = store.open_reviews(10).await.unwrap();
    let mut review_ids: Vec<i64> = reviews.iter().map(|r| r.id).collect();
    review_ids.sort();
    let mut records = prison.clone();
    records.extend(family);

    // The public pages are not under test here: they run on the in-memory fake.
    let fake = Arc::new(MemoryPortal::default());
    let clock = Arc::new(FixedClock(now()));
    let config = WebConfig {
        general_limit: Limit {
            period: std::time::Duration::from_millis(1),
            burst: 100_000,
        },
        ..WebConfig::default()
    };
    let state = AppState::with(
        fake.clone(),
        fake,
        config,
        clock,
        ChaCha20Rng::seed_from_u64(11),
    )
    .with_console(store.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve_with_listener(listener, state, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Console {
        addr,
        store,
        portal,
        reviews: review_ids,
        records,
        _dir: dir,
        _stop: tx,
    }
}

impl Console {
    /// Stores an API token for `user` with `scopes`; returns the token.
    pub async fn token(&self, user: &str, scopes: &[Scope]) -> String {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = format!(
            "athar_test_{user}_{n}_{}",
            scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("_")
        );
        self.store
            .create_api_token(
                &secret_hash(&token),
                "test",
                user,
                scopes,
                &Change::new("admin", now()),
            )
            .await
            .unwrap();
        token
    }
}

/// A browser without JavaScript with a cookie jar (form token and session).
pub struct Client {
    pub addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
    pub token: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            cookies: BTreeMap::new(),
            token: None,
            headers: Vec::new(),
        }
    }

    fn head(&self, method: &str, path: &str) -> String {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req.push_str(&format!("Cookie: {}\r\n", c.join("; ")));
        }
        for (k, v) in &self.headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req
    }

    fn remember(&mut self, resp: &Resp) {
        for (k, v) in &resp.headers {
            if k == "set-cookie"
                && let Some((name, value)) = v.split(';').next().and_then(|p| p.split_once('='))
            {
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        let text = resp.text();
        if let Some(i) = text.find("name=\"csrf\" value=\"") {
            let rest = &text[i + 19..];
            self.token = rest
                .split('"')
                .next()
                .map(str::to_string)
                .filter(|t| !t.is_empty());
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let mut req = self.head("GET", path);
        req.push_str("\r\n");
        let resp = raw(self.addr, req.as_bytes()).await;
        self.remember(&resp);
        resp
    }

    /// Posts `fields` plus the form token (fetching a page first if there is none yet).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        if self.token.is_none() {
            self.get("/en/console/login").await;
        }
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        if let Some(t) = &self.token {
            body.push(format!("csrf={t}"));
        }
        let body = body.join("&");
        let mut req = self.head("POST", path);
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        let resp = raw(self.addr, req.as_bytes()).await;
        self.remember(&resp);
        resp
    }

    /// Posts a multipart form (text fields, then one file).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Resp {
        let boundary = "----athar-test-boundary";
        let mut body: Vec<u8> = Vec::new();
        let mut all: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(t) = &self.token {
            all.push(("csrf".into(), t.clone()));
        }
        for (k, v) in all {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = self.head("POST", path).into_bytes();
        req.extend_from_slice(
            format!("Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(),
        );
        req.extend_from_slice(&body);
        let resp = raw(self.addr, &req).await;
        self.remember(&resp);
        resp
    }

    /// Follows a confirmed import (a 303 to its job page) until the job page stops refreshing
    /// itself; returns the last page. Every page on the way must refresh itself.
    pub async fn follow_job(&mut self, confirmed: Resp) -> Resp {
        assert_eq!(confirmed.status, 303, "{}", confirmed.text());
        let to = confirmed.header("location").unwrap().to_string();
        assert!(to.contains("/console/import/jobs/"), "{to}");
        for _ in 0..600 {
            let r = self.get(&to).await;
            assert_eq!(r.status, 200, "{}", r.text());
            if !r.text().contains("http-equiv=\"refresh\"") {
                return r;
            }
            assert!(r.text().contains("data-phase="), "{}", r.text());
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the import job did not finish in 30 s");
    }

    /// Logs in as `name` and asserts it worked.
    pub async fn login(&mut self, name: &str) {
        self.get("/en/console/login").await;
        let r = self
            .post(
                "/en/console/login",
                &[("name", name), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, 303, "login as {name}: {}", r.text());
        assert!(self.cookies.contains_key("athar_session"));
        // Load a page so the form token is known.
        self.get("/en/console/").await;
    }
}

/// A JSON API request with a bearer token.
pub async fn api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> Resp {
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").into_bytes();
    if let Some(t) = token {
        req.extend_from_slice(format!("Authorization: Bearer {t}\r\n").as_bytes());
    }
    match body {
        Some((ct, b)) => {
            req.extend_from_slice(
                format!("Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n", b.len()).as_bytes(),
            );
            req.extend_from_slice(b);
        }
        None => req.extend_from_slice(b"\r\n"),
    }
    raw(addr, &req).await
}
