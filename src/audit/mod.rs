//! Operator tools over the audit log, behind the `faultline` debugging
//! subcommands: rebuild the projections, tail the log, inspect a job's keys,
//! rerun the analyser on a job's artifact.

pub mod inspect;
pub mod reanalyze;
pub mod rebuild;
pub mod tail;

use redis::AsyncCommands;

use crate::engine::{EngineError, Functions, JobId};

/// Job ids named by one shard's feed (every job with a retained log) and
/// its job index, without duplicates, oldest first.
pub async fn shard_jobs(fns: &Functions, shard: u16) -> Result<Vec<JobId>, EngineError> {
    const PAGE: usize = 1000;
    let keys = &fns.store.keys;
    let mut conn = fns.store.conn.clone();
    let mut seen = std::collections::HashSet::new();
    let mut jobs = Vec::new();
    let mut keep = |raw: &str, jobs: &mut Vec<JobId>| {
        if let Ok(id) = raw.parse::<JobId>()
            && seen.insert(id)
        {
            jobs.push(id);
        }
    };
    let mut start = "-".to_string();
    loop {
        let page: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
            .arg(keys.feed(shard))
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(PAGE)
            .query_async(&mut conn)
            .await?;
        for (_, fields) in &page {
            for record in feed_records(fields) {
                if let Some(job) = field(record, "job") {
                    keep(job, &mut jobs);
                }
            }
        }
        match page.last() {
            Some((id, _)) if page.len() == PAGE => start = format!("({id}"),
            _ => break,
        }
    }
    let mut from = 0isize;
    loop {
        let members: Vec<String> = conn
            .zrange(keys.index(shard), from, from + PAGE as isize - 1)
            .await?;
        for m in &members {
            keep(m, &mut jobs);
        }
        if members.len() < PAGE {
            break;
        }
        from += PAGE as isize;
    }
    Ok(jobs)
}

/// The value of `name` in a flat stream entry field list.
/// The records of one feed entry: a batch call repeats `job, seq, types,
/// attempt` once per job, so each record starts at a `job` field.
pub fn feed_records(fields: &[String]) -> Vec<&[String]> {
    let starts: Vec<usize> = (0..fields.len())
        .step_by(2)
        .filter(|&i| fields[i] == "job")
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &from)| &fields[from..starts.get(n + 1).copied().unwrap_or(fields.len())])
        .collect()
}

pub fn field<'a>(fields: &'a [String], name: &str) -> Option<&'a str> {
    fields
        .chunks_exact(2)
        .find(|kv| kv[0] == name)
        .map(|kv| kv[1].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_batch_feed_entry_splits_into_one_record_per_job() {
        let one = strings(&["job", "A", "seq", "1", "types", "queued", "attempt", "0"]);
        assert_eq!(feed_records(&one), vec![&one[..]]);
        let two = strings(&[
            "job",
            "A",
            "seq",
            "3",
            "types",
            "started,progress",
            "attempt",
            "1",
            "job",
            "B",
            "seq",
            "2",
            "types",
            "started",
            "attempt",
            "1",
        ]);
        let records = feed_records(&two);
        assert_eq!(records.len(), 2);
        assert_eq!(field(records[0], "types"), Some("started,progress"));
        assert_eq!(field(records[1], "job"), Some("B"));
        assert!(feed_records(&[]).is_empty());
    }
}
