//! Request and response bodies. Field names are the seed's wire contract
//! (DESIGN.md §3): add fields, never rename.

use poem_openapi::Object;
use poem_openapi::types::{ParseError, ParseResult};
use serde_json::Value;

use super::result_schema::ResultJson;
use super::wire_types::{EventKind, Status, Timestamp};
use crate::engine::{Event, Snapshot, SnapshotHead};

/// Optional context sent with an artifact. `repo`, `team`, `riskTolerance`
/// and `depth` are labels of at most 1,024 characters: the job's log and
/// every step of its replay carry them.
#[derive(Debug, Clone, Default, Object)]
pub struct MetadataIn {
    #[oai(deserialize_with = "optional_text", validator(max_length = 1024))]
    pub repo: Option<String>,
    #[oai(deserialize_with = "optional_text", validator(max_length = 1024))]
    pub team: Option<String>,
    #[oai(
        rename = "riskTolerance",
        deserialize_with = "optional_text",
        validator(max_length = 1024)
    )]
    pub risk_tolerance: Option<String>,
    #[oai(deserialize_with = "optional_text", validator(max_length = 1024))]
    pub depth: Option<String>,
    /// An OpenAPI document to check an architecture or design doc against.
    #[oai(deserialize_with = "optional_text")]
    pub spec: Option<String>,
}

impl MetadataIn {
    /// The metadata as the service records it with the job (JSON).
    pub fn stored_json(self) -> String {
        let meta = crate::analysis::Metadata {
            repo: self.repo,
            team: self.team,
            risk_tolerance: self.risk_tolerance,
            depth: self.depth,
            spec: self.spec,
        };
        serde_json::to_string(&meta).expect("metadata always serialises")
    }
}

/// `POST /artifacts/analyze` body. `content_type` and `contentType` are both
/// accepted (older clients send either).
#[derive(Debug, Clone, Object)]
pub struct AnalyzeRequest {
    /// The artifact text.
    #[oai(deserialize_with = "content_text")]
    pub content: String,
    /// `markdown`, `openapi-yaml`, `openapi-json`, `architecture` or `auto` (the default).
    #[oai(deserialize_with = "optional_text")]
    pub content_type: Option<String>,
    #[oai(rename = "contentType", deserialize_with = "optional_text")]
    pub content_type_camel: Option<String>,
    pub metadata: Option<MetadataIn>,
}

// poem-openapi's `String` also takes a JSON number or boolean as its text
// (`{"content": 5}` would analyse "5"). Request strings go through these
// instead, which take only strings. The schema (from the field's type) stays
// `string`, so the spec and its clients are unchanged.

/// A required string field: a string and nothing else. poem-openapi's own
/// error does not name the field ("Expected input type \"string\", found
/// null"), so each field says who it is.
fn text(field: &str, value: Option<Value>) -> ParseResult<String> {
    match value {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(ParseError::custom(format!(
            "`{field}` is missing: it is required, as a string"
        ))),
        Some(other) => Err(ParseError::custom(format!(
            "`{field}` must be a string, not {}",
            match other {
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::Array(_) => "an array",
                _ => "an object",
            }
        ))),
    }
}

fn content_text(value: Option<Value>) -> ParseResult<String> {
    text("content", value)
}

fn job_id_text(value: Option<Value>) -> ParseResult<String> {
    text("job_id", value)
}

/// An optional string field: absent, null or a string.
fn optional_text(value: Option<Value>) -> ParseResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ParseError::expected_type(other)),
    }
}

/// A job's status (the seed's three fields first).
#[derive(Debug, Clone, Object)]
pub struct JobView {
    pub job_id: String,
    pub status: Status,
    pub progress_hint: String,
    pub content_hash: String,
    pub content_type: String,
    /// UTC with milliseconds.
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub attempt: u32,
    /// Sequence number of the last event folded into this state.
    pub version: u64,
    /// Answered from the cache without a new analysis.
    pub cached: bool,
    /// The last error, for failed or retried jobs.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
    /// Seconds until the job expires (-1 when unknown).
    pub expires_in: i64,
}

impl JobView {
    pub fn from_snapshot(s: &Snapshot, expires_in: i64) -> Self {
        Self::from_head(SnapshotHead::from(s), expires_in)
    }

    pub fn from_head(s: SnapshotHead, expires_in: i64) -> Self {
        JobView {
            status: s.status.into(),
            job_id: s.job_id,
            progress_hint: s.progress_hint,
            content_hash: s.content_hash,
            content_type: s.content_type,
            created_at: Timestamp::from_ms(s.created_at),
            updated_at: Timestamp::from_ms(s.updated_at),
            attempt: s.attempt,
            version: s.version,
            cached: s.cached,
            error: s.error,
            expires_in,
        }
    }
}

/// `GET /jobs/{id}/result`.
#[derive(Debug, Clone, Object)]
pub struct JobResult {
    pub job_id: String,
    pub status: Status,
    // No doc comment: with one, the spec wraps the reference in `allOf` and
    // generators make a model of their own instead of `AnalysisResult`.
    pub result: ResultJson,
    pub markdown: String,
}

/// One row of `GET /jobs`.
#[derive(Debug, Clone, Object)]
pub struct JobSummary {
    pub job_id: String,
    pub status: Status,
    pub progress_hint: String,
    /// When the job was submitted (UTC, milliseconds).
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub content_type: String,
    pub cached: bool,
}

