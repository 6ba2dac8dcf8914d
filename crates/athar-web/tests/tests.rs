//! The web crate's one integration-test binary: a real server on 127.0.0.1:0, driven over HTTP
//! like a browser without JavaScript.

// Tests may panic on failure: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

mod console;
mod flows;
mod pages;
mod ratelimit;
mod security;
