//! `/ui/runs`: recent jobs, newest first, filtered by status, paged by the
//! cursor of `GET /jobs` (the same listing code). The page's script refreshes the first page while it is
//! visible, so new and finishing jobs appear without a reload.

use maud::{Markup, html};
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::Deserialize;

use super::super::layout::{Nav, page as shell};
use super::{respond, status_badge, time_el};
use crate::api::AppState;
use crate::api::listing::{self, Cursor};
use crate::engine::{JobStatus, SnapshotHead};
use crate::ui::UiError;

const PAGE: usize = 25;

#[derive(Debug, Deserialize)]
pub struct Params {
    status: Option<String>,
    cursor: Option<String>,
}

#[handler]
pub async fn page(state: Data<&AppState>, Query(params): Query<Params>) -> Response {
    respond(render(&state, params).await)
}

async fn render(state: &AppState, params: Params) -> Result<Markup, UiError> {
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(
            JobStatus::ALL
                .into_iter()
                .find(|s| s.as_str() == raw)
                .ok_or_else(|| {
                    UiError::BadRequest(format!(
                        "status {raw:?} is not one of queued, running, completed, failed, cancelled"
                    ))
                })?,
        ),
    };
    let after = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::parse)
        .transpose()?;
    let listing = listing::page(state, status, after, PAGE).await?;
    let first_page = params.cursor.is_none();
    Ok(shell(
        "Runs",
        Nav::Runs,
        html! {
            h1 { "Recent runs" }
            form class="panel filters" method="get" action="/ui/runs" {
                label for="status" { "Status" }
                select id="status" name="status" {
                    option value="" selected[status.is_none()] { "All" }
                    @for s in JobStatus::ALL {
                        option value=(s.as_str()) selected[status == Some(s)] { (s.as_str()) }
                    }
                }
                button type="submit" { "Filter" }
            }
            p id="runs-status" class="help" role="status" {}
            div id="runs" data-live=(first_page) {
                p class="help" id="runs-total" { (listing.total) " jobs in the index; jobs expire " (state.fns.ttls.job_s) " s after they end (" (state.fns.ttls.events_s) " s after their last transition until then)." }
                (rows(&listing.jobs))
                @if let Some(next) = &listing.next {
                    p { a id="older" href=(older_href(status, &next.encode())) { "Older runs" } }
                }
            }
            @if !first_page { p { a href=(older_href(status, "")) { "Back to the newest" } } }
        },
    ))
}

fn older_href(status: Option<JobStatus>, cursor: &str) -> String {
    let mut q = Vec::new();
    if let Some(s) = status {
        q.push(format!("status={}", s.as_str()));
    }
    if !cursor.is_empty() {
        q.push(format!("cursor={cursor}"));
    }
    if q.is_empty() {
        "/ui/runs".into()
    } else {
        format!("/ui/runs?{}", q.join("&"))
    }
}

fn rows(jobs: &[SnapshotHead]) -> Markup {
    html! {
        @if jobs.is_empty() { p { "No jobs." } }
        @else {
            div class="scroll" {
                table id="runs-table" {
                    thead { tr {
                        th scope="col" { "Job" } th scope="col" { "Status" } th scope="col" { "Type" }
                        th scope="col" { "Progress" } th scope="col" { "Created" }
                    } }
                    tbody {
                        @for j in jobs {
                            tr {
                                td { a href=(format!("/ui/jobs/{}", j.job_id)) { code { (j.job_id) } } }
                                td { (status_badge(j.status, None)) @if j.cached { " " span class="badge" { "cache hit" } } }
                                td { (j.content_type) }
                                td { (j.progress_hint) }
                                td { (time_el(j.created_at)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
