//! Staff login: argon2id passwords, sessions, login throttling and the access guard.
//!
//! - Passwords are argon2id PHC strings (argon2 0.6 defaults: m = 19 MiB, t = 2, p = 1); the
//!   salt comes from the state's random source. Hashing runs on the blocking pool.
//! - The session cookie `athar_session` is `Secure`, `HttpOnly`, `SameSite=Strict`, path `/`;
//!   its value is 32 random bytes, and only its SHA-256 is stored. A successful login always
//!   issues a new id and deletes the one the browser held (no session fixation).
//! - Throttling: after [`MAX_FAILS_PER_ACCOUNT`] failed logins on one account, or
//!   [`MAX_FAILS_PER_CLIENT`] from one client, within [`THROTTLE_WINDOW_MINUTES`], logins are
//!   refused (even with the right password) until the window has passed. Attempts are stored,
//!   so every web instance sees them.
//! - [`guard`] wraps every console route: anonymous visitors are sent to the login page, staff
//!   without the route's role get a "not allowed" page (403).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use askama::Template;
use athar_store::Change;
use athar_store::Role;
use axum::Form;
use axum::extract::{Request, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use sha2::{Digest, Sha256};

use super::frame::{Frame, refused_message};
use super::{Access, ConsoleError, backend};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::layout::{page, page_with_status};
use crate::ratelimit::ClientKey;
use crate::security::{CsrfToken, verify_form_token};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "athar_session";
/// How long a session lives, in hours.
pub const SESSION_HOURS: i64 = 8;
/// Failed logins allowed per account within the window.
pub const MAX_FAILS_PER_ACCOUNT: u32 = 5;
/// Failed logins allowed per client within the window.
pub const MAX_FAILS_PER_CLIENT: u32 = 20;
/// The throttling window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// The logged-in staff member of a request (put in the request's extensions by [`guard`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Login name (the audit actor).
    pub name: String,
    /// Role.
    pub role: Role,
    /// SHA-256 of the session id.
    pub session_hash: String,
}

impl Staff {
    /// A change by this staff member at `state`'s now.
    pub fn change(&self, state: &AppState) -> Change {
        Change::new(self.name.clone(), state.clock.now())
    }

    /// True for roles that may see contact details (everyone but analysts and coordinators).
    pub fn sees_contacts(&self) -> bool {
        matches!(self.role, Role::Caseworker | Role::Admin)
    }
}

/// Hashes a password with argon2id and a salt from the state's random source.
pub async fn hash_password(state: &AppState, password: &str) -> Result<String, WebError> {
    let salt = state.random_bytes(16);
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(WebError::internal)
    })
    .await
    .map_err(WebError::internal)?
}

