//! Typed callers of the `faultline` library: the only place that sends
//! `FCALL`. Each method builds its keys from `keys.rs` (all in one shard, so
//! one slot) and parses the reply. Reads that need no atomicity (a snapshot,
//! a job's log) are plain commands. With an encryption key, values that
//! carry content are sealed here on the way in and opened on the way out
//! (see `engine::sealing`).

use redis::{AsyncCommands, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};

mod batch;
mod reads;
mod rebuild;
mod recent;
mod submit;
mod transitions;

pub use batch::{Completion, Taken, WorkEntry};
pub use reads::{LogPage, LogRead, decode_entry};
pub use rebuild::Rebuilt;

use super::crypto::Keyring;
use super::error::EngineError;
use super::events::Event;
use super::ids::JobId;
use super::migrate::{self, GROUP};
use super::snapshot::{ResultSource, Snapshot};
use crate::store::Store;

/// Lifetimes the functions apply (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct Ttls {
    pub job_s: u64,
    pub cache_s: u64,
    pub events_s: u64,
    pub max_attempts: u32,
}

impl Ttls {
    /// How long a snapshot in `status` lives after its last transition:
    /// JOB_EXPIRATION once its job has ended, EVENT_RETENTION until then
    /// (the library's `snapshot_ttl`).
    pub fn snapshot_s(&self, status: crate::engine::JobStatus) -> u64 {
        if status.is_terminal() {
            self.job_s
        } else {
            self.events_s
        }
    }
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
    /// What besides the content decides the analysis
    /// ([`crate::analysis::cache_key::analysis_inputs`]); '' when the content
    /// alone does. Part of the cache key.
    pub inputs: &'a str,
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
    /// The job could not run and is now failed: its attempts were exhausted
    /// by lost workers, or its artifact is no longer stored.
    Dead { attempts: u32, error: String },
    /// The attempt started but its artifact cannot be decrypted here (a key
    /// this process lacks): the worker fails the attempt with this error.
    Unreadable {
        attempt: u32,
        error: String,
        /// As `Run`'s.
        created_at: i64,
    },
}

impl Started {
    /// Opens the sealed content and metadata of a `Run`.
    fn opened(self, keyring: &Keyring) -> Self {
        match self {
            Started::Run {
                attempt,
                content,
                content_type,
                metadata,
                created_at,
            } => {
                // Submission never stores an empty artifact: its key is gone
                // (evicted, or expired in a way `fl_start` did not see).
                // Analysing "" would cache a report of nothing under this
                // content's key; the failed attempt's retry finds the key
                // missing and ends the job with that error.
                if content.is_empty() {
                    return Started::Unreadable {
                        attempt,
                        error: "the artifact is no longer stored".to_string(),
                        created_at,
                    };
                }
                let opened = keyring
                    .open(&content)
                    .and_then(|c| Ok((c, keyring.open_metadata_text(&metadata)?)));
                match opened {
                    Ok((content, metadata)) => Started::Run {
                        attempt,
                        content,
                        content_type,
                        metadata,
                        created_at,
                    },
                    Err(e) => Started::Unreadable {
                        attempt,
                        error: e.to_string(),
                        created_at,
                    },
                }
            }
            other => other,
        }
    }
}

/// A progress hint observed by a worker, not yet sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hint {
    pub hint: String,
    pub observed_at: i64,
    /// Sent before in a call whose reply was lost (it may have run): the
    /// library leaves it out if the log already has it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub resent: bool,
}

impl Hint {
    pub fn new(hint: impl Into<String>, observed_at: i64) -> Self {
        Self {
            hint: hint.into(),
            observed_at,
            resent: false,
        }
    }
}

/// Identifies one running attempt of a job (the fencing token).
#[derive(Debug, Clone)]
pub struct Lease {
    pub job: JobId,
    pub attempt: u32,
    pub consumer: String,
    pub entry_id: String,
}

