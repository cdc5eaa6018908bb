//! Reads: snapshots, cache entries, job logs.

use super::*;
use crate::engine::EventType;
use crate::engine::events::MalformedEvent;
use crate::engine::snapshot::{SnapshotHead, snapshot_head};
use crate::metrics::timed;

impl Functions {
    /// The head of the stored snapshot (opened) and its TTL in seconds, in
    /// one round trip; `None` when unknown or expired. Only the first KB is
    /// read (a head is about 400 bytes): the result and report, most of a
    /// completed job's snapshot, follow the head and are not needed. A hit's
    /// result, kept in another job's log, is not read either.
    pub async fn head(&self, job: JobId) -> Result<Option<(SnapshotHead, i64)>, EngineError> {
        const HEAD_BYTES: isize = 1023;
        let key = self.store.keys.job(job.shard(), &job.to_string());
        let mut conn = self.store.conn.clone();
        let (bytes, ttl): (Vec<u8>, i64) = timed(
            "get_head",
            redis::pipe()
                .getrange(&key, 0, HEAD_BYTES)
                .ttl(&key)
                .query_async(&mut conn),
        )
        .await?;
        let prefix = whole_chars(&bytes);
        if prefix.is_empty() {
            return Ok(None);
        }
        let mut head = match snapshot_head(prefix) {
            Some(head) => head,
            // A head longer than the prefix (large metadata): read it whole.
            None => {
                let Some(raw) = self.snapshot_json(job).await? else {
                    return Ok(None);
                };
                serde_json::from_str(&raw)
                    .map_err(|e| EngineError::Protocol(format!("snapshot of {job}: {e}")))?
            }
        };
        self.keyring.open_head(&mut head)?;
        Ok(Some((head, ttl)))
    }

    /// The heads of jobs of one shard, in order; `None` for a job unknown or
    /// expired. Left sealed: a listing shows no error, and one job sealed
    /// under a key this process lacks must not fail the page. One pipelined read of each snapshot's first KB,
    /// then whole snapshots only for heads longer than that (large
    /// metadata): a listing never reads results and reports.
    pub async fn heads(
        &self,
        shard: u16,
        ids: &[String],
    ) -> Result<Vec<Option<SnapshotHead>>, EngineError> {
        const HEAD_BYTES: isize = 1023;
        let keys: Vec<String> = ids
            .iter()
            .map(|id| self.store.keys.job(shard, id))
            .collect();
        let mut pipe = redis::pipe();
        for key in &keys {
            pipe.getrange(key, 0, HEAD_BYTES);
        }
        let mut conn = self.store.conn.clone();
        let prefixes: Vec<Vec<u8>> = timed("get_heads", pipe.query_async(&mut conn)).await?;
        let mut heads = Vec::with_capacity(ids.len());
        for (key, bytes) in keys.iter().zip(prefixes) {
            let prefix = whole_chars(&bytes);
            let head = match snapshot_head(prefix) {
                Some(head) => Some(head),
                None if prefix.is_empty() => None,
                None => {
                    let raw: Option<String> = conn.get(key).await?;
                    // Unreadable: skipped like an expired job (replay tells why).
                    raw.and_then(|r| serde_json::from_str(&r).ok())
                }
            };
            heads.push(head);
        }
        Ok(heads)
    }

    /// The stored snapshot (opened), `None` when unknown or expired. A job
    /// born from the cache gets its result from the event its snapshot
    /// names (`result_source`); without that event it has none.
    pub async fn snapshot(&self, job: JobId) -> Result<Option<Snapshot>, EngineError> {
        let Some(raw) = self.snapshot_json(job).await? else {
            return Ok(None);
        };
        let mut s: Snapshot = serde_json::from_str(&raw)
            .map_err(|e| EngineError::Protocol(format!("snapshot of {job}: {e}")))?;
        self.keyring.open_snapshot(&mut s)?;
        if s.result.is_none()
            && let Some(source) = &s.result_source
            && let Some(mut completed) = self.result_event(source).await?
        {
            self.keyring.open_event(&mut completed)?;
            s.result = completed
                .result
                .map(|r| serde_json::from_str(&r).unwrap_or(serde_json::Value::String(r)));
            s.markdown = completed.markdown;
        }
        Ok(Some(s))
    }

