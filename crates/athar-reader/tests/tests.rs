//! The reader's one integration-test binary: fixtures for every encoding, delimiter and quirk,
//! read through the public API as the CLI, the store and the web console read them.

// Tests may panic on failure: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;

mod errors;
mod props;
mod reading;
mod xlsx;
