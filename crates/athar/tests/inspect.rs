//! Integration tests of `athar inspect` (filled in by its issue).
