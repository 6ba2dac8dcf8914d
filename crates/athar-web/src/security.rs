//! Security defaults, applied to every response by [`crate::router`]; each has a test in
//! `tests/security.rs` that fails if it is removed.
//!
//! - Cross-site request forgery: tower-http's `CsrfLayer` rejects cross-origin form posts
//!   (Fetch Metadata and `Origin`), and every form also carries a token that must equal the
//!   `athar_csrf` cookie (double submit), which covers old phone browsers that send neither
//!   header. The cookie is `HttpOnly` and `SameSite=Strict`.
//! - Headers: a strict Content-Security-Policy (no scripts at all, `frame-ancestors 'none'`),
//!   `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`,
//!   `Cache-Control: no-store` on pages (shared phones), a restrictive `Permissions-Policy`.
//! - Request bodies are limited ([`crate::WebConfig::body_limit`]).

use axum::extract::{Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::error::WebError;

/// The Content-Security-Policy of every page: the portal needs no script, no frame and no
/// third party.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The name of the anti-forgery cookie.
pub const CSRF_COOKIE: &str = "athar_csrf";

/// The form token of the current request (also in the `athar_csrf` cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

/// Reads the `athar_csrf` cookie, if it holds a well-formed token.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == CSRF_COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Middleware: makes sure the request has a form token (from its cookie, or a fresh one that
/// the response then sets) and puts it in the request's extensions for the templates.
pub async fn csrf_cookie(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = cookie_token(req.headers());
    let token = existing
        .clone()
        .unwrap_or_else(|| hex::encode(state.random_bytes(16)));
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    if existing.is_none() {
        let secure = if state.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, v);
        }
    }
    response
}

/// Checks a submitted form token against the request's cookie, in constant time.
pub fn verify_form_token(headers: &HeaderMap, submitted: &str) -> Result<(), WebError> {
    let Some(cookie) = cookie_token(headers) else {
        return Err(WebError::Forbidden);
    };
    let (a, b) = (cookie.as_bytes(), submitted.as_bytes());
    if a.len() != b.len() {
        return Err(WebError::Forbidden);
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    if diff == 0 {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// Middleware: the security headers of every response.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_get = req.method() == Method::GET || req.method() == Method::HEAD;
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    if state.config.secure_cookies {
        set(h, "strict-transport-security", "max-age=63072000");
    }
    if !(is_get && h.contains_key("cache-control")) {
        set(h, "cache-control", "no-store");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn form_token_must_equal_the_cookie() {
        let t = "0123456789abcdef0123456789abcdef";
        let h = with_cookie(&format!("other=1; {CSRF_COOKIE}={t}"));
        assert!(verify_form_token(&h, t).is_ok());
        assert!(verify_form_token(&h, "0123456789abcdef0123456789abcdee").is_err());
        assert!(verify_form_token(&h, "").is_err());
        assert!(verify_form_token(&HeaderMap::new(), t).is_err());
        // A malformed cookie is no cookie.
        assert!(verify_form_token(&with_cookie(&format!("{CSRF_COOKIE}=x")), "x").is_err());
    }
}
