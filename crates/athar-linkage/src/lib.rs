//! The linkage engine: comparisons, blocking, unsupervised and supervised scoring, clustering,
//! explanations and evaluation.
//!
//! Pure: no I/O, no SQL, no HTTP. Entry points: [`link`] for a whole list, [`blocking_keys`] and
//! [`Model::score_candidates`] for incremental matching of one new record against a store.

// Index loops over parallel fixed-size arrays (classes × fields × levels) read more clearly
// than zipped iterators here.
#![allow(clippy::needless_range_loop)]

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod diagnose;
pub mod engine;
pub mod eval;
pub mod gazetteer;
pub mod incremental;
pub mod model;
pub mod names;
pub mod record;
pub mod supervised;
pub mod text;

pub use blocking::{BlockKey, BlockingReport, Rule};
pub use engine::{
    Band, Explanation, FieldEvidence, Label, LinkError, LinkOptions, LinkOutcome, Match, Model,
    NoProgress, Progress, ScoredPair, TermFrequencies, blocking_keys, evidence_columns,
    evidence_values, link,
};
pub use incremental::{IncrementalOutcome, Placement as IncrementalPlacement, link_incremental};
pub use record::{Date, LinkRecord, Sex};
