//! The JSON API for machine clients, described by an OpenAPI document generated from this code
//! (`GET /api/openapi.json`, snapshot-tested).
//!
//! Clients authenticate with `Authorization: Bearer <token>`; tokens are made by an admin in the
//! console, act for one staff account (its name is the audit actor, its role limits what it
//! sees: analysts get no contact details) and carry scopes: `read` (search, records, persons,
//! review queue), `write` (decisions), `import`, `export`. No token: 401; a token without the
//! scope: 403. Errors are JSON `{"error": code}`.
//!
//! [`API_ROUTES`] lists every route with its scope; the API access test walks it and checks
//! that it equals the paths of the OpenAPI document, so a route cannot be added without both.

pub mod pfif;

use athar_record::FieldMap;
use athar_store::console::{ApiToken, QueueFilter, Scope};
use athar_store::ingest;
use athar_store::{Change, FileInfo, PersonDetail, Role, SourceInfo, StoreError};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::console::auth::secret_hash;
use crate::console::persons::is_contact_column;
use crate::console::{ConsoleBackend, backend};
use crate::layout::Rendered;

/// Every API route with the scope it needs (`None`: public).
pub const API_ROUTES: &[(&str, &str, Option<Scope>)] = &[
    ("GET", "/api/openapi.json", None),
    ("GET", "/api/v1/search", Some(Scope::Read)),
    ("GET", "/api/v1/records/{id}", Some(Scope::Read)),
    ("GET", "/api/v1/persons/{id}", Some(Scope::Read)),
    ("GET", "/api/v1/reviews", Some(Scope::Read)),
    ("POST", "/api/v1/decisions", Some(Scope::Write)),
    ("POST", "/api/v1/import", Some(Scope::Import)),
    ("GET", "/api/v1/export", Some(Scope::Export)),
];

/// An API failure: a status and a stable code, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiError {
    /// `unauthorized`, `forbidden`, `not_found`, `invalid`, `conflict`, `internal`.
    pub error: String,
    /// Details for the client (names the offending input; never SQL or a stack trace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    #[schema(ignore)]
    status: u16,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, detail: Option<String>) -> ApiError {
        ApiError {
            error: code.to_string(),
            detail,
            status: status.as_u16(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", Some(m)),
            StoreError::Invalid(m) => ApiError::new(StatusCode::BAD_REQUEST, "invalid", Some(m)),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", Some(m)),
            other => {
                tracing::error!(cause = %other, "api request failed");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        }
    }
}

impl From<crate::error::WebError> for ApiError {
    fn from(e: crate::error::WebError) -> Self {
        ApiError::new(e.status(), e.code(), None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = (status, Json(&self)).into_response();
        // Already a complete response: the HTML error-page layer must leave it alone.
        r.extensions_mut().insert(Rendered);
        r
    }
}

/// The caller of an API request: its token.
#[derive(Debug, Clone)]
pub struct Caller(pub ApiToken);

impl Caller {
    /// Refuses the request unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.0.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                Some(format!("this token lacks the {} scope", scope.as_str())),
            ))
        }
    }

    fn change(&self, state: &AppState) -> Change {
        Change::new(self.0.user_name.clone(), state.clock.now())
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", None);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| t.starts_with("athar_") && t.len() <= 128)
            .ok_or_else(unauthorized)?;
        let store = backend(state)?;
        let found = store.api_token(&secret_hash(token)).await?;
        found.map(Caller).ok_or_else(unauthorized)
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "token",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Athar API", version = "1", description = "Search, records, persons, decisions, import and export of the Athar registry. Bearer tokens with scopes read, write, import, export."),
    modifiers(&BearerAuth),
    security(("token" = [])),
    components(schemas(ApiError))
)]
struct ApiDoc;

/// The API's router and its OpenAPI document.
pub fn router_and_doc() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(search))
        .routes(routes!(record))
        .routes(routes!(person))
        .routes(routes!(reviews))
        .routes(routes!(decide))
        .routes(routes!(import_list))
        .routes(routes!(export))
        .split_for_parts()
}

