//! CSS and JavaScript compiled into the binary (no Node.js to build or run).
//! The paths carry the crate version so a new release is never served a
//! stale cached copy.

use poem::handler;
use poem::http::StatusCode;
use poem::web::Path;
use poem::{IntoResponse, Response};

pub const CSS_PATH: &str = concat!("/ui/assets/app-", env!("CARGO_PKG_VERSION"), ".css");
pub const JS_PATH: &str = concat!("/ui/assets/app-", env!("CARGO_PKG_VERSION"), ".js");

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

#[handler]
pub fn serve(Path(file): Path<String>) -> Response {
    asset(&file)
}

/// The asset named `file` (under /ui/assets/), or 404.
pub fn asset(file: &str) -> Response {
    let (body, content_type) = match format!("/ui/assets/{file}") {
        p if p == CSS_PATH => (CSS, "text/css; charset=utf-8"),
        p if p == JS_PATH => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    Response::builder()
        .content_type(content_type)
        .header("cache-control", "public, max-age=86400")
        .body(body)
}
