//! Persons: search, the person page (records with sources, claims, determinations with
//! evidence, detention episodes, notes and the full history of decisions), merge, split,
//! reversal, determinations shared with the family's follow-up code, and reporters' contacts.
//!
//! Every person page is an audited read. Analysts (and coordinators) see no contact details:
//! contact-like columns of the raw rows and the `residence` field are withheld from them, and
//! the contacts page is refused to them by the access rules.

use askama::Template;
use athar_store::console::{RecordHit, ReporterContact, ShareChoice};
use athar_store::{NewDetermination, PersonDetail, PersonRef, Status, StoredRecord};
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

/// True for a raw column or field that holds a way to reach someone.
pub fn is_contact_column(name: &str) -> bool {
    let n = name.to_lowercase();
    [
        "phone",
        "mobile",
        "tel",
        "email",
        "e-mail",
        "mail",
        "contact",
        "whatsapp",
        "address",
        "residence",
        "هاتف",
        "جوال",
        "موبايل",
        "بريد",
        "تواصل",
        "عنوان",
        "سكن",
        "إقامة",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// The search form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// Text in the display name.
    pub q: String,
}

/// The search page.
#[derive(Template)]
#[template(path = "console/persons.html")]
pub struct SearchPage {
    /// Frame.
    pub f: Frame,
    /// The query.
    pub q: String,
    /// Hits.
    pub hits: Vec<RecordHit>,
}

/// `GET /{lang}/console/persons`.
pub async fn search(
    State(state): State<AppState>,
    f: Frame,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ConsoleError> {
    let text = q.q.trim().to_string();
    let hits = if text.chars().count() >= 2 {
        backend(&state)?
            .search_records_audited(&text, 100, &f.staff()?.change(&state))
            .await?
    } else {
        Vec::new()
    };
    Ok(page(&SearchPage { f, q: text, hits }))
}

/// A record as the person page shows it (contacts withheld where the role may not see them).
#[derive(Debug, Clone)]
pub struct RecordView {
    /// The record.
    pub r: StoredRecord,
    /// Canonical fields to show.
    pub fields: Vec<(String, String)>,
    /// Raw columns to show.
    pub raw: Vec<(String, String)>,
    /// How many values were withheld.
    pub withheld: usize,
}

/// One line of the history.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// Event id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at: String,
    /// Why.
    pub reason: String,
    /// What moved, as text.
    pub moves: String,
    /// True when a caseworker may reverse it here (merge, split or move, not yet reversed).
    pub reversible: bool,
}

/// The person page.
#[derive(Template)]
#[template(path = "console/person.html")]
pub struct PersonPage {
    /// Frame.
    pub f: Frame,
    /// The person.
    pub p: PersonDetail,
    /// Records as shown.
    pub records: Vec<RecordView>,
    /// History rows, newest first.
    pub history: Vec<HistoryRow>,
    /// The current determination's status, translated.
    pub current: String,
    /// Statuses for the determination form: (code, translated name).
    pub statuses: Vec<(&'static str, String)>,
}

/// Hides contact details from a record for roles that may not see them.
pub fn view_record(r: &StoredRecord, sees_contacts: bool) -> RecordView {
    let mut withheld = 0;
    let mut keep = |(k, v): &(String, String)| {
        if !sees_contacts && is_contact_column(k) {
            withheld += 1;
            None
        } else {
            Some((k.clone(), v.clone()))
        }
    };
    let fields: Vec<_> = r.fields.iter().filter_map(&mut keep).collect();
    let raw: Vec<_> = r.raw.iter().filter_map(&mut keep).collect();
    RecordView {
        r: r.clone(),
        fields,
        raw,
        withheld,
    }
}

/// `GET /{lang}/console/persons/{id}`: an audited read.
pub async fn show(
    State(state): State<AppState>,
    f: Frame,
    Path((_lang, id)): Path<(String, i64)>,
) -> Result<Response, ConsoleError> {
    let staff = f.staff()?.clone();
    let store = backend(&state)?;
    let Some(p) = store.person_audited(id, &staff.change(&state)).await? else {
        return Err(WebError::NotFound.into());
    };
    let records = p
        .records
        .iter()
        .map(|r| view_record(r, staff.sees_contacts()))
        .collect();
    let reversed: Vec<i64> = p.history.iter().filter_map(|e| e.reverses).collect();
    // An import's placement event moves every record of the list: show only this person's.
    let mine: Vec<i64> = p.records.iter().map(|r| r.id).collect();
    let touches =
        |m: &athar_store::Move| m.to == p.id || m.from == Some(p.id) || mine.contains(&m.record_id);
    let history = p
        .history
        .iter()
        .rev()
        .map(|e| HistoryRow {
            id: e.id,
            kind: e.kind.as_str().to_string(),
            actor: e.actor.clone(),
            at: f.at(e.at),
            reason: e.reason.clone().unwrap_or_default(),
            moves: e
                .moves
                .iter()
                .filter(|m| touches(m))
                .map(|m| match m.from {
                    Some(from) => format!("#{}: {} → {}", m.record_id, from, m.to),
                    None => format!("#{} → {}", m.record_id, m.to),
                })
                .collect::<Vec<_>>()
                .join(", "),
            reversible: matches!(e.kind.as_str(), "merge" | "split" | "move")
                && !reversed.contains(&e.id),
        })
        .collect();
    let current = p
        .determinations
        .last()
        .map(|d| f.tr.t(&format!("c-status-{}", d.status.as_str())))
        .unwrap_or_else(|| f.tr.t("c-status-none"));
    let statuses = Status::ALL
        .iter()
        .map(|s| (s.as_str(), f.tr.t(&format!("c-status-{}", s.as_str()))))
        .collect();
    Ok(page(&PersonPage {
        f,
        p,
        records,
        history,
        current,
        statuses,
    }))
}

/// The merge form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct MergeForm {
    /// Form token.
    pub csrf: String,
    /// The other person, merged into this one.
    pub other: String,
    /// Why.
    pub reason: String,
}

fn reason(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.chars().take(500).collect())
}

