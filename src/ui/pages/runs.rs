//! `/ui/runs`: recent jobs, newest first, filtered by status, paged by the
//! listing's cursor. The page's script refreshes the first page while it is
//! visible, so new and finishing jobs appear without a reload.

use maud::{Markup, html};
use poem::web::{Data, Query};
use poem::{Response, handler};
use serde::Deserialize;

use super::super::layout::{Nav, page as shell};
use super::{respond, status_badge, time_el};
use crate::api::AppState;
use crate::engine::{JobStatus, Snapshot};
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
    let listing = listing::page(state, status, params.cursor.as_deref(), PAGE).await?;
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
            div id="runs" data-live=(first_page) aria-live="polite" {
                p class="help" id="runs-total" { (listing.total) " jobs in the index; jobs expire " (state.fns.ttls.job_s) " s after their last event." }
                (rows(&listing.jobs))
                @if let Some(next) = &listing.next_cursor {
                    p { a id="older" href=(older_href(status, next)) { "Older runs" } }
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

fn rows(jobs: &[Snapshot]) -> Markup {
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

mod listing {
    //! The newest-first listing over every shard's job index with an opaque
    //! cursor (the created_at and id of the last row shown).

    use redis::AsyncCommands;

    use crate::api::AppState;
    use crate::engine::{EngineError, JobId, JobStatus, Snapshot};

    pub struct Listing {
        pub jobs: Vec<Snapshot>,
        pub total: u64,
        pub next_cursor: Option<String>,
    }

    pub async fn page(
        state: &AppState,
        status: Option<JobStatus>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Listing, EngineError> {
        let keys = &state.fns.store.keys;
        let mut conn = state.fns.store.conn.clone();
        let before: (i64, String) = cursor
            .and_then(|c| c.split_once('-'))
            .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_string())))
            .unwrap_or((i64::MAX, String::new()));
        let mut jobs = Vec::new();
        let mut total = 0u64;
        let mut upper = before.0;
        // Walk the index newest first in batches until the page is full
        // (a status filter may skip many rows).
        loop {
            let mut batch: Vec<(i64, String)> = Vec::new();
            for shard in 0..keys.shards() {
                let rows: Vec<(String, i64)> = conn
                    .zrevrangebyscore_limit_withscores(keys.index(shard), upper, "-inf", 0, 100)
                    .await?;
                batch.extend(rows.into_iter().map(|(id, ms)| (ms, id)));
            }
            if total == 0 {
                for shard in 0..keys.shards() {
                    total += conn.zcard::<_, u64>(keys.index(shard)).await?;
                }
            }
            batch.sort_by(|a, b| b.cmp(a));
            batch.retain(|row| {
                (row.0, row.1.as_str()) < (before.0, before.1.as_str())
                    || before.1.is_empty() && row.0 <= before.0
            });
            let exhausted = batch.len() < 100;
            let lowest = batch.last().map(|r| r.0);
            for (ms, raw) in batch {
                let Ok(id) = raw.parse::<JobId>() else {
                    continue;
                };
                if jobs.iter().any(|j: &Snapshot| j.job_id == raw) {
                    continue;
                }
                if let Some(s) = state.fns.snapshot(id).await? {
                    if status.is_none_or(|st| st == s.status) {
                        jobs.push(s);
                    }
                }
                if jobs.len() == limit {
                    return Ok(Listing {
                        next_cursor: Some(format!("{ms}-{raw}")),
                        jobs,
                        total,
                    });
                }
            }
            match lowest {
                Some(low) if !exhausted && low < upper => upper = low,
                _ => break,
            }
        }
        Ok(Listing {
            jobs,
            total,
            next_cursor: None,
        })
    }
}
