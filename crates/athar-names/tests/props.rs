//! Property tests: normalization is idempotent, comparison is symmetric, nothing panics.

use athar_names::{Name, compare_names, compare_units, normalize};
use proptest::prelude::*;

/// Names built from Arabic letters, marks, Latin letters with diacritics, separators and
/// invisible characters — the alphabet real lists are made of.
fn name_like() -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec![
        'ا', 'أ', 'إ', 'آ', 'ء', 'ؤ', 'ئ', 'ب', 'ت', 'ث', 'ج', 'ح', 'خ', 'د', 'ذ', 'ر', 'ز', 'س',
        'ش', 'ص', 'ض', 'ط', 'ظ', 'ع', 'غ', 'ف', 'ق', 'ك', 'ل', 'م', 'ن', 'ه', 'و', 'ي', 'ى', 'ة',
        'ی', 'ک', 'ـ', '\u{064E}', '\u{0651}', '\u{200F}', '\u{2068}', ' ', '-', '.', '\'', 'a',
        'b', 'd', 'e', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'r', 's', 'u', 'y', 'z', 'ç', 'ş', 'ü',
        'é', 'ā', 'ī', 'A', 'M', 'ﻣ', 'ﷲ', '١',
    ]);
    prop::collection::vec(chars, 0..24).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn normalization_is_idempotent(s in name_like()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn normalization_is_idempotent_on_any_unicode(s in any::<String>()) {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn comparison_is_symmetric(a in name_like(), b in name_like()) {
        let (na, nb) = (Name::parse(&a), Name::parse(&b));
        let (ab, ba) = (compare_names(&na, &nb), compare_names(&nb, &na));
        prop_assert_eq!(ab.same, ba.same);
        prop_assert!((ab.score - ba.score).abs() < 1e-4, "{} vs {}", ab.score, ba.score);
        for ua in &na.units {
            for ub in &nb.units {
                let (x, y) = (compare_units(ua, ub), compare_units(ub, ua));
                prop_assert_eq!(x.level, y.level);
                prop_assert!((x.similarity - y.similarity).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn nothing_panics_on_any_unicode(a in any::<String>(), b in any::<String>()) {
        let (na, nb) = (Name::parse(&a), Name::parse(&b));
        let m = compare_names(&na, &nb);
        prop_assert!((0.0..=1.0).contains(&m.score));
    }
}

/// The proptest's counterexample: equally good alignments chosen differently in the two
/// directions once gave scores 0.221 and 0.210 (one direction judged the units reordered).
#[test]
fn tie_in_alignment_keeps_comparison_symmetric() {
    let (a, b) = ("شaؤaجeشeء بaب", "وhأoتdتdا");
    let (na, nb) = (Name::parse(a), Name::parse(b));
    let (ab, ba) = (compare_names(&na, &nb), compare_names(&nb, &na));
    assert_eq!(ab.same, ba.same);
    assert!(
        (ab.score - ba.score).abs() < 1e-6,
        "{} vs {}",
        ab.score,
        ba.score
    );
    assert_eq!(ab.reordered, ba.reordered);
    assert_eq!(ab.unmatched_left, ba.unmatched_right);
    assert_eq!(ab.pairs.len(), ba.pairs.len());
}
