//! The API side: submitting artifacts, cancelling jobs, recording feedback.
//! Concurrent submissions of one shard share a call (`fl_submit_many`,
//! through the group commit); with `SUBMIT_WAIT_REPLICAS` each is sent on
//! its own, so its WAIT covers exactly its writes.

use std::future::Future;

use super::*;
use crate::engine::group_commit::{BatchCall, GroupCommit};

/// One submission as the batch call takes it.
#[derive(Debug, Clone)]
pub(super) struct SubmitItem {
    job: JobId,
    hash: String,
    content_type: String,
    metadata: String,
    content: String,
    flags: Flags,
}

/// How a submission is sent (`fl_submit`'s flags argument).
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    /// The in-flight marker named this job, whose snapshot had expired:
    /// take the marker over if it still names it (two submissions that
    /// both found it stale then queue one job, not two).
    replace: Option<JobId>,
    /// The content is not sent (a large artifact: a cache hit or an attach
    /// does not need it); the function answers `need_artifact` if it would
    /// queue the job.
    unsent: bool,
}

impl Flags {
    fn arg(self) -> String {
        let replace = self.replace.map(|job| format!("replace={job}"));
        let unsent = self.unsent.then_some("unsent".to_string());
        [replace, unsent]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub(super) struct SubmitMany(Functions);

impl BatchCall for SubmitMany {
    type Item = SubmitItem;
    type Answer = Result<Vec<String>, EngineError>;

    fn call(
        &self,
        shard: u16,
        items: &[SubmitItem],
    ) -> impl Future<Output = Result<Vec<Self::Answer>, EngineError>> + Send {
        self.0.submit_many(shard, items)
    }
}

pub(super) type Submitter = GroupCommit<SubmitMany>;

impl Functions {
    /// Submits an artifact; returns what happened and the job's state (the
    /// result itself left out).
    pub async fn submit(&self, sub: Submission<'_>) -> Result<(Submitted, Snapshot), EngineError> {
        // The cache key is the plaintext's hash; what is stored is sealed.
        let hash = cache_key(sub.content, sub.inputs);
        let (content, metadata) = (
            self.keyring.seal(sub.content),
            self.keyring.seal_metadata(sub.metadata),
        );
        let sub = Submission {
            content: &content,
            metadata: &metadata,
            ..sub
        };
        let shard = self.store.keys.shard_of_hash(&hash);
        // A large artifact seen lately (likely a hit or an attach) goes
        // without its bytes; they are sent only if the job is queued.
        let large = content.len() > INLINE_ARTIFACT;
        let mut flags = Flags {
            replace: None,
            unsent: large && self.recent.contains(&hash),
        };
        if large {
            self.recent.record(&hash);
        }
        loop {
            let id = JobId::generate(shard);
            let sent = Submission {
                content: if flags.unsent { "" } else { sub.content },
                ..sub
            };
            let reply: Vec<String> = if self.submit_wait.replicas > 0 {
                self.submit_once(sent, &hash, id, flags).await?
            } else {
                let item = SubmitItem {
                    job: id,
                    hash: hash.clone(),
                    content_type: sent.content_type.to_string(),
                    metadata: sent.metadata.to_string(),
                    content: sent.content.to_string(),
                    flags,
                };
                match self.submitter().send(shard, item).await {
                    Some(answer) => answer??,
                    // The group commit's runtime is gone: send it alone.
                    None => self.submit_once(sent, &hash, id, flags).await?,
                }
            };
            let [outcome, job, head @ ..] = reply.as_slice() else {
                return Err(EngineError::Protocol(format!("submit answered {reply:?}")));
            };
            let job: JobId = job
                .parse()
                .map_err(|_| EngineError::Protocol(format!("bad job id {job}")))?;
            let parse = |head: &[String]| {
                let mut s =
                    serde_json::from_str::<Snapshot>(head.first().map_or("", String::as_str))
                        .map_err(|e| EngineError::Protocol(format!("submit snapshot: {e}")))?;
                self.keyring.open_snapshot(&mut s)?;
                Ok::<_, EngineError>(s)
            };
            match outcome.as_str() {
                "queued" => return Ok((Submitted::Queued(job), parse(head)?)),
                "cached" => return Ok((Submitted::Cached(job), parse(head)?)),
                // The marker may outlive its job if the snapshot expired first.
                "attached" => match self.snapshot(job).await? {
                    Some(snapshot) => return Ok((Submitted::Attached(job), snapshot)),
                    None => flags.replace = Some(job),
                },
                // Nothing was written: send it again with the artifact.
                "need_artifact" => flags.unsent = false,
                other => return Err(EngineError::Protocol(format!("submit answered {other}"))),
            }
        }
    }

    fn submitter(&self) -> &Submitter {
        self.submitter.get_or_init(|| {
            // The tasks get a Functions of their own without the submitter,
            // so they end when the last handle to this one is dropped.
            let plain = Functions::new(self.store.clone(), self.ttls);
            GroupCommit::start(SubmitMany(plain), self.store.keys.shards())
        })
    }

    /// Sends submissions of one shard in one call; one reply row per
    /// submission (as `fl_submit` answers), or its refusal.
    async fn submit_many(
        &self,
        shard: u16,
        items: &[SubmitItem],
    ) -> Result<Vec<Result<Vec<String>, EngineError>>, EngineError> {
        let k = &self.store.keys;
        let keys = vec![
            k.work(shard),
            k.feed(shard),
            k.inflight(shard),
            k.index(shard),
        ];
        let mut artifacts = Vec::new();
        let mut args = Vec::with_capacity(6 + items.len() * 6);
        args.extend([
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
            k.job_prefix(shard),
            k.shard_prefix(shard),
            k.cache_prefix(shard),
        ]);
        for i in items {
            args.extend([
                i.job.to_string(),
                i.hash.clone(),
                i.content_type.clone(),
                i.metadata.clone(),
                inline_content(&i.content, k.artifact(shard, &i.hash), &mut artifacts),
                i.flags.arg(),
            ]);
        }
        let rows: Vec<String> = self
            .fcall_after(
                self.store.conn.clone(),
                &artifacts,
                "fl_submit_many",
                &keys,
                args,
            )
            .await?;
        if rows.len() != items.len() * 3 {
            return Err(EngineError::Protocol(format!(
                "submit_many answered {} values for {} submissions",
                rows.len(),
                items.len()
            )));
        }
        Ok(rows
            .chunks(3)
            .map(|row| match row[0].as_str() {
                "refused" => Err(EngineError::from_refusal_text(&row[2])),
                _ => Ok(row.to_vec()),
            })
            .collect())
    }

    async fn submit_once(
        &self,
        sub: Submission<'_>,
        hash: &str,
        id: JobId,
        flags: Flags,
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
            k.source(s, hash),
        ];
        let mut artifacts = Vec::new();
        let args = vec![
            job,
            hash.to_string(),
            sub.content_type.to_string(),
            sub.metadata.to_string(),
            inline_content(sub.content, k.artifact(s, hash), &mut artifacts),
            self.ttls.job_s.to_string(),
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
            flags.arg(),
        ];
        let conn = self.store.waiting_conn();
        let reply = self
            .fcall_after(conn.clone(), &artifacts, "fl_submit", &keys, args)
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
        crate::metrics::events(crate::engine::EventType::Cancelled, 1);
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
            if comment.is_empty() {
                String::new()
            } else {
                self.keyring.seal(comment)
            },
            self.ttls.events_s.to_string(),
            self.retention_ms().to_string(),
        ];
        let seq = self.fcall("fl_feedback", &keys, args).await?;
        crate::metrics::events(crate::engine::EventType::Feedback, 1);
        Ok(seq)
    }
}

/// The content argument of a submission: the content itself when small,
/// else '' with the artifact queued in `artifacts` to be written beside
/// the call (see `INLINE_ARTIFACT`).
fn inline_content<'a>(
    content: &'a str,
    key: String,
    artifacts: &mut Vec<(String, &'a str)>,
) -> String {
    if content.len() <= INLINE_ARTIFACT {
        return content.to_string();
    }
    artifacts.push((key, content));
    String::new()
}
