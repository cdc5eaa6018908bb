//! `faultline reanalyze`: runs today's analyser on a job's retained artifact
//! and compares the score and findings (by rule id) with the result the job
//! recorded: how a rule change moved the verdict. Read-only.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::analysis::model::Severity;
use crate::analysis::{AnalysisRequest, Analyzer, ArtifactKind, Metadata};
use crate::engine::{EventType, Functions, JobId};

/// A finding reduced to what the comparison shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Brief {
    pub rule_id: String,
    pub severity: String,
    pub title: String,
    pub occurrences: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reanalysis {
    pub job_id: String,
    pub content_hash: String,
    /// `None` when the job recorded no result (it failed, was cancelled or
    /// has not finished).
    pub recorded_score: Option<u64>,
    pub new_score: u64,
    /// Rules that fire now and did not then.
    pub added: Vec<Brief>,
    /// Rules that fired then and do not now.
    pub removed: Vec<Brief>,
    /// Rules that fire in both, with a different severity or count: (then, now).
    pub changed: Vec<(Brief, Brief)>,
    pub unchanged: usize,
}

/// Reanalyses `job`'s artifact with `analyzer`.
pub async fn reanalyze(
    fns: &Functions,
    analyzer: Arc<dyn Analyzer>,
    job: JobId,
) -> anyhow::Result<Reanalysis> {
    // A malformed entry is no reason to fail: the first event and the
    // completion are what is read.
    let page = fns.log_page(job, "-", 100_000).await?;
    let events: Vec<_> = page.entries.into_iter().filter_map(Result::ok).collect();
    let snapshot = fns.snapshot(job).await?;
    let first = events.first();
    let text = |field: &str| -> Option<String> {
        let from_log = first.and_then(|e| e.data.get(field)?.as_str().map(str::to_string));
        from_log.or_else(|| {
            let s = snapshot.as_ref()?;
            Some(if field == "content_hash" {
                s.content_hash.clone()
            } else {
                s.content_type.clone()
            })
        })
    };
    let Some(hash) = text("content_hash") else {
        anyhow::bail!("job {job} is unknown: no snapshot and no retained events");
    };
    let content_type = text("content_type").unwrap_or_default();
    let metadata: Metadata = first
        .and_then(|e| e.data.get("metadata"))
        .or(snapshot.as_ref().map(|s| &s.metadata))
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default();
    let recorded: Option<Value> = snapshot
        .as_ref()
        .and_then(|s| s.result.clone())
        .or_else(|| {
            let e = events
                .iter()
                .rev()
                .find(|e| matches!(e.kind, EventType::Completed | EventType::CacheHit))?;
            serde_json::from_str(e.result.as_deref()?).ok()
        });

    let key = fns.store.keys.artifact(job.shard(), &hash);
    let Some(content) = fns.artifact(job, &hash).await? else {
        anyhow::bail!(
            "the artifact of job {job} ({key}) is no longer retained: it is kept while its job waits for a worker, then JOB_EXPIRATION after the job's last start (or heartbeat)"
        );
    };
    let kind = ArtifactKind::parse(&content_type).unwrap_or(ArtifactKind::Auto);
    let report = tokio::task::spawn_blocking(move || {
        analyzer.analyze(
            &AnalysisRequest {
                content: &content,
                kind,
                metadata: &metadata,
            },
            &mut |_| {},
        )
    })
    .await?
    .map_err(|e| anyhow::anyhow!("the analyser refused the artifact of job {job}: {e}"))?;
    let new = serde_json::to_value(&report.result)?;
    Ok(compare(job, hash, recorded.as_ref(), &new))
}

/// Compares a recorded result with a new one, rule by rule.
pub fn compare(
    job: JobId,
    content_hash: String,
    recorded: Option<&Value>,
    new: &Value,
) -> Reanalysis {
    let then = recorded.map(briefs).unwrap_or_default();
    let now = briefs(new);
    let mut r = Reanalysis {
        job_id: job.to_string(),
        content_hash,
        recorded_score: recorded.and_then(score),
        new_score: score(new).unwrap_or(0),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for (rule, b) in &now {
        match then.get(rule) {
            None => r.added.push(b.clone()),
            Some(old) if old != b => r.changed.push((old.clone(), b.clone())),
            Some(_) => r.unchanged += 1,
        }
    }
    r.removed = then
        .iter()
        .filter(|(rule, _)| !now.contains_key(*rule))
        .map(|(_, b)| b.clone())
        .collect();
    r
}

fn score(result: &Value) -> Option<u64> {
    result.get("production_readiness_score")?.as_u64()
}

/// Findings grouped by rule id (read from JSON, so results of older
/// analysers count too): a rule may fire more than once, so its counts are
/// summed and its worst severity kept (with that finding's title).
fn briefs(result: &Value) -> BTreeMap<String, Brief> {
    let mut by_rule: BTreeMap<String, Brief> = BTreeMap::new();
    let findings = result.get("findings").and_then(Value::as_array);
    for f in findings.into_iter().flatten() {
        let s = |k: &str| {
            f.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let rule_id = Some(s("rule_id"))
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| s("title"));
        let b = Brief {
            rule_id: rule_id.clone(),
            severity: s("severity"),
            title: s("title"),
            occurrences: f.get("occurrences").and_then(Value::as_u64).unwrap_or(1),
        };
        match by_rule.get_mut(&rule_id) {
            None => {
                by_rule.insert(rule_id, b);
            }
            Some(group) => {
                group.occurrences += b.occurrences;
                if rank(&b.severity) < rank(&group.severity) {
                    (group.severity, group.title) = (b.severity, b.title);
                }
            }
        }
    }
    by_rule
}

/// Position of a severity from the worst (0); an unknown one ranks last.
fn rank(severity: &str) -> usize {
    Severity::ALL
        .iter()
        .position(|s| s.as_str().eq_ignore_ascii_case(severity))
        .unwrap_or(Severity::ALL.len())
}

/// The comparison as text.
pub fn render(r: &Reanalysis) -> String {
    let brief = |b: &Brief| {
        format!(
            "{} [{}] {} (×{})",
            b.rule_id, b.severity, b.title, b.occurrences
        )
    };
    let mut out = format!("job {} (content {})\n", r.job_id, r.content_hash);
    out.push_str(&match r.recorded_score {
        Some(then) => format!(
            "score: recorded {then} → now {} ({:+})\n",
            r.new_score,
            r.new_score as i64 - then as i64
        ),
        None => format!("score: no recorded result → now {}\n", r.new_score),
    });
    for b in &r.added {
        out.push_str(&format!("  + {}\n", brief(b)));
    }
    for b in &r.removed {
        out.push_str(&format!("  - {}\n", brief(b)));
    }
    for (then, now) in &r.changed {
        out.push_str(&format!(
            "  ~ {}  →  [{}] ×{}\n",
            brief(then),
            now.severity,
            now.occurrences
        ));
    }
    out.push_str(&format!(
        "{} added, {} removed, {} changed, {} unchanged (nothing written)\n",
        r.added.len(),
        r.removed.len(),
        r.changed.len(),
        r.unchanged
    ));
    out
}
