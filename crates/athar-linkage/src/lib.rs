//! The linkage engine: comparisons, blocking, unsupervised and supervised scoring, clustering,
//! explanations and evaluation.
//!
//! Pure: no I/O, no SQL, no HTTP.
