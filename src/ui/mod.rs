//! The web UI: server-rendered pages (maud, compiled in) with a little plain
//! JavaScript for submission, live updates and the timeline scrubber. CSS and
//! JS are embedded in the binary. Pages read through the engine
//! (`AppState::fns`) and the same code the API uses; they never write: every
//! change goes through the public API from the browser.
//!
//! Routes (none shadows an API path): `/` (analyse), `/ui/jobs/{id}`,
//! `/ui/jobs/{id}/timeline`, `/ui/jobs/{id}/charts/{n}.svg`,
//! `/ui/jobs/{id}/report.md`, `/ui/runs`, `/ui/assets/*`.

mod assets;
pub mod charts;
mod error;
mod layout;
mod locked;
mod pages;

use std::sync::Arc;

use poem::http::Method;
use poem::{Endpoint, IntoResponse, Request, Response, Route, get};

pub use error::UiError;
pub use locked::front;

/// The UI's routes, mounted beside the API by `api::routes`.
pub fn routes() -> Route {
    Route::new()
        .at("/jobs/:job_id", get(pages::job::page))
        .at("/jobs/:job_id/timeline", get(pages::timeline::page))
        .at("/jobs/:job_id/charts/:file", get(pages::job::chart_svg))
        .at("/jobs/:job_id/report.md", get(pages::job::report_markdown))
        .at("/runs", get(pages::runs::page))
        .at("/assets/:file", get(assets::serve))
}

/// Serves the analyse page at `/`. A wrapper, because the API is nested at
/// "/" and poem's router gives that nest the bare `/` as well.
pub async fn index<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    if req.uri().path() == "/" && matches!(*req.method(), Method::GET | Method::HEAD) {
        return Ok(pages::analyse::page.call(req).await?.into_response());
    }
    Ok(ep.call(req).await?.into_response())
}
