//! Workers read every shard fairly: a backlog of slow jobs on one shard
//! does not hold back the jobs of the others.

use std::sync::Arc;
use std::time::Duration;

use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Report, Stage};
use faultline::engine::content_hash;
use faultline::startup::Role;

use crate::helpers::*;

const SLOW: &str = "# slow\n";

/// The real engine, slowed down for content carrying the `SLOW` marker.
struct SlowOnMarker(Arc<dyn Analyzer>);

impl Analyzer for SlowOnMarker {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        if request.content.contains(SLOW) {
            std::thread::sleep(Duration::from_millis(150));
        }
        self.0.analyze(request, progress)
    }
}

#[tokio::test]
async fn a_backlog_of_slow_jobs_on_one_shard_does_not_starve_the_other_shards() {
    let redis = TestRedis::start();
    let vars = [("WORKER_CONCURRENCY", "2"), ("WORKER_BATCH", "2")];
    let api = spawn_app(&redis, Role::Api, Arc::new(Quick), &vars).await;
    let keys = api.fns.store.keys.clone();
    let shard = |content: &str| keys.shard_of_hash(&content_hash(content));

    // 30 slow jobs on shard 0 queued first, then 12 quick ones elsewhere.
    let slow: Vec<String> = (0..)
        .map(|n| format!("{}{SLOW}", spec(n)))
        .filter(|c| shard(c) == 0)
        .take(30)
        .collect();
    let quick: Vec<String> = (1000..)
        .map(spec)
        .filter(|c| shard(c) != 0)
        .take(12)
        .collect();
    let mut slow_jobs = Vec::new();
    for content in &slow {
        slow_jobs.push(
            api.submit(content, "openapi-yaml").await["job_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut quick_jobs = Vec::new();
    for content in &quick {
        quick_jobs.push(
            api.submit(content, "openapi-yaml").await["job_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }

    let worker = spawn_app(
        &redis,
        Role::Worker,
        Arc::new(SlowOnMarker(real_engine())),
        &vars,
    )
    .await;
    let finished = |jobs: &[String]| {
        let jobs = jobs.to_vec();
        let worker = &worker;
        async move {
            let mut at = Vec::new();
            for job in &jobs {
                at.push(
                    worker
                        .wait_terminal(job, Duration::from_secs(60))
                        .await
                        .updated_at,
                );
            }
            at.sort();
            at
        }
    };
    let quick_done = finished(&quick_jobs).await;
    let slow_done = finished(&slow_jobs).await;
    // Every quick job finished while most of the slow backlog still waited.
    assert!(
        quick_done.last() < slow_done.get(slow_done.len() / 2),
        "quick jobs done at {quick_done:?}, slow ones at {slow_done:?}"
    );
}
