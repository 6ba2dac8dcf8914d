//! Arabic-aware name normalization, tokenization into name units, cross-script keys and
//! comparators, and term-frequency weighting.
//!
//! Pure: no I/O, no SQL, no HTTP. Parse once, compare many:
//!
//! ```
//! use athar_names::{Name, compare_names, compare_units, Level};
//! let a = Name::parse("محمد عبد الرحمن الخطيب");
//! let b = Name::parse("Mohammed Abdulrahman Al-Khatib");
//! let m = compare_names(&a, &b);
//! assert!(m.same);
//! let h = Name::parse("حسن");
//! let u = Name::parse("Hussein");
//! assert_eq!(compare_units(&h.units[0], &u.units[0]).level, Level::Different);
//! ```
//!
//! The pipeline and every table follow `../shared/research/arabic-names.md`: characters
//! ([`fold`]), units ([`unit`], compounds and particles from [`lexicon`]), keys ([`skeleton`]),
//! comparison ([`compare`]), frequencies ([`freq`]).

pub mod compare;
pub mod fold;
pub mod freq;
pub mod lexicon;
pub mod name;
pub mod skeleton;
pub mod unit;

pub use compare::{
    AlignedPair, Level, NameMatch, Reason, Role, RoleComparison, RoleMatch, UnitMatch,
    class_distance, compare_names, compare_roles, compare_units,
};
pub use fold::{
    Normalized, Script, detect_script, looks_like_mojibake, match_key, normalize,
    normalize_with_script, repair_mojibake,
};
pub use freq::TermFrequencies;
pub use name::{Name, RoleNames, analyze};
pub use skeleton::{Key, Profile, Skeleton, VowelSig};
pub use unit::{Unit, UnitKind};
