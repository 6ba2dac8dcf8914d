//! Report a missing person, or register as a survivor ("I am alive"). Either way the form
//! becomes a record of its own source in the registry (family reports, survivor
//! registrations), matched at once by the store, and the reporter receives a private
//! follow-up code, shown once. The page never says whether the record matched anything: that
//! would make the form a way to probe the registry.

use askama::Template;
use athar_store::portal::{NewCase, NewReport, ReportKind};
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::AppState;
use crate::error::WebError;
use crate::layout::{Chrome, page, page_with_status};
use crate::portal::PageCtx;
use crate::portal::code;
use crate::portal::forms::Problems;
use crate::security::verify_form_token;

/// The report form (both kinds; the survivor form shows the detention fields first).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReportForm {
    /// Form token.
    pub csrf: String,
    /// Given name.
    pub first_name: String,
    /// Father's given name.
    pub father_name: String,
    /// Grandfather's given name.
    pub grandfather_name: String,
    /// Family name.
    pub family_name: String,
    /// Mother's given name.
    pub mother_name: String,
    /// Sex: `M`, `F` or empty.
    pub sex: String,
    /// Year of birth.
    pub birth_year: String,
    /// Governorate.
    pub governorate: String,
    /// Prison number.
    pub prison_number: String,
    /// Prison, branch or facility.
    pub detention_place: String,
    /// Date of arrest or detention, as typed.
    pub detention_date: String,
    /// Where last seen.
    pub last_seen_place: String,
    /// When last seen, as typed.
    pub last_seen_date: String,
    /// How to reach the reporter (kept for caseworkers, never shown).
    pub contact: String,
}

/// The report page (the form, or the code after a report).
#[derive(Template)]
#[template(path = "portal/report.html")]
pub struct ReportPage {
    /// The frame.
    pub c: Chrome,
    /// Missing-person report or survivor registration.
    pub survivor: bool,
    /// Values to show again.
    pub form: ReportForm,
    /// Problems (translation keys).
    pub problems: Vec<&'static str>,
    /// The follow-up code, once, after a successful report.
    pub code: Option<String>,
}

impl ReportPage {
    /// The prefix of this form's translation keys (`report` or `survivor`).
    pub fn k(&self, suffix: &str) -> String {
        let prefix = if self.survivor { "survivor" } else { "report" };
        self.c.tr.t(&format!("{prefix}-{suffix}"))
    }
}

fn here(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Missing => "report",
        ReportKind::Survivor => "survivor",
    }
}

fn blank(ctx: &PageCtx, kind: ReportKind) -> ReportPage {
    ReportPage {
        c: ctx.chrome(here(kind)),
        survivor: kind == ReportKind::Survivor,
        form: ReportForm::default(),
        problems: Vec::new(),
        code: None,
    }
}

/// `GET /{lang}/report`.
pub async fn show_missing(ctx: PageCtx) -> Response {
    page(&blank(&ctx, ReportKind::Missing))
}

/// `GET /{lang}/survivor`.
pub async fn show_survivor(ctx: PageCtx) -> Response {
    page(&blank(&ctx, ReportKind::Survivor))
}

/// `POST /{lang}/report`.
pub async fn submit_missing(
    state: State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    form: Form<ReportForm>,
) -> Result<Response, WebError> {
    submit(state, ctx, headers, form, ReportKind::Missing).await
}

/// `POST /{lang}/survivor`.
pub async fn submit_survivor(
    state: State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    form: Form<ReportForm>,
) -> Result<Response, WebError> {
    submit(state, ctx, headers, form, ReportKind::Survivor).await
}

/// The canonical fields of a report, and the problems found reading it.
pub fn fields_of(form: &ReportForm, kind: ReportKind) -> (Vec<(String, String)>, Problems) {
    let mut p = Problems::new();
    let mut fields = Vec::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            fields.push((name.to_string(), v));
        }
    };
    let first = p.line(&form.first_name);
    let father = p.line(&form.father_name);
    let family = p.line(&form.family_name);
    let prison = p.line(&form.prison_number);
    match kind {
        ReportKind::Missing if first.is_none() || (father.is_none() && family.is_none()) => {
            p.add("report-need-name");
        }
        ReportKind::Survivor if first.is_none() && prison.is_none() => {
            p.add("survivor-need-name");
        }
        _ => {}
    }
    put("first_name", first);
    put("father_name", father);
    put("grandfather_name", p.line(&form.grandfather_name));
    put("family_name", family);
    put("mother_name", p.line(&form.mother_name));
    let sex = match form.sex.as_str() {
        "M" | "F" => Some(form.sex.clone()),
        "" => None,
        _ => {
            p.add("form-bad-sex");
            None
        }
    };
    put("sex", sex);
    put(
        "birth_year",
        p.year(&form.birth_year).map(|y| y.to_string()),
    );
    put("governorate", p.line(&form.governorate));
    put("prison_number", prison);
    put("detention_place", p.line(&form.detention_place));
    put("detention_date", p.line(&form.detention_date));
    put("last_seen_place", p.line(&form.last_seen_place));
    put("last_seen_date", p.line(&form.last_seen_date));
    put(
        "status",
        Some(match kind {
            ReportKind::Missing => "missing".to_string(),
            ReportKind::Survivor => "alive".to_string(),
        }),
    );
    (fields, p)
}

async fn submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Form(form): Form<ReportForm>,
    kind: ReportKind,
) -> Result<Response, WebError> {
    verify_form_token(&headers, &form.csrf)?;
    let (fields, mut p) = fields_of(&form, kind);
    let contact = p.line(&form.contact);
    let mut shown = blank(&ctx, kind);
    if !p.is_empty() {
        shown.problems = p.0;
        shown.form = ReportForm {
            csrf: String::new(),
            ..form
        };
        return Ok(page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    }
    let code = code::new_code(&state.random_bytes(13));
    let code_hash = code::hash(&code).ok_or(WebError::Internal)?;
    let at_unix = state.clock.now().timestamp();
    let report = NewReport {
        kind,
        fields,
        at_unix,
    };
    // The record first (matched at once), then the case that points at it. Should the case
    // fail, the family sees an error and no code; the record stays, as any report would.
    let record_id = state.registry.ingest_report(&report).await?;
    let case = NewCase {
        kind,
        record_id: Some(record_id),
        code_hash,
        reporter_contact: contact,
        at_unix,
    };
    state.portal.open_case(&case).await?;
    shown.code = Some(code);
    Ok(page(&shown))
}
