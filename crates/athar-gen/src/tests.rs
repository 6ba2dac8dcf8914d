//! Tests of the whole generator: determinism, ids and truth, and the shapes of the three
//! source profiles (loosely, but each would fail if the profile broke).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use proptest::prelude::*;

use super::*;

fn all_records(r: &Registry) -> Vec<(Source, Record)> {
    Source::ALL
        .iter()
        .flat_map(|&s| r.records(s).map(move |rec| (s, rec)))
        .collect()
}

fn has_arabic(s: &str) -> bool {
    s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

fn has_latin(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic())
}

/// The name text of a record (split fields or the full name).
fn name_text(rec: &Record) -> String {
    [
        Column::FullName,
        Column::FirstName,
        Column::FatherName,
        Column::FamilyName,
    ]
    .iter()
    .map(|&c| rec.get(c))
    .collect::<Vec<_>>()
    .join(" ")
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '\u{0640}' && !('\u{064B}'..='\u{0652}').contains(c))
        .map(|c| match c {
            'أ' | 'إ' | 'آ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            other => other,
        })
        .filter(|c| *c != ' ')
        .collect()
}

#[test]
fn same_seed_same_records_different_seed_different() {
    let cfg = GenConfig::default();
    let a = all_records(&generate(400, 42, &cfg).unwrap());
    let b = all_records(&generate(400, 42, &cfg).unwrap());
    let c = all_records(&generate(400, 43, &cfg).unwrap());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn written_files_are_byte_identical_whatever_the_thread_count() {
    let cfg = GenConfig::default();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let r = generate(70_000, 9, &cfg).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| write_dir(one.path(), &r)).unwrap();
    let r2 = generate(70_000, 9, &cfg).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    pool.install(|| write_dir(two.path(), &r2)).unwrap();
    for f in ["prison.csv", "family.csv", "survivor.csv", "truth.csv"] {
        let x = std::fs::read(one.path().join(f)).unwrap();
        let y = std::fs::read(two.path().join(f)).unwrap();
        assert!(x == y, "{f} differs between runs");
    }
}

#[test]
fn files_have_the_canonical_header_and_truth_covers_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let r = generate(300, 5, &GenConfig::default()).unwrap();
    let summary = write_dir(dir.path(), &r).unwrap();
    let mut ids = BTreeSet::new();
    for s in Source::ALL {
        let mut rd = csv::Reader::from_path(dir.path().join(s.file_name())).unwrap();
        let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header, COLUMNS);
        for row in rd.records() {
            let row = row.unwrap();
            assert_eq!(&row[1], s.name());
            assert!(row[0].starts_with(s.id_prefix()));
            assert!(ids.insert(row[0].to_owned()), "duplicate id {}", &row[0]);
        }
    }
    let mut truth = csv::Reader::from_path(dir.path().join("truth.csv")).unwrap();
    assert_eq!(truth.headers().unwrap(), vec!["id", "person_id"]);
    let mut covered = BTreeSet::new();
    let mut persons = BTreeSet::new();
    for row in truth.records() {
        let row = row.unwrap();
        assert!(
            covered.insert(row[0].to_owned()),
            "truth repeats {}",
            &row[0]
        );
        persons.insert(row[1].to_owned());
    }
    assert_eq!(covered, ids);
    assert_eq!(persons.len(), 300);
    assert_eq!(summary.records(), ids.len());
    assert!(!dir.path().join("prison.csv.partial").exists());
}

#[test]
fn config_out_of_range_is_rejected() {
    let cfg = GenConfig {
        typo_rate: 1.5,
        ..GenConfig::default()
    };
    let err = generate(10, 1, &cfg).unwrap_err().to_string();
    assert!(err.contains("typo_rate"), "{err}");
    let mut cfg = GenConfig::default();
    cfg.family.mother_rate = -0.1;
    let err = generate(10, 1, &cfg).unwrap_err().to_string();
    assert!(err.contains("family.mother_rate"), "{err}");
}

#[test]
fn clean_config_writes_table_names_exactly() {
    let t = tables::Tables::load(1.0, 0.7).unwrap();
    let known: BTreeSet<&str> = [&t.male, &t.female]
        .iter()
        .flat_map(|w| w.items.iter().map(|n| n.arabic.as_str()))
        .collect();
    let r = generate(2000, 3, &GenConfig::clean()).unwrap();
    let mut checked = 0;
    for rec in r.records(Source::Prison) {
        let first = rec.get(Column::FirstName);
        if !first.is_empty() {
            assert!(known.contains(first), "{first} is not a table name");
            checked += 1;
        }
    }
    assert!(checked > 500);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_person_appears_and_every_record_names_someone(n in 1usize..80, seed in any::<u64>()) {
        let r = generate(n, seed, &GenConfig::default()).unwrap();
        prop_assert_eq!(r.persons(), n);
        let mut seen = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (s, rec) in all_records(&r) {
            prop_assert_eq!(rec.get(Column::Source), s.name());
            prop_assert!(ids.insert(rec.id().to_owned()));
            prop_assert!(!name_text(&rec).trim().is_empty(), "{:?}", rec.values);
            seen.insert(rec.person_id.clone());
        }
        prop_assert_eq!(seen.len(), n);
    }
}

