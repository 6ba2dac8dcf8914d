//! The embedded SQLite implementation of `athar_store::Store`.
