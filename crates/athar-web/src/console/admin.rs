//! The console's home page, and the admin pages: audit search, users (create, role, password
//! reset, disable) and API tokens (create with scopes, shown once; revoke).

use askama::Template;
use athar_store::console::{ApiToken, AuditQuery, Scope};
use athar_store::{AuditEvent, Counts, Role, User};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};

use super::auth::{hash_password, redirect, secret_hash};
use super::frame::Frame;
use super::{ConsoleError, backend};
use crate::AppState;
use crate::error::WebError;
use crate::layout::page;
use crate::security::verify_form_token;

/// The home page.
#[derive(Template)]
#[template(path = "console/home.html")]
pub struct HomePage {
    /// Frame.
    pub f: Frame,
    /// Row counts.
    pub counts: Counts,
}

/// `GET /{lang}/console/`.
pub async fn home(State(state): State<AppState>, f: Frame) -> Result<Response, ConsoleError> {
    let counts = backend(&state)?.counts().await?;
    Ok(page(&HomePage { f, counts }))
}

/// The audit search form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditForm {
    /// Actor.
    pub actor: String,
    /// Action.
    pub action: String,
    /// Target kind.
    pub target_kind: String,
    /// Target id.
    pub target_id: String,
    /// From (YYYY-MM-DD).
    pub from: String,
    /// Until (YYYY-MM-DD, exclusive).
    pub until: String,
}

/// The audit page.
#[derive(Template)]
#[template(path = "console/audit.html")]
pub struct AuditPage {
    /// Frame.
    pub f: Frame,
    /// The query.
    pub q: AuditForm,
    /// Events, newest first.
    pub events: Vec<AuditEvent>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn day(s: &str) -> Result<Option<DateTime<Utc>>, WebError> {
    match opt(s) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Some(d.and_utc()))
            .ok_or(WebError::BadForm),
    }
}

/// `GET /{lang}/console/audit`.
pub async fn audit(
    State(state): State<AppState>,
    f: Frame,
    Query(q): Query<AuditForm>,
) -> Result<Response, ConsoleError> {
    let query = AuditQuery {
        actor: opt(&q.actor),
        action: opt(&q.action),
        target_kind: opt(&q.target_kind),
        target_id: opt(&q.target_id),
        from: day(&q.from)?,
        until: day(&q.until)?,
        limit: 500,
    };
    let events = backend(&state)?.search_audit(&query).await?;
    Ok(page(&AuditPage { f, q, events }))
}

/// The users page.
#[derive(Template)]
#[template(path = "console/users.html")]
pub struct UsersPage {
    /// Frame.
    pub f: Frame,
    /// Accounts.
    pub users: Vec<User>,
    /// Role codes.
    pub roles: Vec<&'static str>,
}

/// `GET /{lang}/console/users`.
pub async fn users(State(state): State<AppState>, f: Frame) -> Result<Response, ConsoleError> {
    let users = backend(&state)?.list_users().await?;
    Ok(page(&UsersPage {
        f,
        users,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
    }))
}

/// The new-user form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    /// Form token.
    pub csrf: String,
    /// Login name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Initial password.
    pub password: String,
}

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

fn check_password(p: &str) -> Result<(), ConsoleError> {
    if p.chars().count() < MIN_PASSWORD {
        return Err(ConsoleError::Refused(format!(
            "a password needs at least {MIN_PASSWORD} characters"
        )));
    }
    Ok(())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// `POST /{lang}/console/users`.
pub async fn create_user(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Form(form): Form<NewUserForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let name = form.name.trim();
    if !valid_name(name) {
        return Err(ConsoleError::Refused(format!(
            "not a valid login name: {name:?}"
        )));
    }
    let role: Role = form.role.parse()?;
    check_password(&form.password)?;
    let staff = f.staff()?;
    let hash = hash_password(&state, &form.password).await?;
    backend(&state)?
        .add_user(name, role, &hash, &staff.change(&state))
        .await?;
    Ok(redirect(&f.href("users")))
}

/// The user update form: one of role, password, disabled.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct UpdateUserForm {
    /// Form token.
    pub csrf: String,
    /// New role, if changing it.
    pub role: String,
    /// New password, if resetting it.
    pub password: String,
    /// `disable` or `enable`, if changing it.
    pub status: String,
}