/// Shares and shapes over 6,000 persons. Bounds are loose (the defaults sit well inside) but
/// each fails if its profile or corruption stops working.
#[test]
fn profiles_have_their_shapes() {
    let r = generate(6000, 11, &GenConfig::default()).unwrap();
    let prison: Vec<Record> = r.records(Source::Prison).collect();
    let family: Vec<Record> = r.records(Source::Family).collect();
    let survivor: Vec<Record> = r.records(Source::Survivor).collect();
    let share = |recs: &[Record], f: &dyn Fn(&Record) -> bool| {
        recs.iter().filter(|r| f(r)).count() as f64 / recs.len() as f64
    };

    // Prison registers: Arabic script, prison numbers, detention place, little mother's name.
    assert!(
        share(&prison, &|r| has_arabic(&name_text(r))
            && !has_latin(&name_text(r)))
            > 0.99
    );
    assert!(share(&prison, &|r| !r.get(Column::PrisonNumber).is_empty()) > 0.8);
    assert!(share(&prison, &|r| !r.get(Column::DetentionPlace).is_empty()) > 0.85);
    let mother = share(&prison, &|r| !r.get(Column::MotherName).is_empty());
    assert!(
        (0.15..0.45).contains(&mother),
        "prison mother share {mother}"
    );
    let year_only = share(&prison, &|r| !r.get(Column::BirthYear).is_empty());
    assert!(year_only > 0.4, "prison birth_year share {year_only}");
    let full_only = share(&prison, &|r| !r.get(Column::FullName).is_empty());
    assert!(
        (0.1..0.3).contains(&full_only),
        "prison full-name share {full_only}"
    );
    assert!(share(&prison, &|r| r.get(Column::DetentionDate).contains('٢')) > 0.05);

    // Family reports: a share in Latin script, in several traditions; last seen; mothers.
    let latin = share(&family, &|r| has_latin(&name_text(r)));
    assert!((0.3..0.5).contains(&latin), "family Latin share {latin}");
    let latin_names: Vec<String> = family
        .iter()
        .map(name_text)
        .filter(|n| has_latin(n))
        .collect();
    for marker in [
        "Mhd",
        "Mohammed",
        "Mouhammad",
        "Ch",
        "Abdul",
        "Abdel",
        "Khaled",
        "Khalid",
    ] {
        assert!(
            latin_names.iter().any(|n| n.contains(marker)),
            "no Latin family report contains {marker}"
        );
    }
    assert!(share(&family, &|r| !r.get(Column::LastSeenDate).is_empty()) > 0.7);
    assert!(share(&family, &|r| !r.get(Column::MotherName).is_empty()) > 0.6);
    assert!(share(&family, &|r| r.get(Column::Status).is_empty()) > 0.3);

    // Survivors: partial, alive or released.
    let statuses: BTreeSet<&str> = survivor.iter().map(|r| r.get(Column::Status)).collect();
    let allowed: BTreeSet<&str> = ["", "released", "alive", "مفرج عنه", "على قيد الحياة"]
        .into_iter()
        .collect();
    assert!(statuses.is_subset(&allowed), "{statuses:?}");
    assert!(share(&survivor, &|r| !r.get(Column::PrisonNumber).is_empty()) > 0.2);

    // Mostly men, as detainees are.
    let sexes: Vec<&str> = [&prison, &family, &survivor]
        .iter()
        .flat_map(|recs| recs.iter().map(|r| r.get(Column::Sex)))
        .filter(|s| !s.is_empty())
        .collect();
    let women = sexes
        .iter()
        .filter(|s| ["F", "Female", "female", "أنثى"].contains(s))
        .count() as f64
        / sexes.len() as f64;
    assert!((0.06..0.15).contains(&women), "women's share {women}");

    // Heavy head and long tail of given names.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for rec in &prison {
        let first = fold(rec.get(Column::FirstName));
        if !first.is_empty() {
            *counts.entry(first).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    let top = counts.iter().max_by_key(|(_, c)| **c).unwrap();
    assert_eq!(top.0, "محمد");
    let top_share = *top.1 as f64 / total as f64;
    assert!((0.07..0.25).contains(&top_share), "محمد share {top_share}");
    assert!(
        counts.len() > 250,
        "only {} distinct given names",
        counts.len()
    );

    // Orthographic variation is there in both directions.
    let arabic_text: String = prison.iter().map(name_text).collect::<Vec<_>>().join(" ");
    for needle in ["أحمد", "احمد", "عبد ال", "عبدال", "ـ"] {
        assert!(
            arabic_text.contains(needle),
            "no prison record has {needle}"
        );
    }

    // Within-source duplicates, persons in one list only, and siblings.
    let mut per_person: BTreeMap<&str, Vec<Source>> = BTreeMap::new();
    for (recs, s) in [
        (&prison, Source::Prison),
        (&family, Source::Family),
        (&survivor, Source::Survivor),
    ] {
        for rec in recs {
            per_person
                .entry(rec.person_id.as_str())
                .or_default()
                .push(s);
        }
    }
    let dup = per_person
        .values()
        .filter(|v| {
            let set: BTreeSet<_> = v.iter().map(|s| *s as usize).collect();
            set.len() < v.len()
        })
        .count();
    assert!(dup > 100, "only {dup} persons listed twice in a source");
    let single = per_person.values().filter(|v| v.len() == 1).count() as f64 / 6000.0;
    assert!(
        (0.25..0.7).contains(&single),
        "single-record share {single}"
    );
    let three = per_person
        .values()
        .filter(|v| v.iter().collect::<BTreeSet<_>>().len() == 3)
        .count();
    assert!(three > 100, "only {three} persons in all three lists");

    // Siblings: distinct persons of one household, whose Arabic records share father and
    // family names but not the given name.
    let mut by_household: HashMap<u32, Vec<&Record>> = HashMap::new();
    for (i, rec) in prison.iter().enumerate() {
        by_household
            .entry(r.household_of(Source::Prison, i))
            .or_default()
            .push(rec);
    }
    let (mut pairs, mut same_father, mut same_first) = (0, 0, 0);
    for recs in by_household.values() {
        for (i, a) in recs.iter().enumerate() {
            for b in &recs[i + 1..] {
                let both = |c| !a.get(c).is_empty() && !b.get(c).is_empty();
                if a.person_id != b.person_id && both(Column::FatherName) && both(Column::FirstName)
                {
                    pairs += 1;
                    same_father += usize::from(
                        fold(a.get(Column::FatherName)) == fold(b.get(Column::FatherName)),
                    );
                    same_first += usize::from(
                        fold(a.get(Column::FirstName)) == fold(b.get(Column::FirstName)),
                    );
                }
            }
        }
    }
    assert!(pairs > 150, "only {pairs} sibling pairs in the prison list");
    let f = same_father as f64 / pairs as f64;
    assert!(f > 0.7, "siblings share the father's name in only {f}");
    let g = same_first as f64 / pairs as f64;
    assert!(g < 0.1, "siblings share the given name in {g}");
}

/// Christian households draw Christian or shared names only, and nobody else draws Christian
/// names (no "خالد عبد المسيح"); Kurdish names stay with Kurdish families mostly.
#[test]
fn communities_keep_their_names() {
    use tables::Community;
    let r = generate(20_000, 4, &GenConfig::default()).unwrap();
    let t = &r.tables;
    let (mut christian, mut kurdish_names, mut kurdish_in_kurdish_families) = (0, 0, 0);
    for p in &r.persons {
        let given = match p.sex {
            Sex::Male => &t.male.items[usize::from(p.given)],
            Sex::Female => &t.female.items[usize::from(p.given)],
        };
        let father = &t.male.items[usize::from(p.father)];
        let family = &t.family.items[usize::from(p.family)];
        let mother = &t.female.items[usize::from(p.mother)];
        if family.community == Community::Christian {
            christian += 1;
            for n in [given, father, mother] {
                assert!(
                    matches!(n.community, Community::Christian | Community::Shared),
                    "{} in a Christian family {}",
                    n.arabic,
                    family.arabic
                );
            }
        } else {
            for n in [given, father, mother] {
                assert_ne!(
                    n.community,
                    Community::Christian,
                    "{} {}",
                    n.arabic,
                    family.arabic
                );
            }
        }
        if given.community == Community::Kurdish {
            kurdish_names += 1;
            if family.community == Community::Kurdish {
                kurdish_in_kurdish_families += 1;
            }
        }
    }
    assert!(christian > 200, "{christian} persons of Christian families");
    assert!(
        kurdish_names > 50,
        "{kurdish_names} persons with Kurdish given names"
    );
    assert!(kurdish_in_kurdish_families > 0);
}
