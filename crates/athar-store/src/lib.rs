//! The `Store` trait: everything the registry persists, with no SQL in it.

pub mod portal;
pub mod console;
