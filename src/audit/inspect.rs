//! `faultline inspect`: every Redis key behind one job, with its TTL and
//! value (JSON pretty-printed, bodies cut), the job's stream entries, and
//! its work entry: waiting, or pending with its consumer, idle time and
//! delivery count (XPENDING).

use redis::AsyncCommands;
use serde::Serialize;
use serde_json::{Value, json};

use crate::engine::migrate::GROUP;
use crate::engine::{EngineError, Event, Functions, JobId, Snapshot};
use crate::replay::{cut, cut_bodies};

/// Work-stream entries scanned for the job's own (the stream holds only
/// unfinished work, so it is short).
const WORK_SCAN: usize = 10_000;

/// One key and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub key: String,
    /// What the key is for.
    pub role: &'static str,
    pub exists: bool,
    /// ms to live; -1 without expiry, -2 when absent.
    pub ttl_ms: i64,
    pub value: Value,
}

/// The job's entry in its shard's work stream.
#[derive(Debug, Clone, Serialize)]
pub struct WorkEntry {
    pub id: String,
    /// `None` while no worker has received it.
    pub consumer: Option<String>,
    pub idle_ms: Option<u64>,
    pub deliveries: Option<u64>,
}

/// One entry of the job's stream: an event, or an entry that does not read
/// as one, shown with its fields as stored.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum LogEntry {
    Event(Event),
    Malformed {
        stream_id: String,
        /// The field that is missing or does not read.
        malformed: String,
        fields: Vec<(String, String)>,
    },
}

