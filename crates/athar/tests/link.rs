//! Integration tests of `athar link` and `athar eval`: the CSV and JSON contracts, exit codes,
//! the labels loop, and evaluation against hand-computed values.

use std::fs;
use std::path::Path;

use crate::util::{run, text};

/// Twelve records of five people in two lists (Arabic and Latin), with one pair of brothers.
const PRISON: &str = "\
id,source,first_name,father_name,family_name,mother_name,sex,birth_date,prison_number,governorate
P1,prison,محمد,أحمد,الخطيب,فاطمة,ذكر,1980-03-04,1201,حلب
P2,prison,خالد,أحمد,الخطيب,فاطمة,ذكر,1984-07-01,1202,حلب
P3,prison,سامر,يوسف,الحلبي,مريم,ذكر,1975,3301,دمشق
P4,prison,رنا,عمر,الشامي,هدى,أنثى,1990-01-02,4401,حمص
P5,prison,عبد الرحمن,علي,الزعبي,خديجة,ذكر,1969,5501,درعا
P6,prison,يوسف,حسن,العلي,سعاد,ذكر,1988-09-09,6601,إدلب
";
const FAMILY: &str = "\
id,source,first_name,father_name,family_name,mother_name,sex,birth_date,prison_number,governorate
F1,family,Mohammed,Ahmad,Al-Khatib,Fatima,M,04/03/1980,1201,Aleppo
F2,family,Khaled,Ahmad,Al-Khatib,Fatima,M,1984,,Alep
F3,family,Samer,Yousef,Al-Halabi,Mariam,M,1975-05-05,,Damascus
F4,family,Rana,Omar,Al-Shami,Huda,F,1990,4401,Homs
F5,family,Abdul Rahman,Ali,Al-Zoubi,Khadija,M,1969-02-02,,Daraa
F6,family,Yusuf,Hasan,Al-Ali,Suad,M,1988,,Idlib
";
const TRUTH: &str =
    "id,person_id\nP1,a\nF1,a\nP2,b\nF2,b\nP3,c\nF3,c\nP4,d\nF4,d\nP5,e\nF5,e\nP6,f\nF6,f\n";

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    fs::write(&p, body).unwrap();
    p.display().to_string()
}

fn lists(dir: &Path) -> (String, String) {
    (
        write(dir, "prison.csv", PRISON),
        write(dir, "family.csv", FAMILY),
    )
}

#[test]
fn link_writes_one_row_per_record_and_the_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (p, f) = lists(dir.path());
    let out = dir.path().join("clusters.csv");
    let pairs = dir.path().join("pairs.csv");
    let o = run(&[
        "link",
        &p,
        &f,
        "--out",
        out.to_str().unwrap(),
        "--pairs",
        pairs.to_str().unwrap(),
        "--json",
    ]);
    let (code, stdout, stderr) = text(&o);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in ["records", "pairs_scored", "links", "clusters", "seconds"] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["records"], 12);
    let clusters = fs::read_to_string(&out).unwrap();
    let mut lines = clusters.lines();
    assert_eq!(lines.next(), Some("record_id,cluster_id"));
    let mut ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(ids.len(), 12, "one row per record, singletons included");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12, "each record exactly once");
    let pairs = fs::read_to_string(&pairs).unwrap();
    assert!(
        pairs.starts_with("left_id,right_id,probability,band,"),
        "{pairs}"
    );
    for row in pairs.lines().skip(1) {
        let band = row.split(',').nth(3).unwrap();
        assert!(band == "link" || band == "review", "{row}");
    }
}

