//! `athar serve` and `athar demo` through the real binary: a server on 127.0.0.1:0 over a
//! fresh SQLite store, driven over HTTP; bad usage exits 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use crate::util::{athar, run, text};

/// A running `athar serve`, killed on drop.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &str) -> Served {
    let mut child = athar()
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .expect("the URL is printed")
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .to_string();
    Served { child, addr }
}

/// One request over a fresh connection; returns (status, head, body).
fn request(addr: &str, raw: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

fn post(addr: &str, path: &str, token: &str, body: &str) -> (u16, String, String) {
    let body = format!("csrf={token}&{body}");
    request(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: athar_csrf={token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn serve_answers_the_portal_over_a_fresh_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("athar.db").display());
    let (code, _, err) = text(&run(&["init", "--db", &db]));
    assert_eq!(code, 0, "{err}");
    let server = serve(&db);
    let (status, head, body) = request(
        &server.addr,
        "GET /ar/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(body.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(
        head.to_ascii_lowercase()
            .contains("content-security-policy")
    );
    let token = "0123456789abcdef0123456789abcdef";
    // Too few details: refused.
    let (status, _, _) = post(&server.addr, "/en/search", token, "name=Samer+Najjar");
    assert_eq!(status, 422);
    // A report becomes a record; a search for it then answers with a reference only.
    let (status, _, body) = post(
        &server.addr,
        "/en/report",
        token,
        "first_name=Samer&father_name=Yusuf&family_name=Najjar&mother_name=Huda&birth_year=1990",
    );
    assert_eq!(status, 200);
    assert!(body.contains("id=\"follow-code\""));
    let (status, _, body) = post(
        &server.addr,
        "/en/search",
        token,
        "name=Samer+Najjar&father_name=Yusuf",
    );
    assert_eq!(status, 200);
    assert!(body.contains("A possible match exists"), "{body}");
    assert!(!body.contains("Huda") && !body.contains("1990"));
    // A form token that is not the cookie's twin: forbidden, nothing stored.
    let body = "csrf=fedcba9876543210fedcba9876543210&text=x";
    let (status, _, _) = request(
        &server.addr,
        &format!(
            "POST /en/tip HTTP/1.1\r\nHost: x\r\nCookie: athar_csrf={token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(status, 403);
    let (status, _, _) = post(&server.addr, "/en/tip", token, "text=x");
    assert_eq!(status, 200);
}

#[test]
fn serve_and_demo_refuse_bad_usage() {
    let (code, _, err) = text(&run(&["serve", "--listen", "not-an-address"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--listen"));
    let (code, _, _) = text(&run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--trusted-proxy",
        "10.0.0.0/99",
    ]));
    assert_eq!(code, 2);
    let (code, _, _) = text(&run(&["demo", "--persons", "0"]));
    assert_eq!(code, 2);
}

#[test]
fn serve_needs_an_existing_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("missing.db").display());
    let (code, _, err) = text(&run(&["serve", "--db", &db, "--listen", "127.0.0.1:0"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("athar init"), "{err}");
}
