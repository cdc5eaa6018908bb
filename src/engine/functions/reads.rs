//! Reads: the Lua fold without writes, snapshots, cache entries, job logs.

use super::*;
use crate::metrics::timed;

impl Functions {
    /// Folds `events` with the Lua fold, writing nothing: (events folded,
    /// snapshot JSON if any, refusal if any).
    pub async fn fold_events(
        &self,
        job_id: &str,
        events: &[Event],
    ) -> Result<(usize, Option<serde_json::Value>, Option<String>), EngineError> {
        let json =
            serde_json::to_string(events).map_err(|e| EngineError::Protocol(e.to_string()))?;
        let mut cmd = redis::cmd("FCALL_RO");
        cmd.arg("fl_fold").arg(0).arg(job_id).arg(json);
        let mut conn = self.store.conn.clone();
        let (n, snap, refusal): (usize, String, String) = cmd.query_async(&mut conn).await?;
        let snap = if snap.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&snap).map_err(|e| EngineError::Protocol(e.to_string()))?)
        };
        Ok((n, snap, Some(refusal).filter(|r| !r.is_empty())))
    }

    /// The stored snapshot, `None` when unknown or expired.
    pub async fn snapshot(&self, job: JobId) -> Result<Option<Snapshot>, EngineError> {
        self.snapshot_json(job)
            .await?
            .map(|raw| serde_json::from_str(&raw))
            .transpose()
            .map_err(|e| EngineError::Protocol(format!("snapshot of {job}: {e}")))
    }

    /// The stored snapshot text, exactly as in Redis.
    pub async fn snapshot_json(&self, job: JobId) -> Result<Option<String>, EngineError> {
        let mut conn = self.store.conn.clone();
        let key = self.store.keys.job(job.shard(), &job.to_string());
        Ok(timed("get_snapshot", conn.get(key)).await?)
    }

    /// The raw cache entry for a content hash.
    pub async fn cached(&self, content_hash: &str) -> Result<Option<String>, EngineError> {
        let shard = self.store.keys.shard_of_hash(content_hash);
        let mut conn = self.store.conn.clone();
        let key = self.store.keys.cache(shard, content_hash);
        Ok(timed("get_cache", conn.get(key)).await?)
    }

    /// The job's log from `after` (exclusive stream id, "-" for the start).
    pub async fn events(
        &self,
        job: JobId,
        after: &str,
        count: usize,
    ) -> Result<Vec<Event>, EngineError> {
        let key = self.store.keys.events(job.shard(), &job.to_string());
        let start = if after == "-" {
            "-".to_string()
        } else {
            format!("({after}")
        };
        let mut conn = self.store.conn.clone();
        let mut cmd = redis::cmd("XRANGE");
        cmd.arg(key).arg(start).arg("+").arg("COUNT").arg(count);
        let reply: redis::streams::StreamRangeReply =
            timed("read_events", cmd.query_async(&mut conn)).await?;
        reply.ids.iter().map(decode_entry).collect()
    }
}

/// Decodes one stream entry into an event.
pub fn decode_entry(entry: &redis::streams::StreamId) -> Result<Event, EngineError> {
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
    Event::from_entry(&entry.id, &fields).map_err(|e| EngineError::Protocol(e.to_string()))
}