/// The OpenAPI document as JSON text (pretty, stable key order).
pub fn openapi_json() -> String {
    router_and_doc().1.to_pretty_json().unwrap_or_default()
}

/// The API's routes, `/api/openapi.json` included.
pub fn routes(_state: &AppState) -> Router<AppState> {
    let (router, doc) = router_and_doc();
    let json = doc.to_pretty_json().unwrap_or_default();
    router.route(
        "/api/openapi.json",
        get(move || {
            let json = json.clone();
            async move {
                let mut r = json.into_response();
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                r
            }
        }),
    )
}

/// A person search.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The name (Arabic or Latin).
    pub name: String,
    /// Father's name.
    pub father: Option<String>,
    /// Mother's name.
    pub mother: Option<String>,
    /// Birth year.
    pub birth_year: Option<i32>,
    /// At most this many hits (default 20, at most 200).
    pub limit: Option<usize>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    /// The person.
    pub person_id: i64,
    /// The best-matching record.
    pub record_id: i64,
    /// Its display name.
    pub display_name: String,
    /// Its source.
    pub source: String,
    /// How alike (0–1).
    pub score: f64,
}

/// Search persons by name across scripts.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams), tag = "read",
    responses((status = 200, body = [SearchHit]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn search(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<SearchParams>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    caller.require(Scope::Read)?;
    if p.name.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            Some("name is required".into()),
        ));
    }
    let store = backend(&state)?;
    let model = ingest::load_model(store.as_ref()).await?;
    let query = serde_json::json!({"name": p.name, "father": p.father, "mother": p.mother,
                                   "birth_year": p.birth_year});
    let q = ingest::Query {
        name: p.name,
        father: p.father,
        mother: p.mother,
        birth_year: p.birth_year,
    };
    // The matcher reads candidates to score them; what the caller receives is read again,
    // with the search's audit row, in one transaction: no hit leaves the store unrecorded.
    let hits = ingest::search(
        store.as_ref(),
        &q,
        model.as_ref().map(|(_, m)| m),
        p.limit.unwrap_or(20).min(200),
    )
    .await?;
    let ids: Vec<i64> = hits.iter().map(|h| h.record_id).collect();
    let read = store
        .records_audited(
            &ids,
            "search",
            &serde_json::json!({"query": query}),
            &caller.change(&state),
        )
        .await?;
    Ok(Json(
        hits.into_iter()
            .filter_map(|h| {
                let r = read.iter().find(|r| r.id == h.record_id)?;
                Some(SearchHit {
                    person_id: r.person_id,
                    record_id: r.id,
                    display_name: r.display_name.clone(),
                    source: r.source.clone(),
                    score: h.score,
                })
            })
            .collect(),
    ))
}

/// A stored record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordOut {
    /// The record's id.
    pub id: i64,
    /// Its person now.
    pub person_id: i64,
    /// Its source.
    pub source: String,
    /// Its id in its own list.
    pub local_id: Option<String>,
    /// Line or row in the file.
    pub line: Option<u64>,
    /// Display name.
    pub display_name: String,
    /// Canonical fields as read (contact fields withheld from analysts).
    pub fields: Vec<(String, String)>,
    /// The raw row (contact columns withheld from analysts).
    pub raw: Vec<(String, String)>,
}

fn record_out(r: &athar_store::StoredRecord, contacts: bool) -> RecordOut {
    let keep = |(k, v): &(String, String)| {
        (contacts || !is_contact_column(k)).then(|| (k.clone(), v.clone()))
    };
    RecordOut {
        id: r.id,
        person_id: r.person_id,
        source: r.source.clone(),
        local_id: r.local_id.clone(),
        line: r.line,
        display_name: r.display_name.clone(),
        fields: r.fields.iter().filter_map(keep).collect(),
        raw: r.raw.iter().filter_map(keep).collect(),
    }
}

