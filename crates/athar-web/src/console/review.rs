//! The review queue (the engine's `review`-band pairs, ordered by value, filterable by source
//! and governorate, with claims), the compare view (two records side by side with each
//! field's level and weight and the waterfall chart), decisions, and retraining.

use askama::Template;
use athar_store::console::{ClaimOutcome, QueueEntry, QueueFilter};
use athar_store::{Change, StoredRecord};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Duration;

use super::auth::redirect;
use super::frame::Frame;
use super::waterfall::{self, Explanation, Labels};
use super::{ConsoleError, backend};
use crate::AppState;
use crate::layout::page;
use crate::security::verify_form_token;

/// How long a claim holds, in minutes.
pub const CLAIM_MINUTES: i64 = 20;
/// How many items a page of the queue shows.
pub const QUEUE_PAGE: usize = 50;

/// Queue filters from the query string.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    /// Source name.
    pub source: String,
    /// Governorate as written.
    pub governorate: String,
    /// The page (1 is the first).
    pub page: usize,
}

impl QueueQuery {
    /// The page asked for, at least 1.
    pub fn page(&self) -> usize {
        self.page.max(1)
    }

    /// The query string of page `n` with the same filters.
    pub fn page_href(&self, f: &Frame, n: usize) -> String {
        let mut href = format!("{}?page={n}", f.href("review"));
        for (k, v) in [("source", &self.source), ("governorate", &self.governorate)] {
            if !v.trim().is_empty() {
                href.push_str(&format!("&{k}={}", urlencoding_component(v.trim())));
            }
        }
        href
    }
}

/// Percent-encodes a query-string value (everything but unreserved ASCII).
fn urlencoding_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One row of the queue page.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// The entry.
    pub e: QueueEntry,
    /// Its value.
    pub value: String,
    /// Probability as a percentage.
    pub percent: String,
}

