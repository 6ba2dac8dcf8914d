//! Opens the registry store named by a URL: `sqlite://PATH` (embedded, the default) or
//! `postgres://…` / `postgresql://…` (servers).
//!
//! [`open`] returns an [`AnyStore`]: an enum over the two concrete backends. It dereferences to
//! `dyn Store`, so the CLI calls the registry's methods on it directly. The web tier, which also
//! needs its own traits (`athar_store::portal`, `athar_store::console`, implemented on both
//! backend structs), can either match once and run generically over the concrete store — the
//! pattern atuin uses (`launch::<DB>`):
//!
//! ```ignore
//! match athar_store_any::open(url, false).await? {
//!     AnyStore::Sqlite(s) => serve(s).await,
//!     AnyStore::Postgres(p) => serve(p).await,
//! }
//! ```
//!
//! or turn it into a trait object of its own choosing (`Arc<dyn AppStore>`). The conformance
//! suite of every `Store` implementation lives in this crate's `tests/`.

use std::ops::Deref;
use std::sync::Arc;

use athar_store::{Result, Store, StoreError};
pub use athar_store_postgres::PgStore;
pub use athar_store_sqlite::SqliteStore;

/// The default store when neither `--db` nor `ATHAR_DATABASE_URL` names one.
pub const DEFAULT_URL: &str = "sqlite://athar.db";

/// One of the two backends, opened from a URL.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// The embedded SQLite store.
    Sqlite(SqliteStore),
    /// The PostgreSQL store.
    Postgres(PgStore),
}

/// The kind of store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH`
    Sqlite,
    /// `postgres://…` or `postgresql://…`
    Postgres,
}

/// Which backend `url` names, or an error that says what URLs are accepted.
pub fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::Invalid(format!(
            "unknown store URL {url:?}: use sqlite://PATH or postgres://…"
        )))
    }
}

/// Opens the store at `url` and applies pending migrations. With `create`, a missing SQLite
/// file is created (`athar init`); otherwise a missing file is an error that says to run
/// `athar init`. PostgreSQL databases must exist (their schema is created by the migrations).
pub async fn open(url: &str, create: bool) -> Result<AnyStore> {
    match backend_of(url)? {
        Backend::Sqlite => Ok(AnyStore::Sqlite(SqliteStore::open(url, create).await?)),
        Backend::Postgres => Ok(AnyStore::Postgres(PgStore::open(url, None).await?)),
    }
}

impl AnyStore {
    /// The store as a shared trait object.
    pub fn into_dyn(self) -> Arc<dyn Store> {
        match self {
            AnyStore::Sqlite(s) => Arc::new(s),
            AnyStore::Postgres(p) => Arc::new(p),
        }
    }

    /// Closes the connection pool (checkpointing SQLite's WAL).
    pub async fn close(&self) {
        match self {
            AnyStore::Sqlite(s) => s.close().await,
            AnyStore::Postgres(p) => p.close().await,
        }
    }
}

impl Deref for AnyStore {
    type Target = dyn Store;
    fn deref(&self) -> &(dyn Store + 'static) {
        match self {
            AnyStore::Sqlite(s) => s,
            AnyStore::Postgres(p) => p,
        }
    }
}