fn sees_contacts(c: &Caller) -> bool {
    matches!(c.0.role, Role::Caseworker | Role::Admin)
}

/// One record (an audited read: the record's person is read with it).
#[utoipa::path(get, path = "/api/v1/records/{id}", params(("id" = i64, Path, description = "Record id")), tag = "read",
    responses((status = 200, body = RecordOut), (status = 404, body = ApiError)))]
async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<RecordOut>, ApiError> {
    caller.require(Scope::Read)?;
    let store = backend(&state)?;
    let r = store
        .records_audited(
            &[id],
            "read_record",
            &serde_json::json!({}),
            &caller.change(&state),
        )
        .await?
        .pop()
        .ok_or_else(|| ApiError::from(StoreError::NotFound(format!("record {id}"))))?;
    Ok(Json(record_out(&r, sees_contacts(&caller))))
}

/// A person with records, determinations and history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonOut {
    /// The person's id.
    pub id: i64,
    /// Records now in the person.
    pub records: Vec<RecordOut>,
    /// The current verified status, if any.
    pub status: Option<String>,
    /// Determinations (status, evidence, who, when), oldest first.
    #[schema(value_type = Vec<Object>)]
    pub determinations: serde_json::Value,
    /// Detention episodes.
    #[schema(value_type = Vec<Object>)]
    pub detentions: serde_json::Value,
    /// Claims.
    #[schema(value_type = Vec<Object>)]
    pub claims: serde_json::Value,
    /// Link events that touched the person, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub history: serde_json::Value,
}

fn person_out(p: &PersonDetail, contacts: bool) -> PersonOut {
    PersonOut {
        id: p.id,
        records: p.records.iter().map(|r| record_out(r, contacts)).collect(),
        status: p
            .determinations
            .last()
            .map(|d| d.status.as_str().to_string()),
        determinations: serde_json::to_value(&p.determinations).unwrap_or_default(),
        detentions: serde_json::to_value(&p.detentions).unwrap_or_default(),
        claims: if contacts {
            serde_json::to_value(&p.claims).unwrap_or_default()
        } else {
            // Claimants are people: analysts see what was claimed, not who claimed it.
            serde_json::Value::Array(
                p.claims
                    .iter()
                    .map(|c| serde_json::json!({"id": c.id, "status": c.status, "statement": c.statement, "created_at": c.created_at}))
                    .collect(),
            )
        },
        history: serde_json::to_value(&p.history).unwrap_or_default(),
    }
}

/// One person (an audited read).
#[utoipa::path(get, path = "/api/v1/persons/{id}", params(("id" = i64, Path, description = "Person id")), tag = "read",
    responses((status = 200, body = PersonOut), (status = 404, body = ApiError)))]
async fn person(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PersonOut>, ApiError> {
    caller.require(Scope::Read)?;
    let store = backend(&state)?;
    let p = store
        .person_audited(id, &caller.change(&state))
        .await?
        .ok_or_else(|| ApiError::from(StoreError::NotFound(format!("person {id}"))))?;
    Ok(Json(person_out(&p, sees_contacts(&caller))))
}

/// A review item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewOut {
    /// The item's id.
    pub id: i64,
    /// Left record.
    pub left_record_id: i64,
    /// Right record.
    pub right_record_id: i64,
    /// Left source.
    pub left_source: String,
    /// Right source.
    pub right_source: String,
    /// Match probability.
    pub probability: f64,
    /// Review value (higher first).
    pub value: f64,
    /// Who holds it, if claimed.
    pub claimed_by: Option<String>,
    /// The engine's explanation.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

/// Queue filters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewParams {
    /// Only pairs with a record from this source.
    pub source: Option<String>,
    /// Only pairs with a record from this governorate.
    pub governorate: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<usize>,
    /// Skip this many first (in value order).
    pub offset: Option<usize>,
}