/// The queue page.
#[derive(Template)]
#[template(path = "console/review.html")]
pub struct QueuePage {
    /// Frame.
    pub f: Frame,
    /// The filters as given.
    pub q: QueueQuery,
    /// Every source (for the filter).
    pub sources: Vec<String>,
    /// Rows, by value.
    pub rows: Vec<QueueRow>,
    /// Items matching the filter in total.
    pub total: u64,
    /// The previous page's link, if any.
    pub prev: Option<String>,
    /// The next page's link, if any.
    pub next: Option<String>,
    /// A notice after retraining.
    pub notice: Option<String>,
    /// "N items, M shown", translated.
    pub count_text: String,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn count_text(f: &Frame, total: u64, from: usize, shown: usize) -> String {
    f.tr.t_args(
        "c-review-count",
        &[
            ("n", f.tr.number(total)),
            (
                "from",
                f.tr.number(if shown == 0 { 0 } else { from as u64 + 1 }),
            ),
            ("to", f.tr.number((from + shown) as u64)),
        ],
    )
}

/// One page of the queue, read in value order from the store's index, with its count.
async fn queue_page(
    state: &AppState,
    f: Frame,
    q: QueueQuery,
    notice: Option<String>,
) -> Result<Response, ConsoleError> {
    let staff = f.staff()?.clone();
    let store = backend(state)?;
    let offset = (q.page() - 1) * QUEUE_PAGE;
    let filter = QueueFilter {
        source: opt(&q.source),
        governorate: opt(&q.governorate),
        limit: QUEUE_PAGE,
        offset,
    };
    let total = store.review_queue_count(&filter).await?;
    // The page shows both sides' names: read and audited in one transaction.
    let rows: Vec<QueueRow> = store
        .review_queue_audited(&filter, state.clock.now(), &staff.change(state))
        .await?
        .into_iter()
        .map(|e| QueueRow {
            value: format!("{:.2}", e.value),
            percent: format!("{:.0}%", e.item.probability * 100.0),
            e,
        })
        .collect();
    let sources = store.source_names().await?;
    let count_text = count_text(&f, total, offset, rows.len());
    let prev = (q.page() > 1).then(|| q.page_href(&f, q.page() - 1));
    let next = ((offset + rows.len()) < total as usize).then(|| q.page_href(&f, q.page() + 1));
    Ok(page(&QueuePage {
        f,
        q,
        sources,
        rows,
        total,
        prev,
        next,
        notice,
        count_text,
    }))
}

/// `GET /{lang}/console/review`: a page of the queue, most valuable first.
pub async fn queue(
    State(state): State<AppState>,
    f: Frame,
    Query(q): Query<QueueQuery>,
) -> Result<Response, ConsoleError> {
    queue_page(&state, f, q, None).await
}

/// One line of the side-by-side comparison.
#[derive(Debug, Clone)]
pub struct CompareRow {
    /// Canonical field.
    pub field: String,
    /// Left value.
    pub left: String,
    /// Right value.
    pub right: String,
    /// The engine's level for the field, when it compared it.
    pub level: String,
    /// Its weight, formatted.
    pub weight: String,
    /// `for`, `against` or `none`.
    pub kind: &'static str,
}

/// The compare page.
#[derive(Template)]
#[template(path = "console/compare.html")]
pub struct ComparePage {
    /// Frame.
    pub f: Frame,
    /// The item.
    pub e: QueueEntry,
    /// Left record.
    pub left: StoredRecord,
    /// Right record.
    pub right: StoredRecord,
    /// Field rows.
    pub rows: Vec<CompareRow>,
    /// The waterfall chart (SVG built by [`waterfall::render`], text escaped there).
    pub chart: String,
    /// Probability as a percentage.
    pub percent: String,
    /// True when the current user holds the claim.
    pub mine: bool,
}

/// The canonical fields in display order.
pub const FIELDS: [&str; 24] = [
    "full_name",
    "first_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "mother_name",
    "mother_family_name",
    "alias",
    "sex",
    "birth_date",
    "birth_year",
    "age",
    "governorate",
    "birth_place",
    "residence",
    "national_id",
    "prison_number",
    "detention_date",
    "detention_place",
    "last_seen_date",
    "last_seen_place",
    "status",
    "id",
    "source",
];

/// The side-by-side rows of two records with the explanation's evidence per field.
pub fn compare_rows(left: &StoredRecord, right: &StoredRecord, e: &Explanation) -> Vec<CompareRow> {
    let mut rows = Vec::new();
    for field in FIELDS {
        let l = left.field(field).unwrap_or("").to_string();
        let r = right.field(field).unwrap_or("").to_string();
        let ev = e
            .fields
            .iter()
            .find(|t| t.field == field || field.starts_with(&t.field));
        if l.is_empty() && r.is_empty() && ev.is_none() {
            continue;
        }
        let (level, weight, kind) = match ev {
            Some(t) if t.level == "missing" || t.weight == 0.0 => {
                (t.level.clone(), format!("{:+.2}", t.weight), "none")
            }
            Some(t) if t.weight > 0.0 => (t.level.clone(), format!("{:+.2}", t.weight), "for"),
            Some(t) => (t.level.clone(), format!("{:+.2}", t.weight), "against"),
            None => (String::new(), String::new(), "none"),
        };
        rows.push(CompareRow {
            field: field.to_string(),
            left: l,
            right: r,
            level,
            weight,
            kind,
        });
    }
    // Fields the engine compared that are not canonical names (e.g. `name`).
    for t in &e.fields {
        if !rows
            .iter()
            .any(|r| r.field == t.field || r.field.starts_with(&t.field))
        {
            let kind = if t.weight > 0.0 {
                "for"
            } else if t.weight < 0.0 {
                "against"
            } else {
                "none"
            };
            rows.push(CompareRow {
                field: t.field.clone(),
                left: String::new(),
                right: String::new(),
                level: t.level.clone(),
                weight: format!("{:+.2}", t.weight),
                kind,
            });
        }
    }
    rows
}

/// `GET /{lang}/console/review/{id}`: reads both records (audited).
pub async fn compare(
    State(state): State<AppState>,
    f: Frame,
    Path((_lang, id)): Path<(String, i64)>,
) -> Result<Response, ConsoleError> {
    let staff = f.staff()?.clone();
    let store = backend(&state)?;
    let Some((e, left, right)) = store.review_audited(id, &staff.change(&state)).await? else {
        return Err(crate::error::WebError::NotFound.into());
    };
    let explanation = Explanation::from_json(&e.item.explanation).unwrap_or_default();
    let labels = Labels {
        prior: f.tr.t("c-wf-prior"),
        siblings: f.tr.t("c-wf-siblings"),
        labels: f.tr.t("c-wf-labels"),
        total: f.tr.t("c-wf-total"),
    };
    let chart = waterfall::render(&explanation, &labels, f.tr.dir() == "rtl");
    let rows = compare_rows(&left, &right, &explanation);
    let mine = e.claimed_by.as_deref() == Some(staff.name.as_str());
    let percent = format!("{:.1}%", e.item.probability * 100.0);
    Ok(page(&ComparePage {
        f,
        e,
        left,
        right,
        rows,
        chart,
        percent,
        mine,
    }))
}

/// `POST /{lang}/console/review/{id}/claim`.
pub async fn claim(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<super::auth::TokenOnly>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    let change = staff.change(&state);
    let until = change.at + Duration::minutes(CLAIM_MINUTES);
    match backend(&state)?.claim_review(id, until, &change).await? {
        ClaimOutcome::Claimed(_) => Ok(redirect(&f.href(&format!("review/{id}")))),
        ClaimOutcome::HeldBy(other) => Err(ConsoleError::Refused(format!(
            "review item {id} is being reviewed by {other}"
        ))),
    }
}

/// The decision form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecideForm {
    /// Form token.
    pub csrf: String,
    /// `confirm`, `reject` or `defer`.
    pub decision: String,
    /// Why.
    pub reason: String,
}

