//! The `job:<id>` snapshot: the seed's JSON shape plus `created_at`,
//! `updated_at`, `attempt`, `version`, `cached`, `worker` and `error`.
//! A projection of the job's events, written only by the Lua functions.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Completed => "completed",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
}

/// One job's state as stored in `job:<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub job_id: String,
    pub status: JobStatus,
    pub content_hash: String,
    pub content_type: String,
    pub metadata: serde_json::Value,
    pub progress_hint: String,
    /// ms since the epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// Number of the current attempt (0 until a worker starts the job).
    pub attempt: u32,
    /// Sequence number of the last event folded in.
    pub version: u64,
    /// Born completed from the cache.
    pub cached: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// A job born from the cache by reference: the `completed` event whose
    /// result and Markdown are this job's. `Functions::snapshot` reads them
    /// from there; the stored snapshot holds only the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_source: Option<ResultSource>,
}

/// Where a cached job's result lies: event `event_id` (a stream id) of job
/// `job_id`'s log, in the same shard (same content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSource {
    pub job_id: String,
    pub event_id: String,
}

/// A snapshot's status fields without its result, metadata or report: what
/// a status read needs. Deserialising it skips the result without building
/// it, which is most of the work for a completed job.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SnapshotHead {
    pub job_id: String,
    pub status: JobStatus,
    pub content_hash: String,
    pub content_type: String,
    pub progress_hint: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub attempt: u32,
    pub version: u64,
    pub cached: bool,
    #[serde(default)]
    pub error: Option<String>,
}

impl From<&Snapshot> for SnapshotHead {
    fn from(s: &Snapshot) -> Self {
        SnapshotHead {
            job_id: s.job_id.clone(),
            status: s.status,
            content_hash: s.content_hash.clone(),
            content_type: s.content_type.clone(),
            progress_hint: s.progress_hint.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            attempt: s.attempt,
            version: s.version,
            cached: s.cached,
            error: s.error.clone(),
        }
    }
}

impl Snapshot {
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a snapshot always serialises")
    }

    /// A copy without the result and Markdown bodies, which are not cloned:
    /// they can be most of a snapshot.
    pub fn without_bodies(&self) -> Snapshot {
        let Snapshot {
            job_id,
            status,
            content_hash,
            content_type,
            metadata,
            progress_hint,
            created_at,
            updated_at,
            attempt,
            version,
            cached,
            worker,
            error,
            result: _,
            markdown: _,
            result_source,
        } = self;
        Snapshot {
            job_id: job_id.clone(),
            status: *status,
            content_hash: content_hash.clone(),
            content_type: content_type.clone(),
            metadata: metadata.clone(),
            progress_hint: progress_hint.clone(),
            created_at: *created_at,
            updated_at: *updated_at,
            attempt: *attempt,
            version: *version,
            cached: *cached,
            worker: worker.clone(),
            error: error.clone(),
            result: None,
            markdown: None,
            result_source: result_source.clone(),
        }
    }
}

/// The head of a snapshot from its first bytes: the whole text when it is
/// complete JSON, else the part before the first `,"result":` that closes
/// as JSON (the same text inside a string or the metadata does not).
pub(crate) fn snapshot_head(prefix: &str) -> Option<SnapshotHead> {
    let mut from = 0;
    while let Some(at) = prefix[from..].find(",\"result\":").map(|i| from + i) {
        if let Ok(head) = serde_json::from_str(&format!("{}}}", &prefix[..at])) {
            return Some(head);
        }
        from = at + 1;
    }
    // No result: the whole snapshot, unless the prefix cut it short.
    serde_json::from_str(prefix).ok()
}

#[cfg(test)]
mod tests {
    use super::snapshot_head;

    const HEAD: &str = r#"{"job_id":"J","status":"completed","content_hash":"h","content_type":"openapi","metadata":{"team":"a,\"result\":","x":{"k":1,"result":2}},"progress_hint":"Analysis complete","created_at":1,"updated_at":2,"attempt":1,"version":6,"cached":false,"worker":"w""#;

    #[test]
    fn the_head_is_read_from_a_prefix_cut_anywhere_in_the_result() {
        let whole =
            format!(r##"{HEAD},"result":{{"findings":[{{"result":"é"}}]}},"markdown":"# R"}}"##);
        for cut in [HEAD.len() + 12, HEAD.len() + 30, whole.len()] {
            let head = snapshot_head(&whole[..cut]).expect("a head");
            assert_eq!((head.job_id.as_str(), head.version), ("J", 6));
        }
        let queued = format!("{HEAD}}}");
        assert_eq!(snapshot_head(&queued).unwrap().attempt, 1);
        assert!(
            snapshot_head(&HEAD[..40]).is_none(),
            "a cut head is not a head"
        );
    }
}
