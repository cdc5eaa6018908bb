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
    /// A cache hit's result by reference: the `completed` event that wrote
    /// the cache entry (`result` and `markdown` stay empty). The fold names
    /// it in the snapshot (`Snapshot::result_source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<EventSource>,
}

/// Where a cache hit's result lies: an event of another job's log (same
/// content, so same shard).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSource {
    pub job_id: String,
    pub stream_id: String,
}

/// A cache entry's text, `{"result":<raw JSON>,"markdown":"..."}`, read with
/// the result's text kept exactly as written.
#[derive(Deserialize)]
struct CacheEntryText<'a> {
    #[serde(borrow)]
    result: &'a serde_json::value::RawValue,
    markdown: String,
}

/// A stream entry that is not a well-formed event.
#[derive(Debug, Clone, thiserror::Error)]
#[error("malformed event {id}: {reason}")]
pub struct MalformedEvent {
    /// The entry id.
    pub id: String,
    /// The field that is missing or does not read.
    pub reason: String,
    /// The entry's fields exactly as stored, for whoever debugs it.
    pub fields: Vec<(String, String)>,
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
            fields: fields.to_vec(),
        };
        let num = |name: &str| {
            get(name)
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| bad(name))
        };
        // A cache hit names the event its result came from, or (when that
        // log had expired) holds the cache entry's text whole; older entries
        // hold its two members as `result` and `markdown_json`.
        let source = match (get("source_job"), get("source_event")) {
            (Some(job_id), Some(stream_id)) => Some(EventSource {
                job_id: job_id.to_string(),
                stream_id: stream_id.to_string(),
            }),
            (None, None) => None,
            _ => return Err(bad("source_event")),
        };
        let (result, markdown) = match get("cache_entry") {
            Some(text) => {
                let entry: CacheEntryText =
                    serde_json::from_str(text).map_err(|_| bad("cache_entry"))?;
                (Some(entry.result.get().to_string()), Some(entry.markdown))
            }
            None => (
                get("result").map(str::to_string),
                get("markdown").map(str::to_string).or_else(|| {
                    get("markdown_json").and_then(|j| serde_json::from_str::<String>(j).ok())
                }),
            ),
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
            result,
            markdown,
            stream_id: Some(id.to_string()),
            source,
        })
    }

    /// Whether the event carries a result, held or by reference.
    pub fn has_result(&self) -> bool {
        self.result.is_some() || self.source.is_some()
    }

    /// The progress hint of a progress event.
    pub fn hint(&self) -> Option<&str> {
        self.data.get("hint").and_then(|h| h.as_str())
    }

    pub fn error(&self) -> Option<&str> {
        self.data.get("error").and_then(|h| h.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const HEAD: [(&str, &str); 5] = [
        ("seq", "1"),
        ("type", "cache_hit"),
        ("ts", "1700000000000"),
        ("attempt", "0"),
        ("data", "{}"),
    ];

    #[test]
    fn a_cache_hit_reads_the_whole_entry_with_the_result_text_exact() {
        let entry = r##"{"result":{"a":[],"n":0.12345678901234567},"markdown":"# R\n\"q\""}"##;
        let mut pairs = HEAD.to_vec();
        pairs.push(("cache_entry", entry));
        let e = Event::from_entry("1-0", &fields(&pairs)).unwrap();
        assert_eq!(
            e.result.as_deref(),
            Some(r#"{"a":[],"n":0.12345678901234567}"#)
        );
        assert_eq!(e.markdown.as_deref(), Some("# R\n\"q\""));
    }

    #[test]
    fn a_cache_hit_written_before_whole_entries_still_reads() {
        let mut pairs = HEAD.to_vec();
        pairs.push(("result", r#"{"a":[]}"#));
        pairs.push(("markdown_json", r##""# R""##));
        let e = Event::from_entry("1-0", &fields(&pairs)).unwrap();
        assert_eq!(e.result.as_deref(), Some(r#"{"a":[]}"#));
        assert_eq!(e.markdown.as_deref(), Some("# R"));
    }

    #[test]
    fn a_cache_hit_by_reference_names_its_source_and_holds_no_result() {
        let mut pairs = HEAD.to_vec();
        pairs.push(("source_job", "01JOB"));
        pairs.push(("source_event", "17-0"));
        let e = Event::from_entry("1-0", &fields(&pairs)).unwrap();
        assert_eq!(
            e.source,
            Some(EventSource {
                job_id: "01JOB".into(),
                stream_id: "17-0".into()
            })
        );
        assert_eq!((e.result, e.markdown), (None, None));
    }

    #[test]
    fn half_a_source_reference_is_a_malformed_event() {
        let mut pairs = HEAD.to_vec();
        pairs.push(("source_job", "01JOB"));
        let err = Event::from_entry("1-0", &fields(&pairs)).unwrap_err();
        assert_eq!(err.reason, "source_event");
    }

    #[test]
    fn a_malformed_cache_entry_is_a_malformed_event() {
        let mut pairs = HEAD.to_vec();
        pairs.push(("cache_entry", r#"{"result":1}"#));
        let err = Event::from_entry("1-0", &fields(&pairs)).unwrap_err();
        assert_eq!(err.reason, "cache_entry");
    }
}
