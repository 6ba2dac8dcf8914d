//! The router and the server: [`router`] assembles the pages and the layers, and
//! [`serve_with_listener`] serves it on a listener the caller bound (`athar serve` binds the
//! configured address; tests bind `127.0.0.1:0`).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;

use crate::error::WebError;
use crate::i18n::Lang;
use crate::layout::{ErrorPage, Rendered, page};
use crate::{AppState, portal, security};

/// The site's one stylesheet, embedded in the binary.
const SITE_CSS: &str = include_str!("../static/site.css");

/// A rate-limiting layer for `limit`, keyed by the client key, counting only `methods` (all
/// methods when empty). Over the limit, the client gets the translated "too many requests"
/// page with `Retry-After`.
#[macro_export]
#[doc(hidden)]
macro_rules! limiter {
    ($keys:expr, $limit:expr, $methods:expr) => {{
        let limit: $crate::config::Limit = $limit;
        let methods: Vec<::axum::http::Method> = $methods;
        let mut builder = ::tower_governor::governor::GovernorConfigBuilder::default();
        builder
            .period(limit.period.max(::std::time::Duration::from_millis(1)))
            .burst_size(limit.burst.max(1));
        if !methods.is_empty() {
            builder.methods(methods);
        }
        // `finish` is `None` only for a zero period or burst, which the `max` calls exclude.
        let config = builder.key_extractor($keys.clone()).finish();
        ::tower::util::option_layer(config.map(|c| {
            ::tower_governor::GovernorLayer::new(::std::sync::Arc::new(c)).error_handler(|e| {
                let mut response = ::axum::response::IntoResponse::into_response(
                    $crate::error::WebError::RateLimited,
                );
                if let ::tower_governor::GovernorError::TooManyRequests { wait_time, .. } = e {
                    if let Ok(v) = ::axum::http::HeaderValue::from_str(&wait_time.to_string()) {
                        response
                            .headers_mut()
                            .insert(::axum::http::header::RETRY_AFTER, v);
                    }
                }
                response
            })
        }))
    }};
}

/// The whole site: portal pages, static files, and (once issue 7 lands) the console and API,
/// behind the security layers.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let keys = state.client_keys.clone();
    Router::new()
        .merge(portal::routes(&state))
        // The caseworker console and the JSON API (issue 7) mount here:
        .merge(crate::console::routes(&state))
        .merge(crate::api::routes(&state))
        .route("/static/site.css", get(site_css))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { WebError::NotFound })
        .method_not_allowed_fallback(|| async { WebError::MethodNotAllowed })
        .layer(crate::limiter!(keys, config.general_limit, Vec::new()))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_limits,
        ))
        // The real per-request limit is `request_limits`; this only lifts axum's own default
        // (2 MB) for the extractors of list uploads.
        .layer(axum::extract::DefaultBodyLimit::max(
            config.body_limit.max(config.upload_limit),
        ))
        .layer(CsrfLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf_cookie,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            WebError::Internal.into_response()
        }))
        .layer(middleware::from_fn(render_errors))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .with_state(state)
}

/// True for the routes that take a whole list as their body: the console's import pages and the
/// API's import. Only these get [`crate::WebConfig::upload_limit`] and [`UPLOAD_TIMEOUT`].
fn is_upload(path: &str) -> bool {
    if path == "/api/v1/import" {
        return true;
    }
    let mut parts = path.trim_start_matches('/').splitn(4, '/');
    let (_lang, console, import) = (parts.next(), parts.next(), parts.next());
    console == Some("console") && import == Some("import")
}

/// How long an ordinary request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a list upload (parse, match, store) may take.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// Middleware: the request body limit and the time limit, both larger only for list uploads.
/// A declared length over the limit is refused before the body is read; a body that turns out
/// longer is cut off by `Limited`, which the extractors report as 413.
async fn request_limits(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let upload = is_upload(req.uri().path());
    let (limit, timeout) = if upload {
        (state.config.upload_limit, UPLOAD_TIMEOUT)
    } else {
        (state.config.body_limit, REQUEST_TIMEOUT)
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return WebError::TooLarge.into_response();
    }
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(
        parts,
        axum::body::Body::new(http_body_util::Limited::new(body, limit)),
    );
    match tokio::time::timeout(timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => WebError::Timeout.into_response(),
    }
}

/// `GET /static/site.css`.
async fn site_css() -> Response {
    let mut response = SITE_CSS.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// Middleware: every error response becomes the translated error page for its status (or for
/// the [`WebError`] it carries), so no layer's or extractor's own text (and never a stack
/// trace or SQL) reaches the browser. Responses marked [`Rendered`] are already pages.
async fn render_errors(req: Request, next: Next) -> Response {
    let lang = Lang::from_path(req.uri().path());
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<Rendered>().is_some()
    {
        return response;
    }
    let err = match response.extensions().get::<WebError>() {
        Some(err) => *err,
        None => WebError::from_status(status),
    };
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut page = page(&ErrorPage::new(lang, err));
    *page.status_mut() = err.status();
    if let Some(v) = retry_after {
        page.headers_mut().insert(header::RETRY_AFTER, v);
    }
    page
}

/// Serves the site on `listener` until `shutdown` completes. Client addresses come from the
/// TCP connection (and, from trusted proxies only, their forwarding headers).
pub async fn serve_with_listener(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::is_upload;

    #[test]
    fn only_list_uploads_get_the_upload_limit() {
        for path in [
            "/api/v1/import",
            "/ar/console/import",
            "/en/console/import",
            "/en/console/import/confirm",
        ] {
            assert!(is_upload(path), "{path} is an upload");
        }
        for path in [
            "/en/tip",
            "/ar/report",
            "/en/console/imports",
            "/en/console/persons/1",
            "/api/v1/import/x/y/../../../tip",
            "/api/v1/persons",
            "/",
        ] {
            assert!(!is_upload(path), "{path} is not an upload");
        }
    }
}
