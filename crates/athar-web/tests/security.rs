//! Security defaults: each test fails if its default is removed from the code.

use crate::util::{Browser, raw, start};

#[tokio::test]
async fn security_headers_on_every_response() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    for path in ["/ar/", "/en/search", "/ar/no-such-page", "/static/site.css"] {
        let r = b.get(path).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
    }
    // Pages are never cached (shared phones).
    assert_eq!(
        b.get("/ar/search").await.header("cache-control"),
        Some("no-store")
    );
}

#[tokio::test]
async fn forms_need_the_token() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    let cookie = b.cookie.clone().unwrap();
    assert!(cookie.starts_with("athar_csrf="));
    // Without the token: refused, nothing logged.
    b.token = None;
    let r = b
        .post("/en/search", &[("name", "Khaled"), ("father_name", "Omar")])
        .await;
    assert_eq!(r.status, 403);
    // With someone else's token: refused.
    b.token = Some("0123456789abcdef0123456789abcdef".into());
    let r = b.post("/en/tip", &[("text", "x")]).await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("The form has expired"));
    assert_eq!(
        server.portal.inspect(|d| d.searches.len() + d.tips.len()),
        0
    );
}

#[tokio::test]
async fn the_csrf_cookie_is_httponly_and_strict() {
    let server = start().await;
    let r = Browser::new(server.addr).get("/ar/tip").await;
    let c = r.header("set-cookie").unwrap();
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict"),
        "{c}"
    );
}

#[tokio::test]
async fn cross_site_posts_are_rejected_even_with_a_valid_token() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/tip").await;
    b.extra = vec![("Sec-Fetch-Site".into(), "cross-site".into())];
    let r = b.post("/en/tip", &[("text", "x")]).await;
    assert_eq!(r.status, 403);
    b.extra = vec![("Origin".into(), "https://evil.example".into())];
    let r = b.post("/en/tip", &[("text", "x")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(server.portal.inspect(|d| d.tips.len()), 0);
    // Same origin passes.
    b.extra = vec![("Sec-Fetch-Site".into(), "same-origin".into())];
    assert_eq!(b.post("/en/tip", &[("text", "x")]).await.status, 200);
}

#[tokio::test]
async fn large_bodies_are_refused() {
    let server = start().await;
    let mut b = Browser::new(server.addr);
    b.get("/en/tip").await;
    let big = "x".repeat(64 * 1024);
    let r = b.post("/en/tip", &[("text", &big)]).await;
    assert_eq!(r.status, 413);
    assert!(r.text().contains("Too much text"));
    assert_eq!(server.portal.inspect(|d| d.tips.len()), 0);
}

#[tokio::test]
async fn error_pages_leak_nothing() {
    let server = start().await;
    // A malformed form body: axum's own rejection text must not show.
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    let req = format!(
        "POST /en/search HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        b.cookie.clone().unwrap()
    );
    let r = raw(server.addr, req.as_bytes()).await;
    assert!(r.status >= 400);
    let text = r.text();
    for leak in [
        "Content-Type",
        "application/x-www-form-urlencoded",
        "Failed to",
        "panicked",
        "src/",
        "SELECT",
        "sqlx",
    ] {
        assert!(!text.contains(leak), "error page leaks {leak:?}: {text}");
    }
    assert!(text.contains("<html lang=\"en\""));
    // A storage failure: generic page, no SQL.
    let r = b.get("/en/does-not-exist").await;
    assert!(r.text().contains("Page not found"));
}

#[tokio::test]
async fn storage_failures_show_a_generic_page() {
    use athar_store::portal::*;
    use athar_web::AppState;
    use athar_web::config::WebConfig;
    use std::sync::Arc;

    /// A store whose every call fails with SQL in the message.
    struct Broken;
    fn fail<'a, T: Send + 'a>() -> BoxFuture<'a, Result<T, PortalError>> {
        Box::pin(async {
            Err(PortalError::Backend(
                "SELECT * FROM secrets: disk I/O error".into(),
            ))
        })
    }
    impl PortalStore for Broken {
        fn public_reference<'a>(
            &'a self,
            _: &'a str,
            _: &'a str,
        ) -> BoxFuture<'a, Result<String, PortalError>> {
            fail()
        }
        fn log_search<'a>(
            &'a self,
            _: &'a SearchLogEntry,
        ) -> BoxFuture<'a, Result<(), PortalError>> {
            fail()
        }
        fn name_index_position(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
            fail()
        }
        fn name_index_scheme(&self) -> BoxFuture<'_, Result<i64, PortalError>> {
            fail()
        }
        fn reset_name_index(&self, _: i64) -> BoxFuture<'_, Result<(), PortalError>> {
            fail()
        }
        fn index_names<'a>(
            &'a self,
            _: &'a [NameIndexRow],
            _: i64,
        ) -> BoxFuture<'a, Result<(), PortalError>> {
            fail()
        }
        fn name_index_rows(
            &self,
            _: i64,
            _: i64,
            _: usize,
        ) -> BoxFuture<'_, Result<Vec<NameIndexRow>, PortalError>> {
            fail()
        }
        fn persons_of<'a>(
            &'a self,
            _: &'a [i64],
        ) -> BoxFuture<'a, Result<Vec<(i64, String)>, PortalError>> {
            fail()
        }
        fn open_case<'a>(&'a self, _: &'a NewCase) -> BoxFuture<'a, Result<i64, PortalError>> {
            fail()
        }
        fn add_tip<'a>(&'a self, _: &'a NewTip) -> BoxFuture<'a, Result<i64, PortalError>> {
            fail()
        }
        fn find_case<'a>(
            &'a self,
            _: &'a str,
        ) -> BoxFuture<'a, Result<Option<CaseView>, PortalError>> {
            fail()
        }
        fn share_update<'a>(
            &'a self,
            _: i64,
            _: &'a SharedUpdate,
        ) -> BoxFuture<'a, Result<(), PortalError>> {
            fail()
        }
    }
    impl athar_web::registry::Registry for Broken {
        fn public_candidates<'a>(
            &'a self,
            _: &'a PublicQuery,
            _: usize,
        ) -> BoxFuture<'a, Result<Vec<PublicCandidate>, PortalError>> {
            fail()
        }
        fn ingest_report<'a>(
            &'a self,
            _: &'a NewReport,
        ) -> BoxFuture<'a, Result<i64, PortalError>> {
            fail()
        }
    }
    let broken = Arc::new(Broken);
    let state = AppState::new(broken.clone(), broken, WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(athar_web::serve_with_listener(
        listener,
        state,
        std::future::pending(),
    ));
    let mut b = Browser::new(addr);
    b.get("/en/tip").await;
    let r = b.post("/en/tip", &[("text", "hello")]).await;
    assert_eq!(r.status, 500);
    let text = r.text();
    assert!(text.contains("Something went wrong"));
    assert!(
        !text.contains("SELECT") && !text.contains("disk I/O"),
        "{text}"
    );
}
