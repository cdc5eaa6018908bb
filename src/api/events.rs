//! A job's audit log: paged reads and a live Server-Sent Events feed.
//!
//! The feed is one XREAD BLOCK loop on the job's own stream from the last id
//! sent: history and live events come from the same reads, so nothing falls
//! between them. Each open feed holds a dedicated Redis connection (a blocking
//! read on the shared one would stall every other command), so their number is
//! bounded by `MAX_EVENT_STREAMS`.

use std::collections::VecDeque;
use std::time::Duration;

use crate::store::Conn;
use futures_util::stream::{self, StreamExt};
use poem::web::sse::Event as SseEvent;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{EventStream, Json};
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, OpenApi};
use redis::AsyncCommands;
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio::sync::OwnedSemaphorePermit;

use super::ApiTags;
use super::access::Auth;
use super::models::{EventPage, EventView, MalformedEntryView};
use super::params::JobIdParam;
use super::problem::ApiError;
use super::sse::EventMessages;
use super::state::AppState;
use super::stream_limits::{ClientId, ClientStreamPermit};
use crate::engine::{EngineError, JobId};

/// How long one blocking read waits before checking the job again.
const BLOCK: Duration = Duration::from_secs(10);
/// The contract's keep-alive comment interval.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub struct EventsApi;

#[derive(ApiResponse)]
enum PageResponse {
    /// Events in log order.
    #[oai(status = 200)]
    Ok(Json<EventPage>),
}

#[derive(ApiResponse)]
enum StreamResponse {
    /// One SSE message per event (`id`: entry id, `event`: type, `data`:
    /// the event as JSON), history first, closing after the terminal event.
    #[oai(status = 200)]
    Ok(EventMessages),
    /// The job has finished and nothing follows the given event: there is
    /// nothing to stream. (An `EventSource` stops reconnecting on 204; an
    /// empty 200 would make it reconnect forever.)
    #[oai(status = 204)]
    Finished,
}

#[OpenApi]
impl EventsApi {
    /// A job's event log, oldest first, `limit` entries after `after`. An
    /// entry that is not an event (a corrupt log) does not fail the read: it
    /// is listed in `malformed` with its fields, and the events around it
    /// are answered.
    #[oai(
        path = "/jobs/:job_id/events",
        operation_id = "list_job_events",
        method = "get",
        tag = "ApiTags::Jobs"
    )]
    async fn events(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        /// The job id (a ULID).
        job_id: Path<JobIdParam>,
        /// Entry id to start after (a `next_after`); the start of the log when absent.
        #[oai(validator(pattern = r"^[0-9]{1,18}(-[0-9]{1,18})?$"))]
        after: Query<Option<String>>,
        /// Page size, 1 to 1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> Result<PageResponse, ApiError> {
        let id = job_id.0.0;
        let after = parse_after(after.0.as_deref())?;
        let limit = limit.0.unwrap_or(100).clamp(1, 1000) as usize;
        let from = if after == "0-0" { "-" } else { after.as_str() };
        // Entry by entry: one that is not an event is listed apart instead
        // of hiding the rest of the log.
        let page = state.fns.log_page(id, from, limit).await?;
        if page.entries.is_empty() {
            ensure_exists(&state, id).await?;
        }
        let next_after = page
            .more
            .then(|| page.last_id().map(str::to_string))
            .flatten();
        let (mut events, mut malformed) = (Vec::new(), Vec::new());
        for entry in &page.entries {
            match entry {
                Ok(event) => events.push(EventView::from_event(event)),
                Err(bad) => {
                    tracing::warn!(job = %id, entry = %bad.id, field = %bad.reason, "malformed event in a job's log");
                    malformed.push(MalformedEntryView::from_malformed(bad));
                }
            }
        }
        Ok(PageResponse::Ok(Json(EventPage {
            job_id: id.to_string(),
            events,
            next_after,
            malformed,
        })))
    }

    /// Follow a job's events live (Server-Sent Events). Resumes after
    /// `Last-Event-ID` (or `after`); closes after the terminal event.
    #[oai(
        path = "/jobs/:job_id/events/stream",
        operation_id = "stream_job_events",
        method = "get",
        tag = "ApiTags::Jobs"
    )]
    async fn stream(
        &self,
        state: poem::web::Data<&AppState>,
        _auth: Auth,
        client: poem::web::Data<&ClientId>,
        /// The job id (a ULID).
        job_id: Path<JobIdParam>,
        /// Entry id to resume after (sent by EventSource on reconnection).
        #[oai(
            name = "Last-Event-ID",
            validator(pattern = r"^[0-9]{1,18}(-[0-9]{1,18})?$")
        )]
        last_event_id: Header<Option<String>>,
        /// Entry id to start after, for clients that cannot set headers.
        #[oai(validator(pattern = r"^[0-9]{1,18}(-[0-9]{1,18})?$"))]
        after: Query<Option<String>>,
    ) -> Result<StreamResponse, ApiError> {
        let id = job_id.0.0;
        let after = parse_after(last_event_id.0.as_deref().or(after.0.as_deref()))?;
        ensure_exists(&state, id).await?;
        // A finished (or expired) job's log only grows by feedback: read what
        // is there without blocking, then close.
        let live = Follow::live(&state, id).await;
        let client_permit = state.client_streams.try_acquire(&client).ok_or_else(|| {
            ApiError::too_many(
                "TOO_MANY_STREAMS_PER_CLIENT",
                "this client has MAX_EVENT_STREAMS_PER_CLIENT event streams open; close one or retry later",
            )
        })?;
        let permit = state
            .event_streams
            .clone()
            .try_acquire_owned()
            .map_err(|_| {
                ApiError::busy(
                    "TOO_MANY_STREAMS",
                    "every event stream slot is in use (MAX_EVENT_STREAMS); retry shortly",
                )
            })?;
        let conn = state
            .fns
            .store
            .dedicated(BLOCK)
            .await
            .map_err(EngineError::from)?;
        let mut follow = Follow {
            state: state.clone(),
            id,
            conn,
            last: after,
            pending: VecDeque::new(),
            done: false,
            block: live,
            _permits: (permit, client_permit),
        };
        if !live {
            // A finished job: what follows `after` is all there will be.
            let events = follow.read().await?;
            if events.is_empty() {
                return Ok(StreamResponse::Finished);
            }
            follow.pending.extend(events);
        }
        let events = stream::unfold(follow, Follow::next).boxed();
        Ok(StreamResponse::Ok(EventMessages(
            EventStream::new(events)
                .keep_alive(KEEP_ALIVE)
                .to_event(|e: EventView| {
                    SseEvent::message(e.to_json_string())
                        .id(e.id.clone())
                        .event_type(e.kind.as_str())
                }),
        )))
    }
}

