//! The PostgreSQL implementation of `athar_store::Store`.

pub mod portal;
pub mod console;
