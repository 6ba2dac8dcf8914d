//! The conformance suite: every test runs against SQLite (a fresh file per test), and against
//! PostgreSQL (a fresh schema per test) when `ATHAR_TEST_DATABASE_URL` is set — then it must
//! connect: a database that cannot be reached fails the tests, it never skips them.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod conformance;
mod console;
mod parity;
