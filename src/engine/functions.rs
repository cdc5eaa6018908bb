//! Typed callers of the `faultline` library: the only place that sends
//! `FCALL`. Each method builds its keys from `keys.rs` (all in one shard, so
//! one slot) and parses the reply. Reads that need no atomicity (a snapshot,
//! a job's log) are plain commands.

use redis::{AsyncCommands, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::EngineError;
use super::events::Event;
use super::ids::JobId;
use super::migrate::{self, GROUP};
use super::snapshot::Snapshot;
use crate::store::Store;

/// Lifetimes the functions apply (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct Ttls {
    pub job_s: u64,
    pub cache_s: u64,
    pub events_s: u64,
    pub max_attempts: u32,
}

/// What a submission turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// A new job, queued for a worker.
    Queued(JobId),
    /// A new job born completed from the cache.
    Cached(JobId),
    /// Identical content is already being analysed: that job.
    Attached(JobId),
}

impl Submitted {
    pub fn job_id(&self) -> JobId {
        match self {
            Submitted::Queued(id) | Submitted::Cached(id) | Submitted::Attached(id) => *id,
        }
    }
}

/// A new artifact to analyse.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub content: &'a str,
    pub content_type: &'a str,
    /// JSON object text.
    pub metadata: &'a str,
}

/// What `start` handed the worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Started {
    Run {
        attempt: u32,
        content: String,
        content_type: String,
        metadata: String,
        /// When the job was queued (ms), for the queued→done latency metric.
        created_at: i64,
    },
    /// The entry was dropped (job finished, cancelled or expired).
    Skip(String),
    /// Attempts were exhausted by lost workers; the job is now failed.
    Dead(u32),
}

/// A progress hint observed by a worker, not yet sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hint {
    pub hint: String,
    pub observed_at: i64,
}

/// Identifies one running attempt of a job (the fencing token).
#[derive(Debug, Clone)]
pub struct Lease {
    pub job: JobId,
    pub attempt: u32,
    pub consumer: String,
    pub entry_id: String,
}

/// The hex SHA-256 of an artifact: its cache key.
pub fn content_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// Typed access to the library.
#[derive(Clone)]
pub struct Functions {
    pub store: Store,
    pub ttls: Ttls,
}

const FEED_FACTOR_MS: u64 = 1000;

impl Functions {
    pub fn new(store: Store, ttls: Ttls) -> Self {
        Functions { store, ttls }
    }

    fn feed_ms(&self) -> u64 {
        self.ttls.events_s * FEED_FACTOR_MS
    }

    /// FCALL with one retry after reloading the library, for a Redis that
    /// lost its functions (restarted without persistence, flushed).
    async fn fcall<T: redis::FromRedisValue>(
        &self,
        name: &str,
        keys: &[String],
        args: Vec<String>,
    ) -> Result<T, EngineError> {
        let mut cmd = redis::cmd("FCALL");
        cmd.arg(name).arg(keys.len()).arg(keys).arg(&args);
        let mut conn = self.store.conn.clone();
        match cmd.query_async(&mut conn).await {
            Err(e) if e.to_string().contains("Function not found") => {
                tracing::warn!(
                    function = name,
                    "faultline library missing in Redis; reloading it"
                );
                migrate::migrate(&self.store).await?;
                Ok(cmd.query_async(&mut conn).await?)
            }
            other => Ok(other?),
        }
    }

    pub async fn submit(&self, sub: Submission<'_>) -> Result<Submitted, EngineError> {
        let hash = content_hash(sub.content);
        let shard = self.store.keys.shard_of_hash(&hash);
        let mut force = false;
        loop {
            let id = JobId::generate(shard);
            let (outcome, job) = self.submit_once(sub, &hash, id, force).await?;
            let job: JobId = job
                .parse()
                .map_err(|_| EngineError::Protocol(format!("bad job id {job}")))?;
            match outcome.as_str() {
                "queued" => return Ok(Submitted::Queued(job)),
                "cached" => return Ok(Submitted::Cached(job)),
                // The marker may outlive its job if the snapshot expired first.
                "attached" if force || self.snapshot(job).await?.is_some() => {
                    return Ok(Submitted::Attached(job));
                }
                "attached" => force = true,
                other => return Err(EngineError::Protocol(format!("submit answered {other}"))),
            }
        }
    }

    async fn submit_once(
        &self,
        sub: Submission<'_>,
        hash: &str,
        id: JobId,
        force: bool,
    ) -> Result<(String, String), EngineError> {
        let (k, s, job) = (&self.store.keys, id.shard(), id.to_string());
        let keys = vec![
            k.job(s, &job),
            k.events(s, &job),
            k.cache(s, hash),
            k.inflight(s),
            k.artifact(s, hash),
            k.work(s),
            k.feed(s),
            k.index(s),
            k.expiry(s),
        ];
        let args = vec![
            job,
            hash.to_string(),
            sub.content_type.to_string(),
            sub.metadata.to_string(),
            sub.content.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
            if force { "force".into() } else { String::new() },
        ];
        self.fcall("fl_submit", &keys, args).await
    }