impl LogEntry {
    /// The event, unless the entry is not one.
    pub fn event(&self) -> Option<&Event> {
        match self {
            LogEntry::Event(e) => Some(e),
            LogEntry::Malformed { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub job_id: String,
    pub shard: u16,
    pub content_hash: Option<String>,
    pub keys: Vec<KeyView>,
    /// The job's stream, entry by entry.
    pub events: Vec<LogEntry>,
    pub work: Vec<WorkEntry>,
    /// Whether Redis holds anything of the job: its snapshot, log, index
    /// entry, work entry or a dead letter.
    pub found: bool,
}

/// Reads everything Redis holds about `job`. Read-only.
pub async fn inspect(fns: &Functions, job: JobId) -> Result<Inspection, EngineError> {
    let (k, s, id) = (&fns.store.keys, job.shard(), job.to_string());
    let mut conn = fns.store.conn.clone();
    // A debugging view: values this process cannot open are shown sealed,
    // and an entry that is not an event is shown as stored.
    let log = fns.raw_log_page(job, "-", 100_000).await?;
    let mut entries: Vec<LogEntry> = log
        .entries
        .into_iter()
        .map(|entry| match entry {
            Ok(mut e) => {
                fns.keyring.open_event_leniently(&mut e);
                LogEntry::Event(e)
            }
            Err(bad) => LogEntry::Malformed {
                stream_id: bad.id,
                malformed: bad.reason,
                fields: bad.fields,
            },
        })
        .collect();
    let events: Vec<&Event> = entries.iter().filter_map(LogEntry::event).collect();
    let snapshot: Option<String> = conn.get(k.job(s, &id)).await?;
    let snapshot_value = snapshot.as_deref().map(|raw| opened_snapshot(fns, raw));
    let content_hash = snapshot_value
        .as_ref()
        .and_then(|v| v.get("content_hash")?.as_str().map(str::to_string))
        .or_else(|| {
            let first = events.first()?;
            Some(first.data.get("content_hash")?.as_str()?.to_string())
        });

    let mut keys = vec![
        key_view(
            &mut conn,
            k.job(s, &id),
            "snapshot",
            snapshot_value.map(cut_bodies),
        )
        .await?,
        key_view(
            &mut conn,
            k.events(s, &id),
            "the job's event log",
            Some(json!({ "entries": entries.len() })),
        )
        .await?,
    ];
    if let Some(hash) = &content_hash {
        let artifact = k.artifact(s, hash);
        let len: usize = conn.strlen(&artifact).await?;
        keys.push(
            key_view(
                &mut conn,
                artifact,
                "submitted content",
                Some(json!({ "bytes": len })),
            )
            .await?,
        );
        let cache_key = k.cache(k.shard_of_hash(hash), hash);
        let cached: Option<String> = conn.get(&cache_key).await?;
        let value = cached.map(|raw| {
            cut_bodies(
                fns.keyring
                    .open_cache_entry(&raw)
                    .unwrap_or_else(|_| serde_json::from_str(&raw).unwrap_or(Value::String(raw))),
            )
        });
        keys.push(key_view(&mut conn, cache_key, "cache entry of the content", value).await?);
        let source_key = k.source(k.shard_of_hash(hash), hash);
        let source: Option<String> = conn.get(&source_key).await?;
        keys.push(
            key_view(
                &mut conn,
                source_key,
                "the job and completed event that wrote the cache entry (cache hits refer to it)",
                source.map(Value::String),
            )
            .await?,
        );
        let running: Option<String> = conn.hget(k.inflight(s), hash).await?;
        keys.push(
            key_view(
                &mut conn,
                k.inflight(s),
                "in-flight marker (field = content hash)",
                Some(json!({ hash.as_str(): running })),
            )
            .await?,
        );
    }
    let created: Option<f64> = conn.zscore(k.index(s), &id).await?;
    keys.push(
        key_view(
            &mut conn,
            k.index(s),
            "job index (score = created_at ms)",
            Some(json!({ "score": created.map(|ms| ms as i64) })),
        )
        .await?,
    );
    let expiry: Option<f64> = conn.zscore(k.expiry(s), &id).await?;
    keys.push(
        key_view(
            &mut conn,
            k.expiry(s),
            "recheck set (only jobs alive at their first pruning check; score = next check ms)",
            Some(json!({ "score": expiry.map(|ms| ms as i64) })),
        )
        .await?,
    );
    let delayed: Vec<(String, f64)> = conn.zrange_withscores(k.delayed(s), 0, -1).await?;
    let due: Vec<i64> = delayed
        .into_iter()
        .filter(|(m, _)| m.split(' ').next() == Some(id.as_str()))
        .map(|(_, score)| score as i64)
        .collect();
    keys.push(
        key_view(
            &mut conn,
            k.delayed(s),
            "retries waiting (score = due ms)",
            Some(json!({ "due": due })),
        )
        .await?,
    );
    let dead: Vec<(String, Vec<String>)> = redis::cmd("XREVRANGE")
        .arg(k.dead(s))
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1000)
        .query_async(&mut conn)
        .await?;
    let dead: Vec<Value> = dead
        .into_iter()
        .filter(|(_, f)| super::field(f, "job") == Some(id.as_str()))
        .map(|(entry, f)| {
            let error = super::field(&f, "error")
                .map(|e| fns.keyring.open(e).unwrap_or_else(|_| e.to_string()));
            json!({ "id": entry, "error": error, "attempts": super::field(&f, "attempts") })
        })
        .collect();
    let has_dead_letter = !dead.is_empty();
    keys.push(
        key_view(
            &mut conn,
            k.dead(s),
            "dead letters",
            Some(json!({ "entries": dead })),
        )
        .await?,
    );

    for entry in &mut entries {
        match entry {
            LogEntry::Event(e) => {
                e.result = e.result.as_deref().map(cut);
                e.markdown = e.markdown.as_deref().map(cut);
            }
            LogEntry::Malformed { fields, .. } => {
                for (_, v) in fields {
                    *v = cut(v);
                }
            }
        }
    }
    let work = work_entries(fns, job).await?;
    let found = snapshot.is_some()
        || !entries.is_empty()
        || created.is_some()
        || !work.is_empty()
        || has_dead_letter;
    Ok(Inspection {
        job_id: id.clone(),
        shard: s,
        content_hash,
        keys,
        events: entries,
        work,
        found,
    })
}

/// The snapshot with its sealed values opened; as stored when they cannot be.
fn opened_snapshot(fns: &Functions, raw: &str) -> Value {
    if let Ok(mut s) = serde_json::from_str::<Snapshot>(raw)
        && fns.keyring.open_snapshot(&mut s).is_ok()
    {
        return s.to_value();
    }
    serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(cut(raw)))
}

async fn key_view(
    conn: &mut crate::store::Conn,
    key: String,
    role: &'static str,
    value: Option<Value>,
) -> Result<KeyView, EngineError> {
    let ttl_ms: i64 = conn.pttl(&key).await?;
    Ok(KeyView {
        exists: ttl_ms != -2,
        key,
        role,
        ttl_ms,
        value: value.unwrap_or(Value::Null),
    })
}

/// The job's work entries and, for delivered ones, their pending state.
async fn work_entries(fns: &Functions, job: JobId) -> Result<Vec<WorkEntry>, EngineError> {
    let key = fns.store.keys.work(job.shard());
    let id = job.to_string();
    let mut conn = fns.store.conn.clone();
    let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(&key)
        .arg("-")
        .arg("+")
        .arg("COUNT")
        .arg(WORK_SCAN)
        .query_async(&mut conn)
        .await?;
    let mut out = Vec::new();
    for (entry, fields) in entries {
        if super::field(&fields, "job") != Some(id.as_str()) {
            continue;
        }
        let pending: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
            .arg(&key)
            .arg(GROUP)
            .arg(&entry)
            .arg(&entry)
            .arg(1)
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        let p = pending.into_iter().next();
        out.push(WorkEntry {
            id: entry,
            consumer: p.as_ref().map(|p| p.1.clone()),
            idle_ms: p.as_ref().map(|p| p.2),
            deliveries: p.as_ref().map(|p| p.3),
        });
    }
    Ok(out)
}

/// The inspection as text.
pub fn render(i: &Inspection) -> String {
    let mut out = format!(
        "job {} (shard {}, content {})\n",
        i.job_id,
        i.shard,
        i.content_hash.as_deref().unwrap_or("unknown")
    );
    for k in &i.keys {
        let ttl = match k.ttl_ms {
            -2 => "absent".to_string(),
            -1 => "no expiry".to_string(),
            ms => format!("ttl {:.1}s", ms as f64 / 1000.0),
        };
        out.push_str(&format!("\n{}  [{}]  {}\n", k.key, k.role, ttl));
        if !k.value.is_null() {
            let pretty = serde_json::to_string_pretty(&k.value).unwrap_or_default();
            for line in pretty.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out.push_str(&format!("\nstream entries ({}):\n", i.events.len()));
    for entry in &i.events {
        let e = match entry {
            LogEntry::Event(e) => e,
            LogEntry::Malformed {
                stream_id,
                malformed,
                fields,
            } => {
                let shown: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                out.push_str(&format!(
                    "    {stream_id}  MALFORMED (`{malformed}` missing or unreadable): {}\n",
                    shown.join(" ")
                ));
                continue;
            }
        };
        out.push_str(&format!(
            "    {}  #{:<3} {:<15} attempt {}  {}  {}\n",
            e.stream_id.as_deref().unwrap_or("?"),
            e.seq,
            e.kind.as_str(),
            e.attempt,
            if e.worker.is_empty() {
                "api"
            } else {
                &e.worker
            },
            e.data
        ));
    }
    out.push_str("\nwork entry:\n");
    if i.work.is_empty() {
        out.push_str("    none (acknowledged and deleted, or never queued)\n");
    }
    for w in &i.work {
        match &w.consumer {
            Some(c) => out.push_str(&format!(
                "    {}  pending at {c}, idle {} ms, delivered {} time(s)\n",
                w.id,
                w.idle_ms.unwrap_or(0),
                w.deliveries.unwrap_or(0)
            )),
            None => out.push_str(&format!("    {}  waiting for a worker\n", w.id)),
        }
    }
    out
}
