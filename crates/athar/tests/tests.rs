//! The `athar` binary's one integration-test binary: each module drives one area of the CLI
//! through the real executable, as a user would.

// Tests may panic on failure: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

mod cli;
mod generate;
mod inspect;
mod link;
mod names;
mod store;
mod web;