/// `GET /jobs`.
#[derive(Debug, Clone, Object)]
pub struct JobList {
    pub jobs: Vec<JobSummary>,
    /// Jobs in the index (not yet expired), whatever their status.
    pub total: u64,
    pub note: String,
    /// Pass as `cursor` for the next (older) page; null at the end.
    #[oai(nullable)]
    pub next_cursor: Option<String>,
}

/// One event of a job's log. The bulky result and Markdown of `completed`
/// and `cache_hit` events are not repeated: `GET /jobs/{id}/result` has them.
#[derive(Debug, Clone, Object)]
pub struct EventView {
    /// The entry id in the job's stream (use as `after` or `Last-Event-ID`).
    pub id: String,
    /// 1-based position in the job's log.
    pub seq: u64,
    #[oai(rename = "type")]
    pub kind: EventKind,
    /// Server time of the event, ms since the epoch.
    pub ts: i64,
    /// The same time (UTC, milliseconds).
    pub time: Timestamp,
    pub attempt: u32,
    /// The worker that wrote it ("" for the API).
    pub worker: String,
    /// Type-specific payload (hint, error, metadata, feedback...).
    pub data: serde_json::Value,
    /// The event carried a result (completed, cache_hit).
    pub has_result: bool,
    /// A cache hit's result is that of this earlier `completed` event (of
    /// the job that analysed the same content); absent when the hit holds
    /// the result itself, and for every other event.
    #[oai(skip_serializing_if_is_none)]
    pub source: Option<EventSourceView>,
}

/// The `completed` event a cache hit took its result from.
#[derive(Debug, Clone, Object)]
pub struct EventSourceView {
    pub job_id: String,
    /// Its entry id in that job's stream (`GET /jobs/{job_id}/events`).
    pub event_id: String,
}

impl EventView {
    pub fn from_event(e: &Event) -> Self {
        EventView {
            id: e.stream_id.clone().unwrap_or_default(),
            seq: e.seq,
            kind: e.kind.into(),
            ts: e.ts,
            time: Timestamp::from_ms(e.ts),
            attempt: e.attempt,
            worker: e.worker.clone(),
            data: e.data.clone(),
            has_result: e.has_result(),
            source: e.source.as_ref().map(|s| EventSourceView {
                job_id: s.job_id.clone(),
                event_id: s.stream_id.clone(),
            }),
        }
    }

    /// Whether the job ends with this event: a terminal transition, or
    /// `cache_hit` (a job born completed).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.kind,
            EventKind::Completed | EventKind::Failed | EventKind::Cancelled | EventKind::CacheHit
        )
    }
}

/// `GET /jobs/{id}/events`.
#[derive(Debug, Clone, Object)]
pub struct EventPage {
    pub job_id: String,
    /// The page's events, oldest first (entries that are not events are
    /// left out and listed in `malformed`).
    pub events: Vec<EventView>,
    /// Pass as `after` for the next page; null when this page reached the end.
    #[oai(nullable)]
    pub next_after: Option<String>,
    /// Entries of this page that are not events (a field missing or
    /// unreadable: the log is corrupt there, and replay says `corrupt`).
    /// Empty for a sound log.
    pub malformed: Vec<MalformedEntryView>,
}

/// An entry of a job's log that does not read as an event.
#[derive(Debug, Clone, Object)]
pub struct MalformedEntryView {
    /// Its entry id in the job's stream (it sits between the events with
    /// the ids around it).
    pub id: String,
    /// The field that is missing or does not read (`type`, `seq`, `ts`,
    /// `attempt`, `data`, `cache_entry` or `source_event`).
    pub field: String,
    /// The entry's fields as stored (sealed values stay sealed), each value
    /// cut to 300 characters.
    pub fields: std::collections::BTreeMap<String, String>,
}

impl MalformedEntryView {
    pub fn from_malformed(bad: &crate::engine::events::MalformedEvent) -> Self {
        MalformedEntryView {
            id: bad.id.clone(),
            field: bad.reason.clone(),
            fields: bad
                .fields
                .iter()
                .map(|(k, v)| (k.clone(), crate::replay::cut(v)))
                .collect(),
        }
    }
}

/// `POST /feedback` (the seed's shape).
#[derive(Debug, Clone, Object)]
pub struct FeedbackRequest {
    #[oai(
        validator(pattern = r"^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$"),
        deserialize_with = "job_id_text"
    )]
    pub job_id: String,
    pub is_useful: bool,
    #[oai(validator(max_length = 4000), deserialize_with = "optional_text")]
    pub comment: Option<String>,
}

/// The feedback was recorded as a `feedback` event.
#[derive(Debug, Clone, Object)]
pub struct FeedbackAccepted {
    pub job_id: String,
    pub accepted: bool,
}

/// `/healthz` and `/readyz`.
#[derive(Debug, Clone, Object)]
pub struct Health {
    pub status: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Object)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// Milliseconds since the epoch as RFC 3339 in UTC, always with three
/// fractional digits, so the strings sort in time order.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_have_millisecond_precision_and_sort_as_strings() {
        assert_eq!(
            super::rfc3339(1_700_000_000_000),
            "2023-11-14T22:13:20.000Z"
        );
        assert_eq!(
            super::rfc3339(1_700_000_000_520),
            "2023-11-14T22:13:20.520Z"
        );
        assert!(super::rfc3339(1_700_000_000_520) > super::rfc3339(1_700_000_000_500));
    }
}
