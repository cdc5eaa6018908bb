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

    /// The heads of jobs of one shard (opened), in order; `None` for a job
    /// unknown or expired. One pipelined read of each snapshot's first KB,
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
            heads.push(match head {
                Some(mut head) => {
                    self.keyring.open_head(&mut head)?;
                    Some(head)
                }
                None => None,
            });
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

    /// Decodes and opens one entry of a job stream.
    pub fn open_entry(&self, entry: &redis::streams::StreamId) -> Result<Event, EngineError> {
        let mut event = decode_entry(entry)?;
        self.keyring.open_event(&mut event)?;
        Ok(event)
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
    /// own so one malformed entry does not hide the rest) and its snapshot
    /// JSON, read in one MULTI/EXEC (both keys share the job's slot): no
    /// transition can land between the two reads, so replay never compares
    /// a snapshot with a log older than it.
    #[allow(clippy::type_complexity)]
    pub async fn log_and_snapshot(
        &self,
        job: JobId,
        count: usize,
    ) -> Result<(Vec<Result<Event, MalformedEvent>>, Option<String>), EngineError> {
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
            .arg(k.job(s, &id));
        let mut conn = self.store.conn.clone();
        let (log, snapshot): (redis::streams::StreamRangeReply, Option<String>) =
            timed("read_events", pipe.query_async(&mut conn)).await?;
        Ok((log.ids.iter().map(entry_event).collect(), snapshot))
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
