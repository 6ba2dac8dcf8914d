//! The home page: what the portal is for and the five things one can do here.

use askama::Template;
use axum::response::Response;

use crate::layout::{Chrome, page};
use crate::portal::PageCtx;

/// The home page.
#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct HomePage {
    /// The frame.
    pub c: Chrome,
}

/// `GET /{lang}/`.
pub async fn show(ctx: PageCtx) -> Response {
    page(&HomePage { c: ctx.chrome("") })
}
