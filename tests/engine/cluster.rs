//! Redis Cluster specifics (each test starts its own 6-node cluster): the
//! library on every master, a master killed mid-run, and several worker and
//! API processes of the real binary sharing the work.

use std::collections::{BTreeMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use faultline::engine::{EventType, JobId, JobStatus, content_hash};
use faultline::startup::Role;
use futures::StreamExt;

use crate::helpers::*;

fn has_library(redis: &TestRedis, port: u16) -> bool {
    let list = redis
        .query_node(port, &["FUNCTION", "LIST", "LIBRARYNAME", "faultline"])
        .unwrap();
    !redis::from_redis_value::<Vec<redis::Value>>(list)
        .unwrap()
        .is_empty()
}

/// The first spec number from `from` whose shard lives on master `port`.
fn spec_on_master(redis: &TestRedis, app: &TestApp, port: u16, from: usize) -> usize {
    let keys = &app.fns.store.keys;
    (from..)
        .find(|&n| redis.master_of(&keys.work(keys.shard_of_hash(&content_hash(&spec(n))))) == port)
        .unwrap()
}

#[tokio::test]
async fn the_library_is_on_every_master_and_reloaded_on_a_master_that_lost_it() {
    let redis = TestRedis::start_cluster();
    let app = spawn_app(&redis, Role::Serve, Arc::new(Quick), &[("SHARDS", "16")]).await;
    let masters = redis.masters();
    assert_eq!(masters.len(), 3);
    assert!(masters.iter().all(|&m| has_library(&redis, m)));
    // Groups exist on every shard stream, wherever it lives.
    let (status, ready) = app.get("/readyz").await;
    assert_eq!(status, 200, "{ready}");

    // A master without the library (flushed, or joined without it): the
    // first call there finds it missing and the library is loaded again.
    let victim = masters[1];
    redis.query_node(victim, &["FUNCTION", "FLUSH"]).unwrap();
    assert!(!has_library(&redis, victim));
    let n = spec_on_master(&redis, &app, victim, 0);
    let job = app.submit_spec(n).await;
    let snap = app.wait_terminal(&job, Duration::from_secs(20)).await;
    assert_eq!(snap.status, JobStatus::Completed);
    assert!(masters.iter().all(|&m| has_library(&redis, m)));
}

/// Shards spread over the masters: with 16 shards on 3 equal masters, 6/5/5.
#[test]
fn sixteen_shards_spread_as_evenly_as_possible_over_three_masters() {
    let redis = TestRedis::start_cluster();
    let keys = faultline::store::Keys::new("job:", "cache:", "fl:", 16);
    let mut per_master: BTreeMap<u16, usize> = BTreeMap::new();
    for shard in 0..16 {
        *per_master
            .entry(redis.master_of(&keys.work(shard)))
            .or_default() += 1;
    }
    let mut counts: Vec<usize> = per_master.into_values().collect();
    counts.sort();
    assert_eq!(counts, [5, 5, 6]);
}

struct FailoverRun {
    acknowledged: Vec<String>,
    refused: usize,
    lost: Vec<String>,
    by_status: BTreeMap<String, usize>,
}

/// Submits `n` jobs through the API with 16 in flight, SIGKILLs the master
/// of shard 0 after a quarter are acknowledged, then follows every
/// acknowledged job to a terminal state (or finds it gone).
async fn failover_run(n: usize, overrides: &[(&str, &str)]) -> FailoverRun {
    let redis = TestRedis::start_cluster();
    let mut vars = vec![
        ("SHARDS", "6"),
        ("WORKER_CONCURRENCY", "16"),
        ("VISIBILITY_TIMEOUT_MS", "3000"),
        ("MAX_ATTEMPTS", "10"),
    ];
    vars.extend_from_slice(overrides);
    let app = Arc::new(spawn_app(&redis, Role::Serve, Arc::new(Quick), &vars).await);
    let victim = redis.master_of(&app.fns.store.keys.work(0));
    let acked = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));

    let results: Vec<Option<String>> = futures::stream::iter(0..n)
        .map(|i| {
            let (app, acked, killed, redis) = (app.clone(), acked.clone(), killed.clone(), &redis);
            async move {
                if acked.load(Ordering::SeqCst) >= n / 4 && !killed.swap(true, Ordering::SeqCst) {
                    redis.kill_node(victim);
                }
                let body = serde_json::json!({"content": spec(100_000 + i), "content_type": "openapi-yaml"});
                let posted = tokio::time::timeout(
                    Duration::from_secs(30),
                    app.post_json("/artifacts/analyze", &body),
                );
                let (status, reply) = posted.await.expect("a submission answers within 30 s");
                if status != 200 {
                    eprintln!("submission {i}: {status} {reply}");
                    return None;
                }
                acked.fetch_add(1, Ordering::SeqCst);
                reply["job_id"].as_str().map(String::from)
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(
        killed.load(Ordering::SeqCst),
        "the master was killed mid-run"
    );
    let acknowledged: Vec<String> = results.iter().flatten().cloned().collect();
    let refused = n - acknowledged.len();

    // Every acknowledged job ends terminal, or vanished with the master.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut pending: Vec<String> = acknowledged.clone();
    let mut by_status = BTreeMap::new();
    let mut lost = Vec::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for job in pending {
            let id: JobId = job.parse().unwrap();
            match app.fns.snapshot(id).await {
                Ok(Some(s)) if s.status.is_terminal() => {
                    *by_status.entry(s.status.as_str().to_string()).or_default() += 1;
                }
                Ok(None) if app.events(&job).await.is_empty() => lost.push(job),
                _ => still.push(job),
            }
        }
        pending = still;
        assert!(
            Instant::now() < deadline,
            "{} acknowledged jobs never finished: {:?}",
            pending.len(),
            &pending[..pending.len().min(5)]
        );
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    FailoverRun {
        acknowledged,
        refused,
        lost,
        by_status,
    }
}

fn report(label: &str, run: &FailoverRun) {
    println!(
        "failover ({label}): {} acknowledged, {} refused during the failover, {} lost to asynchronous replication, terminal {:?}",
        run.acknowledged.len(),
        run.refused,
        run.lost.len(),
        run.by_status
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_mid_run_fails_over_and_every_acknowledged_job_finishes_or_is_reported_lost()
 {
    let run = failover_run(2000, &[]).await;
    report("no WAIT", &run);
    assert!(run.acknowledged.len() > 1000, "Faultline kept serving");
    assert_eq!(
        run.by_status.get("completed").copied().unwrap_or(0) + run.lost.len(),
        run.acknowledged.len(),
        "every acknowledged job completed, except those the dead master took with it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_submit_wait_replicas_no_acknowledged_job_is_lost_to_a_failover() {
    let run = failover_run(
        2000,
        &[
            ("SUBMIT_WAIT_REPLICAS", "1"),
            ("SUBMIT_WAIT_TIMEOUT_MS", "100"),
        ],
    )
    .await;
    report("SUBMIT_WAIT_REPLICAS=1", &run);
    assert!(run.acknowledged.len() > 1000, "Faultline kept serving");
    assert!(run.lost.is_empty(), "lost {:?}", run.lost);
    // The promoted master has no replica left: its shards' submissions are
    // refused (503, retry later) rather than acknowledged without a copy.
    assert!(run.refused > 0);
    assert_eq!(
        run.by_status.get("completed").copied().unwrap_or(0),
        run.acknowledged.len()
    );
}

/// A `faultline` process of the real binary; killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_binary(role: &str, seeds: &str, port: u16) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg(role)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("REDIS_CLUSTER_NODES", seeds)
        .env("PORT", port.to_string())
        .env("SHARDS", "8")
        .env("METRICS_PORT", "0")
        .env("WORKER_CONCURRENCY", "4")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the faultline binary starts");
    Proc(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_worker_and_two_api_processes_complete_every_job_exactly_once() {
    let redis = TestRedis::start_cluster();
    let seeds = redis.seeds().unwrap();
    let mut procs: Vec<Proc> = (0..3).map(|_| spawn_binary("worker", &seeds, 0)).collect();
    let ports: Vec<u16> = (0..2)
        .map(|_| faultline::store::embedded::free_port().unwrap())
        .collect();
    procs.extend(ports.iter().map(|&p| spawn_binary("api", &seeds, p)));
    let http = reqwest::Client::new();
    for port in &ports {
        let deadline = Instant::now() + Duration::from_secs(60);
        while http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .map_or(true, |r| !r.status().is_success())
        {
            assert!(Instant::now() < deadline, "api on {port} not ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // The test reads through its own connection, as a third party would.
    let reader = spawn_app(&redis, Role::Api, Arc::new(Quick), &[("SHARDS", "8")]).await;
    let n = 600;
    let jobs: Vec<String> = futures::stream::iter(0..n)
        .map(|i| {
            let (http, port) = (http.clone(), ports[i % 2]);
            async move {
                let body = serde_json::json!({"content": spec(200_000 + i), "content_type": "openapi-yaml"});
                let reply: serde_json::Value = http
                    .post(format!("http://127.0.0.1:{port}/artifacts/analyze"))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                reply["job_id"].as_str().unwrap().to_string()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert_eq!(jobs.iter().collect::<HashSet<_>>().len(), n);

    let mut workers = HashSet::new();
    for job in &jobs {
        let snap = reader.wait_terminal(job, Duration::from_secs(120)).await;
        assert_eq!(snap.status, JobStatus::Completed, "{job}");
        let events = reader.events(job).await;
        let completed: Vec<_> = events
            .iter()
            .filter(|e| e.kind == EventType::Completed)
            .collect();
        assert_eq!(completed.len(), 1, "job {job}: {:?}", kinds(&events));
        let started = events
            .iter()
            .filter(|e| e.kind == EventType::Started)
            .count();
        assert_eq!(started, 1, "job {job} ran once: {:?}", kinds(&events));
        workers.insert(completed[0].worker.clone());
    }
    assert!(
        workers.len() >= 2,
        "the worker processes shared the work: {workers:?}"
    );
    drop(procs);
}
