//! Integration tests of `athar names normalize` and `athar names compare` (issue 3).

use crate::util::{run, text};

fn json(args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = text(&run(args));
    assert_eq!(code, 0, "{args:?}: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
}

#[test]
fn r3_normalize_json_shows_units_keys_titles_script() {
    let v = json(&[
        "names",
        "normalize",
        "الشهيد مُحمّد عبدالرحمن الخطيب",
        "--json",
    ]);
    assert_eq!(v["script"], "arabic");
    assert_eq!(v["normalized"], "الشهيد محمد عبدالرحمن الخطيب");
    assert_eq!(v["titles"][0], "الشهيد");
    let units = v["units"].as_array().unwrap();
    assert_eq!(units.len(), 3);
    assert_eq!(units[0]["skeleton"], "MHMD");
    assert_eq!(units[1]["kind"], "abd");
    assert_eq!(units[2]["article"], true);
    assert_eq!(units[2]["skeleton"], "XTB");
}

#[test]
fn r3_normalize_text_output() {
    let (code, stdout, _) = text(&run(&["names", "normalize", "Mhd Abdel Rahman"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("script:     latin"), "{stdout}");
    assert!(stdout.contains("BDRHMN"), "{stdout}");
}

#[test]
fn r3_compare_same_across_scripts() {
    let v = json(&[
        "names",
        "compare",
        "محمد عبد الرحمن الخطيب",
        "Mohammed Abdulrahman Al-Khatib",
        "--json",
    ]);
    assert_eq!(v["same"], true);
    let score = v["score"].as_f64().unwrap();
    assert!((0.9..=1.0).contains(&score), "{score}");
    assert_eq!(v["pairs"].as_array().unwrap().len(), 3);
    assert!(v["reason"].as_str().unwrap().contains("match"));
}

#[test]
fn r3_compare_hassan_hussein_differ() {
    let v = json(&["names", "compare", "Hassan Ali", "حسين علي", "--json"]);
    assert_eq!(v["same"], false);
    assert!(v["score"].as_f64().unwrap() < 0.6);
    assert_eq!(v["unmatched_left"][0], "hassan");
}

#[test]
fn r3_compare_text_output() {
    let (code, stdout, _) = text(&run(&["names", "compare", "عمر", "Ammar"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("same:  false"), "{stdout}");
}

#[test]
fn r3_empty_name_is_bad_input() {
    let (code, _, stderr) = text(&run(&["names", "compare", "", "Ali"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("argument A"), "{stderr}");
    let (code, _, _) = text(&run(&["names", "normalize", "123 --"]));
    assert_eq!(code, 2);
}
