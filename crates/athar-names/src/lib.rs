//! Arabic-aware name normalization, tokenization into name units, cross-script keys and
//! comparators, and term-frequency weighting.
//!
//! Pure: no I/O, no SQL, no HTTP.
