//! The worker's batch calls: start a whole read of one shard (`fl_take`)
//! and record the completions of one shard that finished together
//! (`fl_complete_many`). Each job inside is handled exactly as by the
//! single-job functions; a batch only shares the call, one TIME and one
//! feed entry, so per-job cost in Redis drops.

use super::*;

/// A work entry as the stream holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkEntry {
    pub entry_id: String,
    pub job: JobId,
    pub hash: String,
}

/// One entry `take` handled: the job it names (None for a malformed entry,
/// which was moved to the dead-letter stream) and how its start went.
#[derive(Debug)]
pub struct Taken {
    pub entry_id: String,
    pub job: Option<JobId>,
    pub hash: String,
    pub started: Result<Started, EngineError>,
}

/// A completion waiting to be recorded.
#[derive(Debug, Clone)]
pub struct Completion {
    pub lease: Lease,
    pub hash: String,
    pub hints: Vec<Hint>,
    pub result: String,
    pub markdown: String,
}

const ROW: usize = 9;

impl Functions {
    /// Moves work entries Faultline did not write (no job id or hash: they
    /// can never run) to the dead-letter stream and off the pending list, in
    /// one atomic call: `fl_take` does so for an entry without a job or hash.
    pub async fn discard_malformed(
        &self,
        shard: u16,
        consumer: &str,
        entry_ids: &[String],
    ) -> Result<(), EngineError> {
        let (keys, mut args) = self.take_call(shard, consumer, entry_ids.len(), "");
        for id in entry_ids {
            args.extend([id.clone(), String::new(), String::new()]);
        }
        let _: Vec<Value> = self.fcall("fl_take", &keys, args).await?;
        Ok(())
    }

    /// The keys and leading arguments of an `fl_take` call.
    fn take_call(
        &self,
        shard: u16,
        consumer: &str,
        count: usize,
        first_hint: &str,
    ) -> (Vec<String>, Vec<String>) {
        let k = &self.store.keys;
        let keys = vec![
            k.work(shard),
            k.feed(shard),
            k.inflight(shard),
            k.dead(shard),
        ];
        let args = vec![
            GROUP.to_string(),
            consumer.to_string(),
            count.to_string(),
            self.ttls.max_attempts.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
            first_hint.to_string(),
            k.job_prefix(shard),
            k.shard_prefix(shard),
            ARTIFACTS_BY_CALLER.to_string(),
        ];
        (keys, args)
    }

    /// Starts up to `count` new entries of `shard` for `consumer` (read by
    /// the function itself), or exactly `delivered` when given (entries a
    /// blocking read handed over; each is checked to be still ours).
    pub async fn take(
        &self,
        shard: u16,
        consumer: &str,
        count: usize,
        first_hint: &str,
        delivered: &[WorkEntry],
    ) -> Result<Vec<Taken>, EngineError> {
        let (keys, mut args) = self.take_call(shard, consumer, count, first_hint);
        for e in delivered {
            args.extend([e.entry_id.clone(), e.job.to_string(), e.hash.clone()]);
        }
        let reply: Vec<Value> = self.fcall("fl_take", &keys, args).await?;
        if !reply.len().is_multiple_of(ROW) {
            return Err(EngineError::Protocol(format!(
                "take answered {} values, not rows of {ROW}",
                reply.len()
            )));
        }
        let mut rows: Vec<Taken> = reply.chunks(ROW).map(taken).collect();
        self.fill_artifacts(
            shard,
            rows.iter_mut().filter_map(|t| match &mut t.started {
                Ok(Started::Run { content, .. }) => Some((t.hash.as_str(), content)),
                _ => None,
            }),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|mut t| {
                t.started = t.started.map(|s| s.opened(&self.keyring));
                t
            })
            .collect())
    }

    /// Reads the artifacts `fl_start`/`fl_take` left out of their reply
    /// (larger than `INLINE_ARTIFACT`: their `content` is empty) with one
    /// MGET; the keys are all in `shard`. A missing artifact stays empty.
    pub(super) async fn fill_artifacts<'a>(
        &self,
        shard: u16,
        runs: impl IntoIterator<Item = (&'a str, &'a mut String)>,
    ) -> Result<(), EngineError> {
        let mut runs: Vec<_> = runs.into_iter().filter(|(_, c)| c.is_empty()).collect();
        if runs.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = runs
            .iter()
            .map(|(hash, _)| self.store.keys.artifact(shard, hash))
            .collect();
        let mut conn = self.store.conn.clone();
        let texts: Vec<Option<String>> = crate::metrics::timed(
            "get_artifacts",
            redis::cmd("MGET").arg(&keys).query_async(&mut conn),
        )
        .await?;
        for ((_, content), text) in runs.iter_mut().zip(texts) {
            if let Some(text) = text {
                **content = text;
            }
        }
        Ok(())
    }

    /// Records completions of one shard in one call; one answer per job,
    /// in order (a refusal of one job leaves the others recorded).
    pub async fn complete_many(
        &self,
        shard: u16,
        batch: &[Completion],
    ) -> Result<Vec<Result<(), EngineError>>, EngineError> {
        let k = &self.store.keys;
        let keys = vec![k.work(shard), k.feed(shard), k.inflight(shard)];
        let mut args = Vec::with_capacity(8 + batch.len() * 8);
        args.extend([
            GROUP.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.cache_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
            k.job_prefix(shard),
            k.shard_prefix(shard),
            k.cache_prefix(shard),
        ]);
        for c in batch {
            debug_assert_eq!(c.lease.job.shard(), shard, "a batch holds one shard");
            args.extend([
                c.lease.job.to_string(),
                c.lease.attempt.to_string(),
                c.lease.consumer.clone(),
                c.lease.entry_id.clone(),
                c.hash.clone(),
                hints_json(&c.hints),
                self.keyring.seal_result(&c.result),
                markdown_json(&self.keyring.seal(&c.markdown)),
            ]);
        }
        let replies: Vec<String> = self.fcall("fl_complete_many", &keys, args).await?;
        if replies.len() != batch.len() {
            return Err(EngineError::Protocol(format!(
                "complete_many answered {} of {} jobs",
                replies.len(),
                batch.len()
            )));
        }
        Ok(replies
            .into_iter()
            .map(|r| match r.as_str() {
                "OK" => Ok(()),
                refusal => Err(EngineError::from_refusal_text(refusal)),
            })
            .collect())
    }
}

/// One row of `fl_take`: entry, job, hash, then the `fl_start` answer.
fn taken(row: &[Value]) -> Taken {
    let text = |i: usize| {
        row.get(i)
            .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
            .unwrap_or_default()
    };
    let job = text(1).parse().ok();
    let started = match text(3).as_str() {
        "run" => text(4)
            .parse()
            .map(|attempt| Started::Run {
                attempt,
                content: text(5),
                content_type: text(6),
                metadata: text(7),
                created_at: row
                    .get(8)
                    .and_then(|v| redis::from_redis_value_ref::<i64>(v).ok())
                    .unwrap_or(0),
            })
            .map_err(|_| EngineError::Protocol("take: attempt".into())),
        "skip" => Ok(Started::Skip(text(4))),
        "dead" => Ok(Started::Dead {
            attempts: text(4).parse().unwrap_or(0),
            error: text(5),
        }),
        "refused" => Err(EngineError::from_refusal_text(&text(4))),
        other => Err(EngineError::Protocol(format!("take answered {other}"))),
    };
    Taken {
        entry_id: text(0),
        job,
        hash: text(2),
        started,
    }
}
