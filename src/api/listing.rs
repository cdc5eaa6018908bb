//! `GET /jobs` paging: newest first over every shard's job index (score =
//! created_at), with an opaque cursor and an optional status filter.
//!
//! Entries are ordered by (created_at, job id) descending, which is also the
//! order `ZRANGE ... BYSCORE REV` gives ties, so a cursor is that pair and a
//! page is exact across shards. The status filter reads the snapshot heads of
//! the entries it walks (never their results); each request examines a
//! bounded number of entries, so a rare status may give a short page whose
//! `next_cursor` continues the walk.

use std::cmp::Ordering;

use redis::AsyncCommands;

use super::problem::ApiError;
use super::state::AppState;
use crate::engine::{EngineError, JobStatus, SnapshotHead};

/// Index entries examined per request, over all shards.
const SCAN_BUDGET: usize = 2000;

/// A position in the newest-first order: (created_at ms, job id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub score: i64,
    pub id: String,
}

impl Cursor {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::bad_request(
                "INVALID_CURSOR",
                "cursor must be a next_cursor value returned by GET /jobs",
            )
        };
        let (score, id) = raw.split_once('.').ok_or_else(bad)?;
        let score = score.parse().map_err(|_| bad())?;
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        Ok(Cursor {
            score,
            id: id.to_string(),
        })
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.score, self.id)
    }
}

/// One page: snapshot heads newest first, and where the next page starts.
pub struct Page {
    pub jobs: Vec<SnapshotHead>,
    pub next: Option<Cursor>,
    pub total: u64,
}

/// What one shard's walk found.
struct ShardScan {
    matches: Vec<(Cursor, SnapshotHead)>,
    /// The last entry examined, when the shard has older entries left.
    frontier: Option<Cursor>,
}

pub async fn page(
    state: &AppState,
    status: Option<JobStatus>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page, ApiError> {
    let shards = state.fns.store.keys.shards();
    let budget = (SCAN_BUDGET / shards as usize).max(limit);
    let mut matches = Vec::new();
    let mut frontier: Option<Cursor> = None;
    let mut total = 0;
    for shard in 0..shards {
        let scan = scan_shard(state, shard, status, after.as_ref(), limit, budget).await?;
        matches.extend(scan.matches);
        frontier = frontier.max(scan.frontier);
        let mut conn = state.fns.store.conn.clone();
        total += conn
            .zcard::<_, u64>(state.fns.store.keys.index(shard))
            .await
            .map_err(EngineError::from)?;
    }
    // Below the highest frontier some shard was not examined: stop there.
    if let Some(f) = &frontier {
        matches.retain(|(c, _)| c >= f);
    }
    matches.sort_by(|a, b| b.0.cmp(&a.0));
    let more = matches.len() > limit || frontier.is_some();
    matches.truncate(limit);
    let next = match matches.last() {
        Some((c, _)) if matches.len() == limit && more => Some(c.clone()),
        _ => frontier,
    };
    Ok(Page {
        jobs: matches.into_iter().map(|(_, s)| s).collect(),
        next,
        total,
    })
}

async fn scan_shard(
    state: &AppState,
    shard: u16,
    status: Option<JobStatus>,
    after: Option<&Cursor>,
    limit: usize,
    budget: usize,
) -> Result<ShardScan, ApiError> {
    let keys = &state.fns.store.keys;
    let mut conn = state.fns.store.conn.clone();
    let batch = limit.clamp(16, 500);
    let mut bound = after.cloned();
    let mut offset = 0usize;
    let mut examined = 0usize;
    let mut matches = Vec::new();
    loop {
        let max = bound
            .as_ref()
            .map_or("+inf".to_string(), |c| c.score.to_string());
        let rows: Vec<(String, i64)> = redis::cmd("ZRANGE")
            .arg(keys.index(shard))
            .arg(&max)
            .arg("-inf")
            .arg("BYSCORE")
            .arg("REV")
            .arg("LIMIT")
            .arg(offset)
            .arg(batch)
            .arg("WITHSCORES")
            .query_async(&mut conn)
            .await
            .map_err(EngineError::from)?;
        let exhausted = rows.len() < batch;
        let fresh: Vec<Cursor> = rows
            .into_iter()
            .map(|(id, score)| Cursor { score, id })
            .filter(|c| bound.as_ref().is_none_or(|b| c.cmp(b) == Ordering::Less))
            .collect();
        if fresh.is_empty() {
            if exhausted {
                return Ok(ShardScan {
                    matches,
                    frontier: None,
                });
            }
            // A run of ties with the bound longer than a batch: skip past it.
            offset += batch;
            continue;
        }
        offset = 0;
        examined += fresh.len();
        let ids: Vec<String> = fresh.iter().map(|c| c.id.clone()).collect();
        let heads = state.fns.heads(shard, &ids).await?;
        for (c, head) in fresh.iter().zip(heads) {
            // An expired job whose index entry is not pruned yet is skipped.
            let Some(s) = head else {
                continue;
            };
            if status.is_none_or(|want| s.status == want) {
                matches.push((c.clone(), s));
            }
        }
        bound = fresh.last().cloned();
        if exhausted {
            return Ok(ShardScan {
                matches,
                frontier: None,
            });
        }
        if matches.len() >= limit || examined >= budget {
            return Ok(ShardScan {
                matches,
                frontier: bound,
            });
        }
    }
}
