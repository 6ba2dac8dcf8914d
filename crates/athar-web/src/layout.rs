//! What every page shares: the [`Chrome`] (language, the switch to the other language, the form
//! token) that `templates/base.html` renders around a page, the error page, and the helpers
//! that turn a template into a response.
//!
//! A response with an error status gets the translated error page from
//! `server::render_errors`, unless it carries [`Rendered`] (a form shown again with its
//! errors, which is already a full page).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;
use crate::i18n::{Lang, Tr};

/// Marks a response with an error status whose body is already a full page.
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's translator (and language).
    pub tr: Tr,
    /// The page's path after the language segment (`search`, `` for the home page).
    pub here: &'static str,
    /// The form token for this client (empty on pages without forms).
    pub csrf: String,
}

impl Chrome {
    /// The frame of page `here` in `lang`.
    pub fn new(lang: Lang, here: &'static str, csrf: String) -> Chrome {
        Chrome {
            tr: Tr::new(lang),
            here,
            csrf,
        }
    }

    /// A link to page `path` in this language.
    pub fn href(&self, path: &str) -> String {
        format!("/{}/{}", self.tr.code(), path)
    }

    /// The same page in the other language.
    pub fn switch_href(&self) -> String {
        format!("/{}/{}", self.tr.lang.other().code(), self.here)
    }

    /// The other language's code.
    pub fn other_code(&self) -> &'static str {
        self.tr.lang.other().code()
    }

    /// The other language's name, written in that language.
    pub fn other_name(&self) -> &'static str {
        match self.tr.lang.other() {
            Lang::Ar => "العربية",
            Lang::En => "English",
        }
    }

    /// `aria-current="page"` for the navigation entry of the current page.
    pub fn current(&self, path: &str) -> &'static str {
        if self.here == path { "page" } else { "false" }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// The frame.
    pub c: Chrome,
    /// The error's stable code.
    pub code: &'static str,
    /// Translated title.
    pub title: String,
    /// Translated explanation.
    pub body: String,
}

impl ErrorPage {
    /// The page for `err` in `lang`.
    pub fn new(lang: Lang, err: WebError) -> ErrorPage {
        let tr = Tr::new(lang);
        ErrorPage {
            title: tr.t(&format!("error-{}-title", err.code())),
            body: tr.t(&format!("error-{}-body", err.code())),
            c: Chrome::new(lang, "", String::new()),
            code: err.code(),
        }
    }
}

/// Renders a page with status 200.
pub fn page(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => WebError::internal(err).into_response(),
    }
}

/// Renders a page with another status, marked [`Rendered`].
pub fn page_with_status(status: StatusCode, template: &impl Template) -> Response {
    let mut response = page(template);
    if response.status().is_success() {
        *response.status_mut() = status;
        response.extensions_mut().insert(Rendered);
    }
    response
}
