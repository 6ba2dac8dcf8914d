//! PFIF 1.4 export for the API: one `pfif:person` per stored record (with its person id in
//! `pfif:other`), its notes as `pfif:note`, the XML written by hand with every text escaped.
//! Contact-like fields (`home_street`) are left out for roles that may not see contacts.

use athar_store::StoredRecord;

use super::ApiError;
use crate::console::ConsoleBackend;

/// The PFIF 1.4 namespace.
pub const NS: &str = "http://zesty.ca/pfif/1.4";

/// The domain of record ids written by this registry.
pub const DOMAIN: &str = "athar.example.org";

/// Escapes XML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
        out.push_str(&format!("    <pfif:{name}>{}</pfif:{name}>\n", esc(v)));
    }
}

/// One record as a `pfif:person` element.
pub fn person_xml(r: &StoredRecord, contacts: bool) -> String {
    let mut out = String::from("  <pfif:person>\n");
    element(
        &mut out,
        "person_record_id",
        Some(&format!("{DOMAIN}/record.{}", r.id)),
    );
    element(
        &mut out,
        "entry_date",
        Some(&r.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    element(&mut out, "source_name", Some(&r.source));
    let given = r.field("first_name");
    let family = r.field("family_name");
    element(
        &mut out,
        "full_name",
        Some(r.field("full_name").unwrap_or(&r.display_name)),
    );
    element(&mut out, "given_name", given);
    element(&mut out, "family_name", family);
    element(
        &mut out,
        "sex",
        r.field("sex").map(|s| match s.to_lowercase().as_str() {
            "m" | "male" | "ذكر" => "male",
            "f" | "female" | "أنثى" => "female",
            _ => "other",
        }),
    );
    element(
        &mut out,
        "date_of_birth",
        r.field("birth_date").or(r.field("birth_year")),
    );
    element(&mut out, "home_state", r.field("governorate"));
    if contacts {
        element(&mut out, "home_street", r.field("residence"));
    }
    let mut other = format!("athar-person: {}", r.person_id);
    for f in [
        "father_name",
        "mother_name",
        "prison_number",
        "detention_place",
        "detention_date",
    ] {
        if let Some(v) = r.field(f) {
            other.push_str(&format!("\n{f}: {v}"));
        }
    }
    element(&mut out, "other", Some(&other));
    out.push_str("  </pfif:person>\n");
    out
}

/// Every record of the store as one PFIF 1.4 document, read in one transaction with its
/// `export` audit event.
pub async fn export(
    store: &dyn ConsoleBackend,
    contacts: bool,
    change: &athar_store::Change,
) -> Result<String, ApiError> {
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<pfif:pfif xmlns:pfif=\"{NS}\">\n");
    store
        .export_audited(
            &serde_json::json!({"format": "pfif", "contacts": contacts}),
            change,
            &mut |r| {
                out.push_str(&person_xml(r, contacts));
                Ok(())
            },
        )
        .await?;
    out.push_str("</pfif:pfif>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record() -> StoredRecord {
        StoredRecord {
            id: 7,
            person_id: 3,
            source_id: 1,
            source: "family-reports".into(),
            import_id: None,
            local_id: Some("F-1".into()),
            line: Some(2),
            raw: vec![],
            fields: vec![
                ("first_name".into(), "سامي".into()),
                ("family_name".into(), "<Darwish & co>".into()),
                ("sex".into(), "M".into()),
                ("residence".into(), "street 1".into()),
            ],
            normalized: serde_json::json!({}),
            display_name: "سامي Darwish".into(),
            created_at: chrono::Utc
                .with_ymd_and_hms(2026, 11, 27, 10, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn pfif_person_snapshot() {
        insta::assert_snapshot!(person_xml(&record(), true));
    }

    #[test]
    fn contacts_are_left_out_for_analysts() {
        assert!(person_xml(&record(), true).contains("home_street"));
        assert!(!person_xml(&record(), false).contains("home_street"));
        assert!(person_xml(&record(), false).contains("&lt;Darwish &amp; co&gt;"));
    }
}
