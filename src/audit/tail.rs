//! `faultline events tail`: the audit log as readable lines, the last few
//! then (with `--follow`) live. Without `--job` it reads every shard's feed
//! (one entry per transition call, expanded to one line per event); with
//! `--job`, the job's own stream with each event's worker and detail. Each
//! read touches one stream (one slot), and following polls instead of
//! blocking, so it never holds up the shared connection.
//!
//! The last `count` matching events are found by paging each stream
//! backwards until it has `count` matches, or is read to its start, or
//! `SCAN_BUDGET` of its entries have been read. A stream the budget cut may
//! hold older matches that were not read: only events at or after the
//! newest such cut are merged (so the lines are still the newest matches
//! there are), and `Recent::cut` says where that was.

use std::time::Duration;

use serde::Serialize;

use crate::engine::{EngineError, EventType, Functions, JobId, Keyring};

/// How long `follow` waits after a poll that found nothing new.
const POLL: Duration = Duration::from_millis(250);

/// Most entries `recent` reads back from one stream while looking for
/// `count` matching events (a rare `--type` over a busy shard's feed).
pub const SCAN_BUDGET: usize = 20_000;

/// Entries per backward read.
const PAGE: usize = 1_000;

#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub job: Option<JobId>,
    pub kind: Option<EventType>,
}

/// One event of the log, as tailed (or an entry of a job's stream that is
/// not an event).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TailLine {
    /// Entry id in the stream it was read from.
    pub id: String,
    pub job: String,
    pub seq: u64,
    /// `None` for an entry that is not an event.
    #[serde(rename = "type")]
    pub kind: Option<EventType>,
    pub ts: i64,
    pub attempt: u32,
    /// Known when read from the job's own stream ("" for the API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Progress hint or error, from the job's own stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// An entry that is not an event: the field that is missing or does
    /// not read, and the entry's fields as stored (values cut short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed: Option<Malformed>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Malformed {
    pub field: String,
    pub fields: Vec<(String, String)>,
}

/// What `recent` found.
#[derive(Debug, Clone)]
pub struct Recent {
    /// The last matching events, oldest first.
    pub lines: Vec<TailLine>,
    /// Where each stream was read up to, for `follow`.
    pub cursor: Cursor,
    /// Set when `SCAN_BUDGET` stopped the reading of a stream before it had
    /// `count` matches: older matching events may exist there.
    pub cut: Option<Cut>,
    /// Entries read in all (0: every stream is empty or absent).
    pub scanned: usize,
}

/// Where the scan budget stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Streams the budget cut.
    pub streams: usize,
    /// The newest cut: lines before it are left out (ms since the epoch).
    pub since_ms: i64,
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

/// The last `count` matching events, oldest first, and a cursor after them
/// (see the module doc for how far back it reads).
pub async fn recent(fns: &Functions, filter: &Filter, count: usize) -> Result<Recent, EngineError> {
    let mut conn = fns.store.conn.clone();
    let mut lines = Vec::new();
    let mut cursor = Vec::new();
    let (mut scanned, mut cuts) = (0, Vec::new());
    for key in streams(fns, filter) {
        let (mut end, mut read, mut matched) = ("+".to_string(), 0, 0);
        let mut newest = None;
        loop {
            // A type filter reads whole pages: its matches may be sparse.
            let page = if filter.kind.is_some() {
                PAGE
            } else {
                count.clamp(1, PAGE)
            };
            let want = page.min(SCAN_BUDGET - read);
            let entries: Vec<(String, Vec<String>)> = redis::cmd("XREVRANGE")
                .arg(&key)
                .arg(&end)
                .arg("-")
                .arg("COUNT")
                .arg(want)
                .query_async(&mut conn)
                .await?;
            read += entries.len();
            if newest.is_none() {
                newest = entries.first().map(|(id, _)| id.clone());
            }
            let found = decode(&fns.keyring, filter, &entries)?;
            matched += found.len();
            lines.extend(found);
            let Some((oldest, _)) = entries.last() else {
                break;
            };
            if entries.len() < want || matched >= count {
                break;
            }
            if read >= SCAN_BUDGET {
                cuts.push(order_key(stream_order(oldest).0 as i64, oldest));
                break;
            }
            end = format!("({oldest}");
        }
        scanned += read;
        cursor.push((key, newest.unwrap_or_else(|| "0-0".into())));
    }
    // Matches older than a cut may be missing in front of them: keep only
    // what is at or after the newest cut, so the lines stay the newest.
    let cut = cuts.iter().max().map(|&(ms, _)| Cut {
        streams: cuts.len(),
        since_ms: ms,
    });
    if let Some(boundary) = cuts.into_iter().max() {
        lines.retain(|l| order_key(l.ts, &l.id) >= boundary);
    }
    lines.sort_by_key(|l| (l.ts, stream_order(&l.id), l.seq));
    let skip = lines.len().saturating_sub(count);
    Ok(Recent {
        lines: lines.split_off(skip),
        cursor: Cursor(cursor),
        cut,
        scanned,
    })
}