/// One open feed.
struct Follow {
    state: AppState,
    id: JobId,
    conn: Conn,
    /// The last entry id read (events are queued in `pending` and sent
    /// before the next read).
    last: String,
    pending: VecDeque<EventView>,
    done: bool,
    /// Block for new events (false once the job is known to be finished).
    block: bool,
    _permits: (OwnedSemaphorePermit, ClientStreamPermit),
}

impl Follow {
    async fn next(mut self) -> Option<(EventView, Self)> {
        loop {
            // Checked before the pending events: feedback read in the same
            // batch as the terminal event must not keep the stream open.
            if self.done || self.state.shutdown.is_cancelled() {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                self.done = event.is_terminal();
                return Some((event, self));
            }
            let shutdown = self.state.shutdown.clone();
            let before = self.last.clone();
            let read = tokio::select! {
                r = self.read() => r,
                _ = shutdown.cancelled() => return None,
            };
            match read {
                Ok(events) if !events.is_empty() => self.pending.extend(events),
                // Only entries that are not events: more may follow them.
                Ok(_) if self.last != before => {}
                // Nothing new for a while: stop if the job has finished or gone
                // (a resume after the terminal event, or an expired job).
                Ok(_) => {
                    if !self.block {
                        return None;
                    }
                    if !Follow::live(&self.state, self.id).await {
                        // It finished since the read began: one more read,
                        // without blocking, so its last events are sent.
                        self.block = false;
                    }
                }
                Err(e) => {
                    tracing::warn!(job = %self.id, error = %e, "event stream read failed");
                    return None;
                }
            }
        }
    }

    /// The entries after `last` (blocking while the job runs); moves
    /// `last` past them. An entry that is not an event is left out (with a
    /// warning): `GET /jobs/{id}/events` lists it.
    async fn read(&mut self) -> Result<Vec<EventView>, EngineError> {
        let key = self
            .state
            .fns
            .store
            .keys
            .events(self.id.shard(), &self.id.to_string());
        let mut opts = StreamReadOptions::default().count(100);
        if self.block {
            opts = opts.block(BLOCK.as_millis() as usize);
        }
        let reply: Option<StreamReadReply> = self
            .conn
            .xread_options(&[&key], &[&self.last], &opts)
            .await?;
        let entries = reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids);
        let fns = &self.state.fns;
        let mut events = Vec::new();
        for entry in entries {
            self.last = entry.id.clone();
            match fns.open_entry(&entry)? {
                Ok(event) => events.push(EventView::from_event(&event)),
                Err(bad) => {
                    tracing::warn!(job = %self.id, error = %bad, "event stream skips a malformed entry");
                }
            }
        }
        Ok(events)
    }

    async fn live(state: &AppState, id: JobId) -> bool {
        match state.fns.head(id).await {
            Ok(Some((head, _))) => !head.status.is_terminal(),
            Ok(None) => false,
            // Redis trouble: keep waiting, the next read decides.
            Err(_) => true,
        }
    }
}

/// Validates a stream entry id (`<ms>-<seq>`); absent means the start.
fn parse_after(raw: Option<&str>) -> Result<String, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok("0-0".to_string());
    };
    // `<ms>-<seq>`, or `<ms>` alone (Redis reads it as `<ms>-0` here).
    let (ms, seq) = raw.split_once('-').unwrap_or((raw, "0"));
    let valid = ms.parse::<u64>().is_ok() && seq.parse::<u64>().is_ok();
    if !valid {
        return Err(ApiError::bad_request(
            "INVALID_EVENT_ID",
            format!("{raw:?} is not a stream entry id such as 1700000000000-0"),
        ));
    }
    Ok(raw.to_string())
}

/// 404 unless the job has a snapshot or a log (the log outlives the snapshot).
async fn ensure_exists(state: &AppState, id: JobId) -> Result<(), ApiError> {
    let (keys, job) = (&state.fns.store.keys, id.to_string());
    // Both keys carry the job's hash tag: one call, one slot.
    let both = [keys.events(id.shard(), &job), keys.job(id.shard(), &job)];
    let mut conn = state.fns.store.conn.clone();
    let found: u32 = conn.exists(&both).await.map_err(EngineError::from)?;
    if found > 0 {
        return Ok(());
    }
    Err(ApiError::not_found(
        "JOB_NOT_FOUND",
        format!("job {id} is unknown or has expired"),
    ))
}
