//! Every generated file reads back through `athar-reader` to the same values: the header maps
//! onto the canonical fields one to one, every cell comes back exactly as generated, and every
//! date and number the generator writes parses (nothing is left raw).

// Tests may panic on failure: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use athar_gen::{COLUMNS, GenConfig, Source, generate, write_dir};
use proptest::prelude::*;

fn check(persons: usize, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let registry = generate(persons, seed, &GenConfig::default()).unwrap();
    write_dir(dir.path(), &registry).unwrap();
    for source in Source::ALL {
        let path = dir.path().join(source.file_name());
        let mut reader = athar_reader::open(&path, &athar_reader::ReadOptions::default()).unwrap();
        assert_eq!(reader.encoding().name(), "utf-8");
        assert_eq!(reader.delimiter(), Some(','));
        let columns: Vec<(String, Option<&str>)> = reader
            .columns()
            .iter()
            .map(|c| (c.column.clone(), c.field.map(|f| f.name())))
            .collect();
        let expected: Vec<(String, Option<&str>)> = COLUMNS
            .iter()
            .map(|c| ((*c).to_owned(), Some(*c)))
            .collect();
        assert_eq!(columns, expected, "{}: header mapping", source.file_name());
        let mut generated = registry.records(source);
        for row in reader.by_ref() {
            let row = row.unwrap();
            let record = generated.next().expect("more rows read than generated");
            assert_eq!(
                row.values,
                record.values,
                "{} line {}",
                source.file_name(),
                row.line
            );
            assert!(
                row.unparsed.is_empty(),
                "{} line {}: {:?} did not parse in {:?}",
                source.file_name(),
                row.line,
                row.unparsed,
                row.values
            );
        }
        assert!(generated.next().is_none(), "fewer rows read than generated");
        assert_eq!(
            reader.warnings(),
            Vec::<String>::new(),
            "{}",
            source.file_name()
        );
    }
}

#[test]
fn r2_generated_lists_read_back_exactly() {
    check(3000, 1);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn r2_any_small_registry_reads_back(persons in 1usize..120, seed in any::<u64>()) {
        check(persons, seed);
    }
}
