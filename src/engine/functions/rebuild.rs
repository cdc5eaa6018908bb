//! Rebuild: refold a job's stream and repair its projections in Lua
//! (`fl_rebuild`), one atomic call per job.

use super::*;

/// What `fl_rebuild` found (and, unless a dry run, did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Rebuilt {
    /// Every projection equals the fold of the log.
    Consistent,
    /// These projections drifted and were rewritten.
    Repaired(Vec<String>),
    /// These projections drifted (dry run: nothing written).
    Drifted(Vec<String>),
    /// The snapshot's lifetime is over: nothing to restore.
    Expired,
    /// The log does not fold: why.
    Corrupt(String),
    /// No log (never existed, or expired).
    Empty,
    /// The call itself failed (a Redis error): why. Only this job's: the
    /// rest of its batch is still rebuilt.
    Failed(String),
}

impl Rebuilt {
    pub fn name(&self) -> &'static str {
        match self {
            Rebuilt::Consistent => "consistent",
            Rebuilt::Repaired(_) => "repaired",
            Rebuilt::Drifted(_) => "drifted",
            Rebuilt::Expired => "expired",
            Rebuilt::Corrupt(_) => "corrupt",
            Rebuilt::Empty => "empty",
            Rebuilt::Failed(_) => "failed",
        }
    }

    fn parse(outcome: &str, detail: &str) -> Result<Self, EngineError> {
        let parts = || detail.split(',').map(str::to_string).collect();
        Ok(match outcome {
            "consistent" => Rebuilt::Consistent,
            "repaired" => Rebuilt::Repaired(parts()),
            "drifted" => Rebuilt::Drifted(parts()),
            "expired" => Rebuilt::Expired,
            "corrupt" => Rebuilt::Corrupt(detail.to_string()),
            "empty" => Rebuilt::Empty,
            other => return Err(EngineError::Protocol(format!("rebuild answered {other}"))),
        })
    }
}

impl Functions {
    /// The `fl_rebuild` call for `job`. `content_hash` names the cache entry
    /// to restore; it is left out when unknown or in another slot.
    pub fn rebuild_cmd(&self, job: JobId, content_hash: Option<&str>, dry_run: bool) -> redis::Cmd {
        let (k, s, id) = (&self.store.keys, job.shard(), job.to_string());
        let mut keys = vec![k.job(s, &id), k.events(s, &id), k.index(s)];
        if let Some(hash) = content_hash.filter(|h| k.shard_of_hash(h) == s) {
            keys.push(k.cache(s, hash));
        }
        let mut cmd = redis::cmd("FCALL");
        cmd.arg("fl_rebuild")
            .arg(keys.len())
            .arg(keys)
            .arg(id)
            .arg(self.ttls.job_s)
            .arg(self.ttls.cache_s)
            .arg(if dry_run { "dry-run" } else { "" })
            .arg(self.ttls.events_s);
        cmd
    }

    /// Rebuilds one job's projections from its log.
    pub async fn rebuild(
        &self,
        job: JobId,
        content_hash: Option<&str>,
        dry_run: bool,
    ) -> Result<Rebuilt, EngineError> {
        let mut conn = self.store.conn.clone();
        let (outcome, detail): (String, String) = self
            .rebuild_cmd(job, content_hash, dry_run)
            .query_async(&mut conn)
            .await?;
        Rebuilt::parse(&outcome, &detail)
    }

    /// Rebuilds many jobs of one shard in one pipelined round trip. Each
    /// job gets its own outcome: one call's error fails only that job.
    pub async fn rebuild_batch(
        &self,
        jobs: &[(JobId, Option<String>)],
        dry_run: bool,
    ) -> Result<Vec<Rebuilt>, EngineError> {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for (job, hash) in jobs {
            pipe.add_command(self.rebuild_cmd(*job, hash.as_deref(), dry_run));
        }
        let mut conn = self.store.conn.clone();
        let replies: Vec<redis::RedisResult<(String, String)>> =
            pipe.query_async(&mut conn).await?;
        replies
            .into_iter()
            .map(|reply| match reply {
                Ok((outcome, detail)) => Rebuilt::parse(&outcome, &detail),
                Err(e) => Ok(Rebuilt::Failed(e.to_string())),
            })
            .collect()
    }
}
