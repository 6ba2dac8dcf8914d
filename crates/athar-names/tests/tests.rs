//! The crate's one integration-test binary: golden tables from the research note, property
//! tests, and the regression tests of issue 3.

// Tests may panic on failure: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod golden;
mod props;