/// The review queue, ordered by value.
#[utoipa::path(get, path = "/api/v1/reviews", params(ReviewParams), tag = "read", responses((status = 200, body = [ReviewOut])))]
async fn reviews(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ReviewParams>,
) -> Result<Json<Vec<ReviewOut>>, ApiError> {
    caller.require(Scope::Read)?;
    let store = backend(&state)?;
    let filter = QueueFilter {
        source: p.source,
        governorate: p.governorate,
        limit: p.limit.unwrap_or(50).min(500),
        offset: p.offset.unwrap_or(0),
    };
    let q = store
        .review_queue_audited(&filter, state.clock.now(), &caller.change(&state))
        .await?;
    Ok(Json(
        q.into_iter()
            .map(|e| ReviewOut {
                value: e.value,
                id: e.item.id,
                left_record_id: e.item.left_record_id,
                right_record_id: e.item.right_record_id,
                left_source: e.left.source,
                right_source: e.right.source,
                probability: e.item.probability,
                claimed_by: e.claimed_by,
                explanation: e.item.explanation,
            })
            .collect(),
    ))
}

/// A decision on a review item.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DecisionIn {
    /// The review item.
    pub review_id: i64,
    /// `confirm`, `reject` or `defer`.
    pub decision: String,
    /// Why.
    pub reason: Option<String>,
}

/// What a decision did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionOut {
    /// The review item.
    pub review_id: i64,
    /// Its new state.
    pub state: String,
    /// The merge event, when confirming merged two persons.
    pub event_id: Option<i64>,
}

/// Confirm (merge), reject or defer a review item; confirm and reject are training labels.
#[utoipa::path(post, path = "/api/v1/decisions", request_body = DecisionIn, tag = "write",
    responses((status = 200, body = DecisionOut), (status = 409, body = ApiError)))]
async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    Json(d): Json<DecisionIn>,
) -> Result<Json<DecisionOut>, ApiError> {
    caller.require(Scope::Write)?;
    let st = match d.decision.as_str() {
        "confirm" => "confirmed",
        "reject" => "rejected",
        "defer" => "deferred",
        other => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                Some(format!("unknown decision {other:?}")),
            ));
        }
    };
    let store = backend(&state)?;
    let mut change = caller.change(&state);
    if let athar_store::console::ClaimOutcome::HeldBy(other) = store
        .claim_review(
            d.review_id,
            change.at + chrono::Duration::minutes(crate::console::review::CLAIM_MINUTES),
            &change,
        )
        .await?
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            Some(format!("claimed by {other}")),
        ));
    }
    if let Some(r) = d.reason.filter(|r| !r.trim().is_empty()) {
        change = change.because(r);
    }
    let event_id = store.decide_review(d.review_id, st, &change).await?;
    Ok(Json(DecisionOut {
        review_id: d.review_id,
        state: st.to_string(),
        event_id,
    }))
}

/// Import parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// The source the list belongs to.
    pub source: String,
    /// The file's name (for messages and provenance).
    pub file_name: Option<String>,
    /// `FIELD=COLUMN` mappings, comma-separated.
    pub map: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOut {
    /// Source.
    pub source: String,
    /// Records stored (or, when already imported, stored by the earlier import).
    pub records: u64,
    /// True when this exact file was imported before: nothing was added.
    pub already_imported: bool,
    /// Review items queued.
    pub reviews: u64,
    /// New persons.
    pub new_persons: u64,
}

