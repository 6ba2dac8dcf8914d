//! Integration tests of `athar serve` and `athar demo` (filled in by its issue).
