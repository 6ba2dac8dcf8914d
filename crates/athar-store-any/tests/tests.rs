//! The conformance suite: every test runs against SQLite, and against PostgreSQL when
//! `ATHAR_TEST_DATABASE_URL` is set (then it must connect: a failure to connect fails the test).

#![allow(clippy::unwrap_used, clippy::expect_used)]