/// `POST /{lang}/console/users/{name}`.
pub async fn update_user(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, name)): Path<(String, String)>,
    Form(form): Form<UpdateUserForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    let store = backend(&state)?;
    let change = staff.change(&state);
    if let Some(role) = opt(&form.role) {
        store.set_user_role(&name, role.parse()?, &change).await?;
    }
    if !form.password.is_empty() {
        check_password(&form.password)?;
        let hash = hash_password(&state, &form.password).await?;
        store.set_user_password(&name, &hash, &change).await?;
    }
    match form.status.as_str() {
        "disable" => store.set_user_disabled(&name, true, &change).await?,
        "enable" => store.set_user_disabled(&name, false, &change).await?,
        _ => {}
    }
    Ok(redirect(&f.href("users")))
}

/// The tokens page.
#[derive(Template)]
#[template(path = "console/tokens.html")]
pub struct TokensPage {
    /// Frame.
    pub f: Frame,
    /// Tokens.
    pub tokens: Vec<ApiToken>,
    /// Accounts a token may act for.
    pub users: Vec<String>,
    /// Scope names.
    pub scopes: Vec<&'static str>,
    /// A token just created (shown once).
    pub created: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    f: Frame,
    created: Option<String>,
) -> Result<Response, ConsoleError> {
    let store = backend(state)?;
    let tokens = store.list_api_tokens().await?;
    let users = store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| u.name)
        .collect();
    Ok(page(&TokensPage {
        f,
        tokens,
        users,
        scopes: Scope::ALL.iter().map(|s| s.as_str()).collect(),
        created,
    }))
}

/// `GET /{lang}/console/tokens`.
pub async fn tokens(State(state): State<AppState>, f: Frame) -> Result<Response, ConsoleError> {
    tokens_page(&state, f, None).await
}

/// `POST /{lang}/console/tokens`: form fields `csrf`, `label`, `user`, and one `scope` per
/// checked scope (read with `axum::extract::RawForm` to allow repeats).
pub async fn create_token(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, ConsoleError> {
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(&body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    verify_form_token(&headers, &get("csrf"))?;
    let scopes: Vec<Scope> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .filter_map(|(_, v)| Scope::parse(v))
        .collect();
    let label = get("label").trim().to_string();
    let user = get("user").trim().to_string();
    if label.is_empty() || scopes.is_empty() {
        return Err(ConsoleError::Refused(
            "a token needs a label and at least one scope".into(),
        ));
    }
    let staff = f.staff()?;
    let token = format!("athar_{}", hex::encode(state.random_bytes(24)));
    backend(&state)?
        .create_api_token(
            &secret_hash(&token),
            &label,
            &user,
            &scopes,
            &staff.change(&state),
        )
        .await?;
    tokens_page(&state, f, Some(token)).await
}

/// Splits an urlencoded body into pairs (repeated keys kept).
fn serde_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = |c: u8| (c as char).to_digit(16);
                    match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                        (Some(h), Some(l)) => {
                            out.push((h * 16 + l) as u8);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// `POST /{lang}/console/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<super::auth::TokenOnly>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    backend(&state)?
        .revoke_api_token(id, &staff.change(&state))
        .await?;
    Ok(redirect(&f.href("tokens")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_pairs_keep_repeats_and_decode() {
        let p = serde_urlencoded_pairs(b"scope=read&scope=export&label=a+b%2Fc&csrf=%E2%9C%93");
        assert_eq!(p[0], ("scope".into(), "read".into()));
        assert_eq!(p[1], ("scope".into(), "export".into()));
        assert_eq!(p[2], ("label".into(), "a b/c".into()));
        assert_eq!(p[3], ("csrf".into(), "✓".into()));
    }

    #[test]
    fn login_names() {
        assert!(valid_name("amal.k"));
        assert!(valid_name("سارة"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(""));
    }
}
