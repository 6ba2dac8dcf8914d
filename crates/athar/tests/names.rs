//! Integration tests of `athar names` (filled in by its issue).