    /// Takes a delivered work entry for `consumer`.
    pub async fn start(
        &self,
        job: JobId,
        hash: &str,
        entry_id: &str,
        consumer: &str,
        first_hint: &str,
    ) -> Result<Started, EngineError> {
        let (k, s, id) = (&self.store.keys, job.shard(), job.to_string());
        let keys = vec![
            k.job(s, &id),
            k.events(s, &id),
            k.artifact(s, hash),
            k.work(s),
            k.feed(s),
            k.inflight(s),
            k.dead(s),
            k.expiry(s),
        ];
        let args = vec![
            id,
            entry_id.to_string(),
            consumer.to_string(),
            GROUP.to_string(),
            self.ttls.max_attempts.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
            first_hint.to_string(),
        ];
        let reply: Vec<Value> = self.fcall("fl_start", &keys, args).await?;
        let text = |i: usize| {
            reply
                .get(i)
                .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                .unwrap_or_default()
        };
        Ok(match text(0).as_str() {
            "run" => Started::Run {
                attempt: text(1)
                    .parse()
                    .map_err(|_| EngineError::Protocol("start: attempt".into()))?,
                content: text(2),
                content_type: text(3),
                metadata: text(4),
                created_at: reply
                    .get(5)
                    .and_then(|v| redis::from_redis_value_ref::<i64>(v).ok())
                    .unwrap_or(0),
            },
            "skip" => Started::Skip(text(1)),
            "dead" => Started::Dead(text(1).parse().unwrap_or(0)),
            other => return Err(EngineError::Protocol(format!("start answered {other}"))),
        })
    }

    pub async fn progress(&self, lease: &Lease, hints: &[Hint]) -> Result<(), EngineError> {
        let (k, s, id) = (&self.store.keys, lease.job.shard(), lease.job.to_string());
        let keys = vec![k.job(s, &id), k.events(s, &id), k.feed(s), k.expiry(s)];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            hints_json(hints),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
        ];
        self.fcall::<String>("fl_progress", &keys, args)
            .await
            .map(|_| ())
    }

    pub async fn complete(
        &self,
        lease: &Lease,
        hash: &str,
        hints: &[Hint],
        result: &str,
        markdown: &str,
    ) -> Result<(), EngineError> {
        let (k, s, id) = (&self.store.keys, lease.job.shard(), lease.job.to_string());
        let keys = vec![
            k.job(s, &id),
            k.events(s, &id),
            k.cache(s, hash),
            k.inflight(s),
            k.work(s),
            k.feed(s),
            k.expiry(s),
        ];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            lease.entry_id.clone(),
            GROUP.to_string(),
            hints_json(hints),
            result.to_string(),
            markdown.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.cache_s.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
        ];
        self.fcall::<String>("fl_complete", &keys, args)
            .await
            .map(|_| ())
    }

    /// Records a failed attempt; returns true when a retry was scheduled.
    pub async fn fail(
        &self,
        lease: &Lease,
        hints: &[Hint],
        error: &str,
        retryable: bool,
        delay_ms: u64,
    ) -> Result<bool, EngineError> {
        let (k, s, id) = (&self.store.keys, lease.job.shard(), lease.job.to_string());
        let keys = vec![
            k.job(s, &id),
            k.events(s, &id),
            k.inflight(s),
            k.work(s),
            k.feed(s),
            k.delayed(s),
            k.dead(s),
            k.expiry(s),
        ];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            lease.entry_id.clone(),
            GROUP.to_string(),
            hints_json(hints),
            error.to_string(),
            if retryable { "1" } else { "0" }.to_string(),
            self.ttls.max_attempts.to_string(),
            delay_ms.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
        ];
        let outcome: String = self.fcall("fl_fail", &keys, args).await?;
        Ok(outcome == "retry")
    }

    pub async fn cancel(&self, job: JobId, reason: &str) -> Result<(), EngineError> {
        let (k, s, id) = (&self.store.keys, job.shard(), job.to_string());
        let keys = vec![
            k.job(s, &id),
            k.events(s, &id),
            k.inflight(s),
            k.feed(s),
            k.delayed(s),
            k.expiry(s),
        ];
        let args = vec![
            id,
            reason.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
        ];
        self.fcall::<String>("fl_cancel", &keys, args)
            .await
            .map(|_| ())
    }

    /// Appends a feedback event; returns its sequence number.
    pub async fn feedback(
        &self,
        job: JobId,
        is_useful: bool,
        comment: &str,
    ) -> Result<u64, EngineError> {
        let (k, s, id) = (&self.store.keys, job.shard(), job.to_string());
        let keys = vec![k.job(s, &id), k.events(s, &id), k.feed(s)];
        let args = vec![
            id,
            if is_useful { "1" } else { "0" }.to_string(),
            comment.to_string(),
            self.ttls.events_s.to_string(),
            self.feed_ms().to_string(),
        ];
        self.fcall("fl_feedback", &keys, args).await
    }

    /// One shard's upkeep: (retries promoted, index entries pruned).
    pub async fn maintain(&self, shard: u16, limit: usize) -> Result<(u64, u64), EngineError> {
        let k = &self.store.keys;
        let keys = vec![
            k.delayed(shard),
            k.work(shard),
            k.index(shard),
            k.expiry(shard),
            k.feed(shard),
            k.dead(shard),
        ];
        let args = vec![
            limit.to_string(),
            self.feed_ms().to_string(),
            self.feed_ms().to_string(),
        ];
        self.fcall("fl_maintain", &keys, args).await
    }

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
        Ok(conn
            .get(self.store.keys.job(job.shard(), &job.to_string()))
            .await?)
    }

    /// The raw cache entry for a content hash.
    pub async fn cached(&self, content_hash: &str) -> Result<Option<String>, EngineError> {
        let shard = self.store.keys.shard_of_hash(content_hash);
        let mut conn = self.store.conn.clone();
        Ok(conn.get(self.store.keys.cache(shard, content_hash)).await?)
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
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(key)
            .arg(start)
            .arg("+")
            .arg("COUNT")
            .arg(count)
            .query_async(&mut conn)
            .await?;
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

fn hints_json(hints: &[Hint]) -> String {
    serde_json::to_string(hints).expect("hints always serialise")
}
