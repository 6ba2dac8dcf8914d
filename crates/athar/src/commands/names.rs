//! `athar names normalize` and `athar names compare`: the name kernel of `athar-names` on
//! the command line, with the keys and the reasons behind every decision.

use athar_names::{Name, NameMatch, Unit, compare_names, lexicon::LEXICON};
use serde_json::{Value, json};

/// The `names` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Show the normalized form, the name units and their keys.
    Normalize {
        /// The name, in Arabic or Latin script.
        name: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare two names and explain the decision.
    Compare {
        /// First name.
        a: String,
        /// Second name.
        b: String,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `names` subcommand.
pub fn run(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Normalize { name, json } => {
            let n = parse_arg(&name, "NAME")?;
            if json {
                emit(&serde_json::to_string_pretty(&name_json(&n))?)?;
            } else {
                emit(&show_name(&n))?;
            }
        }
        Command::Compare { a, b, json } => {
            let na = parse_arg(&a, "A")?;
            let nb = parse_arg(&b, "B")?;
            let m = compare_names(&na, &nb);
            if json {
                emit(&serde_json::to_string_pretty(&compare_json(&na, &nb, &m))?)?;
            } else {
                emit(&show_compare(&na, &nb, &m))?;
            }
        }
    }
    Ok(())
}

/// Writes the output and a newline; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn parse_arg(s: &str, arg: &str) -> anyhow::Result<Name> {
    let n = Name::parse(s);
    if n.units.is_empty() {
        return Err(super::bad_input(format!(
            "argument {arg}: {s:?} has no Arabic or Latin letters to read as a name"
        )));
    }
    Ok(n)
}

fn attested(u: &Unit) -> Vec<String> {
    u.groups
        .iter()
        .filter_map(|g| {
            LEXICON
                .groups
                .get(usize::from(*g))
                .map(|g| g.arabic.clone())
        })
        .collect()
}

fn unit_json(u: &Unit) -> Value {
    let keys: Vec<Value> = u
        .keys
        .iter()
        .map(|k| json!({"skeleton": k.skeleton.letters(), "vowels": k.vowels.describe(k.gaps())}))
        .collect();
    let mut v = json!({
        "text": u.text,
        "raw": u.raw,
        "kind": u.kind,
        "article": u.article,
        "arabic": u.arabic,
        "key": u.key,
        "skeleton": u.skeleton().letters(),
        "keys": keys,
        "attested_for": attested(u),
    });
    if !u.parts.is_empty() {
        v["parts"] = Value::Array(
            u.parts
                .iter()
                .map(|p| Value::String(p.text.clone()))
                .collect(),
        );
    }
    v
}

fn name_json(n: &Name) -> Value {
    json!({
        "input": n.raw,
        "normalized": n.normalized,
        "script": n.script.as_str(),
        "titles": n.titles,
        "mojibake": n.mojibake,
        "units": n.units.iter().map(unit_json).collect::<Vec<_>>(),
    })
}

fn compare_json(a: &Name, b: &Name, m: &NameMatch) -> Value {
    let pairs: Vec<Value> = m
        .pairs
        .iter()
        .map(|p| {
            json!({
                "left": p.left_text,
                "right": p.right_text,
                "level": p.unit.level.as_str(),
                "similarity": round3(p.unit.similarity),
                "reason": p.unit.reason,
                "vowel_penalty": round3(p.unit.vowel_penalty),
                "distance": round3(p.unit.distance),
            })
        })
        .collect();
    json!({
        "score": round3(m.score),
        "same": m.same,
        "reason": m.reason,
        "pairs": pairs,
        "unmatched_left": m.unmatched_left,
        "unmatched_right": m.unmatched_right,
        "reordered": m.reordered,
        "a": name_json(a),
        "b": name_json(b),
    })
}

fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

fn show_name(n: &Name) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = write!(
        s,
        "normalized: {}\nscript:     {}",
        n.normalized,
        n.script.as_str()
    );
    if !n.titles.is_empty() {
        let _ = write!(s, "\ntitles:     {}", n.titles.join(", "));
    }
    for (i, u) in n.units.iter().enumerate() {
        let keys: Vec<String> = u
            .keys
            .iter()
            .map(|k| format!("{} [{}]", k.skeleton.letters(), k.vowels.describe(k.gaps())))
            .collect();
        let att = attested(u);
        let _ = write!(
            s,
            "\nunit {}:     {}  ({:?}{}) key={} skeletons={}{}",
            i + 1,
            u.text,
            u.kind,
            if u.article { ", article" } else { "" },
            u.key,
            keys.join(" "),
            if att.is_empty() {
                String::new()
            } else {
                format!(" attested for {}", att.join("/"))
            }
        );
    }
    s
}

fn show_compare(a: &Name, b: &Name, m: &NameMatch) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "a: {} ({})", a.normalized, a.script.as_str());
    let _ = writeln!(s, "b: {} ({})", b.normalized, b.script.as_str());
    for p in &m.pairs {
        let _ = writeln!(
            s,
            "  {} ~ {}: {} {:.2} ({:?})",
            p.left_text,
            p.right_text,
            p.unit.level.as_str(),
            p.unit.similarity,
            p.unit.reason
        );
    }
    for u in &m.unmatched_left {
        let _ = writeln!(s, "  only in a: {u}");
    }
    for u in &m.unmatched_right {
        let _ = writeln!(s, "  only in b: {u}");
    }
    let _ = write!(
        s,
        "score: {:.3}\nsame:  {}\nreason: {}",
        m.score, m.same, m.reason
    );
    s
}
