//! Events: one entry in a job's log per transition. The Lua functions write
//! them; this is how Rust reads them back (replay, the API, tests).

use serde::{Deserialize, Serialize};

/// Every event type, as written in the streams, the API and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Queued,
    CacheHit,
    Started,
    Progress,
    Completed,
    RetryScheduled,
    DeadLettered,
    Failed,
    Cancelled,
    Feedback,
}

impl EventType {
    pub const ALL: [EventType; 10] = [
        EventType::Queued,
        EventType::CacheHit,
        EventType::Started,
        EventType::Progress,
        EventType::Completed,
        EventType::RetryScheduled,
        EventType::DeadLettered,
        EventType::Failed,
        EventType::Cancelled,
        EventType::Feedback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Queued => "queued",
            EventType::CacheHit => "cache_hit",
            EventType::Started => "started",
            EventType::Progress => "progress",
            EventType::Completed => "completed",
            EventType::RetryScheduled => "retry_scheduled",
            EventType::DeadLettered => "dead_lettered",
            EventType::Failed => "failed",
            EventType::Cancelled => "cancelled",
            EventType::Feedback => "feedback",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One event of a job's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// 1-based position in the job's log.
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// Server time of the append, ms since the epoch.
    pub ts: i64,
    /// The attempt the event belongs to (0 before the first start).
    pub attempt: u32,
    /// The consumer that wrote it ("" for the API).
    pub worker: String,
    /// Type-specific payload (hint, error, metadata, ...).
    pub data: serde_json::Value,
    /// Raw result JSON (completed, cache_hit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// The entry id in the job's stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_id: Option<String>,
}

/// A stream entry that is not a well-formed event.
#[derive(Debug, thiserror::Error)]
#[error("malformed event {id}: {reason}")]
pub struct MalformedEvent {
    pub id: String,
    pub reason: String,
}

impl Event {
    /// Decodes one entry of a job stream (`XRANGE` field/value pairs).
    pub fn from_entry(id: &str, fields: &[(String, String)]) -> Result<Self, MalformedEvent> {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let bad = |reason: &str| MalformedEvent {
            id: id.to_string(),
            reason: reason.to_string(),
        };
        let num = |name: &str| {
            get(name)
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| bad(name))
        };
        Ok(Event {
            seq: num("seq")? as u64,
            kind: get("type")
                .and_then(EventType::parse)
                .ok_or_else(|| bad("type"))?,
            ts: num("ts")?,
            attempt: num("attempt")? as u32,
            worker: get("worker").unwrap_or_default().to_string(),
            data: serde_json::from_str(get("data").unwrap_or("{}")).map_err(|_| bad("data"))?,
            result: get("result").map(str::to_string),
            // A cache hit keeps the markdown as the cache entry holds it: JSON text.
            markdown: get("markdown").map(str::to_string).or_else(|| {
                get("markdown_json").and_then(|j| serde_json::from_str::<String>(j).ok())
            }),
            stream_id: Some(id.to_string()),
        })
    }

    /// The progress hint of a progress event.
    pub fn hint(&self) -> Option<&str> {
        self.data.get("hint").and_then(|h| h.as_str())
    }

    pub fn error(&self) -> Option<&str> {
        self.data.get("error").and_then(|h| h.as_str())
    }
}
