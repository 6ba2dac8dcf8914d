//! The web tier: the public portal, the caseworker console and the JSON API, served by axum
//! with server-rendered askama templates in Arabic (right to left, the default) and English.
//!
//! Layout:
//! - [`state`]: [`AppState`], everything a handler needs (stores, config, i18n, limiters,
//!   clock, randomness), built once and cloned per request.
//! - [`config`]: [`WebConfig`], the operational settings (trusted proxies, limits, cookies).
//! - [`i18n`]: Fluent messages, Arabic plural categories through `icu_plurals`, numbers and
//!   dates per locale.
//! - [`security`]: security headers, the CSRF layer and form tokens, body limits.
//! - [`ratelimit`]: the client key (proxy headers trusted only from configured proxies) and
//!   the per-route limiters.
//! - [`error`]: [`WebError`], one stable error code per failure, rendered translated, never
//!   with a stack trace or SQL.
//! - [`portal`]: the public pages (search, report, survivor, tip, follow).
//! - [`registry`]: what the portal asks of the registry (search candidates, storing a report);
//!   [`nameindex`]: the public search's name index, in memory.
//! - [`console`], [`api`]: the caseworker console and the JSON API (issue 7).
//! - [`server`]: [`router`] and [`serve_with_listener`], used by `athar serve` and by tests.
//!
//! This crate holds no SQL: it reaches the registry only through the traits of `athar-store`.

pub mod api;
pub mod config;
pub mod console;
pub mod error;
pub mod fake;
pub mod i18n;
pub mod layout;
pub mod nameindex;
pub mod portal;
pub mod ratelimit;
pub mod registry;
pub mod security;
pub mod server;
pub mod state;

pub use config::WebConfig;
pub use error::WebError;
pub use server::{router, serve_with_listener};
pub use state::AppState;