/// Artifacts larger than this travel beside the function call, not through
/// it: submissions write the artifact key with a plain `SET` in the same
/// pipeline, just before the call, and `fl_start`/`fl_take` leave a larger
/// one out of their reply for the worker to read (`INLINE_ARTIFACT` in
/// `002_start.lua`). Redis's Lua hashes every byte of every string it is
/// handed (~1.25 ns per byte), so a 400 KB artifact would cost ~0.5 ms of
/// Redis's only thread on the way in and again on the way out.
pub const INLINE_ARTIFACT: usize = 2048;

/// Tells `fl_start`/`fl_take` that this caller reads large artifacts
/// itself. A caller without it (a worker older than library version 15,
/// still running during a rolling upgrade) gets every artifact whole.
const ARTIFACTS_BY_CALLER: &str = "artifacts-by-caller";

/// The hex SHA-256 of an artifact: its cache key when the content alone
/// decides its analysis.
pub fn content_hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// The cache key of a submission: the content's hash, or, when other
/// inputs change the analysis, the hash of those inputs and the content
/// (with a prefix no artifact's plain hash can share).
pub fn cache_key(content: &str, inputs: &str) -> String {
    if inputs.is_empty() {
        return content_hash(content);
    }
    let mut h = Sha256::new();
    h.update(b"faultline analysis inputs\0");
    h.update(inputs.as_bytes());
    h.update(b"\0");
    h.update(content.as_bytes());
    hex::encode(h.finalize())
}

/// How many replicas must hold a submission before it is acknowledged
/// (`WAIT` after the call); 0 replicas = asynchronous replication only.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubmitWait {
    pub replicas: u32,
    pub timeout: std::time::Duration,
}

/// Typed access to the library.
#[derive(Clone)]
pub struct Functions {
    pub store: Store,
    pub ttls: Ttls,
    pub submit_wait: SubmitWait,
    /// Seals content on the way in, opens it on the way out (encryption at
    /// rest; without a key it writes clear text).
    pub keyring: std::sync::Arc<Keyring>,
    /// Per-shard group commit of submissions, started on first use (on the
    /// runtime of the first submission).
    submitter: std::sync::Arc<std::sync::OnceLock<submit::Submitter>>,
    /// Large content this process submitted lately (sent without its bytes).
    recent: std::sync::Arc<recent::RecentContent>,
}

impl Functions {
    pub fn new(store: Store, ttls: Ttls) -> Self {
        Functions {
            store,
            ttls,
            submit_wait: SubmitWait::default(),
            keyring: Default::default(),
            submitter: Default::default(),
            recent: Default::default(),
        }
    }

    /// Values that carry content are encrypted with `keyring`.
    pub fn with_keyring(mut self, keyring: std::sync::Arc<Keyring>) -> Self {
        self.keyring = keyring;
        self
    }

    /// Submissions wait for `replicas` replicas (up to `timeout`) first.
    pub fn with_submit_wait(mut self, replicas: u32, timeout: std::time::Duration) -> Self {
        self.submit_wait = SubmitWait { replicas, timeout };
        self
    }

    /// How long the shard feed and dead-letter streams keep entries, in ms.
    fn retention_ms(&self) -> u64 {
        self.ttls.events_s * 1000
    }

    /// FCALL with one retry after reloading the library, for a Redis that
    /// lost its functions (restarted without persistence, flushed; on a
    /// cluster, a master that joined without them: `migrate` checks every
    /// master and loads the library on all of them).
    async fn fcall<T: redis::FromRedisValue>(
        &self,
        name: &str,
        keys: &[String],
        args: Vec<String>,
    ) -> Result<T, EngineError> {
        self.fcall_on(self.store.conn.clone(), name, keys, args)
            .await
    }

    /// `fcall` on a given connection (a waiting one, for submissions).
    async fn fcall_on<T: redis::FromRedisValue>(
        &self,
        conn: crate::store::Conn,
        name: &str,
        keys: &[String],
        args: Vec<String>,
    ) -> Result<T, EngineError> {
        self.fcall_after(conn, &[], name, keys, args).await
    }

