//! Integration tests of `athar link` (filled in by its issue).
