//! Integration tests of `athar store` (filled in by its issue).
