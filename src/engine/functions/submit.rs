//! The API side: submitting artifacts, cancelling jobs, recording feedback.

use super::*;

impl Functions {
    /// Submits an artifact; returns what happened and the job's state (the
    /// result itself left out).
    pub async fn submit(&self, sub: Submission<'_>) -> Result<(Submitted, Snapshot), EngineError> {
        let hash = content_hash(sub.content);
        let shard = self.store.keys.shard_of_hash(&hash);
        let mut force = false;
        loop {
            let id = JobId::generate(shard);
            let reply: Vec<String> = self.submit_once(sub, &hash, id, force).await?;
            let [outcome, job, head @ ..] = reply.as_slice() else {
                return Err(EngineError::Protocol(format!("submit answered {reply:?}")));
            };
            let job: JobId = job
                .parse()
                .map_err(|_| EngineError::Protocol(format!("bad job id {job}")))?;
            let parse = |head: &[String]| {
                serde_json::from_str::<Snapshot>(head.first().map_or("", String::as_str))
                    .map_err(|e| EngineError::Protocol(format!("submit snapshot: {e}")))
            };
            match outcome.as_str() {
                "queued" => return Ok((Submitted::Queued(job), parse(head)?)),
                "cached" => return Ok((Submitted::Cached(job), parse(head)?)),
                // The marker may outlive its job if the snapshot expired first.
                "attached" => match self.snapshot(job).await? {
                    Some(snapshot) => return Ok((Submitted::Attached(job), snapshot)),
                    None => force = true,
                },
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
    ) -> Result<Vec<String>, EngineError> {
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
        ];
        let args = vec![
            job,
            hash.to_string(),
            sub.content_type.to_string(),
            sub.metadata.to_string(),
            sub.content.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
            if force { "force".into() } else { String::new() },
        ];
        let conn = self.store.waiting_conn();
        let reply = self
            .fcall_on(conn.clone(), "fl_submit", &keys, args)
            .await?;
        self.wait_for_replicas(&conn, &keys[0]).await?;
        Ok(reply)
    }

    /// With `SUBMIT_WAIT_REPLICAS`, holds the answer until that many replicas
    /// have the submission, so a master lost right after cannot take an
    /// acknowledged job with it. Too few in time → unavailable (503): the
    /// client retries, and the retry attaches to the same job.
    async fn wait_for_replicas(
        &self,
        conn: &crate::store::Conn,
        key: &str,
    ) -> Result<(), EngineError> {
        let want = self.submit_wait;
        if want.replicas == 0 {
            return Ok(());
        }
        let got = self
            .store
            .wait_replicas(conn, key, want.replicas, want.timeout)
            .await?;
        if got < i64::from(want.replicas) {
            return Err(EngineError::Unavailable(format!(
                "the submission reached {got} of {} replicas within {} ms",
                want.replicas,
                want.timeout.as_millis()
            )));
        }
        Ok(())
    }

    pub async fn cancel(&self, job: JobId, reason: &str) -> Result<(), EngineError> {
        let (k, s, id) = (&self.store.keys, job.shard(), job.to_string());
        let keys = vec![
            k.job(s, &id),
            k.events(s, &id),
            k.inflight(s),
            k.feed(s),
            k.delayed(s),
        ];
        let args = vec![
            id,
            reason.to_string(),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
        ];
        self.fcall::<String>("fl_cancel", &keys, args).await?;
        crate::metrics::job("cancelled");
        Ok(())
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
            self.retention_ms().to_string(),
        ];
        self.fcall("fl_feedback", &keys, args).await
    }
}
