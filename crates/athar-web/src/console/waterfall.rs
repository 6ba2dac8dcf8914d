//! The engine's explanation of a pair drawn as a waterfall chart: a pure function from the
//! explanation JSON (as `athar-linkage` writes it: `prior`, `fields[{field, level, weight}]`,
//! `sibling_adjustment`, `labels_adjustment`, `log2_odds`, `probability`) to an inline SVG.
//!
//! Each bar starts where the previous one ended: the prior log-odds, then one bar per field
//! (green for evidence for a match, red against, grey when the field is missing), the sibling
//! and label adjustments, and the total. No script, no external asset, no inline style (the
//! console's CSP forbids them): colours are presentation attributes. Text is escaped.

use serde::Deserialize;

/// One field's evidence.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FieldTerm {
    /// Field name.
    pub field: String,
    /// Level reached.
    pub level: String,
    /// Weight in bits.
    pub weight: f64,
}

/// The explanation, tolerant of missing keys (older review items).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Explanation {
    /// Prior log2 odds.
    pub prior: f64,
    /// Per-field evidence.
    pub fields: Vec<FieldTerm>,
    /// Sibling adjustment (log2).
    pub sibling_adjustment: f64,
    /// Labels adjustment (log2).
    pub labels_adjustment: f64,
    /// Final log2 odds.
    pub log2_odds: f64,
    /// Final probability.
    pub probability: f64,
}

impl Explanation {
    /// Reads an explanation from stored JSON (`None` when it is not an object).
    pub fn from_json(v: &serde_json::Value) -> Option<Explanation> {
        serde_json::from_value(v.clone()).ok()
    }
}

