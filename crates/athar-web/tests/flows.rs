//! The public flows end to end over HTTP: search (refused, no record, possible match),
//! report → code → follow, survivor registration, tips, and the search log.

use athar_store::portal::{CaseStatus, PortalStore, ReportKind, SharedUpdate};

use crate::util::{Browser, start};

fn code_in(html: &str) -> String {
    let i = html
        .find("id=\"follow-code\">")
        .expect("a code on the page");
    html[i + 17..].split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn search_without_a_second_detail_is_refused() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    let r = b.post("/en/search", &[("name", "Khaled Darwish")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("at least one more detail"));
    assert!(!r.text().contains("A possible match exists") && !r.text().contains("Reference:"));
    let log = server.portal.inspect(|d| d.searches.clone());
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].outcome, "refused");
    assert_eq!(log[0].query.name, "Khaled Darwish");
    assert_eq!(log[0].client_key, "127.0.0.1");
}

#[tokio::test]
async fn a_matching_search_reveals_only_the_reference() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/ar/search").await;
    let r = b
        .post(
            "/ar/search",
            &[
                ("name", "محمد الحلبي"),
                ("birth_year", "١٩٨٦"),
                ("father_name", "احمد"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("يوجد تطابق محتمل"));
    let reference = html
        .split("<bdi dir=\"ltr\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(reference.starts_with("R-"), "{reference}");
    // Nothing of the stored record that the visitor did not type.
    for secret in ["فاطمة", "4471", "1985", "١٩٨٥", "P-1"] {
        assert!(!html.contains(secret), "page reveals {secret}");
    }
    // The same person keeps the same reference.
    let again = b
        .post("/ar/search", &[("name", "محمد"), ("prison_number", "4471")])
        .await
        .text();
    assert!(again.contains(reference));
    let log = server.portal.inspect(|d| d.searches.clone());
    assert_eq!(
        log.iter().filter(|e| e.outcome == "possible_match").count(),
        2
    );
}

#[tokio::test]
async fn a_near_miss_looks_exactly_like_no_record() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    // Right name and father, wrong year: contradicts.
    let near = b
        .post(
            "/en/search",
            &[
                ("name", "Khaled Darwish"),
                ("father_name", "Omar"),
                ("birth_year", "1990"),
            ],
        )
        .await;
    let none = b
        .post(
            "/en/search",
            &[
                ("name", "Nobody Atall"),
                ("father_name", "Omar"),
                ("birth_year", "1990"),
            ],
        )
        .await;
    assert_eq!(near.status, none.status);
    let strip = |s: String| {
        s.replace("Khaled Darwish", "X")
            .replace("Nobody Atall", "X")
    };
    assert_eq!(strip(near.text()), strip(none.text()));
    assert!(near.text().contains("No record found"));
}

#[tokio::test]
async fn a_family_reports_and_follows_with_the_code() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/ar/report").await;
    let r = b
        .post(
            "/ar/report",
            &[
                ("first_name", "سامر"),
                ("father_name", "Yusuf"),
                ("family_name", "النجار"),
                ("birth_year", "1990"),
                ("last_seen_place", "حلب"),
                ("contact", "+000 111 2222"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    let code = code_in(&r.text());
    assert_eq!(code.len(), 23);
    // The report became a record of the family-reports source, with the reporter's contact
    // kept apart and the code stored only as a hash.
    let (report, case) = server
        .portal
        .inspect(|d| (d.reports[0].clone(), d.cases[0].0.clone()));
    assert_eq!(report.kind, ReportKind::Missing);
    assert_eq!(report.kind.source_name(), "family-reports");
    assert!(
        report
            .fields
            .contains(&("first_name".into(), "سامر".into()))
    );
    assert!(report.fields.contains(&("status".into(), "missing".into())));
    assert_eq!(case.reporter_contact.as_deref(), Some("+000 111 2222"));
    assert_eq!(case.record_id, Some(1));
    assert!(!case.code_hash.contains(&code) && case.code_hash.len() == 64);

    // A caseworker shares an update; the family sees it (typing the code sloppily).
    let case_id = server.portal.inspect(|d| d.cases[0].1.case_id);
    let update = SharedUpdate {
        at_unix: 1_764_300_000,
        status: CaseStatus::PleaseContactUs,
        message: Some("نرجو الاتصال بمكتبنا".into()),
    };
    server.portal.share_update(case_id, &update).await.unwrap();
    b.get("/ar/follow").await;
    let r = b
        .post(
            "/ar/follow",
            &[("code", &code.to_lowercase().replace('-', " "))],
        )
        .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("يرجى التواصل مع المنظمة"));
    assert!(html.contains("<bdi>نرجو الاتصال بمكتبنا</bdi>"));
    assert!(html.contains("تحديثان"), "two updates, Arabic dual");
    assert!(!html.contains("سامر") && !html.contains("+000 111 2222"));

    // A wrong code says nothing more than "no such case".
    let r = b
        .post("/ar/follow", &[("code", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")])
        .await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("لا يوجد بلاغ بهذا الرمز"));
}

#[tokio::test]
async fn a_report_needs_a_name() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/report").await;
    let r = b.post("/en/report", &[("first_name", "Samer")]).await;
    assert_eq!(r.status, 422);
    assert!(!r.text().contains("follow-code"));
    assert_eq!(server.portal.inspect(|d| d.reports.len()), 0);
}

#[tokio::test]
async fn a_survivor_may_register_with_only_a_prison_number() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/survivor").await;
    let r = b
        .post(
            "/en/survivor",
            &[("prison_number", "٧٧١٢"), ("detention_place", "Branch 215")],
        )
        .await;
    assert_eq!(r.status, 200);
    code_in(&r.text());
    let report = server.portal.inspect(|d| d.reports[0].clone());
    assert_eq!(report.kind.source_name(), "survivor-registrations");
    assert!(
        report
            .fields
            .contains(&("prison_number".into(), "٧٧١٢".into()))
    );
    assert!(report.fields.contains(&("status".into(), "alive".into())));
    let r = b
        .post("/en/survivor", &[("detention_place", "Branch 215")])
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn tips_may_be_anonymous() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/tip").await;
    let r = b
        .post(
            "/en/tip",
            &[
                ("place", "Block B"),
                ("text", "A sealed door under block B"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("Thank you"));
    let tip = server.portal.inspect(|d| d.tips[0].clone());
    assert_eq!(tip.contact, None);
    assert_eq!(tip.place.as_deref(), Some("Block B"));
    let r = b.post("/en/tip", &[("place", "Block B")]).await;
    assert_eq!(r.status, 422);
}
