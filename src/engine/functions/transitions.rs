//! The worker side: an attempt's start, progress, completion or failure,
//! and each shard's upkeep.

use super::*;

impl Functions {
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
        ];
        let args = vec![
            id,
            entry_id.to_string(),
            consumer.to_string(),
            GROUP.to_string(),
            self.ttls.max_attempts.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
            first_hint.to_string(),
            ARTIFACTS_BY_CALLER.to_string(),
        ];
        let reply: Vec<Value> = self.fcall("fl_start", &keys, args).await?;
        let text = |i: usize| {
            reply
                .get(i)
                .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                .unwrap_or_default()
        };
        let mut started = match text(0).as_str() {
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
            "dead" => Started::Dead {
                attempts: text(1).parse().unwrap_or(0),
                error: text(2),
            },
            other => return Err(EngineError::Protocol(format!("start answered {other}"))),
        };
        if let Started::Run { content, .. } = &mut started {
            self.fill_artifacts(s, [(hash, content)]).await?;
        }
        Ok(started.opened(&self.keyring))
    }

    pub async fn progress(&self, lease: &Lease, hints: &[Hint]) -> Result<(), EngineError> {
        let (k, s, id) = (&self.store.keys, lease.job.shard(), lease.job.to_string());
        let keys = vec![k.job(s, &id), k.events(s, &id), k.feed(s)];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            hints_json(hints),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
        ];
        self.fcall::<String>("fl_progress", &keys, args)
            .await
            .map(|_| ())
    }

    /// Keeps a running attempt's work entry claimed. Refused (`STALE_ATTEMPT`,
    /// `JOB_TERMINAL`, `NO_SUCH_JOB`) once the attempt is no longer the
    /// job's current one: the worker then abandons it.
    pub async fn heartbeat(&self, lease: &Lease) -> Result<(), EngineError> {
        let (k, s, id) = (&self.store.keys, lease.job.shard(), lease.job.to_string());
        let keys = vec![k.job(s, &id), k.work(s)];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            lease.entry_id.clone(),
            GROUP.to_string(),
            self.ttls.job_s.to_string(),
        ];
        self.fcall::<String>("fl_heartbeat", &keys, args)
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
            k.source(s, hash),
        ];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            lease.entry_id.clone(),
            GROUP.to_string(),
            hints_json(hints),
            self.keyring.seal_result(result),
            markdown_json(&self.keyring.seal(markdown)),
            self.ttls.job_s.to_string(),
            self.ttls.cache_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
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
        ];
        let args = vec![
            id,
            lease.attempt.to_string(),
            lease.consumer.clone(),
            lease.entry_id.clone(),
            GROUP.to_string(),
            hints_json(hints),
            self.keyring.seal(error),
            if retryable { "1" } else { "0" }.to_string(),
            self.ttls.max_attempts.to_string(),
            delay_ms.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
        ];
        let outcome: String = self.fcall("fl_fail", &keys, args).await?;
        Ok(outcome == "retry")
    }

    /// Forgets up to `limit` consumers of `shard`'s group that hold no
    /// pending entry and have been idle `min_idle` or longer (workers that
    /// stopped); returns how many.
    pub async fn prune_consumers(
        &self,
        shard: u16,
        min_idle: std::time::Duration,
        limit: usize,
    ) -> Result<u64, EngineError> {
        let keys = vec![self.store.keys.work(shard)];
        let args = vec![
            GROUP.to_string(),
            min_idle.as_millis().to_string(),
            limit.to_string(),
        ];
        self.fcall("fl_prune_consumers", &keys, args).await
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
            k.prune_cursor(shard),
        ];
        let args = vec![
            limit.to_string(),
            self.retention_ms().to_string(),
            self.retention_ms().to_string(),
            k.job_prefix(shard),
            self.ttls.job_s.to_string(),
        ];
        self.fcall("fl_maintain", &keys, args).await
    }
}