    /// The stored snapshot text, exactly as in Redis (sealed values too).
    pub async fn snapshot_json(&self, job: JobId) -> Result<Option<String>, EngineError> {
        let mut conn = self.store.conn.clone();
        let key = self.store.keys.job(job.shard(), &job.to_string());
        Ok(timed("get_snapshot", conn.get(key)).await?)
    }

    /// The cache entry `{result, markdown}` for a content hash (opened).
    pub async fn cached(
        &self,
        content_hash: &str,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        let shard = self.store.keys.shard_of_hash(content_hash);
        let mut conn = self.store.conn.clone();
        let key = self.store.keys.cache(shard, content_hash);
        let raw: Option<String> = timed("get_cache", conn.get(key)).await?;
        Ok(raw
            .map(|text| self.keyring.open_cache_entry(&text))
            .transpose()?)
    }

    /// The submitted artifact kept for `job`'s shard (opened), while retained.
    pub async fn artifact(&self, job: JobId, hash: &str) -> Result<Option<String>, EngineError> {
        let mut conn = self.store.conn.clone();
        let raw: Option<String> = conn
            .get(self.store.keys.artifact(job.shard(), hash))
            .await?;
        Ok(raw.map(|c| self.keyring.open(&c)).transpose()?)
    }

    /// The job's log from `after` (exclusive stream id, "-" for the start),
    /// opened.
    pub async fn events(
        &self,
        job: JobId,
        after: &str,
        count: usize,
    ) -> Result<Vec<Event>, EngineError> {
        let mut events = self.raw_events(job, after, count).await?;
        for e in &mut events {
            self.keyring.open_event(e)?;
        }
        Ok(events)
    }

    /// Decodes and opens one entry of a job stream; an entry that is not an
    /// event is answered as such.
    pub fn open_entry(
        &self,
        entry: &redis::streams::StreamId,
    ) -> Result<Result<Event, MalformedEvent>, EngineError> {
        match entry_event(entry) {
            Ok(mut event) => {
                self.keyring.open_event(&mut event)?;
                Ok(Ok(event))
            }
            Err(bad) => Ok(Err(bad)),
        }
    }

    /// The job's log exactly as stored (sealed values as they are): what
    /// replay folds and compares with the stored snapshot.
    pub async fn raw_events(
        &self,
        job: JobId,
        after: &str,
        count: usize,
    ) -> Result<Vec<Event>, EngineError> {
        let start = if after == "-" {
            "-".to_string()
        } else {
            format!("({after}")
        };
        let reply = self
            .log_range(job, &job.to_string(), &start, "+", count)
            .await?;
        reply.ids.iter().map(decode_entry).collect()
    }

    /// The job's log as stored (up to `count` events, each decoded on its
    /// own so one malformed entry does not hide the rest), its snapshot
    /// JSON and the server's clock (ms), read in one MULTI/EXEC (both keys
    /// share the job's slot): no transition can land between the reads, so
    /// replay never compares a snapshot with a log older than it, and it
    /// tells an expired snapshot from a missing one by the clock the
    /// functions stamp events with (as `fl_rebuild` does).
    pub async fn log_and_snapshot(&self, job: JobId, count: usize) -> Result<LogRead, EngineError> {
        let (k, s, id) = (&self.store.keys, job.shard(), job.to_string());
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("XRANGE")
            .arg(k.events(s, &id))
            .arg("-")
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .cmd("GET")
            .arg(k.job(s, &id))
            .cmd("TIME");
        let mut conn = self.store.conn.clone();
        let (log, snapshot, (secs, micros)): (
            redis::streams::StreamRangeReply,
            Option<String>,
            (i64, i64),
        ) = timed("read_events", pipe.query_async(&mut conn)).await?;
        Ok(LogRead {
            entries: log.ids.iter().map(entry_event).collect(),
            snapshot,
            now_ms: secs * 1000 + micros / 1000,
        })
    }

