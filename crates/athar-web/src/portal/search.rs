//! Search for a person: a name plus at least one more identifying detail. The answer is "no
//! record found" or "a possible match exists — reference R; contact the organization". Every
//! submission is logged (what was asked and the rate-limit key, nothing else).

use askama::Template;
use athar_store::portal::{PublicQuery, SearchLogEntry};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::AppState;
use crate::error::WebError;
use crate::layout::{Chrome, page, page_with_status};
use crate::portal::PageCtx;
use crate::portal::forms::Problems;
use crate::portal::matching::decide;
use crate::ratelimit::ClientKey;
use crate::registry::same_name;
use crate::security::verify_form_token;

/// How many stored records a public search looks at.
const CANDIDATES: usize = 50;

/// The submitted search form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SearchForm {
    /// Form token.
    pub csrf: String,
    /// The name.
    pub name: String,
    /// Father's name.
    pub father_name: String,
    /// Mother's name.
    pub mother_name: String,
    /// Year of birth.
    pub birth_year: String,
    /// Prison number.
    pub prison_number: String,
}

/// What a search answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No record agrees with everything given.
    NoRecord,
    /// A possible match, with the person's public reference.
    PossibleMatch(String),
}

/// The search page: the form, and the answer after a search.
#[derive(Template)]
#[template(path = "portal/search.html")]
pub struct SearchPage {
    /// The frame.
    pub c: Chrome,
    /// The values to show in the form again.
    pub form: SearchForm,
    /// Problems with the submission (translation keys).
    pub problems: Vec<&'static str>,
    /// The answer, after a valid search.
    pub outcome: Option<Outcome>,
    /// How to reach the organization.
    pub contact: String,
}

/// `GET /{lang}/search`.
pub async fn show(State(state): State<AppState>, ctx: PageCtx) -> Response {
    page(&SearchPage {
        c: ctx.chrome("search"),
        form: SearchForm::default(),
        problems: Vec::new(),
        outcome: None,
        contact: state.config.organization_contact.clone(),
    })
}

/// `POST /{lang}/search`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    ClientKey(client): ClientKey,
    headers: HeaderMap,
    Form(form): Form<SearchForm>,
) -> Result<Response, WebError> {
    verify_form_token(&headers, &form.csrf)?;
    let mut p = Problems::new();
    let query = PublicQuery {
        name: p.line(&form.name).unwrap_or_default(),
        father_name: p.line(&form.father_name),
        mother_name: p.line(&form.mother_name),
        birth_year: p.year(&form.birth_year),
        prison_number: p.line(&form.prison_number),
    };
    if query.name.is_empty() {
        p.add("search-need-name");
    }
    if query.extra_details() == 0 {
        p.add("search-need-detail");
    }
    let at_unix = state.clock.now().timestamp();
    let mut log = SearchLogEntry {
        at_unix,
        client_key: client.to_string(),
        query: query.clone(),
        outcome: "refused".to_string(),
    };
    let mut shown = SearchPage {
        c: ctx.chrome("search"),
        form: SearchForm {
            csrf: String::new(),
            ..form
        },
        problems: Vec::new(),
        outcome: None,
        contact: state.config.organization_contact.clone(),
    };
    if !p.is_empty() {
        state.portal.log_search(&log).await?;
        shown.problems = p.0;
        return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    }
    let candidates = state.registry.public_candidates(&query, CANDIDATES).await?;
    let outcome = match decide(&query, &candidates, &same_name) {
        Some(person) => {
            let fresh = crate::portal::code::new_code(&state.random_bytes(13));
            let fresh = format!("R-{}", &fresh[..11]);
            Outcome::PossibleMatch(state.portal.public_reference(person, &fresh).await?)
        }
        None => Outcome::NoRecord,
    };
    log.outcome = match outcome {
        Outcome::NoRecord => "no_record",
        Outcome::PossibleMatch(_) => "possible_match",
    }
    .to_string();
    state.portal.log_search(&log).await?;
    shown.outcome = Some(outcome);
    Ok(page(&shown))
}
