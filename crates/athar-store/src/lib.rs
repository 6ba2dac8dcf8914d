//! The `Store` trait: everything the registry persists, with no SQL in it.
