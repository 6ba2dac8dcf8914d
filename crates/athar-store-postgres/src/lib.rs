//! The PostgreSQL implementation of `athar_store::Store`.
