//! Follow a case with the private code: only the status updates a caseworker chose to share.
//! A wrong code and a code that never existed look the same; look-ups have the strict rate
//! limit, and the code travels in the form body, never in a URL.

use askama::Template;
use athar_store::portal::{CaseView, ReportKind};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::DateTime;

use crate::AppState;
use crate::error::WebError;
use crate::layout::{Chrome, page, page_with_status};
use crate::portal::PageCtx;
use crate::portal::code;
use crate::security::verify_form_token;

/// The follow form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FollowForm {
    /// Form token.
    pub csrf: String,
    /// The code as typed.
    pub code: String,
}

/// One shared update, ready to show.
#[derive(Debug, Clone)]
pub struct UpdateLine {
    /// The date, formatted for the page's language.
    pub date: String,
    /// The status, translated.
    pub status: String,
    /// The caseworker's message, if any.
    pub message: Option<String>,
}

/// The case as the code's holder sees it.
#[derive(Debug, Clone)]
pub struct CaseLines {
    /// "Missing-person report" or "Survivor registration", translated.
    pub kind: String,
    /// When it was opened, formatted.
    pub opened: String,
    /// "3 updates", translated with the right plural.
    pub count: String,
    /// The updates, newest first.
    pub updates: Vec<UpdateLine>,
}

/// The follow page.
#[derive(Template)]
#[template(path = "portal/follow.html")]
pub struct FollowPage {
    /// The frame.
    pub c: Chrome,
    /// Problems (translation keys).
    pub problems: Vec<&'static str>,
    /// The case, after a good code.
    pub case: Option<CaseLines>,
}

/// `GET /{lang}/follow`.
pub async fn show(ctx: PageCtx) -> Response {
    page(&FollowPage {
        c: ctx.chrome("follow"),
        problems: Vec::new(),
        case: None,
    })
}

fn lines(c: &Chrome, case: &CaseView) -> CaseLines {
    let tr = c.tr;
    let date = |unix: i64| {
        DateTime::from_timestamp(unix, 0)
            .map(|d| tr.date(d))
            .unwrap_or_default()
    };
    CaseLines {
        kind: tr.t(match case.kind {
            ReportKind::Missing => "follow-kind-missing",
            ReportKind::Survivor => "follow-kind-survivor",
        }),
        opened: date(case.opened_unix),
        count: tr.count("updates-count", case.updates.len() as u64),
        updates: case
            .updates
            .iter()
            .rev()
            .map(|u| UpdateLine {
                date: date(u.at_unix),
                status: tr.t(&format!("status-{}", u.status.code())),
                message: u.message.clone(),
            })
            .collect(),
    }
}

/// `POST /{lang}/follow`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Form(form): Form<FollowForm>,
) -> Result<Response, WebError> {
    verify_form_token(&headers, &form.csrf)?;
    let c = ctx.chrome("follow");
    let found = match code::hash(&form.code) {
        Some(h) => state.portal.find_case(&h).await?,
        None => None,
    };
    match found {
        Some(case) => {
            let case = Some(lines(&c, &case));
            Ok(page(&FollowPage {
                c,
                problems: Vec::new(),
                case,
            }))
        }
        None => Ok(page_with_status(
            StatusCode::NOT_FOUND,
            &FollowPage {
                c,
                problems: vec!["follow-not-found"],
                case: None,
            },
        )),
    }
}