/// `POST /{lang}/console/review/{id}/decide`: claims the item (refused if someone else holds
/// it), then confirms (a merge), rejects or defers it; confirm and reject are training labels.
pub async fn decide(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Path((_lang, id)): Path<(String, i64)>,
    Form(form): Form<DecideForm>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    let state_name = match form.decision.as_str() {
        "confirm" => "confirmed",
        "reject" => "rejected",
        "defer" => "deferred",
        _ => return Err(crate::error::WebError::BadForm.into()),
    };
    let store = backend(&state)?;
    let mut change = staff.change(&state);
    if let ClaimOutcome::HeldBy(other) = store
        .claim_review(id, change.at + Duration::minutes(CLAIM_MINUTES), &change)
        .await?
    {
        return Err(ConsoleError::Refused(format!(
            "review item {id} is being reviewed by {other}"
        )));
    }
    if let Some(reason) = opt(&form.reason) {
        change = change.because(reason);
    }
    let event = store.decide_review(id, state_name, &change).await?;
    // After a confirmed merge, show the person the pair now belongs to.
    if event.is_some()
        && let Some(rec) = store
            .review_audited(id, &Change::new(staff.name.clone(), change.at))
            .await?
    {
        return Ok(redirect(&f.href(&format!("persons/{}", rec.1.person_id))));
    }
    Ok(redirect(&f.href("review")))
}

/// `POST /{lang}/console/train`: re-estimates the model from the store with every decision so
/// far as labels, then rescores the open queue with it.
pub async fn train(
    State(state): State<AppState>,
    f: Frame,
    headers: HeaderMap,
    Form(form): Form<super::auth::TokenOnly>,
) -> Result<Response, ConsoleError> {
    verify_form_token(&headers, &form.csrf)?;
    let staff = f.staff()?;
    let store = backend(&state)?;
    let report = super::import::retrain(&state, store.as_ref(), &staff.change(&state)).await?;
    let notice = Some(f.tr.t_args(
        "c-trained",
        &[
            ("version", report.version.clone()),
            ("labels", report.labels.to_string()),
            ("rescored", report.rescored.to_string()),
        ],
    ));
    queue_page(&state, f, QueueQuery::default(), notice).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_filters_encoded() {
        let f = Frame::bare(crate::i18n::Lang::En, None, String::new());
        let q = QueueQuery {
            source: "family reports".into(),
            governorate: "ريف دمشق".into(),
            page: 0,
        };
        assert_eq!(q.page(), 1);
        let href = q.page_href(&f, 2);
        assert!(
            href.starts_with(
                "/en/console/review?page=2&source=family%20reports&governorate=%D8%B1"
            )
        );
    }
}
