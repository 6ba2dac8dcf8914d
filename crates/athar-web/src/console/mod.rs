//! The caseworker console: staff pages behind a login, in Arabic and English, server-rendered
//! and usable without JavaScript.
//!
//! Every console route is declared once, in [`registry`], with who may use it ([`Access`]).
//! [`routes`] builds the router from that list and wraps each route in the access guard, so a
//! route cannot exist without an access rule; the access-matrix test reads the same list and
//! fails for a route it has no expectation for.
//!
//! Layout: [`auth`] (argon2id passwords, sessions, login throttling, the guard), [`frame`]
//! (the console's page frame), [`review`] (queue, compare view, decisions, training),
//! [`waterfall`] (the explanation chart, pure SVG), [`persons`] (search, person page, merge,
//! split, reversal, determinations, contacts), [`import`] (upload, preview, confirm), [`jobs`]
//! (the import running in the background, its progress page), [`tips`],
//! [`admin`] (audit search, users, API tokens).
//!
//! Rules: every read of a person's details or a reporter's contact goes through an `*_audited`
//! method of [`athar_store::console::ConsoleStore`], which writes the audit event in the same
//! transaction; analysts never see contact details; handlers parse, call one store function and
//! render.

pub mod admin;
pub mod auth;
pub mod frame;
pub mod import;
pub mod jobs;
pub mod persons;
pub mod review;
pub mod tips;
pub mod waterfall;

use std::collections::BTreeMap;
use std::sync::Arc;

use athar_store::Role;
use athar_store::Store;
use athar_store::StoreError;
use athar_store::console::ConsoleStore;
use axum::Router;
use axum::http::Method;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::AppState;
use crate::error::WebError;

/// Everything the console and the API need from the registry: the core store and the
/// console's own storage. Both backends implement both traits.
pub trait ConsoleBackend: Store + ConsoleStore {}

impl<T: Store + ConsoleStore + ?Sized> ConsoleBackend for T {}

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the login page).
    Public,
    /// Staff with one of these roles; anyone else is refused.
    Staff(&'static [Role]),
}

/// Every staff role.
pub const ALL_STAFF: &[Role] = &[
    Role::Caseworker,
    Role::Coordinator,
    Role::Analyst,
    Role::Admin,
];
/// Caseworkers and admins: imports, reviews, decisions, contacts.
pub const CASEWORK: &[Role] = &[Role::Caseworker, Role::Admin];
/// Who reads tips: caseworkers, coordinators (search operations) and admins.
pub const TIPS: &[Role] = &[Role::Caseworker, Role::Coordinator, Role::Admin];
/// Admins only: users, tokens, audit.
pub const ADMIN: &[Role] = &[Role::Admin];

/// One console route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The axum path.
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

/// One route of the registry with its handler.
pub struct Entry {
    /// What and who.
    pub spec: RouteSpec,
    /// The handler.
    pub handler: MethodRouter<AppState>,
}

fn entry<H, T>(method: &'static str, path: &'static str, access: Access, handler: H) -> Entry
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    let filter = if method == "POST" {
        MethodFilter::POST
    } else {
        MethodFilter::GET
    };
    Entry {
        spec: RouteSpec {
            method,
            path,
            access,
        },
        handler: on(filter, handler),
    }
}

