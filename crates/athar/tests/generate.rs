//! Integration tests of `athar gen`: the files and headers of `CONTRACT.md`, byte-identical
//! output for the same (persons, seed), the truth covering every record, `--json`, and exit
//! code 2 with nothing written for bad arguments.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::{run, text};

const FILES: [&str; 4] = ["prison.csv", "family.csv", "survivor.csv", "truth.csv"];

const HEADER: &str = "id,source,full_name,first_name,father_name,grandfather_name,family_name,\
mother_name,mother_family_name,alias,sex,birth_date,birth_year,age,governorate,birth_place,\
residence,national_id,prison_number,detention_date,detention_place,last_seen_date,\
last_seen_place,status";

fn gen_into(dir: &Path, persons: &str, seed: &str) {
    let out = dir.display().to_string();
    let (code, stdout, stderr) = text(&run(&[
        "gen",
        "--persons",
        persons,
        "--seed",
        seed,
        "--out",
        &out,
    ]));
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(stdout.contains(persons), "{stdout}");
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn gen_writes_the_contract_files_deterministically() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let out_a = a.path().join("lists"); // created by gen
    gen_into(&out_a, "500", "7");
    gen_into(b.path(), "500", "7");
    gen_into(c.path(), "500", "8");
    for f in FILES {
        assert_eq!(
            read(&out_a, f),
            read(b.path(), f),
            "{f} differs for the same seed"
        );
    }
    assert_ne!(read(&out_a, "family.csv"), read(c.path(), "family.csv"));

    let mut ids = BTreeSet::new();
    for (file, source, prefix) in [
        ("prison.csv", "prison", 'P'),
        ("family.csv", "family", 'F'),
        ("survivor.csv", "survivor", 'S'),
    ] {
        let text = read(&out_a, file);
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(text.lines().next().unwrap(), HEADER, "{file}");
        for row in rdr.records() {
            let row = row.unwrap();
            assert!(row[0].starts_with(prefix), "{file}: id {}", &row[0]);
            assert_eq!(&row[1], source);
            assert!(ids.insert(row[0].to_owned()), "duplicate id {}", &row[0]);
        }
    }
    let truth = read(&out_a, "truth.csv");
    let mut rdr = csv::Reader::from_reader(truth.as_bytes());
    assert_eq!(truth.lines().next().unwrap(), "id,person_id");
    let mut covered = BTreeSet::new();
    let mut persons = BTreeSet::new();
    for row in rdr.records() {
        let row = row.unwrap();
        covered.insert(row[0].to_owned());
        persons.insert(row[1].to_owned());
    }
    assert_eq!(
        covered, ids,
        "truth.csv must name every record exactly once"
    );
    assert_eq!(persons.len(), 500);
}

#[test]
fn gen_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let (code, stdout, stderr) = text(&run(&["gen", "--persons", "50", "--out", &out, "--json"]));
    assert_eq!(code, 0, "stderr: {stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["persons"], 50);
    let sum = v["prison"].as_u64().unwrap()
        + v["family"].as_u64().unwrap()
        + v["survivor"].as_u64().unwrap();
    assert_eq!(v["records"].as_u64().unwrap(), sum);
    assert!(sum >= 50);
}

#[test]
fn gen_zero_persons_is_bad_usage_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lists");
    let (code, _, stderr) = text(&run(&[
        "gen",
        "--persons",
        "0",
        "--out",
        &out.display().to_string(),
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("--persons"), "{stderr}");
    assert!(!out.exists(), "nothing may be written on bad input");
}

#[test]
fn gen_out_is_a_file_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    let (code, _, stderr) = text(&run(&[
        "gen",
        "--persons",
        "10",
        "--out",
        &file.display().to_string(),
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("taken"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn gen_without_persons_is_bad_usage() {
    let (code, _, _) = text(&run(&["gen", "--out", "x"]));
    assert_eq!(code, 2);
}
