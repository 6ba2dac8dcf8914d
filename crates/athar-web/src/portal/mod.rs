//! The public portal: pages anyone can open without an account, in Arabic (default) and
//! English. What it may say is narrow by design: whether a possible match exists and whom to
//! contact, a private code shown once, and the updates a caseworker chose to share. It never
//! shows a person's details, a reporter's identity or contact data, or anything that would
//! let a visitor tell a near miss from no record.
//!
//! Layout: [`home`], [`search`], [`report`] (missing person and survivor), [`tip`],
//! [`follow`]; [`matching`] decides "possible match" for a search; [`code`] makes and checks
//! follow-up codes; [`searchlog`] writes the search log with group commit.

pub mod code;
pub mod follow;
pub mod forms;
pub mod home;
pub mod matching;
pub mod report;
pub mod search;
pub mod searchlog;
pub mod tip;

use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::Method;
use axum::http::request::Parts;
use axum::response::Redirect;
use axum::routing::get;

use crate::AppState;
use crate::error::WebError;
use crate::i18n::Lang;
use crate::security::CsrfToken;

/// The portal's routes. Searches and code look-ups (their `POST`s) have a stricter rate limit
/// than the rest of the site.
pub fn routes(state: &AppState) -> Router<AppState> {
    let keys = state.client_keys.clone();
    let strict = state.config.strict_limit;
    Router::new()
        .route("/", get(|| async { Redirect::to("/ar/") }))
        .route(
            "/{lang}",
            get(|Path(lang): Path<String>| async move {
                match Lang::from_code(&lang) {
                    Some(l) => Ok(Redirect::to(&format!("/{}/", l.code()))),
                    None => Err(WebError::NotFound),
                }
            }),
        )
        .route("/{lang}/", get(home::show))
        .route(
            "/{lang}/search",
            get(search::show)
                .post(search::submit)
                .layer(crate::limiter!(keys, strict, vec![Method::POST])),
        )
        .route(
            "/{lang}/report",
            get(report::show_missing).post(report::submit_missing),
        )
        .route(
            "/{lang}/survivor",
            get(report::show_survivor).post(report::submit_survivor),
        )
        .route("/{lang}/tip", get(tip::show).post(tip::submit))
        .route(
            "/{lang}/follow",
            get(follow::show)
                .post(follow::submit)
                .layer(crate::limiter!(keys, strict, vec![Method::POST])),
        )
}

/// The page's language and form token, extracted from the path and the request.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// The language of the URL.
    pub lang: Lang,
    /// The form token (see [`crate::security`]).
    pub csrf: String,
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::NotFound)?;
        let lang = params
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::from_code(v))
            .ok_or(WebError::NotFound)?;
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        Ok(PageCtx { lang, csrf })
    }
}

impl PageCtx {
    /// The page frame for `here`.
    pub fn chrome(&self, here: &'static str) -> crate::layout::Chrome {
        crate::layout::Chrome::new(self.lang, here, self.csrf.clone())
    }
}
