//! The embedded SQLite implementation of `athar_store::Store`.

pub mod portal;
pub mod console;
