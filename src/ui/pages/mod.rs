//! One module per page. Handlers answer a `Response` themselves: an error
//! page is HTML with its status, not the API's problem+json.

pub mod analyse;
pub mod job;
pub mod runs;
pub mod timeline;

use maud::{Markup, html};
use poem::{IntoResponse, Response};

use super::UiError;
use crate::api::AppState;
use crate::engine::{JobId, JobStatus, Snapshot};

/// The HTML page, or the error page with its status.
pub fn respond(result: Result<Markup, UiError>) -> Response {
    match result {
        Ok(markup) => markup.into_response(),
        Err(e) => e.into_response(),
    }
}

pub fn parse_id(raw: &str) -> Result<JobId, UiError> {
    raw.parse()
        .map_err(|e: crate::engine::ids::InvalidJobId| UiError::BadRequest(e.to_string()))
}

pub async fn load(state: &AppState, id: JobId) -> Result<Snapshot, UiError> {
    state
        .fns
        .snapshot(id)
        .await?
        .ok_or_else(|| UiError::NotFound(format!("job {id} is unknown or has expired")))
}

/// A status as a labelled badge (text, not colour alone).
pub fn status_badge(status: JobStatus, id: Option<&str>) -> Markup {
    html! {
        span class=(format!("badge status-{}", status.as_str())) id=[id] { (status.as_str()) }
    }
}

/// Milliseconds since the epoch as RFC 3339 in a `<time>` element.
pub fn time_el(ms: i64) -> Markup {
    let text = crate::api::models::rfc3339(ms);
    html! { time datetime=(text) { (text.replace('T', " ")) } }
}
