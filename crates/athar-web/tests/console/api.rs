//! The JSON API: every route × token scopes, audited reads, decisions, import, export, and the
//! OpenAPI document.

use athar_store::console::{AuditQuery, Scope};
use athar_web::api::API_ROUTES;

use super::{Console, api};

fn url_of(path: &str) -> String {
    match path {
        "/api/v1/search" => "/api/v1/search?name=Samer".into(),
        "/api/v1/export" => "/api/v1/export?format=csv".into(),
        "/api/v1/import" => "/api/v1/import?source=api-list&file_name=x.csv".into(),
        p => p.replace("{id}", "1"),
    }
}

fn body_of(path: &str) -> Option<(&'static str, &'static [u8])> {
    match path {
        "/api/v1/decisions" => Some((
            "application/json",
            br#"{"review_id": 999999, "decision": "defer"}"#,
        )),
        "/api/v1/import" => Some((
            "text/csv",
            "first_name,family_name\nNour,Saleh\n".as_bytes(),
        )),
        _ => None,
    }
}

async fn r7_api_routes_need_a_token_with_their_scope_body(c: Console) {
    let all = c.token("admin", &Scope::ALL).await;
    let none_of = |s: Scope| {
        Scope::ALL
            .into_iter()
            .filter(|x| *x != s)
            .collect::<Vec<_>>()
    };
    for (method, path, scope) in API_ROUTES {
        let url = url_of(path);
        let body = body_of(path);
        let anon = api(c.addr, method, &url, None, body).await;
        let bad = api(c.addr, method, &url, Some("athar_not_a_real_token"), body).await;
        match scope {
            None => {
                assert_eq!(anon.status, 200, "{method} {path}");
            }
            Some(s) => {
                assert_eq!(anon.status, 401, "{method} {path} without a token");
                assert_eq!(bad.status, 401, "{method} {path} with an unknown token");
                assert!(anon.text().contains("\"error\":\"unauthorized\""));
                let lacking = c.token("admin", &none_of(*s)).await;
                let r = api(c.addr, method, &url, Some(&lacking), body).await;
                assert_eq!(
                    r.status,
                    403,
                    "{method} {path} without the {} scope",
                    s.as_str()
                );
                let r = api(c.addr, method, &url, Some(&all), body).await;
                assert!(
                    r.status != 401 && r.status != 403,
                    "{method} {path} with the scope: {}",
                    r.status
                );
                assert!(r.status < 500, "{method} {path}: {}", r.text());
            }
        }
    }
}

async fn r7_api_person_reads_are_audited_and_analysts_get_no_contacts_body(c: Console) {
    let family_person = athar_store::Store::record(c.store.as_ref(), c.records[2])
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let cw = c.token("caseworker", &[Scope::Read]).await;
    let an = c.token("analyst", &[Scope::Read]).await;
    let r = api(
        c.addr,
        "GET",
        &format!("/api/v1/persons/{family_person}"),
        Some(&cw),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("+000 555 0101"));
    let r = api(
        c.addr,
        "GET",
        &format!("/api/v1/persons/{family_person}"),
        Some(&an),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.contains("Samer")
            && !text.contains("+000 555 0101")
            && !text.contains("Synthetic street")
    );
    let reads = c
        .store
        .search_audit(&AuditQuery {
            action: Some("read_person".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(reads.iter().any(|e| e.actor == "analyst"));
    assert!(reads.iter().any(|e| e.actor == "caseworker"));
    let r = api(c.addr, "GET", "/api/v1/persons/999999", Some(&cw), None).await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("\"error\":\"not_found\""));
}

async fn r7_api_decision_merges_and_export_shows_it_body(c: Console) {
    let t = c
        .token("caseworker", &[Scope::Read, Scope::Write, Scope::Export])
        .await;
    let r = api(c.addr, "GET", "/api/v1/reviews", Some(&t), None).await;
    assert_eq!(r.status, 200);
    let queue: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(queue[0]["id"], c.reviews[0], "family ↔ prison first");
    let body = format!(
        r#"{{"review_id": {}, "decision": "confirm", "reason": "api test"}}"#,
        c.reviews[0]
    );
    let r = api(
        c.addr,
        "POST",
        "/api/v1/decisions",
        Some(&t),
        Some(("application/json", body.as_bytes())),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let out: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(out["state"], "confirmed");
    assert!(out["event_id"].is_number());
    let again = api(
        c.addr,
        "POST",
        "/api/v1/decisions",
        Some(&t),
        Some(("application/json", body.as_bytes())),
    )
    .await;
    assert_eq!(again.status, 409);
    let csv = api(c.addr, "GET", "/api/v1/export?format=csv", Some(&t), None).await;
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert!(text.starts_with("record_id,person_id,source,local_id,"));
    let person_of = |rid: i64| {
        text.lines()
            .find(|l| l.starts_with(&format!("{rid},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        person_of(c.records[0]),
        person_of(c.records[2]),
        "merged in the export"
    );
    let pfif = api(c.addr, "GET", "/api/v1/export?format=pfif", Some(&t), None).await;
    assert_eq!(pfif.status, 200);
    assert!(
        pfif.text()
            .contains("xmlns:pfif=\"http://zesty.ca/pfif/1.4\"")
    );
    assert_eq!(pfif.text().matches("<pfif:person>").count(), 3);
    let exports = c
        .store
        .search_audit(&AuditQuery {
            action: Some("export".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(exports.len(), 2, "every export is audited");
    assert!(exports.iter().all(|e| e.actor == "caseworker"));
}

async fn r7_api_import_is_idempotent_body(c: Console) {
    let t = c.token("caseworker", &[Scope::Import]).await;
    let csv = "first_name,father_name,family_name,birth_year\nNour,Hassan,Saleh,1988\nزياد,ماجد,العلي,1975\n";
    let url = "/api/v1/import?source=api-list&file_name=api.csv";
    let r = api(
        c.addr,
        "POST",
        url,
        Some(&t),
        Some(("text/csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let out: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(out["records"], 2);
    assert_eq!(out["already_imported"], false);
    let r = api(
        c.addr,
        "POST",
        url,
        Some(&t),
        Some(("text/csv", csv.as_bytes())),
    )
    .await;
    let out: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(out["already_imported"], true);
    let r = api(
        c.addr,
        "POST",
        "/api/v1/import?source=",
        Some(&t),
        Some(("text/csv", csv.as_bytes())),
    )
    .await;
    assert_eq!(r.status, 400);
}

async fn r7_openapi_document_is_served_body(c: Console) {
    let r = api(c.addr, "GET", "/api/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let doc: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    assert_eq!(
        doc.to_string(),
        serde_json::from_str::<serde_json::Value>(&athar_web::api::openapi_json())
            .unwrap()
            .to_string()
    );
}

super::on_both_stores!(
    r7_api_routes_need_a_token_with_their_scope => r7_api_routes_need_a_token_with_their_scope_body,
    r7_api_person_reads_are_audited_and_analysts_get_no_contacts => r7_api_person_reads_are_audited_and_analysts_get_no_contacts_body,
    r7_api_decision_merges_and_export_shows_it => r7_api_decision_merges_and_export_shows_it_body,
    r7_api_import_is_idempotent => r7_api_import_is_idempotent_body,
    r7_openapi_document_is_served => r7_openapi_document_is_served_body,
);
