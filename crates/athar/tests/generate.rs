//! Integration tests of `athar gen` (filled in by its issue).