    /// `fcall_on`, after writing `artifacts` (key, sealed content) with a
    /// plain `SET` in the same pipeline: they stay out of Lua (see
    /// `INLINE_ARTIFACT`). The keys share the call's slot, so on a cluster
    /// the pipeline goes to one node, in order.
    async fn fcall_after<T: redis::FromRedisValue>(
        &self,
        mut conn: crate::store::Conn,
        artifacts: &[(String, &str)],
        name: &str,
        keys: &[String],
        args: Vec<String>,
    ) -> Result<T, EngineError> {
        let mut cmd = redis::cmd("FCALL");
        cmd.arg(name).arg(keys.len()).arg(keys).arg(&args);
        let send = async |conn: &mut crate::store::Conn| -> Result<T, EngineError> {
            if artifacts.is_empty() {
                return Ok(cmd.query_async(conn).await?);
            }
            // Every reply comes back as a value, errors too: Redis runs the
            // call even when it refused a `SET` before it (OOM at
            // maxmemory), and the function then queues nothing
            // (ARTIFACT_NOT_STORED, for that job only in a batch).
            let mut pipe = redis::pipe();
            pipe.ignore_errors();
            for (key, content) in artifacts {
                pipe.cmd("SET")
                    .arg(key)
                    .arg(*content)
                    .arg("EX")
                    .arg(self.ttls.job_s);
            }
            pipe.add_command(cmd.clone());
            let mut replies: Vec<Value> = pipe.query_async(conn).await?;
            let reply = replies.pop();
            // A refused write says why better than the call's refusal.
            let refused_write = replies.into_iter().find_map(|v| match v {
                Value::ServerError(e) => Some(e),
                _ => None,
            });
            match reply {
                Some(Value::ServerError(e)) => {
                    Err(redis::RedisError::from(refused_write.unwrap_or(e)).into())
                }
                Some(v) => redis::from_redis_value(v)
                    .map_err(|e| EngineError::Protocol(format!("{name}: {e}"))),
                None => Err(EngineError::Protocol(format!("{name}: no answer"))),
            }
        };
        let began = std::time::Instant::now();
        let reply = send(&mut conn).await;
        // Refusals are answers, not failures: only transport and server errors count.
        let failed = reply.as_ref().is_err_and(|e| e.code().is_none());
        crate::metrics::redis_call(name, began, !failed);
        match reply {
            Err(e) if e.to_string().contains("Function not found") => {
                tracing::warn!(
                    function = name,
                    "faultline library missing in Redis; reloading it"
                );
                // In a task of its own, not cancelled with its caller (the
                // upkeep, dropped at a stop): a reload dropped half-way
                // would leave the migration lock held for its lease.
                let store = self.store.clone();
                tokio::spawn(async move { migrate::migrate_within(&store, RELOAD_PATIENCE).await })
                    .await
                    .map_err(|e| EngineError::Protocol(format!("reloading the library: {e}")))??;
                send(&mut conn).await
            }
            Err(e) if e.is_wrong_server() => {
                // A failover behind a fixed address: the shared connection
                // still reaches the old master, now a replica.
                self.store.reconnect_soon().await;
                Err(e)
            }
            other => other,
        }
    }
}

/// How long a call that found the library gone waits for another
/// process's migration lock before it answers "unavailable".
const RELOAD_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// The markdown argument of `fl_complete`/`fl_complete_many`: already a
/// JSON string, so the Lua splices it as it is instead of encoding it (an
/// encode of tens of KB, and one more string hashed byte by byte).
pub(super) fn markdown_json(markdown: &str) -> String {
    serde_json::to_string(markdown).expect("a string always serialises")
}

pub(super) fn hints_json(hints: &[Hint]) -> String {
    serde_json::to_string(hints).expect("hints always serialise")
}
