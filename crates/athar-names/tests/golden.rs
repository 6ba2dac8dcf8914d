//! Golden tables (`tests/golden/*.tsv`), each row one row of a research-note table, driven
//! through one helper.

use athar_names::{Level, Name, UnitKind, compare_names, compare_units, match_key, normalize};

/// Rows of a golden table: tab-separated, `#` comments and blank lines skipped, `\u{XXXX}`
/// escapes decoded.
fn table(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(unescape).collect())
        .collect()
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let end = after.find('}').expect("closing brace");
        let cp = u32::from_str_radix(&after[..end], 16).expect("hex");
        out.push(char::from_u32(cp).expect("code point"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Runs `check` on every row; collects all failures so one run shows every broken row.
fn check(file: &str, check: impl Fn(&[String]) -> Result<(), String>) {
    let rows = table(file);
    assert!(!rows.is_empty(), "{file} is empty");
    let failures: Vec<String> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| check(r).err().map(|e| format!("{file} row {}: {e}", i + 1)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failing rows:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn kind_name(k: UnitKind) -> &'static str {
    match k {
        UnitKind::Simple => "simple",
        UnitKind::Abd => "abd",
        UnitKind::Abu => "abu",
        UnitKind::Umm => "umm",
        UnitKind::Bin => "bin",
        UnitKind::Din => "din",
        UnitKind::Allah => "allah",
        UnitKind::DoubleGiven => "double_given",
        UnitKind::Abbreviation => "abbreviation",
    }
}

#[test]
fn r3_folding_table() {
    check("folding.tsv", |r| {
        let (n, k) = (normalize(&r[0]), match_key(&r[0]));
        if n != r[1] || k != r[2] {
            return Err(format!(
                "{:?}: normalize {n:?} (want {:?}), key {k:?} (want {:?})",
                r[0], r[1], r[2]
            ));
        }
        Ok(())
    });
}

#[test]
fn r3_compound_lexicon_table() {
    check("compounds.tsv", |r| {
        let n = Name::parse(&r[0]);
        let texts: Vec<&str> = n.units.iter().map(|u| u.text.as_str()).collect();
        let kinds: Vec<&str> = n.units.iter().map(|u| kind_name(u.kind)).collect();
        let titles = if n.titles.is_empty() {
            "-".to_string()
        } else {
            n.titles.join(" | ")
        };
        let got = (texts.join(" | "), kinds.join(" | "), titles);
        if got != (r[1].clone(), r[2].clone(), r[3].clone()) {
            return Err(format!("{:?}: got {got:?}", r[0]));
        }
        Ok(())
    });
}

#[test]
fn r3_skeleton_table() {
    check("skeletons.tsv", |r| {
        let n = Name::parse(&r[0]);
        let got: Vec<String> = n.units.iter().map(|u| u.skeleton().letters()).collect();
        if got.join(" ") != r[1] {
            return Err(format!(
                "{:?}: got {:?}, want {:?}",
                r[0],
                got.join(" "),
                r[1]
            ));
        }
        Ok(())
    });
}

#[test]
fn r3_variant_table() {
    check("variants.tsv", |r| {
        let ar = Name::parse(&r[0]);
        let mut bad = Vec::new();
        for sp in r[1].split('|') {
            let la = Name::parse(sp);
            let m = compare_names(&ar, &la);
            if !m.same {
                bad.push(format!("{sp} ({})", m.reason));
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(format!("{}: not same: {}", r[0], bad.join(", ")))
        }
    });
}

#[test]
fn r3_negative_pairs() {
    check("negatives.tsv", |r| {
        let (a, b) = (Name::parse(&r[0]), Name::parse(&r[1]));
        let m = compare_names(&a, &b);
        let m2 = compare_names(&b, &a);
        if m.same || m2.same {
            return Err(format!("{:?} / {:?} judged same: {}", r[0], r[1], m.reason));
        }
        Ok(())
    });
}

#[test]
fn r3_positive_pairs() {
    check("positives.tsv", |r| {
        let (a, b) = (Name::parse(&r[0]), Name::parse(&r[1]));
        let m = compare_names(&a, &b);
        if !m.same {
            return Err(format!(
                "{:?} / {:?} judged different: {}",
                r[0], r[1], m.reason
            ));
        }
        Ok(())
    });
}

#[test]
fn r3_levels_are_graded() {
    let u = |s: &str| Name::parse(s).units.remove(0);
    assert_eq!(compare_units(&u("محمد"), &u("مُحَمَّد")).level, Level::Exact);
    assert_eq!(
        compare_units(&u("Mohammed"), &u("MOHAMMED")).level,
        Level::Exact
    );
    assert_eq!(
        compare_units(&u("محمد"), &u("Muhammad")).level,
        Level::Variant
    );
    assert_eq!(
        compare_units(&u("مازن"), &u("Maazen")).level,
        Level::Skeleton
    );
    assert_eq!(compare_units(&u("منذر"), &u("Monzar")).level, Level::Close);
    assert_eq!(compare_units(&u("حسن"), &u("حسين")).level, Level::Different);
}

#[test]
fn r3_missing_extra_and_reordered_parts() {
    let same = |a: &str, b: &str| compare_names(&Name::parse(a), &Name::parse(b));
    let m = same("محمد أحمد علي الخطيب", "محمد الخطيب");
    assert!(m.same, "{}", m.reason);
    assert!(m.score < 0.99);
    let m = same("Al-Khatib Mohammed Ahmad", "محمد أحمد الخطيب");
    assert!(m.same && m.reordered, "{}", m.reason);
    let m = same("محمد خير الخطيب", "خير الخطيب");
    assert!(m.same, "{}", m.reason);
    let m = same("Mhd Kheir Alkhatib", "محمد خير الخطيب");
    assert!(m.same, "{}", m.reason);
    let full = same("محمد عبد الرحمن الخطيب", "Mohammed Abdulrahman Al-Khatib");
    let part = same("محمد الخطيب", "Mohammed Abdulrahman Al-Khatib");
    assert!(full.score > part.score);
}

#[test]
fn r3_roles_compared_by_field() {
    use athar_names::{RoleNames, compare_roles};
    let a = RoleNames::parse(Some("محمد"), Some("أحمد"), None, Some("الخطيب"));
    let b = RoleNames::parse(
        Some("Mohammed"),
        Some("Ahmad"),
        Some("Ali"),
        Some("Al-Khatib"),
    );
    let m = compare_roles(&a, &b);
    assert!(m.same && !m.swapped);
    let c = RoleNames::parse(Some("Mohammed"), Some("Hassan"), None, Some("Al-Khatib"));
    assert!(!compare_roles(&a, &c).same);
    // "LAST, First" on one side.
    let d = RoleNames::parse(Some("Khatib"), Some("Ahmad"), None, Some("Mohammed"));
    let m = compare_roles(&a, &d);
    assert!(m.same && m.swapped);
}

#[test]
fn r3_term_frequencies_weight_rare_units_higher() {
    use athar_names::TermFrequencies;
    let names: Vec<Name> = [
        "محمد أحمد",
        "Mohammed Ali",
        "محمد حسن",
        "Muhammad Zaki",
        "قباني",
    ]
    .iter()
    .map(|s| Name::parse(s))
    .collect();
    let tf = TermFrequencies::from_names(&names);
    let common = Name::parse("Mohamed").units.remove(0);
    let rare = Name::parse("Kabbani").units.remove(0);
    assert_eq!(tf.count(&common), 4);
    assert_eq!(tf.count(&rare), 1);
    assert!(tf.frequency(&common) > 3.0 * tf.frequency(&rare));
    assert!(tf.weight(&rare) > tf.weight(&common));
}

#[test]
fn r3_pattern_pairs() {
    check("patterns.tsv", |r| {
        let (a, b) = (Name::parse(&r[0]), Name::parse(&r[1]));
        let (m, m2) = (compare_names(&a, &b), compare_names(&b, &a));
        let want = match r[2].as_str() {
            "same" => true,
            "different" => false,
            other => return Err(format!("bad expectation {other:?}")),
        };
        if m.same != want || m2.same != want {
            return Err(format!(
                "{:?} / {:?}: expected {} ({}), got {}: {}",
                r[0], r[1], r[2], r[3], m.same, m.reason
            ));
        }
        Ok(())
    });
}
