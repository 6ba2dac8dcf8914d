//! Fuzz target for the name normalizer and comparator: any bytes, read as UTF-8 (lossy), must
//! normalize idempotently, parse, and compare with itself and a fixed name without panicking,
//! symmetrically, with a score in 0..=1.
#![no_main]

use athar_names::{Name, compare_names, normalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let once = normalize(&s);
    assert_eq!(normalize(&once), once, "normalize is not idempotent");
    let n = Name::parse(&s);
    let other = Name::parse("محمد عبد الرحمن Al-Khatib");
    let ab = compare_names(&n, &other);
    let ba = compare_names(&other, &n);
    assert_eq!(ab.same, ba.same, "compare is not symmetric");
    assert!((0.0..=1.0).contains(&ab.score));
    let self_match = compare_names(&n, &n);
    assert!(n.units.is_empty() || self_match.same, "a name differs from itself");
});
