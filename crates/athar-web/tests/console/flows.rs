//! Console flows over HTTP: login and sessions, the review queue and compare view, merge and
//! split, determinations, contacts and the audit log, import in the browser.

use athar_store::Change;
use athar_store::console::AuditQuery;

use super::{Client, Console, PASSWORD, now, start};

fn session_of(set_cookie: &[(String, String)]) -> Option<String> {
    set_cookie
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find(|(_, v)| v.starts_with("athar_session="))
        .map(|(_, v)| v.clone())
}

async fn audit(c: &super::Console, action: &str) -> Vec<athar_store::AuditEvent> {
    c.store
        .search_audit(&AuditQuery {
            action: Some(action.into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
}

async fn r7_login_sets_a_strict_secure_session_cookie_and_rotates_the_id_body(c: Console) {
    let mut client = Client::new(c.addr);
    client.get("/en/console/login").await;
    // A session id planted before login (fixation) must not survive it.
    let planted = "ab".repeat(32);
    client
        .cookies
        .insert("athar_session".into(), planted.clone());
    let r = client
        .post(
            "/en/console/login",
            &[("name", "caseworker"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303);
    let cookie = session_of(&r.headers).expect("a session cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    let id = client.cookies["athar_session"].clone();
    assert_ne!(id, planted, "the session id is rotated on login");
    assert_eq!(id.len(), 64);
    // The planted id does not log anyone in.
    let mut other = Client::new(c.addr);
    other.cookies.insert("athar_session".into(), planted);
    assert_eq!(other.get("/en/console/").await.status, 303);
    // A second login gives a different id again.
    let r = client
        .post(
            "/en/console/login",
            &[("name", "caseworker"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_ne!(client.cookies["athar_session"], id);
    // The login is audited.
    assert!(
        audit(&c, "login")
            .await
            .iter()
            .any(|e| e.actor == "caseworker")
    );
}

async fn r7_wrong_password_is_refused_and_repeated_failures_throttle_the_account_body(c: Console) {
    let mut client = Client::new(c.addr);
    client.get("/en/console/login").await;
    let r = client
        .post(
            "/en/console/login",
            &[("name", "analyst"), ("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(!client.cookies.contains_key("athar_session"));
    let r = client
        .post(
            "/en/console/login",
            &[("name", "nobody-here"), ("password", "wrong-password-1")],
        )
        .await;
    assert_eq!(r.status, 401, "an unknown name looks like a wrong password");
    for _ in 0..5 {
        client
            .post(
                "/en/console/login",
                &[("name", "analyst"), ("password", "wrong-password-2")],
            )
            .await;
    }
    // Now even the right password is refused for this account.
    let r = client
        .post(
            "/en/console/login",
            &[("name", "analyst"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(!client.cookies.contains_key("athar_session"));
    // Another account from another client is unaffected.
    let mut other = Client::new(c.addr);
    other.login("admin").await;
}

async fn r7_logout_ends_the_session_body(c: Console) {
    let mut client = Client::new(c.addr);
    client.login("caseworker").await;
    let id = client.cookies["athar_session"].clone();
    let r = client.post("/en/console/logout", &[]).await;
    assert_eq!(r.status, 303);
    let mut replay = Client::new(c.addr);
    replay.cookies.insert("athar_session".into(), id);
    assert_eq!(
        replay.get("/en/console/").await.status,
        303,
        "a logged-out id is dead"
    );
}

async fn r7_review_confirm_merges_then_split_and_undo_are_in_the_history_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    // The queue lists the family ↔ prison pair first (highest value).
    let q = cw.get("/en/console/review").await;
    assert_eq!(q.status, 200);
    let text = q.text();
    let first = text
        .find(&format!("data-review=\"{}\"", c.reviews[0]))
        .expect("first pair listed");
    let second = text
        .find(&format!("data-review=\"{}\"", c.reviews[1]))
        .expect("second pair listed");
    assert!(first < second, "ordered by value");
    // Claim and open the compare view (an audited read).
    let r = cw
        .post(&format!("/en/console/review/{}/claim", c.reviews[0]), &[])
        .await;
    assert_eq!(r.status, 303);
    let page = cw
        .get(&format!("/en/console/review/{}", c.reviews[0]))
        .await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("<svg") && html.contains("class=\"bar for\""),
        "waterfall chart"
    );
    assert!(html.contains("سامر") && html.contains("Samer"));
    assert!(
        audit(&c, "read_review")
            .await
            .iter()
            .any(|e| e.actor == "caseworker")
    );
    // Another caseworker cannot decide the claimed pair.
    let mut admin = Client::new(c.addr);
    admin.login("admin").await;
    let r = admin
        .post(
            &format!("/en/console/review/{}/decide", c.reviews[0]),
            &[("decision", "reject")],
        )
        .await;
    assert_eq!(r.status, 409, "claimed by someone else");
    // Confirm: the two records become one person.
    let r = cw
        .post(
            &format!("/en/console/review/{}/decide", c.reviews[0]),
            &[
                ("decision", "confirm"),
                ("reason", "same prison number story"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let person_url = r.header("location").unwrap().to_string();
    let page = cw.get(&person_url).await;
    let html = page.text();
    assert!(html.contains("<span class=\"nrecords\">2</span>"), "{html}");
    assert!(html.contains("class=\"event merge\""));
    assert!(html.contains("same prison number story"));
    assert!(
        audit(&c, "read_person")
            .await
            .iter()
            .any(|e| e.actor == "caseworker")
    );
    // The decision is a training label.
    assert_eq!(c.store.labels().await.unwrap().len(), 1);
    // Split the family record back out.
    let family_record = c.records[2];
    let r = cw
        .post(
            &format!("/en/console/records/{family_record}/split"),
            &[("reason", "different mother")],
        )
        .await;
    assert_eq!(r.status, 303);
    let back = cw.get(&person_url).await.text();
    assert!(back.contains("<span class=\"nrecords\">1</span>"));
    assert!(back.contains("class=\"event split\""));
    // Undo the split: the merge is back.
    let split_event = c
        .store
        .events(0, 100)
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.kind.as_str() == "split")
        .unwrap();
    let pid = person_url.rsplit('/').next().unwrap().to_string();
    let r = cw
        .post(
            &format!("/en/console/events/{}/reverse", split_event.id),
            &[("back", &pid)],
        )
        .await;
    assert_eq!(r.status, 303);
    let again = cw.get(&person_url).await.text();
    assert!(again.contains("<span class=\"nrecords\">2</span>"));
    assert!(again.contains("class=\"event reverse\""));
}

async fn r7_analyst_sees_no_contact_details_body(c: Console) {
    let family_person = c
        .store
        .record(c.records[2])
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let html = cw
        .get(&format!("/en/console/persons/{family_person}"))
        .await
        .text();
    assert!(
        html.contains("+000 555 0101") && html.contains("Synthetic street 12"),
        "caseworkers see contacts"
    );
    let mut analyst = Client::new(c.addr);
    analyst.login("analyst").await;
    let r = analyst
        .get(&format!("/en/console/persons/{family_person}"))
        .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("Samer"), "the analyst sees the person");
    assert!(
        !html.contains("+000 555 0101") && !html.contains("Synthetic street 12"),
        "but no contact details"
    );
    assert!(html.contains("withheld"));
    let found = analyst.get("/en/console/persons?q=Samer").await.text();
    assert!(found.contains("Samer"));
    let searches = audit(&c, "search_records").await;
    assert!(
        searches
            .iter()
            .any(|e| e.actor == "analyst" && e.detail["query"] == "Samer"),
        "searches are audited"
    );
    let r = analyst
        .get(&format!("/en/console/persons/{family_person}/contacts"))
        .await;
    assert_eq!(r.status, 403);
    // Both reads were audited.
    let reads = audit(&c, "read_person").await;
    assert!(reads.iter().any(
        |e| e.actor == "analyst" && e.target_id.as_deref() == Some(&family_person.to_string())
    ));
}

async fn r7_reading_contacts_asks_why_and_audits_the_reason_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let r = cw
        .post("/en/console/persons/1/contacts", &[("reason", "")])
        .await;
    assert_eq!(r.status, 409, "a reason is required");
    let r = cw
        .post(
            "/en/console/persons/1/contacts",
            &[("reason", "calling the family back")],
        )
        .await;
    assert_eq!(r.status, 200);
    let ev = audit(&c, "read_contact").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].reason.as_deref(), Some("calling the family back"));
    assert_eq!(ev[0].actor, "caseworker");
}

async fn r7_determination_with_evidence_is_recorded_and_audited_body(c: Console) {
    let person = c
        .store
        .record(c.records[0])
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let url = format!("/en/console/persons/{person}/determination");
    let r = cw
        .post(&url, &[("status", "released"), ("evidence", "")])
        .await;
    assert_eq!(r.status, 409, "evidence is required");
    let r = cw
        .post(
            &url,
            &[
                ("status", "released"),
                ("evidence", "release list of 8 Dec, line 12"),
                ("share", "contact_us"),
                ("message", "Please call us"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let html = cw
        .get(&format!("/en/console/persons/{person}"))
        .await
        .text();
    assert!(
        html.contains("<strong class=\"status\">Released</strong>"),
        "{html}"
    );
    let ev = audit(&c, "determination").await;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].detail["case_status"], "contact_us");
}

async fn r7_admin_searches_the_audit_log_and_manages_users_body(c: Console) {
    let mut admin = Client::new(c.addr);
    admin.login("admin").await;
    let r = admin
        .post(
            "/en/console/users",
            &[
                ("name", "new.worker"),
                ("role", "caseworker"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "short passwords are refused");
    let r = admin
        .post(
            "/en/console/users",
            &[
                ("name", "new.worker"),
                ("role", "caseworker"),
                ("password", "another-synthetic-pw"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let mut w = Client::new(c.addr);
    w.get("/en/console/login").await;
    let r = w
        .post(
            "/en/console/login",
            &[("name", "new.worker"), ("password", "another-synthetic-pw")],
        )
        .await;
    assert_eq!(r.status, 303);
    // Role change applies at once.
    let r = admin
        .post("/en/console/users/new.worker", &[("role", "analyst")])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(w.get("/en/console/review").await.status, 403);
    // A password reset ends the account's sessions.
    let r = admin
        .post(
            "/en/console/users/new.worker",
            &[("password", "reset-synthetic-pw-2")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(w.get("/en/console/").await.status, 303);
    let html = admin
        .get("/en/console/audit?actor=admin&action=add_user")
        .await
        .text();
    assert!(html.contains("new.worker"), "{html}");
    assert!(!html.contains(">login<"), "filtered by action");
    // Arabic too.
    let ar = admin.get("/ar/console/audit").await;
    assert_eq!(ar.status, 200);
    assert!(ar.text().contains("سجل التدقيق"));
}

#[tokio::test]
async fn r7_audit_rows_are_written_with_the_read_not_after_it() {
    // The audited read and its audit row are one transaction: a read of a missing person
    // writes nothing, a read of a real one writes exactly one row.
    let c = start().await;
    let before = audit(&c, "read_person").await.len();
    assert!(
        c.store
            .person_audited(999_999, &Change::new("t", now()))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit(&c, "read_person").await.len(), before);
    assert!(
        c.store
            .person_audited(1, &Change::new("t", now()))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(audit(&c, "read_person").await.len(), before + 1);
}

async fn r7_import_in_the_browser_previews_then_imports_once_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    cw.get("/en/console/import").await;
    let csv =
        "id,الاسم,اسم الأب,الكنية,birth_year\nH-1,ماهر,سليم,الحموي,1979\nH-2,Lina,Fadi,Qasem,1992\n";
    let r = cw
        .post_multipart(
            "/en/console/import",
            &[("source", "hospital-list")],
            Some(("hospital.csv", csv.as_bytes())),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("<dd class=\"encoding\">utf-8</dd>"));
    assert!(html.contains("<dd class=\"rows\">2</dd>"));
    assert!(html.contains("1979"), "the mapped birth year is previewed");
    // Map the Arabic headers, preview again, then confirm.
    let data = html
        .split("name=\"data\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = cw
        .post_multipart(
            "/en/console/import",
            &[
                ("source", "hospital-list"),
                ("file_name", "hospital.csv"),
                ("data", &data),
                ("map_0", "id"),
                ("map_1", "first_name"),
                ("map_2", "father_name"),
                ("map_3", "family_name"),
                ("map_4", "birth_year"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<option value=\"first_name\" selected>"));
    assert!(
        r.text().contains("<td><bdi>ماهر</bdi></td>"),
        "the remapped name is previewed"
    );
    let confirm = [
        ("source", "hospital-list"),
        ("file_name", "hospital.csv"),
        ("data", data.as_str()),
        ("rows", "2"),
        ("map_0", "id"),
        ("map_1", "first_name"),
        ("map_2", "father_name"),
        ("map_3", "family_name"),
        ("map_4", "birth_year"),
    ];
    let r = cw
        .post_multipart("/en/console/import/confirm", &confirm, None)
        .await;
    let job_page = r.header("location").unwrap().to_string();
    let r = cw.follow_job(r).await;
    assert!(r.text().contains("data-phase=\"done\""), "{}", r.text());
    assert!(r.text().contains("<dd class=\"stored\">2</dd>"));
    assert!(r.text().contains("<dd class=\"new-persons\">2</dd>"));
    // Another caseworker does not see the job; an admin does.
    let hash =
        athar_web::console::auth::hash_password_with_salt(super::PASSWORD, b"synthetic-salt-cw2")
            .unwrap();
    c.store
        .add_user(
            "caseworker2",
            athar_store::Role::Caseworker,
            &hash,
            &Change::new("athar", now()),
        )
        .await
        .unwrap();
    let mut other = Client::new(c.addr);
    other.login("caseworker2").await;
    let r = other.get(&job_page).await;
    assert_eq!(r.status, 404);
    assert!(!r.text().contains("hospital.csv"));
    let mut admin = Client::new(c.addr);
    admin.login("admin").await;
    assert!(
        admin
            .get(&job_page)
            .await
            .text()
            .contains("<dd class=\"stored\">2</dd>")
    );
    let hits = c
        .store
        .search_records_audited("ماهر", 10, &Change::new("t", now()))
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].source, "hospital-list");
    // The same file again adds nothing.
    let r = cw
        .post_multipart("/en/console/import/confirm", &confirm, None)
        .await;
    let r = cw.follow_job(r).await;
    assert!(r.text().contains("imported before"), "{}", r.text());
    assert_eq!(
        c.store
            .search_records_audited("ماهر", 10, &Change::new("t", now()))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A list that cannot be read fails its job with a message naming the file, writes nothing;
/// a job the server does not know (after a restart) says so, and says from the file's hash
/// whether the file is in the store.
async fn r7_import_job_failure_and_unknown_job_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let before = c.store.counts().await.unwrap().records;
    let r = cw
        .post_multipart(
            "/en/console/import/confirm",
            &[("source", "broken-list")],
            Some(("broken.xlsx", b"PK\x03\x04 this is not a workbook")),
        )
        .await;
    let r = cw.follow_job(r).await;
    let html = r.text();
    assert!(html.contains("data-phase=\"failed\""), "{html}");
    assert!(
        html.contains("broken.xlsx"),
        "the error names the file: {html}"
    );
    assert!(html.contains("Nothing was written"));
    assert_eq!(c.store.counts().await.unwrap().records, before);
    assert!(
        !c.store
            .source_names()
            .await
            .unwrap()
            .contains(&"broken-list".to_string())
    );
    // A good list, then its job page after the server forgot the job.
    let csv = "id,first_name,family_name,birth_year\nK-1,Rami,Haddad,1970\n";
    let r = cw
        .post_multipart(
            "/en/console/import/confirm",
            &[("source", "kept-list")],
            Some(("kept.csv", csv.as_bytes())),
        )
        .await;
    let to = r.header("location").unwrap().to_string();
    let sha = to.split("file=").nth(1).unwrap().to_string();
    assert!(
        cw.follow_job(r)
            .await
            .text()
            .contains("<dd class=\"stored\">1</dd>")
    );
    let lost = cw
        .get(&format!(
            "/en/console/import/jobs/{}?file={sha}",
            "0".repeat(32)
        ))
        .await;
    assert_eq!(lost.status, 404);
    let html = lost.text();
    assert!(html.contains("not known"), "{html}");
    assert!(html.contains("restarted"));
    assert!(html.contains("class=\"lost-imported\""), "{html}");
    assert!(html.contains("1 records imported into"), "{html}");
    let never = cw
        .get(&format!(
            "/en/console/import/jobs/{}?file={}",
            "0".repeat(32),
            "ab".repeat(32)
        ))
        .await;
    assert!(never.text().contains("class=\"lost-not-imported\""));
    let ar = cw
        .get(&format!(
            "/ar/console/import/jobs/{}?file={sha}",
            "0".repeat(32)
        ))
        .await;
    assert!(ar.text().contains("غير معروفة"));
}

async fn r7_retraining_uses_decisions_as_labels_and_rescores_the_queue_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let r = cw
        .post(
            &format!("/en/console/review/{}/decide", c.reviews[1]),
            &[("decision", "reject")],
        )
        .await;
    assert_eq!(r.status, 303);
    // A store whose keys were built by another build (here: none at all) gets them back.
    let first = c.store.records_page(0, 1).await.unwrap().remove(0);
    let keys =
        athar_store::ingest::keys_of(&athar_store::ingest::stored_link_record(&first).unwrap());
    assert!(!keys.is_empty());
    c.store
        .replace_keys(&[], &Change::new("t", now()))
        .await
        .unwrap();
    assert!(c.store.candidate_ids(&keys, 100).await.unwrap().is_empty());
    let r = cw.post("/en/console/train", &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        c.store
            .candidate_ids(&keys, 100)
            .await
            .unwrap()
            .contains(&first.id),
        "retraining rebuilt the stored keys"
    );
    assert!(
        r.text().contains("trained with 1 decisions"),
        "{}",
        r.text()
    );
    let model = c.store.active_model().await.unwrap().unwrap();
    assert!(model.version.starts_with("train-"));
    let open = c.store.open_reviews(10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        open[0].model_version.as_deref(),
        Some(model.version.as_str()),
        "rescored with the new model"
    );
    assert!(!audit(&c, "rescore_review").await.is_empty());
}

async fn r7_review_queue_filters_by_source_and_governorate_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let all = cw
        .get("/en/console/review?source=family-reports")
        .await
        .text();
    assert!(all.contains(&format!("data-review=\"{}\"", c.reviews[0])));
    assert!(all.contains(&format!("data-review=\"{}\"", c.reviews[1])));
    let none = cw
        .get("/en/console/review?source=hospital-list")
        .await
        .text();
    assert!(
        !none.contains("data-review="),
        "no pair has a record from that source"
    );
    let gov = cw.get("/en/console/review?governorate=Daraa").await.text();
    assert!(
        gov.contains(&format!("data-review=\"{}\"", c.reviews[0])),
        "the family record is from Daraa"
    );
    let other = cw.get("/en/console/review?governorate=Homs").await.text();
    assert!(!other.contains("data-review="));
    let api = super::api(
        c.addr,
        "GET",
        "/api/v1/reviews?source=hospital-list",
        Some(
            &c.token("caseworker", &[athar_store::console::Scope::Read])
                .await,
        ),
        None,
    )
    .await;
    assert_eq!(api.text().trim(), "[]");
}

super::on_both_stores!(
    r7_review_queue_filters_by_source_and_governorate => r7_review_queue_filters_by_source_and_governorate_body,
    r7_tips_inbox_triage_and_contact => r7_tips_inbox_triage_and_contact_body,
    r7_shared_determination_reaches_the_family_code => r7_shared_determination_reaches_the_family_code_body,
    r7_login_sets_a_strict_secure_session_cookie_and_rotates_the_id => r7_login_sets_a_strict_secure_session_cookie_and_rotates_the_id_body,
    r7_wrong_password_is_refused_and_repeated_failures_throttle_the_account => r7_wrong_password_is_refused_and_repeated_failures_throttle_the_account_body,
    r7_logout_ends_the_session => r7_logout_ends_the_session_body,
    r7_review_confirm_merges_then_split_and_undo_are_in_the_history => r7_review_confirm_merges_then_split_and_undo_are_in_the_history_body,
    r7_analyst_sees_no_contact_details => r7_analyst_sees_no_contact_details_body,
    r7_reading_contacts_asks_why_and_audits_the_reason => r7_reading_contacts_asks_why_and_audits_the_reason_body,
    r7_determination_with_evidence_is_recorded_and_audited => r7_determination_with_evidence_is_recorded_and_audited_body,
    r7_admin_searches_the_audit_log_and_manages_users => r7_admin_searches_the_audit_log_and_manages_users_body,
    r7_import_in_the_browser_previews_then_imports_once => r7_import_in_the_browser_previews_then_imports_once_body,
    r7_import_job_failure_and_unknown_job => r7_import_job_failure_and_unknown_job_body,
    r7_retraining_uses_decisions_as_labels_and_rescores_the_queue => r7_retraining_uses_decisions_as_labels_and_rescores_the_queue_body,
    r7_lists_larger_than_a_form_upload_through_the_console => r7_lists_larger_than_a_form_upload_through_the_console_body,
);

/// A real list is far larger than the public forms' body limit: the import pages take it, and
/// the public pages still refuse large bodies.
async fn r7_lists_larger_than_a_form_upload_through_the_console_body(c: Console) {
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    cw.get("/en/console/import").await;
    let mut csv = String::from("id,first_name,father_name,family_name,birth_year\n");
    for i in 0..3000 {
        csv.push_str(&format!("L-{i},سامر,خليل,العمر{i},{}\n", 1960 + i % 40));
    }
    assert!(csv.len() > 100 * 1024, "the list is larger than 100 KB");
    let r = cw
        .post_multipart(
            "/en/console/import",
            &[("source", "big-list")],
            Some(("big.csv", csv.as_bytes())),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("<dd class=\"rows\">3000</dd>"));
}

async fn r7_tips_inbox_triage_and_contact_body(c: Console) {
    use athar_store::portal::NewTip;
    let tip = NewTip {
        about_person: Some("Samer Al-Najjar".into()),
        place: Some("Branch 215".into()),
        text: "I saw him in the branch in 2017.".into(),
        contact: Some("+000 555 0199".into()),
        at_unix: now().timestamp(),
    };
    let id = c.portal.add_tip(&tip).await.unwrap();
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    let html = cw.get("/en/console/tips").await.text();
    assert!(html.contains("Branch 215") && html.contains("I saw him"));
    assert!(
        !html.contains("+000 555 0199"),
        "the contact is not shown until asked for"
    );
    let person = athar_store::Store::record(c.store.as_ref(), c.records[0])
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let r = cw
        .post(
            &format!("/en/console/tips/{id}"),
            &[
                ("state", "actionable"),
                ("person", &person.to_string()),
                ("place", "Branch 215"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let tips = c.store.tips(Some("actionable"), 10).await.unwrap();
    assert_eq!(tips.len(), 1);
    assert_eq!(tips[0].reviewer.as_deref(), Some("caseworker"));
    assert_eq!(tips[0].person_id, Some(person));
    let r = cw
        .post(
            &format!("/en/console/tips/{id}/contact"),
            &[("reason", "ask for details")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("+000 555 0199"));
    let ev = audit(&c, "read_contact").await;
    assert!(
        ev.iter()
            .any(|e| e.target_kind == "tip" && e.reason.as_deref() == Some("ask for details"))
    );
    // Coordinators triage tips but do not read contacts; analysts do neither.
    let mut co = Client::new(c.addr);
    co.login("coordinator").await;
    assert_eq!(co.get("/en/console/tips").await.status, 200);
    let r = co
        .post(
            &format!("/en/console/tips/{id}/contact"),
            &[("reason", "x")],
        )
        .await;
    assert_eq!(r.status, 403);
    let mut an = Client::new(c.addr);
    an.login("analyst").await;
    assert_eq!(an.get("/en/console/tips").await.status, 403);
}

async fn r7_shared_determination_reaches_the_family_code_body(c: Console) {
    use athar_store::portal::{NewCase, ReportKind};
    let family_record = c.records[2];
    let case = NewCase {
        kind: ReportKind::Missing,
        record_id: Some(family_record),
        code_hash: "ab".repeat(32),
        reporter_contact: Some("+000 555 0123".into()),
        at_unix: now().timestamp(),
    };
    c.portal.open_case(&case).await.unwrap();
    let person = athar_store::Store::record(c.store.as_ref(), family_record)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    // The reporter's contact, with a reason.
    let r = cw
        .post(
            &format!("/en/console/persons/{person}/contacts"),
            &[("reason", "call back")],
        )
        .await;
    assert!(r.text().contains("+000 555 0123"));
    // A determination shared as "please contact us" with a message.
    let r = cw
        .post(
            &format!("/en/console/persons/{person}/determination"),
            &[
                ("status", "alive"),
                ("evidence", "survivor list, line 4"),
                ("share", "contact_us"),
                ("message", "Please call the office"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let view = c.portal.find_case(&"ab".repeat(32)).await.unwrap().unwrap();
    let last = view.updates.last().unwrap();
    assert_eq!(last.status.code(), "contact_us");
    assert_eq!(last.message.as_deref(), Some("Please call the office"));
    // A determination that is not shared adds no update.
    let n = view.updates.len();
    cw.post(
        &format!("/en/console/persons/{person}/determination"),
        &[("status", "alive"), ("evidence", "second source")],
    )
    .await;
    assert_eq!(
        c.portal
            .find_case(&"ab".repeat(32))
            .await
            .unwrap()
            .unwrap()
            .updates
            .len(),
        n
    );
}