/// The order of a line (or a stream entry) among all streams: time, then
/// entry id.
fn order_key(ts: i64, id: &str) -> (i64, (u64, u64)) {
    (ts, stream_order(id))
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
        out.extend(lines.into_iter().filter(|l| matches(filter, l)));
    }
    Ok(out)
}

/// Whether a line passes the `--type` filter. An entry that is not an event
/// passes when its own `type` field is that type or does not read.
fn matches(filter: &Filter, line: &TailLine) -> bool {
    let Some(wanted) = filter.kind else {
        return true;
    };
    match (&line.kind, &line.malformed) {
        (Some(kind), _) => *kind == wanted,
        (None, Some(bad)) => bad
            .fields
            .iter()
            .find(|(k, _)| k == "type")
            .and_then(|(_, v)| EventType::parse(v))
            .is_none_or(|kind| kind == wanted),
        (None, None) => false,
    }
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
    let mut e = match crate::engine::Event::from_entry(id, &pairs) {
        Ok(e) => e,
        Err(bad) => {
            let text = |name: &str| super::field(fields, name).unwrap_or_default();
            return Ok(TailLine {
                id: id.to_string(),
                job: job.to_string(),
                seq: text("seq").parse().unwrap_or(0),
                kind: None,
                ts: text("ts").parse().unwrap_or(stream_order(id).0 as i64),
                attempt: text("attempt").parse().unwrap_or(0),
                worker: None,
                detail: None,
                malformed: Some(Malformed {
                    field: bad.reason,
                    fields: bad
                        .fields
                        .into_iter()
                        .map(|(k, v)| (k, crate::replay::cut(&v)))
                        .collect(),
                }),
            });
        }
    };
    keyring.open_event(&mut e)?;
    Ok(TailLine {
        id: id.to_string(),
        job: job.to_string(),
        seq: e.seq,
        kind: Some(e.kind),
        ts: e.ts,
        attempt: e.attempt,
        detail: e.hint().or(e.error()).map(str::to_string),
        worker: Some(e.worker),
        malformed: None,
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
            kind: Some(kind),
            ts: stream_order(id).0 as i64,
            attempt: get("attempt").parse().unwrap_or(0),
            worker: None,
            detail: None,
            malformed: None,
        })
        .collect()
}

/// One readable line.
pub fn render(l: &TailLine) -> String {
    if let Some(bad) = &l.malformed {
        let fields: Vec<String> = bad
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        return format!(
            "{}  {}  entry {} is MALFORMED (`{}` missing or unreadable): {}",
            crate::replay::time_ms(l.ts),
            l.job,
            l.id,
            bad.field,
            fields.join(" ")
        );
    }
    let mut s = format!(
        "{}  {}  #{:<3} {:<15} attempt {}",
        crate::replay::time_ms(l.ts),
        l.job,
        l.seq,
        l.kind.map_or("?", EventType::as_str),
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
