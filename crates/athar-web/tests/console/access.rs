//! The access matrix: every console route × every role (and the anonymous public) with the
//! expected outcome, checked over HTTP. A route in the registry without a line here fails.
//!
//! Outcomes: `L` the visitor is sent to the login page (303), `F` refused with the "not
//! allowed" page (403), `A` allowed (the handler ran: any status other than those two).

use athar_web::console::route_specs;

use super::{Client, start};

/// Columns: anonymous, caseworker, coordinator, analyst, admin.
const MATRIX: &[(&str, &str, &str, [char; 5])] = &[
    (
        "GET",
        "/{lang}/console/login",
        "/en/console/login",
        ['A', 'A', 'A', 'A', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/login",
        "/en/console/login",
        ['A', 'A', 'A', 'A', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/",
        "/en/console/",
        ['L', 'A', 'A', 'A', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/review",
        "/en/console/review",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/review/{id}",
        "/en/console/review/999999",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/review/{id}/claim",
        "/en/console/review/999999/claim",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/review/{id}/decide",
        "/en/console/review/999999/decide",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/train",
        "/en/console/train",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/persons",
        "/en/console/persons?q=Sa",
        ['L', 'A', 'A', 'A', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/persons/{id}",
        "/en/console/persons/1",
        ['L', 'A', 'A', 'A', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/persons/{id}/contacts",
        "/en/console/persons/1/contacts",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/persons/{id}/contacts",
        "/en/console/persons/1/contacts",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/persons/{id}/merge",
        "/en/console/persons/999999/merge",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/persons/{id}/determination",
        "/en/console/persons/999999/determination",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/records/{id}/split",
        "/en/console/records/999999/split",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/events/{id}/reverse",
        "/en/console/events/999999/reverse",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/import",
        "/en/console/import",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/import",
        "/en/console/import",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/import/confirm",
        "/en/console/import/confirm",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/import/jobs/{id}",
        "/en/console/import/jobs/00000000000000000000000000000000",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/tips",
        "/en/console/tips",
        ['L', 'A', 'A', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/tips/{id}",
        "/en/console/tips/999999",
        ['L', 'A', 'A', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/tips/{id}/contact",
        "/en/console/tips/999999/contact",
        ['L', 'A', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/audit",
        "/en/console/audit",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/users",
        "/en/console/users",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/users",
        "/en/console/users",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/users/{name}",
        "/en/console/users/nobody",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/{lang}/console/tokens",
        "/en/console/tokens",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/tokens",
        "/en/console/tokens",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "POST",
        "/{lang}/console/tokens/{id}/revoke",
        "/en/console/tokens/999999/revoke",
        ['L', 'F', 'F', 'F', 'A'],
    ),
    (
        "GET",
        "/console.css",
        "/console.css",
        ['A', 'A', 'A', 'A', 'A'],
    ),
    // Last: it ends the session.
    (
        "POST",
        "/{lang}/console/logout",
        "/en/console/logout",
        ['L', 'A', 'A', 'A', 'A'],
    ),
];

const ROLES: [Option<&str>; 5] = [
    None,
    Some("caseworker"),
    Some("coordinator"),
    Some("analyst"),
    Some("admin"),
];

#[test]
fn r7_every_registered_route_has_a_matrix_line_and_no_line_is_stale() {
    let mut registered: Vec<(String, String)> = route_specs()
        .iter()
        .map(|s| (s.method.to_string(), s.path.to_string()))
        .collect();
    registered.sort();
    let mut table: Vec<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    table.sort();
    assert_eq!(
        registered, table,
        "the access matrix must list exactly the registered console routes"
    );
}

#[tokio::test]
async fn r7_access_matrix_over_http() {
    let c = start().await;
    for (col, role) in ROLES.iter().enumerate() {
        let mut client = Client::new(c.addr);
        match role {
            Some(name) => client.login(name).await,
            None => {
                // The anonymous visitor still has a form token (from the login page).
                client.get("/en/console/login").await;
            }
        }
        for (method, path, url, expect) in MATRIX {
            let want = expect[col];
            let resp = if *method == "GET" {
                client.get(url).await
            } else {
                client.post(url, &[]).await
            };
            let to_login = resp.status == 303
                && resp
                    .header("location")
                    .is_some_and(|l| l.ends_with("/console/login"));
            let not_allowed = resp.status == 403 && resp.text().contains("Not allowed");
            let got = if to_login {
                'L'
            } else if not_allowed {
                'F'
            } else {
                'A'
            };
            // A staff member's own successful login redirects elsewhere; only the anonymous
            // visitor may be sent to the login page.
            assert_eq!(
                got,
                want,
                "{method} {path} as {}: status {} location {:?}",
                role.unwrap_or("anonymous"),
                resp.status,
                resp.header("location")
            );
            assert!(
                resp.status < 500,
                "{method} {url} as {role:?}: server error"
            );
        }
    }
}

#[tokio::test]
async fn r7_anonymous_visitor_is_refused_every_staff_route_in_both_languages() {
    let c = start().await;
    for lang in ["ar", "en"] {
        let mut client = Client::new(c.addr);
        client.get(&format!("/{lang}/console/login")).await;
        for spec in route_specs() {
            if matches!(spec.access, athar_web::console::Access::Public) {
                continue;
            }
            let url = spec
                .path
                .replace("{lang}", lang)
                .replace("{id}", "1")
                .replace("{name}", "admin");
            let resp = if spec.method == "GET" {
                client.get(&url).await
            } else {
                client.post(&url, &[]).await
            };
            assert_eq!(resp.status, 303, "{} {url}", spec.method);
            assert_eq!(
                resp.header("location"),
                Some(format!("/{lang}/console/login").as_str())
            );
            assert!(!resp.text().contains("Samer") && !resp.text().contains("سامر"));
        }
    }
}

#[tokio::test]
async fn r7_console_forms_need_the_form_token_even_with_a_session() {
    let c = super::start().await;
    let mut cw = Client::new(c.addr);
    cw.login("caseworker").await;
    // A forged form: the session cookie is sent (SameSite aside) but the token is wrong.
    cw.token = Some("0".repeat(32));
    let person = c.records[0];
    let r = cw
        .post(&format!("/en/console/records/{person}/split"), &[])
        .await;
    assert_eq!(r.status, 403);
    let r = cw
        .post(
            &format!("/en/console/review/{}/decide", c.reviews[0]),
            &[("decision", "confirm")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        athar_store::Store::labels(c.store.as_ref())
            .await
            .unwrap()
            .is_empty(),
        "nothing decided"
    );
    // A cross-site post is refused before any handler runs (Fetch Metadata).
    let mut x = Client::new(c.addr);
    x.login("caseworker").await;
    x.headers
        .push(("Sec-Fetch-Site".into(), "cross-site".into()));
    let r = x
        .post(
            &format!("/en/console/review/{}/decide", c.reviews[0]),
            &[("decision", "confirm")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        athar_store::Store::labels(c.store.as_ref())
            .await
            .unwrap()
            .is_empty()
    );
}