    /// Up to `count` entries of the job's log after `after` (exclusive
    /// stream id, "-" for the start), each decoded and opened on its own: an
    /// entry that is not an event is answered as such (with its fields as
    /// stored) instead of failing the read. `more` tells whether entries
    /// follow the page (one entry more is read to know).
    pub async fn log_page(
        &self,
        job: JobId,
        after: &str,
        count: usize,
    ) -> Result<LogPage, EngineError> {
        let mut page = self.raw_log_page(job, after, count).await?;
        for event in page.entries.iter_mut().flatten() {
            self.keyring.open_event(event)?;
        }
        Ok(page)
    }

    /// `log_page` with the events as stored (sealed values as they are).
    pub async fn raw_log_page(
        &self,
        job: JobId,
        after: &str,
        count: usize,
    ) -> Result<LogPage, EngineError> {
        let start = if after == "-" {
            "-".to_string()
        } else {
            format!("({after}")
        };
        let reply = self
            .log_range(job, &job.to_string(), &start, "+", count.saturating_add(1))
            .await?;
        let more = reply.ids.len() > count;
        let entries = reply.ids.iter().take(count).map(entry_event).collect();
        Ok(LogPage { entries, more })
    }

    /// `XRANGE start end COUNT count` of `job_id`'s log (`job` locates its shard).
    async fn log_range(
        &self,
        job: JobId,
        job_id: &str,
        start: &str,
        end: &str,
        count: usize,
    ) -> redis::RedisResult<redis::streams::StreamRangeReply> {
        let key = self.store.keys.events(job.shard(), job_id);
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(key).arg(start).arg(end).arg("COUNT").arg(count);
        let mut conn = self.store.conn.clone();
        timed("read_events", cmd.query_async(&mut conn)).await
    }

    /// The `completed` event a job born from the cache takes its result
    /// from (as stored); `None` when it is gone or is not such an event.
    pub async fn result_event(&self, source: &ResultSource) -> Result<Option<Event>, EngineError> {
        let Ok(job) = source.job_id.parse::<JobId>() else {
            return Ok(None);
        };
        let id = source.event_id.as_str();
        // A malformed stream id is refused by Redis: as missing as a gone log.
        let reply = match self.log_range(job, &source.job_id, id, id, 1).await {
            Err(e) if e.code() == Some("ERR") => return Ok(None),
            other => other?,
        };
        Ok(reply
            .ids
            .first()
            .map(decode_entry)
            .transpose()?
            .filter(|c| c.kind == EventType::Completed && c.result.is_some()))
    }
}

/// What replay reads of a job in one unit (`Functions::log_and_snapshot`).
#[derive(Debug, Clone)]
pub struct LogRead {
    /// The log, entry by entry (an entry that is not an event as such).
    pub entries: Vec<Result<Event, MalformedEvent>>,
    /// The snapshot JSON exactly as stored.
    pub snapshot: Option<String>,
    /// The server's clock when they were read, ms since the epoch.
    pub now_ms: i64,
}

/// A page of a job's log (`Functions::log_page`).
#[derive(Debug, Clone)]
pub struct LogPage {
    /// Events, and entries that are not events, in log order.
    pub entries: Vec<Result<Event, MalformedEvent>>,
    /// Entries follow this page.
    pub more: bool,
}

impl LogPage {
    /// The id of the page's last entry, event or not.
    pub fn last_id(&self) -> Option<&str> {
        self.entries.last().and_then(|e| match e {
            Ok(event) => event.stream_id.as_deref(),
            Err(bad) => Some(bad.id.as_str()),
        })
    }
}

/// Decodes one stream entry into an event.
pub fn decode_entry(entry: &redis::streams::StreamId) -> Result<Event, EngineError> {
    entry_event(entry).map_err(|e| EngineError::Protocol(e.to_string()))
}

fn entry_event(entry: &redis::streams::StreamId) -> Result<Event, MalformedEvent> {
    let fields: Vec<(String, String)> = entry
        .map
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                redis::from_redis_value_ref::<String>(v).unwrap_or_default(),
            )
        })
        .collect();
    Event::from_entry(&entry.id, &fields)
}

/// A range read may end inside a multi-byte character: keep what is whole.
fn whole_chars(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}
