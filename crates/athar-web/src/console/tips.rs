//! The tips inbox: tips from the portal with triage states (new, in review, actionable,
//! closed), linked to persons or places, with the reviewer noted. A tipster's contact is shown
//! only on request, to caseworkers and admins, as an audited read with its reason.

use askama::Template;
use athar_store::console::{TIP_STATES, TipEntry, TipTriage};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::auth::redirect;
use super::frame::Frame;
use super::{ConsoleError, backend};
use crate::AppState;
use crate::error::WebError;
use crate::layout::page;
use crate::security::verify_form_token;

/// The inbox filter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct InboxQuery {
    /// Only this state.
    pub state: String,
}

/// The inbox page.
#[derive(Template)]
#[template(path = "console/tips.html")]
pub struct InboxPage {
    /// Frame.
    pub f: Frame,
    /// The filter.
    pub state: String,
    /// Every state.
    pub states: Vec<&'static str>,
    /// Tips, each with its tipster's contact when it was just read.
    pub tips: Vec<TipRow>,
}

/// A tip on the inbox page.
#[derive(Debug, Clone)]
pub struct TipRow {
    /// The tip.
    pub t: TipEntry,
    /// The tipster's contact, when a caseworker just asked for it (an audited read).
    pub contact: Option<String>,
}

fn rows(tips: Vec<TipEntry>, contact: Option<(i64, String)>) -> Vec<TipRow> {
    tips.into_iter()
        .map(|t| {
            let c = contact
                .as_ref()
                .filter(|(id, _)| *id == t.id)
                .map(|(_, c)| c.clone());
            TipRow { t, contact: c }
        })
        .collect()
}

/// `GET /{lang}/console/tips`.
pub async fn inbox(
    State(state): State<AppState>,
    f: Frame,
    Query(q): Query<InboxQuery>,
) -> Result<Response, ConsoleError> {
    let filter = TIP_STATES.iter().find(|s| **s == q.state).copied();
    let tips = backend(&state)?.tips(filter, 200).await?;
    Ok(page(&InboxPage {
        f,
        state: filter.unwrap_or("").to_string(),
        states: TIP_STATES.to_vec(),
        tips: rows(tips, None),
    }))
}

/// The triage form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TriageForm {
    /// Form token.
    pub csrf: String,
    /// New state.
    pub state: String,
    /// Person id to link (optional).
    pub person: String,
    /// Place to link (optional).
    pub place: String,
}

/// `POST /{lang}/console/tips/{id}`.
pub async fn triage(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<TriageForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let person = match form.person.trim().trim_start_matches('#') {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| WebError::BadForm)?),
    };
    let place = Some(form.place.trim().to_string()).filter(|p| !p.is_empty());
    let staff = f.staff()?;
    let t = TipTriage {
        state: form.state.trim().to_string(),
        person_id: person,
        place,
    };
    backend(&state)?
        .triage_tip(id, &t, &staff.change(&state))
        .await?;
    Ok(redirect(&f.href("tips")))
}

/// The contact request form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ContactForm {
    /// Form token.
    pub csrf: String,
    /// Why the contact is needed.
    pub reason: String,
}

/// `POST /{lang}/console/tips/{id}/contact`: an audited read of the tipster's contact.
pub async fn contact(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<ContactForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let why = form.reason.trim();
    if why.is_empty() {
        return Err(ConsoleError::Refused("say why you need the contact".into()));
    }
    let staff = f.staff()?;
    let store = backend(&state)?;
    let contact = store
        .tip_contact_audited(id, &staff.change(&state).because(why))
        .await?;
    let tips = store.tips(None, 200).await?;
    let contact = Some((id, contact.unwrap_or_default()));
    Ok(page(&InboxPage {
        f,
        state: String::new(),
        states: TIP_STATES.to_vec(),
        tips: rows(tips, contact),
    }))
}
