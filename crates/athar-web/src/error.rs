//! [`WebError`]: the one error type of the web tier. Each variant has a stable code
//! (`not-found`, `rate-limited`, …) that the error page translates; the cause is logged on the
//! server and never rendered, so no stack trace, SQL or file path reaches a browser.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A failure of a request, as the public may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebError {
    /// No such page.
    #[error("not found")]
    NotFound,
    /// The method is not allowed on this page.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The form could not be read.
    #[error("bad form")]
    BadForm,
    /// The form's anti-forgery token is missing or stale, or the request came from another site.
    #[error("forbidden: forged or stale form")]
    Forbidden,
    /// The request body is larger than allowed.
    #[error("request too large")]
    TooLarge,
    /// Too many requests from this client; wait and try again.
    #[error("rate limited")]
    RateLimited,
    /// The server took too long.
    #[error("timed out")]
    Timeout,
    /// Anything else: logged in full on the server, shown as a generic apology.
    #[error("internal error")]
    Internal,
}

impl WebError {
    /// The stable code, also the suffix of the translation keys `error-<code>-title` and
    /// `error-<code>-body`.
    pub fn code(self) -> &'static str {
        match self {
            WebError::NotFound => "not-found",
            WebError::MethodNotAllowed => "method",
            WebError::BadForm => "bad-form",
            WebError::Forbidden => "forbidden",
            WebError::TooLarge => "too-large",
            WebError::RateLimited => "rate-limited",
            WebError::Timeout => "timeout",
            WebError::Internal => "internal",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            WebError::BadForm => StatusCode::BAD_REQUEST,
            WebError::Forbidden => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            WebError::Timeout => StatusCode::REQUEST_TIMEOUT,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error that an error status from elsewhere (a layer, an extractor) stands for.
    pub fn from_status(status: StatusCode) -> WebError {
        match status {
            StatusCode::NOT_FOUND => WebError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => WebError::MethodNotAllowed,
            StatusCode::FORBIDDEN => WebError::Forbidden,
            StatusCode::PAYLOAD_TOO_LARGE => WebError::TooLarge,
            StatusCode::TOO_MANY_REQUESTS => WebError::RateLimited,
            StatusCode::REQUEST_TIMEOUT => WebError::Timeout,
            s if s.is_client_error() => WebError::BadForm,
            _ => WebError::Internal,
        }
    }

    /// Logs an internal cause and returns [`WebError::Internal`].
    pub fn internal(cause: impl std::fmt::Display) -> WebError {
        tracing::error!(%cause, "request failed");
        WebError::Internal
    }
}

impl From<athar_store::portal::PortalError> for WebError {
    fn from(err: athar_store::portal::PortalError) -> Self {
        WebError::internal(err)
    }
}

impl IntoResponse for WebError {
    /// The status with the error in the response's extensions and no body: the error-page
    /// layer (`server::render_errors`) renders it in the page's language.
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}