/// Hashes a password with argon2id and the given salt (the binary's `users add` and tests).
pub fn hash_password_with_salt(password: &str, salt: &[u8]) -> Result<String, String> {
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a PHC string, on the blocking pool.
pub async fn verify_password(phc: &str, password: &str) -> bool {
    let (phc, password) = (phc.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A PHC string no password matches, verified when the account does not exist so that a
/// wrong name costs as much time as a wrong password.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
     6/ZzYb1Wqh2Hw0Sh1yqLk0cZz1rJ3fOQ2sW0mP4lq7M";

/// SHA-256 (hex) of a secret (session ids and API tokens are stored this way).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The session id in the request's cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value for a new session id.
pub fn session_set_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; Secure; SameSite=Strict",
        SESSION_HOURS * 3600
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn session_clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict")
}

/// The staff member of a request, from its session cookie.
pub async fn current_staff(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Staff>, WebError> {
    let Some(id) = session_cookie(headers) else {
        return Ok(None);
    };
    let Some(store) = state.console.clone() else {
        return Ok(None);
    };
    let hash = secret_hash(&id);
    let session = store
        .session(&hash, state.clock.now())
        .await
        .map_err(WebError::internal)?;
    Ok(session.map(|s| Staff {
        name: s.user_name,
        role: s.role,
        session_hash: hash,
    }))
}

fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// Middleware around every console route: resolves the session, enforces the route's
/// [`Access`], and renders refusals from the store in the page's language.
pub async fn guard(
    State((state, access)): State<(AppState, Access)>,
    mut req: Request,
    next: Next,
) -> Response {
    let lang = Lang::from_path(req.uri().path());
    let csrf = req
        .extensions()
        .get::<CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let staff = match current_staff(&state, req.headers()).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if let Access::Staff(roles) = access {
        match &staff {
            None => return see_other(&format!("/{}/console/login", lang.code())),
            Some(s) if !roles.contains(&s.role) => {
                let frame = Frame::bare(lang, staff.clone(), csrf.clone());
                return page_with_status(
                    StatusCode::FORBIDDEN,
                    &super::frame::MessagePage::new(
                        frame,
                        "c-not-allowed-title",
                        "c-not-allowed-body",
                    ),
                );
            }
            Some(_) => {}
        }
    }
    if let Some(s) = staff.clone() {
        req.extensions_mut().insert(s);
    }
    let response = next.run(req).await;
    match refused_message(&response) {
        Some(msg) => {
            let frame = Frame::bare(lang, staff, csrf);
            let mut page = page_with_status(
                response.status(),
                &super::frame::MessagePage::refused(frame, msg),
            );
            *page.status_mut() = response.status();
            page
        }
        None => response,
    }
}

/// The login form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LoginForm {
    /// Form token.
    pub csrf: String,
    /// Login name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// The login page.
#[derive(Template)]
#[template(path = "console/login.html")]
pub struct LoginPage {
    /// Frame.
    pub f: Frame,
    /// A problem to show (translation key), if any.
    pub problem: Option<&'static str>,
    /// The name typed.
    pub name: String,
}

/// `GET /{lang}/console/login`.
pub async fn login_page(f: Frame) -> Response {
    if f.staff.is_some() {
        return see_other(&f.href(""));
    }
    page(&LoginPage {
        f,
        problem: None,
        name: String::new(),
    })
}

/// `POST /{lang}/console/login`.
pub async fn login_submit(
    State(state): State<AppState>,
    f: Frame,
    ClientKey(client): ClientKey,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let store = backend(&state)?;
    let now = state.clock.now();
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let name = form.name.trim().to_string();
    let account_key = format!("account:{name}");
    let client_key = format!("client:{client}");
    let refuse = |problem: &'static str, status: StatusCode, f: Frame, name: String| {
        page_with_status(
            status,
            &LoginPage {
                f,
                problem: Some(problem),
                name,
            },
        )
    };
    let account_fails = store.failed_logins_since(&account_key, since).await?;
    let client_fails = store.failed_logins_since(&client_key, since).await?;
    if account_fails >= MAX_FAILS_PER_ACCOUNT || client_fails >= MAX_FAILS_PER_CLIENT {
        store
            .record_login_attempt(&[&account_key, &client_key], false, now)
            .await?;
        return Ok(refuse(
            "c-login-throttled",
            StatusCode::TOO_MANY_REQUESTS,
            f,
            name,
        ));
    }
    let user = store.user(&name).await?;
    let phc = user
        .as_ref()
        .map_or(DUMMY_PHC, |u| u.password_hash.as_str());
    let ok = verify_password(phc, &form.password).await;
    let user = user.filter(|u| ok && !u.disabled);
    let Some(user) = user else {
        store
            .record_login_attempt(&[&account_key, &client_key], false, now)
            .await?;
        return Ok(refuse("c-login-failed", StatusCode::UNAUTHORIZED, f, name));
    };
    store
        .record_login_attempt(&[&account_key, &client_key], true, now)
        .await?;
    let id = hex::encode(state.random_bytes(32));
    let old = session_cookie(&headers).map(|s| secret_hash(&s));
    let expires = now + Duration::hours(SESSION_HOURS);
    let change = Change::new(user.name.clone(), now);
    store
        .create_session(&secret_hash(&id), user.id, old.as_deref(), expires, &change)
        .await?;
    let mut r = see_other(&f.href(""));
    if let Ok(v) = HeaderValue::from_str(&session_set_cookie(&id)) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    Ok(r)
}

/// A form that carries only its token.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TokenOnly {
    /// Form token.
    pub csrf: String,
}

/// `POST /{lang}/console/logout`.
pub async fn logout(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Form(form): Form<TokenOnly>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    backend(&state)?
        .delete_session(&staff.session_hash, &staff.change(&state))
        .await?;
    // Back to the public home page of the same language.
    let mut r = see_other(&format!("/{}/", f.tr.code()));
    if let Ok(v) = HeaderValue::from_str(&session_clear_cookie()) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    Ok(r)
}

/// A redirect after a successful form (303, so the browser then GETs the page).
pub fn redirect(to: &str) -> Response {
    see_other(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let phc = hash_password_with_salt("correct horse", b"0123456789abcdef").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong horse", &parsed)
                .is_err()
        );
    }

    #[test]
    fn dummy_hash_parses_and_matches_nothing() {
        let parsed = PasswordHash::new(DUMMY_PHC).unwrap();
        assert!(Argon2::default().verify_password(b"", &parsed).is_err());
    }

    #[test]
    fn session_cookie_flags() {
        let c = session_set_cookie(&"a".repeat(64));
        for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(c.contains(flag), "{c} lacks {flag}");
        }
    }

    #[test]
    fn only_well_formed_session_ids_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("x=1; {SESSION_COOKIE}={}", "b".repeat(64))).unwrap(),
        );
        assert_eq!(session_cookie(&h), Some("b".repeat(64)));
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("athar_session=../../etc"));
        assert_eq!(session_cookie(&h), None);
    }
}
