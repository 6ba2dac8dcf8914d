//! [`AppState`]: everything a handler needs, built once by the binary (or a test) and cloned
//! into every request. Time and randomness are here so tests can fix them.
//!
//! The console (issue 7) adds its own handles here (its store, session settings) next to the
//! portal's; keep every field cheap to clone (`Arc`).

use std::fmt;
use std::sync::{Arc, Mutex};

use athar_store::portal::PortalStore;
use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::config::WebConfig;
use crate::ratelimit::ClientKeyExtractor;
use crate::registry::Registry;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant (tests, snapshots).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Shared state of the web tier.
#[derive(Clone)]
pub struct AppState {
    /// What the public portal persists for itself (search log, cases, tips, references).
    pub portal: Arc<dyn PortalStore>,
    /// The registry: search candidates, and reports stored as records and matched.
    pub registry: Arc<dyn Registry>,
    /// Operational settings.
    pub config: Arc<WebConfig>,
    /// Resolves the client key (rate limits, search log) with the trusted-proxy rules.
    pub client_keys: ClientKeyExtractor,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// The random source for follow-up codes, references and form tokens: ChaCha20, seeded
    /// from the operating system in production and fixed in tests.
    pub rng: Arc<Mutex<ChaCha20Rng>>,
    /// The caseworker console's and the API's registry backend (issue 7; `None` on a
    /// portal-only server). Set with [`AppState::with_console`].
    pub console: Option<Arc<dyn crate::console::ConsoleBackend>>,
    /// The console's import jobs running or finished in this process (kept in memory only).
    pub jobs: Arc<crate::console::jobs::Jobs>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State for production: the system clock and an OS-seeded random source.
    pub fn new(
        portal: Arc<dyn PortalStore>,
        registry: Arc<dyn Registry>,
        config: WebConfig,
    ) -> Self {
        let rng = ChaCha20Rng::from_rng(&mut rand::rng());
        Self::with(portal, registry, config, Arc::new(SystemClock), rng)
    }

    /// State with a given clock and random source (tests).
    pub fn with(
        portal: Arc<dyn PortalStore>,
        registry: Arc<dyn Registry>,
        config: WebConfig,
        clock: Arc<dyn Clock>,
        rng: ChaCha20Rng,
    ) -> Self {
        AppState {
            portal,
            registry,
            client_keys: ClientKeyExtractor::new(config.trusted_proxies.clone()),
            config: Arc::new(config),
            clock,
            rng: Arc::new(Mutex::new(rng)),
            console: None,
            jobs: Arc::default(),
        }
    }

    /// `n` random bytes from the state's random source.
    pub fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        // A poisoned lock only means another request panicked mid-draw; the generator is fine.
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        rng.fill(out.as_mut_slice());
        out
    }
}