/// `POST /{lang}/console/persons/{id}/merge`: moves every record of `other` into this person.
pub async fn merge(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<MergeForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let other: i64 = form
        .other
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| WebError::BadForm)?;
    let staff = f.staff()?;
    let mut change = staff.change(&state);
    if let Some(r) = reason(&form.reason) {
        change = change.because(r);
    }
    backend(&state)?.merge_persons(other, id, &change).await?;
    Ok(redirect(&f.href(&format!("persons/{id}"))))
}

/// A form with a reason.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReasonForm {
    /// Form token.
    pub csrf: String,
    /// Why.
    pub reason: String,
}

/// `POST /{lang}/console/records/{id}/split`: moves the record out into a new person.
pub async fn split(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    let mut change = staff.change(&state);
    if let Some(r) = reason(&form.reason) {
        change = change.because(r);
    }
    let (_event, person) = backend(&state)?.split_record(id, &change).await?;
    Ok(redirect(&f.href(&format!("persons/{person}"))))
}

/// The reversal form (where to go afterwards).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReverseForm {
    /// Form token.
    pub csrf: String,
    /// Why.
    pub reason: String,
    /// The person page to return to.
    pub back: String,
}

/// `POST /{lang}/console/events/{id}/reverse`: undoes a merge, split or move.
pub async fn reverse(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<ReverseForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    let mut change = staff.change(&state);
    if let Some(r) = reason(&form.reason) {
        change = change.because(r);
    }
    backend(&state)?.reverse_event(id, &change).await?;
    let back: i64 = form.back.trim().parse().unwrap_or(0);
    Ok(redirect(&f.href(&if back > 0 {
        format!("persons/{back}")
    } else {
        "persons".into()
    })))
}

/// The determination form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeterminationForm {
    /// Form token.
    pub csrf: String,
    /// Status code.
    pub status: String,
    /// Evidence (required).
    pub evidence: String,
    /// What the family's follow-up code shows: empty (nothing), or a case status code.
    pub share: String,
    /// The message for the family.
    pub message: String,
}

/// `POST /{lang}/console/persons/{id}/determination`.
pub async fn determine(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<DeterminationForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let status: Status = form.status.parse().map_err(|_| WebError::BadForm)?;
    let evidence = form.evidence.trim().to_string();
    if evidence.is_empty() {
        return Err(ConsoleError::Refused(
            "a determination needs evidence".into(),
        ));
    }
    let share = match form.share.trim() {
        "" | "none" => None,
        code => Some(ShareChoice {
            case_status: code.to_string(),
            message: reason(&form.message),
        }),
    };
    let staff = f.staff()?;
    let det = NewDetermination {
        person: PersonRef::Existing(id),
        record: None,
        status,
        evidence,
    };
    backend(&state)?
        .add_determination_shared(&det, share.as_ref(), &staff.change(&state))
        .await?;
    Ok(redirect(&f.href(&format!("persons/{id}"))))
}

/// The contacts page: asks why, then shows reporters' contacts (audited with the reason).
#[derive(Template)]
#[template(path = "console/contacts.html")]
pub struct ContactsPage {
    /// Frame.
    pub f: Frame,
    /// The person.
    pub id: i64,
    /// Contacts, once a reason was given.
    pub contacts: Option<Vec<ReporterContact>>,
}

/// `GET /{lang}/console/persons/{id}/contacts`: the "why" form.
pub async fn contacts_form(f: Frame, Path((_lang, id)): Path<(String, i64)>) -> Response {
    page(&ContactsPage {
        f,
        id,
        contacts: None,
    })
}

/// `POST /{lang}/console/persons/{id}/contacts`: an audited read with its reason.
pub async fn contacts(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let Some(why) = reason(&form.reason) else {
        return Err(ConsoleError::Refused("say why you need the contact".into()));
    };
    let staff = f.staff()?;
    let contacts = backend(&state)?
        .reporter_contacts_audited(id, &staff.change(&state).because(why))
        .await?;
    Ok(page(&ContactsPage {
        f,
        id,
        contacts: Some(contacts),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_columns_are_recognised_in_both_scripts() {
        for c in [
            "phone",
            "Mobile number",
            "contact",
            "email",
            "residence",
            "رقم الهاتف",
            "جوال",
            "العنوان",
        ] {
            assert!(is_contact_column(c), "{c}");
        }
        for c in [
            "first_name",
            "father_name",
            "birth_date",
            "prison_number",
            "الاسم",
        ] {
            assert!(!is_contact_column(c), "{c}");
        }
    }
}
