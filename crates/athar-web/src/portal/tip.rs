//! Leave information about a person or a place (a tip). Anonymous unless the tipster chooses
//! to leave a way to reach them; nothing of it is ever shown publicly.

use askama::Template;
use athar_store::portal::NewTip;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::AppState;
use crate::error::WebError;
use crate::layout::{Chrome, page, page_with_status};
use crate::portal::PageCtx;
use crate::portal::forms::Problems;
use crate::security::verify_form_token;

/// The tip form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TipForm {
    /// Form token.
    pub csrf: String,
    /// Whom it is about.
    pub about_person: String,
    /// Where.
    pub place: String,
    /// What the tipster says.
    pub text: String,
    /// How to reach the tipster (optional).
    pub contact: String,
}

/// The tip page.
#[derive(Template)]
#[template(path = "portal/tip.html")]
pub struct TipPage {
    /// The frame.
    pub c: Chrome,
    /// Values to show again.
    pub form: TipForm,
    /// Problems (translation keys).
    pub problems: Vec<&'static str>,
    /// True after a tip was stored.
    pub thanks: bool,
}

/// `GET /{lang}/tip`.
pub async fn show(ctx: PageCtx) -> Response {
    page(&TipPage {
        c: ctx.chrome("tip"),
        form: TipForm::default(),
        problems: Vec::new(),
        thanks: false,
    })
}

/// `POST /{lang}/tip`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Form(form): Form<TipForm>,
) -> Result<Response, WebError> {
    verify_form_token(&headers, &form.csrf)?;
    let mut p = Problems::new();
    let about_person = p.line(&form.about_person);
    let place = p.line(&form.place);
    let text = p.text(&form.text);
    let contact = p.line(&form.contact);
    if text.is_none() {
        p.add("tip-need-text");
    }
    let mut shown = TipPage {
        c: ctx.chrome("tip"),
        form: TipForm::default(),
        problems: Vec::new(),
        thanks: false,
    };
    let Some(text) = text.filter(|_| p.is_empty()) else {
        shown.problems = p.0;
        shown.form = TipForm {
            csrf: String::new(),
            ..form
        };
        return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    };
    let tip = NewTip {
        about_person,
        place,
        text,
        contact,
        at_unix: state.clock.now().timestamp(),
    };
    state.portal.add_tip(&tip).await?;
    shown.thanks = true;
    Ok(page(&shown))
}
