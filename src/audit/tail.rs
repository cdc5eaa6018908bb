//! `faultline events tail`: the audit log as readable lines, the last few
//! then (with `--follow`) live. Without `--job` it reads every shard's feed
//! (one entry per transition call, expanded to one line per event); with
//! `--job`, the job's own stream with each event's worker and detail. Each
//! read touches one stream (one slot), and following polls instead of
//! blocking, so it never holds up the shared connection.

use std::time::Duration;

use serde::Serialize;

use crate::engine::{EngineError, EventType, Functions, JobId, Keyring};

/// How long `follow` waits after a poll that found nothing new.
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub job: Option<JobId>,
    pub kind: Option<EventType>,
}

/// One event of the log, as tailed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TailLine {
    /// Entry id in the stream it was read from.
    pub id: String,
    pub job: String,
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub ts: i64,
    pub attempt: u32,
    /// Known when read from the job's own stream ("" for the API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Progress hint or error, from the job's own stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Where each tailed stream was read up to.
#[derive(Debug, Clone)]
pub struct Cursor(Vec<(String, String)>);

fn streams(fns: &Functions, filter: &Filter) -> Vec<String> {
    let keys = &fns.store.keys;
    match filter.job {
        Some(job) => vec![keys.events(job.shard(), &job.to_string())],
        None => (0..keys.shards()).map(|s| keys.feed(s)).collect(),
    }
}

/// The last `count` matching events, oldest first, and a cursor after them.
pub async fn recent(
    fns: &Functions,
    filter: &Filter,
    count: usize,
) -> Result<(Vec<TailLine>, Cursor), EngineError> {
    let scan = if filter.kind.is_some() {
        count.saturating_mul(10).min(10_000)
    } else {
        count
    };
    let mut conn = fns.store.conn.clone();
    let mut lines = Vec::new();
    let mut cursor = Vec::new();
    for key in streams(fns, filter) {
        let mut entries: Vec<(String, Vec<String>)> = redis::cmd("XREVRANGE")
            .arg(&key)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(scan.max(1))
            .query_async(&mut conn)
            .await?;
        cursor.push((
            key.clone(),
            entries.first().map_or("0-0".into(), |(id, _)| id.clone()),
        ));
        entries.reverse();
        lines.extend(decode(&fns.keyring, filter, &entries)?);
    }
    lines.sort_by_key(|l| (l.ts, stream_order(&l.id), l.seq));
    let skip = lines.len().saturating_sub(count);
    Ok((lines.split_off(skip), Cursor(cursor)))
}

/// Matching events appended since the cursor; moves the cursor past them.
pub async fn poll(
    fns: &Functions,
    filter: &Filter,
    cursor: &mut Cursor,
) -> Result<Vec<TailLine>, EngineError> {
    let mut conn = fns.store.conn.clone();
    let mut lines = Vec::new();
    for (key, last) in &mut cursor.0 {
        let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
            .arg(&*key)
            .arg(format!("({last}"))
            .arg("+")
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await?;
        if let Some((id, _)) = entries.last() {
            *last = id.clone();
        }
        lines.extend(decode(&fns.keyring, filter, &entries)?);
    }
    lines.sort_by_key(|l| (l.ts, stream_order(&l.id), l.seq));
    Ok(lines)
}

/// Polls forever, handing each new line to `emit`; stops when it answers false.
pub async fn follow(
    fns: &Functions,
    filter: &Filter,
    mut cursor: Cursor,
    mut emit: impl FnMut(&TailLine) -> bool,
) -> Result<(), EngineError> {
    loop {
        let lines = poll(fns, filter, &mut cursor).await?;
        for line in &lines {
            if !emit(line) {
                return Ok(());
            }
        }
        if lines.is_empty() {
            tokio::time::sleep(POLL).await;
        }
    }
}

fn stream_order(id: &str) -> (u64, u64) {
    let (ms, n) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), n.parse().unwrap_or(0))
}

fn decode(
    keyring: &Keyring,
    filter: &Filter,
    entries: &[(String, Vec<String>)],
) -> Result<Vec<TailLine>, EngineError> {
    let mut out = Vec::new();
    for (id, fields) in entries {
        let lines = match filter.job {
            Some(job) => vec![job_line(keyring, job, id, fields)?],
            None => super::feed_records(fields)
                .into_iter()
                .flat_map(|record| feed_lines(id, record))
                .collect(),
        };
        out.extend(
            lines
                .into_iter()
                .filter(|l| filter.kind.is_none_or(|k| k == l.kind)),
        );
    }
    Ok(out)
}

fn job_line(
    keyring: &Keyring,
    job: JobId,
    id: &str,
    fields: &[String],
) -> Result<TailLine, EngineError> {
    let pairs: Vec<(String, String)> = fields
        .chunks_exact(2)
        .map(|kv| (kv[0].clone(), kv[1].clone()))
        .collect();
    let mut e = crate::engine::Event::from_entry(id, &pairs)
        .map_err(|e| EngineError::Protocol(e.to_string()))?;
    keyring.open_event(&mut e)?;
    Ok(TailLine {
        id: id.to_string(),
        job: job.to_string(),
        seq: e.seq,
        kind: e.kind,
        ts: e.ts,
        attempt: e.attempt,
        detail: e.hint().or(e.error()).map(str::to_string),
        worker: Some(e.worker),
    })
}

/// A feed record names the job, its last seq and the call's event types.
fn feed_lines(id: &str, fields: &[String]) -> Vec<TailLine> {
    let get = |name| super::field(fields, name).unwrap_or_default();
    let types: Vec<EventType> = get("types")
        .split(',')
        .filter_map(EventType::parse)
        .collect();
    let last: u64 = get("seq").parse().unwrap_or(0);
    let n = types.len() as u64;
    types
        .into_iter()
        .enumerate()
        .map(|(i, kind)| TailLine {
            id: id.to_string(),
            job: get("job").to_string(),
            seq: (last + 1 + i as u64).saturating_sub(n),
            kind,
            ts: stream_order(id).0 as i64,
            attempt: get("attempt").parse().unwrap_or(0),
            worker: None,
            detail: None,
        })
        .collect()
}

/// One readable line.
pub fn render(l: &TailLine) -> String {
    let mut s = format!(
        "{}  {}  #{:<3} {:<15} attempt {}",
        crate::replay::time_ms(l.ts),
        l.job,
        l.seq,
        l.kind.as_str(),
        l.attempt
    );
    if let Some(worker) = &l.worker {
        s.push_str(&format!(
            "  {}",
            if worker.is_empty() { "api" } else { worker }
        ));
    }
    if let Some(detail) = &l.detail {
        s.push_str(&format!("  {detail}"));
    }
    s
}
