//! Helpers: a server on 127.0.0.1:0 over the in-memory portal store, and a tiny HTTP/1.1
//! client that behaves like a browser without JavaScript (keeps the form-token cookie, posts
//! urlencoded forms with the token from the last page).

use std::net::SocketAddr;
use std::sync::Arc;

use athar_store::portal::PublicCandidate;
use athar_web::config::WebConfig;
use athar_web::fake::MemoryPortal;
use athar_web::state::FixedClock;
use athar_web::{AppState, serve_with_listener};
use chrono::{TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running test server.
pub struct Server {
    pub addr: SocketAddr,
    pub portal: Arc<MemoryPortal>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Synthetic registry rows used by the tests (invented names).
pub fn records() -> Vec<PublicCandidate> {
    vec![
        PublicCandidate {
            person_id: "P-1".into(),
            first_name: Some("محمد".into()),
            father_name: Some("أحمد".into()),
            family_name: Some("الحلبي".into()),
            mother_name: Some("فاطمة".into()),
            birth_year: Some(1985),
            prison_number: Some("4471".into()),
            ..Default::default()
        },
        PublicCandidate {
            person_id: "P-2".into(),
            first_name: Some("Khaled".into()),
            father_name: Some("Omar".into()),
            family_name: Some("Darwish".into()),
            birth_year: Some(1979),
            ..Default::default()
        },
    ]
}

/// Starts a server with `config` over the test records.
pub async fn start_with(config: WebConfig) -> Server {
    let portal = Arc::new(MemoryPortal::with_records(records()));
    let clock = Arc::new(FixedClock(
        Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap(),
    ));
    let state = AppState::with(
        portal.clone(),
        portal.clone(),
        config,
        clock,
        ChaCha20Rng::seed_from_u64(7),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        serve_with_listener(listener, state, async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Server {
        addr,
        portal,
        _stop: tx,
    }
}

/// Starts a server with the default configuration.
pub async fn start() -> Server {
    start_with(WebConfig::default()).await
}

/// A response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one raw request and reads the whole response (the connection is closed after it).
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    parse(&buf)
}

fn parse(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = buf[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}

/// Percent-encodes a form value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A browser without JavaScript: keeps the form-token cookie and the last page's token.
pub struct Browser {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    pub token: Option<String>,
    /// Extra headers sent with every request.
    pub extra: Vec<(String, String)>,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Browser {
        Browser {
            addr,
            cookie: None,
            token: None,
            extra: Vec::new(),
        }
    }

    fn request(&self, method: &str, path: &str, body: Option<&str>) -> Vec<u8> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(c) = &self.cookie {
            req.push_str(&format!("Cookie: {c}\r\n"));
        }
        for (k, v) in &self.extra {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
            req.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        req.push_str("\r\n");
        if let Some(b) = body {
            req.push_str(b);
        }
        req.into_bytes()
    }

    fn remember(&mut self, resp: &Resp) {
        for (k, v) in &resp.headers {
            if k == "set-cookie"
                && let Some(pair) = v.split(';').next()
            {
                self.cookie = Some(pair.to_string());
            }
        }
        let text = resp.text();
        if let Some(i) = text.find("name=\"csrf\" value=\"") {
            let rest = &text[i + 19..];
            self.token = rest.split('"').next().map(str::to_string);
        }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        let resp = raw(self.addr, &self.request("GET", path, None)).await;
        self.remember(&resp);
        resp
    }

    /// Posts `fields` plus the form token from the last page.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        if let Some(t) = &self.token {
            body.push(format!("csrf={t}"));
        }
        let resp = raw(
            self.addr,
            &self.request("POST", path, Some(&body.join("&"))),
        )
        .await;
        self.remember(&resp);
        resp
    }
}

/// The page with its per-client form token blanked, for snapshots.
pub fn redact(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("name=\"csrf\" value=\"") {
        let (head, tail) = rest.split_at(i + 19);
        out.push_str(head);
        out.push_str("[csrf]");
        rest = &tail[tail.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}
