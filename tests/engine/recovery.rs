//! Redis restarts: every acknowledged job still reaches a terminal state, the
//! API answers 503 with Retry-After while Redis is down, and the service
//! reconnects by itself.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use faultline::engine::JobStatus;
use faultline::startup::Role;
use tokio::sync::Mutex;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_restart_mid_run_loses_no_acknowledged_job() {
    let redis = Arc::new(Mutex::new(TestRedis::start()));
    let (slow, calls) = counting(Duration::from_millis(150));
    let app = spawn_app(
        &*redis.lock().await,
        Role::Serve,
        slow,
        &[("WORKER_CONCURRENCY", "4")],
    )
    .await;
    let mut jobs = Vec::new();
    for n in 0..24 {
        jobs.push(app.submit_spec(300 + n).await);
    }
    while calls.load(Ordering::SeqCst) < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let r = redis.clone();
    tokio::task::spawn_blocking(move || r.blocking_lock().stop())
        .await
        .unwrap();
    let asked = Instant::now();
    let resp = app
        .http
        .get(format!("{}/jobs/{}", app.base, jobs[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503, "Redis down answers 503");
    assert!(resp.headers().contains_key("retry-after"));
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "503 comes quickly: {:?}",
        asked.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = redis.clone();
    tokio::task::spawn_blocking(move || r.blocking_lock().start_again())
        .await
        .unwrap();

    for job in &jobs {
        let snap = app.wait_terminal(job, Duration::from_secs(90)).await;
        assert_eq!(snap.status, JobStatus::Completed, "{job}");
    }
    // The API reconnected by itself: a new submission goes through.
    let body = app.submit(&spec(999), "openapi-yaml").await;
    app.wait_terminal(body["job_id"].as_str().unwrap(), Duration::from_secs(30))
        .await;
}

#[tokio::test]
async fn the_embedded_redis_starts_with_aof_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let redis = faultline::store::embedded::start(dir.path())
        .await
        .expect("redis-server starts");
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let aof: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("appendonly")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(aof[1], "yes");
    let node: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("stream-node-max-bytes")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(node[1], "1024", "the recommended stream node size");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut conn)
        .await
        .unwrap();
    let url = redis.url.clone();
    redis.shutdown().await;
    assert!(
        redis::Client::open(url)
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .is_err(),
        "stopped"
    );
    assert!(
        dir.path().join("appendonlydir").is_dir(),
        "AOF files are kept in the data dir"
    );
}