/// Labels of the chart's fixed rows, in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// "prior".
    pub prior: String,
    /// "siblings".
    pub siblings: String,
    /// "learned from decisions".
    pub labels: String,
    /// "total".
    pub total: String,
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A finite number or 0.
fn fin(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Renders the waterfall. `rtl` mirrors nothing in the chart itself (the axis of log-odds reads
/// left to right in both languages) but sets the text direction of the labels.
pub fn render(e: &Explanation, labels: &Labels, rtl: bool) -> String {
    struct Bar {
        label: String,
        start: f64,
        end: f64,
        kind: &'static str,
    }
    let mut bars = Vec::new();
    let mut at = 0.0;
    let mut push = |label: String, delta: f64, kind: &'static str, bars: &mut Vec<Bar>| {
        let d = fin(delta);
        bars.push(Bar {
            label,
            start: at,
            end: at + d,
            kind,
        });
        at += d;
    };
    push(labels.prior.clone(), e.prior, "prior", &mut bars);
    for f in &e.fields {
        let kind = if f.level == "missing" || f.weight == 0.0 {
            "none"
        } else if f.weight > 0.0 {
            "for"
        } else {
            "against"
        };
        push(
            format!("{} · {}", f.field, f.level),
            f.weight,
            kind,
            &mut bars,
        );
    }
    if fin(e.sibling_adjustment) != 0.0 {
        push(
            labels.siblings.clone(),
            e.sibling_adjustment,
            "against",
            &mut bars,
        );
    }
    if fin(e.labels_adjustment) != 0.0 {
        let kind = if e.labels_adjustment > 0.0 {
            "for"
        } else {
            "against"
        };
        push(labels.labels.clone(), e.labels_adjustment, kind, &mut bars);
    }
    let total = at;
    bars.push(Bar {
        label: labels.total.clone(),
        start: 0.0,
        end: total,
        kind: "total",
    });

    let lo = bars
        .iter()
        .flat_map(|b| [b.start, b.end])
        .fold(0.0_f64, f64::min)
        .floor()
        - 1.0;
    let hi = bars
        .iter()
        .flat_map(|b| [b.start, b.end])
        .fold(0.0_f64, f64::max)
        .ceil()
        + 1.0;
    let (label_w, plot_w, row_h, top) = (190.0, 420.0, 22.0, 24.0);
    let scale = plot_w / (hi - lo);
    let x = |v: f64| label_w + (v - lo) * scale;
    let height = top + row_h * bars.len() as f64 + 26.0;
    let width = label_w + plot_w + 70.0;
    let mut s = String::new();
    s.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"waterfall\" role=\"img\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"100%\" direction=\"ltr\">"
    ));
    s.push_str(&format!(
        "<title>{} {:.1} · p = {:.3}</title>",
        esc(&labels.total),
        fin(e.log2_odds),
        fin(e.probability)
    ));
    // The zero line and the axis ticks (every 5 bits).
    let mut tick = (lo / 5.0).ceil() * 5.0;
    while tick <= hi {
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" stroke-width=\"1\"/>\
             <text x=\"{0:.1}\" y=\"{4:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#555\">{5}</text>",
            x(tick),
            top - 4.0,
            height - 22.0,
            if tick == 0.0 { "#333" } else { "#ddd" },
            height - 8.0,
            tick
        ));
        tick += 5.0;
    }
    // Labels sit right-aligned against the plot; Arabic labels read right to left.
    // (In right-to-left text, `start` is the right end.)
    let (dir, anchor) = if rtl {
        ("rtl", "start")
    } else {
        ("ltr", "end")
    };
    for (i, b) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let (a, z) = if b.start <= b.end {
            (b.start, b.end)
        } else {
            (b.end, b.start)
        };
        let fill = match b.kind {
            "for" => "#2e7d32",
            "against" => "#c62828",
            "prior" => "#6d6d6d",
            "total" => "#1f4e79",
            _ => "#bdbdbd",
        };
        let w = ((z - a) * scale).max(1.0);
        s.push_str(&format!(
            "<g class=\"bar {kind}\"><text x=\"{lx:.1}\" y=\"{ty:.1}\" font-size=\"11\" text-anchor=\"{anchor}\" direction=\"{dir}\" unicode-bidi=\"embed\" fill=\"#222\">{label}</text>\
             <rect x=\"{rx:.1}\" y=\"{ry:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{fill}\"/>\
             <text x=\"{vx:.1}\" y=\"{ty:.1}\" font-size=\"10\" fill=\"#222\">{val:+.2}</text></g>",
            kind = b.kind,
            lx = label_w - 6.0,
            ty = y + 15.0,
            label = esc(&b.label),
            rx = x(a),
            ry = y + 4.0,
            h = row_h - 8.0,
            vx = x(z) + 4.0,
            val = b.end - b.start,
        ));
        if i + 1 < bars.len() && b.kind != "total" {
            s.push_str(&format!(
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#999\" stroke-dasharray=\"2,2\"/>",
                x(b.end),
                y + row_h - 4.0,
                y + row_h + 4.0
            ));
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            prior: "prior".into(),
            siblings: "siblings".into(),
            labels: "learned".into(),
            total: "total".into(),
        }
    }

    fn sample() -> Explanation {
        Explanation::from_json(&serde_json::json!({
            "prior": -6.5,
            "fields": [
                {"field": "first_name", "level": "exact", "weight": 4.25},
                {"field": "father_name", "level": "similar", "weight": 2.0},
                {"field": "birth_date", "level": "other", "weight": -3.5},
                {"field": "mother_name", "level": "missing", "weight": 0.0}
            ],
            "sibling_adjustment": -0.75,
            "labels_adjustment": 0.0,
            "log2_odds": -4.5,
            "probability": 0.0423
        }))
        .unwrap()
    }

    #[test]
    fn waterfall_snapshot() {
        insta::assert_snapshot!(render(&sample(), &labels(), false));
    }

    #[test]
    fn bars_chain_and_total_is_the_sum() {
        let svg = render(&sample(), &labels(), false);
        // Six rows: prior, four fields, siblings; plus the total.
        assert_eq!(svg.matches("<rect").count(), 7);
        assert!(svg.contains("class=\"bar for\""));
        assert!(svg.contains("class=\"bar against\""));
        assert!(svg.contains("class=\"bar none\""));
        assert!(
            svg.contains(">-4.50<"),
            "the total bar shows the sum of the terms"
        );
    }

    #[test]
    fn text_is_escaped_and_nothing_external_is_loaded() {
        let mut e = sample();
        e.fields[0].field = "<script>alert(1)</script>".into();
        let svg = render(&e, &labels(), true);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("href"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn non_finite_weights_do_not_break_the_chart() {
        let mut e = sample();
        e.fields[1].weight = f64::NAN;
        e.prior = f64::INFINITY;
        let svg = render(&e, &labels(), false);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn tolerant_of_missing_keys() {
        let e = Explanation::from_json(&serde_json::json!({"probability": 0.5})).unwrap();
        assert_eq!(e.fields.len(), 0);
        assert!(render(&e, &labels(), false).starts_with("<svg"));
    }
}