#[test]
fn link_then_eval_recovers_the_people() {
    let dir = tempfile::tempdir().unwrap();
    let (p, f) = lists(dir.path());
    let out = dir.path().join("clusters.csv");
    let truth = write(dir.path(), "truth.csv", TRUTH);
    let (code, _, stderr) = text(&run(&["link", &p, &f, "--out", out.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = text(&run(&[
        "eval",
        "--clusters",
        out.to_str().unwrap(),
        "--truth",
        &truth,
        "--json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    // the brothers P1/P2 share father, family, mother and governorate: they must stay apart
    let clusters = fs::read_to_string(&out).unwrap();
    let cluster_of = |id: &str| {
        clusters
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_ne!(cluster_of("P1"), cluster_of("P2"), "siblings merged");
    assert_eq!(
        cluster_of("P1"),
        cluster_of("F1"),
        "cross-script match missed"
    );
    assert!(v["precision"].as_f64().unwrap() >= 0.99, "{v}");
    assert!(v["recall"].as_f64().unwrap() >= 0.8, "{v}");
}

#[test]
fn eval_matches_hand_computed_values() {
    let dir = tempfile::tempdir().unwrap();
    // clusters {a,b,c} {d}; truth {a,b} {c,d}
    let c = write(
        dir.path(),
        "c.csv",
        "record_id,cluster_id\na,1\nb,1\nc,1\nd,2\n",
    );
    let t = write(dir.path(), "t.csv", "id,person_id\na,x\nb,x\nc,y\nd,y\n");
    let (code, stdout, stderr) = text(&run(&["eval", "--clusters", &c, "--truth", &t, "--json"]));
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    let close = |k: &str, want: f64| {
        let got = v[k].as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{k}: {got} != {want}");
    };
    close("precision", 1.0 / 3.0);
    close("recall", 0.5);
    close("f1", 0.4);
    close("bcubed_precision", 2.0 / 3.0);
    close("bcubed_recall", 0.75);
    close("bcubed_f1", 2.0 * (2.0 / 3.0) * 0.75 / (2.0 / 3.0 + 0.75));
}

#[test]
fn duplicate_ids_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = lists(dir.path());
    let dup = write(dir.path(), "dup.csv", "id,first_name\nX1,Ali\nP3,Omar\n");
    let out = dir.path().join("clusters.csv");
    let (code, _, stderr) = text(&run(&["link", &p, &dup, "--out", out.to_str().unwrap()]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("dup.csv") && stderr.contains("line 3") && stderr.contains("id"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written on bad input");
}

#[test]
fn missing_id_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "noid.csv", "id,first_name\nA,Ali\n,Omar\n");
    let out = dir.path().join("clusters.csv");
    let (code, _, stderr) = text(&run(&["link", &f, "--out", out.to_str().unwrap()]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
}

#[test]
fn label_with_unknown_id_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (p, f) = lists(dir.path());
    let labels = write(
        dir.path(),
        "labels.csv",
        "left_id,right_id,match\nP1,F1,1\nP1,NOPE,0\n",
    );
    let out = dir.path().join("clusters.csv");
    let (code, _, stderr) = text(&run(&[
        "link",
        &p,
        &f,
        "--out",
        out.to_str().unwrap(),
        "--labels",
        &labels,
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("labels.csv") && stderr.contains("NOPE") && stderr.contains("line 3"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn bad_match_value_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (p, f) = lists(dir.path());
    let labels = write(
        dir.path(),
        "labels.csv",
        "left_id,right_id,match\nP1,F1,maybe\n",
    );
    let out = dir.path().join("clusters.csv");
    let (code, _, stderr) = text(&run(&[
        "link",
        &p,
        &f,
        "--out",
        out.to_str().unwrap(),
        "--labels",
        &labels,
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("match"), "{stderr}");
}

#[test]
fn labels_loop_suggests_then_learns() {
    let dir = tempfile::tempdir().unwrap();
    let (p, f) = lists(dir.path());
    let out = dir.path().join("clusters.csv");
    let sug = dir.path().join("tolabel.csv");
    let o = run(&[
        "link",
        &p,
        &f,
        "--out",
        out.to_str().unwrap(),
        "--suggest",
        "5",
        "--suggest-out",
        sug.to_str().unwrap(),
        "--json",
    ]);
    let (code, _, stderr) = text(&o);
    assert_eq!(code, 0, "{stderr}");
    let s = fs::read_to_string(&sug).unwrap();
    assert!(s.starts_with("left_id,right_id,probability,band,"), "{s}");
    assert!(s.lines().count() <= 6);
    // every spelling of a judgement is accepted
    let labels = write(
        dir.path(),
        "labels.csv",
        "left_id,right_id,match\nP1,F1,yes\nP2,F2,TRUE\nP1,P2,no\nP1,F2,false\nP3,F3,1\nP4,F6,0\n",
    );
    let (code, stdout, stderr) = text(&run(&[
        "link",
        &p,
        &f,
        "--out",
        out.to_str().unwrap(),
        "--labels",
        &labels,
        "--json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["records"], 12);
    let rows = fs::read_to_string(&out).unwrap().lines().count();
    assert_eq!(rows, 13);
}

#[test]
fn threshold_out_of_range_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = lists(dir.path());
    let out = dir.path().join("c.csv");
    let (code, _, _) = text(&run(&[
        "link",
        &p,
        "--out",
        out.to_str().unwrap(),
        "--threshold",
        "1.5",
    ]));
    assert_eq!(code, 2);
}
