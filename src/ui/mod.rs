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
mod pages;

use poem::{Route, get};

pub use error::UiError;

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

/// The analyse page, served at `/`.
pub fn index() -> impl poem::Endpoint {
    pages::analyse::page
}
