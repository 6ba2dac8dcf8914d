//! Rate limits per client, stricter on searches and code look-ups, with proxy headers believed
//! only from configured proxies.

use std::time::Duration;

use athar_web::config::{Limit, WebConfig};

use crate::util::{Browser, start_with};

fn config(trusted: &[&str]) -> WebConfig {
    WebConfig {
        trusted_proxies: trusted.iter().map(|s| s.parse().unwrap()).collect(),
        general_limit: Limit {
            period: Duration::from_secs(60),
            burst: 40,
        },
        strict_limit: Limit {
            period: Duration::from_secs(60),
            burst: 3,
        },
        ..WebConfig::default()
    }
}

async fn searches_until_limited(b: &mut Browser, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            b.post("/en/search", &[("name", "Khaled"), ("father_name", "Omar")])
                .await
                .status,
        );
    }
    out
}

#[tokio::test]
async fn searches_have_a_stricter_limit_than_pages() {
    let server = start_with(config(&[])).await;
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    let statuses = searches_until_limited(&mut b, 5).await;
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    // Pages still open (the general limit is wider), and code look-ups share the strict one
    // per route.
    assert_eq!(b.get("/en/search").await.status, 200);
    let r = b
        .post("/en/search", &[("name", "Khaled"), ("father_name", "Omar")])
        .await;
    assert_eq!(r.status, 429);
    assert!(r.text().contains("Please wait a little"));
    assert!(r.header("retry-after").is_some());
    // Limited searches are not run (and so not logged).
    assert_eq!(server.portal.inspect(|d| d.searches.len()), 3);
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(
            b.post("/en/follow", &[("code", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")])
                .await
                .status,
        );
    }
    assert_eq!(codes, vec![404, 404, 404, 429]);
}

#[tokio::test]
async fn forged_forwarding_headers_do_not_reset_the_limit() {
    // No trusted proxies: a client that writes X-Forwarded-For is still itself.
    let server = start_with(config(&[])).await;
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        b.extra = vec![("X-Forwarded-For".into(), format!("198.51.100.{i}"))];
        statuses.push(
            b.post("/en/search", &[("name", "Khaled"), ("father_name", "Omar")])
                .await
                .status,
        );
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let keys = server.portal.inspect(|d| {
        d.searches
            .iter()
            .map(|e| e.client_key.clone())
            .collect::<Vec<_>>()
    });
    assert!(keys.iter().all(|k| k == "127.0.0.1"), "{keys:?}");
}

#[tokio::test]
async fn a_trusted_proxy_is_believed() {
    // The test client connects from 127.0.0.1, configured as a trusted proxy: each forwarded
    // client has its own budget, and the log records the forwarded address.
    let server = start_with(config(&["127.0.0.1"])).await;
    let mut b = Browser::new(server.addr);
    b.get("/en/search").await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        b.extra = vec![("X-Forwarded-For".into(), format!("6.6.6.6, 198.51.100.{i}"))];
        statuses.push(
            b.post("/en/search", &[("name", "Khaled"), ("father_name", "Omar")])
                .await
                .status,
        );
    }
    assert_eq!(statuses, vec![200; 5]);
    let keys = server.portal.inspect(|d| {
        d.searches
            .iter()
            .map(|e| e.client_key.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(keys[4], "198.51.100.4");
}