/// Every console route: the single list the router and the access-matrix test are built from.
pub fn registry() -> Vec<Entry> {
    use Access::{Public, Staff};
    vec![
        entry("GET", "/{lang}/console/login", Public, auth::login_page),
        entry("POST", "/{lang}/console/login", Public, auth::login_submit),
        entry(
            "POST",
            "/{lang}/console/logout",
            Staff(ALL_STAFF),
            auth::logout,
        ),
        entry("GET", "/{lang}/console/", Staff(ALL_STAFF), admin::home),
        entry(
            "GET",
            "/{lang}/console/review",
            Staff(CASEWORK),
            review::queue,
        ),
        entry(
            "GET",
            "/{lang}/console/review/{id}",
            Staff(CASEWORK),
            review::compare,
        ),
        entry(
            "POST",
            "/{lang}/console/review/{id}/claim",
            Staff(CASEWORK),
            review::claim,
        ),
        entry(
            "POST",
            "/{lang}/console/review/{id}/decide",
            Staff(CASEWORK),
            review::decide,
        ),
        entry(
            "POST",
            "/{lang}/console/train",
            Staff(CASEWORK),
            review::train,
        ),
        entry(
            "GET",
            "/{lang}/console/persons",
            Staff(ALL_STAFF),
            persons::search,
        ),
        entry(
            "GET",
            "/{lang}/console/persons/{id}",
            Staff(ALL_STAFF),
            persons::show,
        ),
        entry(
            "GET",
            "/{lang}/console/persons/{id}/contacts",
            Staff(CASEWORK),
            persons::contacts_form,
        ),
        entry(
            "POST",
            "/{lang}/console/persons/{id}/contacts",
            Staff(CASEWORK),
            persons::contacts,
        ),
        entry(
            "POST",
            "/{lang}/console/persons/{id}/merge",
            Staff(CASEWORK),
            persons::merge,
        ),
        entry(
            "POST",
            "/{lang}/console/persons/{id}/determination",
            Staff(CASEWORK),
            persons::determine,
        ),
        entry(
            "POST",
            "/{lang}/console/records/{id}/split",
            Staff(CASEWORK),
            persons::split,
        ),
        entry(
            "POST",
            "/{lang}/console/events/{id}/reverse",
            Staff(CASEWORK),
            persons::reverse,
        ),
        entry(
            "GET",
            "/{lang}/console/import",
            Staff(CASEWORK),
            import::form,
        ),
        entry(
            "POST",
            "/{lang}/console/import",
            Staff(CASEWORK),
            import::preview,
        ),
        entry(
            "POST",
            "/{lang}/console/import/confirm",
            Staff(CASEWORK),
            import::confirm,
        ),
        entry(
            "GET",
            "/{lang}/console/import/jobs/{id}",
            Staff(CASEWORK),
            jobs::show,
        ),
        entry("GET", "/{lang}/console/tips", Staff(TIPS), tips::inbox),
        entry(
            "POST",
            "/{lang}/console/tips/{id}",
            Staff(TIPS),
            tips::triage,
        ),
        entry(
            "POST",
            "/{lang}/console/tips/{id}/contact",
            Staff(CASEWORK),
            tips::contact,
        ),
        entry("GET", "/{lang}/console/audit", Staff(ADMIN), admin::audit),
        entry("GET", "/{lang}/console/users", Staff(ADMIN), admin::users),
        entry(
            "POST",
            "/{lang}/console/users",
            Staff(ADMIN),
            admin::create_user,
        ),
        entry(
            "POST",
            "/{lang}/console/users/{name}",
            Staff(ADMIN),
            admin::update_user,
        ),
        entry("GET", "/{lang}/console/tokens", Staff(ADMIN), admin::tokens),
        entry(
            "POST",
            "/{lang}/console/tokens",
            Staff(ADMIN),
            admin::create_token,
        ),
        entry(
            "POST",
            "/{lang}/console/tokens/{id}/revoke",
            Staff(ADMIN),
            admin::revoke_token,
        ),
        entry("GET", "/console.css", Public, frame::stylesheet),
    ]
}

/// The specs of every console route (for the access-matrix test).
pub fn route_specs() -> Vec<RouteSpec> {
    registry().into_iter().map(|e| e.spec).collect()
}

/// The console's router: every route of [`registry`] behind its access guard.
pub fn routes(state: &AppState) -> Router<AppState> {
    let mut by_path: BTreeMap<&'static str, MethodRouter<AppState>> = BTreeMap::new();
    for e in registry() {
        let guarded = e.handler.layer(middleware::from_fn_with_state(
            (state.clone(), e.spec.access),
            auth::guard,
        ));
        let merged = match by_path.remove(e.spec.path) {
            Some(existing) => existing.merge(guarded),
            None => guarded,
        };
        by_path.insert(e.spec.path, merged);
    }
    by_path
        .into_iter()
        .fold(Router::new(), |r, (path, mr)| r.route(path, mr))
}

/// The registry backend of the state, or an internal error when the server was started without
/// one (a portal-only test server).
pub fn backend(state: &AppState) -> Result<Arc<dyn ConsoleBackend>, WebError> {
    state
        .console
        .clone()
        .ok_or_else(|| WebError::internal("no console backend configured"))
}

impl AppState {
    /// The same state with the console's registry backend.
    pub fn with_console(mut self, backend: Arc<dyn ConsoleBackend>) -> AppState {
        self.console = Some(backend);
        self
    }
}

/// Maps a store failure onto the web error the user sees (conflicts and invalid requests are
/// shown as such; the rest is logged and shown as a generic error).
pub fn store_error(e: StoreError) -> ConsoleError {
    match e {
        StoreError::NotFound(_) => ConsoleError::Web(WebError::NotFound),
        StoreError::Conflict(msg) | StoreError::Invalid(msg) => ConsoleError::Refused(msg),
        other => ConsoleError::Web(WebError::internal(other)),
    }
}

/// A failure of a console request.
#[derive(Debug)]
pub enum ConsoleError {
    /// One of the site's errors (rendered by the error-page layer).
    Web(WebError),
    /// The store refused the request (a conflict or an invalid request); the message names the
    /// rows and is shown to staff.
    Refused(String),
}

impl From<WebError> for ConsoleError {
    fn from(e: WebError) -> Self {
        ConsoleError::Web(e)
    }
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        store_error(e)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::Web(e) => e.into_response(),
            ConsoleError::Refused(msg) => frame::refused_page(&msg),
        }
    }
}

/// Methods of the console, for tests that walk the registry.
pub fn method_of(spec: &RouteSpec) -> Method {
    if spec.method == "POST" {
        Method::POST
    } else {
        Method::GET
    }
}