/// Import a CSV or XLSX list (the request body is the file), atomic and idempotent.
#[utoipa::path(post, path = "/api/v1/import", params(ImportParams), tag = "import",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportOut), (status = 400, body = ApiError)))]
async fn import_list(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ImportParams>,
    body: Bytes,
) -> Result<Json<ImportOut>, ApiError> {
    caller.require(Scope::Import)?;
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid", Some(m));
    if p.source.trim().is_empty() || body.is_empty() {
        return Err(bad("source and a file body are required".into()));
    }
    let map = match p.map.as_deref().filter(|m| !m.trim().is_empty()) {
        Some(m) => FieldMap::parse(m.split(',').map(str::trim)).map_err(|e| bad(e.to_string()))?,
        None => FieldMap::new(),
    };
    let file_name = p.file_name.unwrap_or_else(|| "upload".into());
    let sha256 = secret_hash_bytes(&body);
    let (records, format) =
        crate::console::import::incoming(&file_name, body.to_vec(), map).map_err(bad)?;
    let change = caller.change(&state);
    let store = backend(&state)?;
    let report = crate::console::import::run_import(
        store,
        SourceInfo {
            name: p.source.trim().to_string(),
            supplier: None,
            notes: None,
        },
        Some(FileInfo {
            file_name,
            sha256,
            format,
            received_at: Some(change.at),
        }),
        records,
        change,
        std::sync::Arc::new(athar_linkage::NoProgress),
    )
    .await?;
    Ok(Json(ImportOut {
        source: p.source,
        records: report.outcome.records,
        already_imported: report.outcome.already_imported,
        reviews: report.reviews,
        new_persons: report.new_persons,
    }))
}

fn secret_hash_bytes(b: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(b))
}

/// Export parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` or `pfif`.
    pub format: String,
}

/// Export every record with its person: CSV (canonical fields) or PFIF 1.4 XML.
#[utoipa::path(get, path = "/api/v1/export", params(ExportParams), tag = "export",
    responses((status = 200, description = "CSV or PFIF XML", content_type = "text/csv"), (status = 400, body = ApiError)))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<ExportParams>,
) -> Result<Response, ApiError> {
    caller.require(Scope::Export)?;
    let store = backend(&state)?;
    let contacts = sees_contacts(&caller);
    if !matches!(p.format.as_str(), "csv" | "pfif") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            Some(format!("unknown format {:?} (csv or pfif)", p.format)),
        ));
    }
    let change = caller.change(&state);
    let (body, content_type) = match p.format.as_str() {
        "csv" => (
            export_csv(store.as_ref(), contacts, &change).await?,
            "text/csv; charset=utf-8",
        ),
        _ => (
            crate::api::pfif::export(store.as_ref(), contacts, &change).await?,
            "application/xml; charset=utf-8",
        ),
    };
    let mut r = body.into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(r)
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every record as CSV: `record_id,person_id,source,local_id`, then the canonical fields; read
/// in one transaction with its `export` audit event.
pub async fn export_csv(
    store: &dyn ConsoleBackend,
    contacts: bool,
    change: &Change,
) -> Result<String, ApiError> {
    let fields: Vec<&str> = crate::console::review::FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "id" && *f != "source" && (contacts || !is_contact_column(f)))
        .collect();
    let mut out = String::from("record_id,person_id,source,local_id");
    for f in &fields {
        out.push(',');
        out.push_str(f);
    }
    out.push('\n');
    store
        .export_audited(
            &serde_json::json!({"format": "csv", "contacts": contacts}),
            change,
            &mut |r| {
                out.push_str(&format!(
                    "{},{},{},{}",
                    r.id,
                    r.person_id,
                    csv_cell(&r.source),
                    csv_cell(r.local_id.as_deref().unwrap_or(""))
                ));
                for f in &fields {
                    out.push(',');
                    out.push_str(&csv_cell(r.field(f).unwrap_or("")));
                }
                out.push('\n');
                Ok(())
            },
        )
        .await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_document_snapshot() {
        insta::assert_snapshot!("openapi", openapi_json());
    }

    #[test]
    fn every_api_route_is_in_the_document_and_the_table() {
        let doc: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap();
        let mut in_doc: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                in_doc.push((method.to_uppercase(), path.clone()));
            }
        }
        in_doc.push(("GET".into(), "/api/openapi.json".into()));
        in_doc.sort();
        let mut table: Vec<(String, String)> = API_ROUTES
            .iter()
            .map(|(m, p, _)| (m.to_string(), p.to_string()))
            .collect();
        table.sort();
        assert_eq!(in_doc, table);
    }

    #[test]
    fn csv_cells_are_quoted_when_needed() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_cell("محمد"), "محمد");
    }
}
