//! The console's page frame ([`Frame`]: language, form token, the logged-in staff member and
//! the navigation they may use), the message page, and the console's stylesheet.

use std::borrow::Borrow;

use askama::Template;
use athar_store::Role;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth::Staff;
use super::{ADMIN, CASEWORK, TIPS};
use crate::AppState;
use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::security::CsrfToken;

/// The console's stylesheet, embedded in the binary.
const CONSOLE_CSS: &str = include_str!("../../templates/console/console.css");

/// The frame of every console page.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Translator (and language).
    pub tr: Tr,
    /// The request's path after `/{lang}/` (for the language switch).
    pub path: String,
    /// The form token.
    pub csrf: String,
    /// The logged-in staff member, if any.
    pub staff: Option<Staff>,
}

impl FromRequestParts<AppState> for Frame {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let mut segs = path.trim_start_matches('/').splitn(2, '/');
        let lang = segs
            .next()
            .and_then(Lang::from_code)
            .ok_or(WebError::NotFound)?;
        let rest = segs.next().unwrap_or("").to_string();
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let staff = parts.extensions.get::<Staff>().cloned();
        Ok(Frame {
            tr: Tr::new(lang),
            path: rest,
            csrf,
            staff,
        })
    }
}

impl Frame {
    /// A frame without a request path (guard pages).
    pub fn bare(lang: Lang, staff: Option<Staff>, csrf: String) -> Frame {
        Frame {
            tr: Tr::new(lang),
            path: "console/".into(),
            csrf,
            staff,
        }
    }

    /// The logged-in staff member (the guard guarantees one on staff routes).
    pub fn staff(&self) -> Result<&Staff, WebError> {
        self.staff.as_ref().ok_or(WebError::Forbidden)
    }

    /// A console link in this language: `href("review")` → `/en/console/review`.
    pub fn href(&self, path: &str) -> String {
        format!("/{}/console/{}", self.tr.code(), path)
    }

    /// A console link to an item: `link("persons", 7, "/merge")` → `/en/console/persons/7/merge`.
    pub fn link(&self, area: &str, id: impl Borrow<i64>, rest: &str) -> String {
        self.href(&format!("{area}/{}{rest}", id.borrow()))
    }

    /// The same page in the other language.
    pub fn switch_href(&self) -> String {
        format!("/{}/{}", self.tr.lang.other().code(), self.path)
    }

    /// The other language's code.
    pub fn other_code(&self) -> &'static str {
        self.tr.lang.other().code()
    }

    /// The other language's name in that language.
    pub fn other_name(&self) -> &'static str {
        match self.tr.lang.other() {
            Lang::Ar => "العربية",
            Lang::En => "English",
        }
    }

    fn role(&self) -> Option<Role> {
        self.staff.as_ref().map(|s| s.role)
    }

    /// True when the staff member may use the caseworker pages.
    pub fn casework(&self) -> bool {
        self.role().is_some_and(|r| CASEWORK.contains(&r))
    }

    /// True when the staff member may read tips.
    pub fn tips(&self) -> bool {
        self.role().is_some_and(|r| TIPS.contains(&r))
    }

    /// True for admins.
    pub fn admin(&self) -> bool {
        self.role().is_some_and(|r| ADMIN.contains(&r))
    }

    /// The staff member's name, or empty.
    pub fn who(&self) -> String {
        self.staff
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// The staff member's role, translated.
    pub fn role_name(&self) -> String {
        self.role()
            .map(|r| self.tr.t(&format!("c-role-{}", r.as_str())))
            .unwrap_or_default()
    }

    /// A date and time for staff pages (UTC, ISO-like, digits per language).
    pub fn at(&self, at: impl Borrow<chrono::DateTime<chrono::Utc>>) -> String {
        let at = *at.borrow();
        format!("{} {}", self.tr.date(at), at.format("%H:%M"))
    }

    /// A status, translated.
    pub fn status(&self, s: impl Borrow<athar_store::Status>) -> String {
        self.tr.t(&format!("c-status-{}", s.borrow().as_str()))
    }

    /// The translation key of a role.
    pub fn role_key(&self, r: Role) -> String {
        format!("c-role-{}", r.as_str())
    }

    /// A role code, translated.
    pub fn role_name_of(&self, code: &str) -> String {
        self.tr.t(&format!("c-role-{code}"))
    }

    /// True when two texts are equal (menus mark the current choice with it).
    pub fn same(&self, a: &str, b: &str) -> bool {
        a == b
    }

    /// A count in the page's digits.
    pub fn num(&self, n: impl Borrow<u64>) -> String {
        self.tr.number(*n.borrow())
    }

    /// A tip's triage state, translated.
    pub fn tip_state(&self, state: &str) -> String {
        self.tr.t(&format!("c-tip-{state}"))
    }

    /// A link event kind, translated.
    pub fn event(&self, kind: &str) -> String {
        self.tr.t(&format!("c-event-{kind}"))
    }
}

/// A page with a title and a message (not allowed, refused by the store).
#[derive(Template)]
#[template(path = "console/message.html")]
pub struct MessagePage {
    /// Frame.
    pub f: Frame,
    /// Title.
    pub title: String,
    /// Message.
    pub body: String,
    /// Detail from the store (names rows; shown to staff only).
    pub detail: Option<String>,
}

impl MessagePage {
    /// A page from two translation keys.
    pub fn new(f: Frame, title: &str, body: &str) -> MessagePage {
        MessagePage {
            title: f.tr.t(title),
            body: f.tr.t(body),
            detail: None,
            f,
        }
    }

    /// The page for a request the store refused.
    pub fn refused(f: Frame, detail: String) -> MessagePage {
        MessagePage {
            title: f.tr.t("c-refused-title"),
            body: f.tr.t("c-refused-body"),
            detail: Some(detail),
            f,
        }
    }
}

/// The store's refusal carried by a response until the guard renders it.
#[derive(Debug, Clone)]
struct Refused(String);

/// A 409 response that the guard renders as the refusal page in the page's language.
pub fn refused_page(msg: &str) -> Response {
    let mut r = StatusCode::CONFLICT.into_response();
    r.extensions_mut().insert(Refused(msg.to_string()));
    r
}

/// The refusal a response carries, if any.
pub fn refused_message(r: &Response) -> Option<String> {
    r.extensions().get::<Refused>().map(|m| m.0.clone())
}

/// `GET /console.css`.
pub async fn stylesheet() -> Response {
    let mut response = CONSOLE_CSS.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}
