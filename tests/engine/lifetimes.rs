//! How long a job's keys live around its transitions: the artifact and the
//! log outlive every attempt that needs them, a job that expired in the
//! queue leaves nothing behind, pruning misses no index entry nor keeps a
//! stopped worker's consumer, and a job's log cannot be grown without bound. Each test drives the
//! transitions itself (an API-only app, no workers) with short TTLs.

use std::time::Duration;

use faultline::engine::{JobId, JobStatus, Lease, Started};
use faultline::startup::Role;
use serde_json::json;

use crate::helpers::*;

const DOC: &str = "# Billing design\n\nInvoices are written to one Postgres primary.\n";

/// Submits `DOC` (as Markdown); returns its job.
async fn submit_doc(app: &TestApp) -> JobId {
    app.submit(DOC, "markdown").await["job_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Submits `DOC` and starts its job as worker `w1`: (job, content hash, the start).
async fn submit_and_start(app: &TestApp, redis: &TestRedis) -> (JobId, String, Started) {
    let job = submit_doc(app).await;
    let started = start_next(app, redis, job).await;
    let hash = app.fns.snapshot(job).await.unwrap().unwrap().content_hash;
    (job, hash, started)
}

/// Reads the next entry of `job`'s shard as `w1` and starts it.
async fn start_next(app: &TestApp, redis: &TestRedis, job: JobId) -> Started {
    let work = app.fns.store.keys.work(job.shard());
    let (entry, hash) = take_entry(redis, &work, "w1");
    app.fns
        .start(job, &hash, &entry, "w1", "Normalizing artifact...")
        .await
        .unwrap()
}

/// The lease of `job`'s only pending entry at `attempt`.
fn lease(app: &TestApp, redis: &TestRedis, job: JobId, attempt: u32) -> Lease {
    let work = app.fns.store.keys.work(job.shard());
    let pending = redis
        .query(&[
            "XPENDING",
            &work,
            faultline::engine::migrate::GROUP,
            "-",
            "+",
            "1",
        ])
        .unwrap();
    let rows: Vec<(String, String, u64, u64)> = redis::from_redis_value(pending).unwrap();
    Lease {
        job,
        attempt,
        consumer: "w1".into(),
        entry_id: rows[0].0.clone(),
    }
}

/// Fails the attempt as retryable with no delay and moves the retry back
/// onto the work stream.
async fn retry(app: &TestApp, redis: &TestRedis, job: JobId, attempt: u32) {
    let lease = lease(app, redis, job, attempt);
    let retried = app.fns.fail(&lease, &[], "boom", true, 0).await.unwrap();
    assert!(retried, "a retry is scheduled");
    let (promoted, _) = app.fns.maintain(job.shard(), 100).await.unwrap();
    assert_eq!(promoted, 1);
}

/// Leaves `ms` of life to `keys` (PEXPIRE): a job late in its life
/// without waiting for it, so no margin depends on how busy the machine is.
fn age(redis: &TestRedis, keys: &[&str], ms: u64) {
    for key in keys {
        let set = redis.query(&["PEXPIRE", key, &ms.to_string()]).unwrap();
        assert_eq!(set, redis::Value::Int(1), "{key} exists");
    }
}

/// The job's snapshot, log and artifact keys.
async fn job_keys(app: &TestApp, job: JobId) -> [String; 3] {
    let keys = &app.fns.store.keys;
    let (shard, id) = (job.shard(), job.to_string());
    let hash = app.fns.snapshot(job).await.unwrap().unwrap().content_hash;
    [
        keys.job(shard, &id),
        keys.events(shard, &id),
        keys.artifact(shard, &hash),
    ]
}

#[tokio::test]
async fn a_retry_after_the_artifacts_first_lifetime_still_analyses_the_artifact() {
    // The log's retention equals the snapshot's: each must still outlive
    // the other's renewals.
    let redis = TestRedis::start();
    let ttl = [("JOB_EXPIRATION", "60"), ("EVENT_RETENTION", "60")];
    let app = spawn_app(&redis, Role::Api, real_engine(), &ttl).await;
    let job = submit_doc(&app).await;
    let [snapshot, log, artifact] = job_keys(&app, job).await;
    // A long wait in the queue: the first start comes late in the job's
    // life, 5 s before its keys expire.
    age(&redis, &[&snapshot, &log, &artifact], 5_000);
    let Started::Run { content, .. } = start_next(&app, &redis, job).await else {
        panic!("the first attempt runs")
    };
    assert_eq!(content, DOC);
    assert!(
        redis.pttl(&artifact) > 50_000,
        "the start renews the artifact"
    );
    assert!(redis.pttl(&log) > 50_000, "the start renews the log");
    assert!(expires_at(&redis, &log) >= expires_at(&redis, &snapshot));
    // The retry comes when the submission's lifetimes are long over, 5 s
    // before the first start's would end.
    age(&redis, &[&snapshot, &log, &artifact], 5_000);
    retry(&app, &redis, job, 1).await;
    match start_next(&app, &redis, job).await {
        Started::Run {
            attempt, content, ..
        } => assert_eq!((attempt, content.as_str()), (2, DOC)),
        other => panic!("the retry must get its artifact: {other:?}"),
    }
    let events = app.events(&job.to_string()).await;
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "the whole log"
    );
    assert_eq!(
        kinds(&events),
        [
            "queued",
            "started",
            "progress",
            "retry_scheduled",
            "started",
            "progress"
        ]
    );
    assert!(
        expires_at(&redis, &log) >= expires_at(&redis, &snapshot),
        "the log outlives the snapshot"
    );
}

/// When `key` expires (PEXPIRETIME, ms since the epoch).
fn expires_at(redis: &TestRedis, key: &str) -> i64 {
    match redis.query(&["PEXPIRETIME", key]).unwrap() {
        redis::Value::Int(ms) if ms > 0 => ms,
        other => panic!("{key} has no expiry: {other:?}"),
    }
}

/// Holds `job`'s keys to their lifetimes after `step` (a one-minute
/// JOB_EXPIRATION and EVENT_RETENTION): the snapshot expires no sooner
/// than a minute after its last transition (`exactly` then, for a
/// snapshot written whole), and the log no sooner than the snapshot.
fn assert_lifetimes(app: &TestApp, redis: &TestRedis, job: JobId, step: &str, exactly: bool) {
    let keys = &app.fns.store.keys;
    let (shard, id) = (job.shard(), job.to_string());
    let snapshot: serde_json::Value =
        serde_json::from_str(&redis.text(&keys.job(shard, &id))).unwrap();
    let due = snapshot["updated_at"].as_i64().unwrap() + 60_000;
    let (job_expiry, log_expiry) = (
        expires_at(redis, &keys.job(shard, &id)),
        expires_at(redis, &keys.events(shard, &id)),
    );
    if exactly {
        assert_eq!(job_expiry, due, "{step}: the snapshot's expiry");
    } else {
        assert!(job_expiry >= due, "{step}: the snapshot expires early");
    }
    assert!(
        log_expiry >= job_expiry,
        "{step}: the log expires at {log_expiry}, {} ms before the snapshot",
        job_expiry - log_expiry
    );
}

/// A job that has not ended lives EVENT_RETENTION after its last
/// transition, not JOB_EXPIRATION: one queued behind a backlog, or waiting
/// for workers that are down, longer than JOB_EXPIRATION is not lost. Its
/// artifact is kept as long while it waits (sent inline or beside the
/// call, also when another API process sends it again for an attach), a
/// start keeps it JOB_EXPIRATION as before, a retry keeps it for the wait
/// again, and the job's end gives the snapshot, and the artifact of a job
/// cancelled while it waited, JOB_EXPIRATION.
#[tokio::test]
async fn a_job_that_has_not_ended_outlives_job_expiration() {
    let redis = TestRedis::start();
    let ttl = [("JOB_EXPIRATION", "60"), ("EVENT_RETENTION", "3600")];
    let app = spawn_app(&redis, Role::Api, real_engine(), &ttl).await;
    // Another API process: it has not seen the large content, so it sends
    // the bytes again (written beside its call for JOB_EXPIRATION).
    let other = spawn_app(&redis, Role::Api, real_engine(), &ttl).await;
    let pttl = |key: &str| redis.pttl(key);
    let log_outlives = |snapshot: &str, log: &str| {
        assert!(expires_at(&redis, log) >= expires_at(&redis, snapshot));
    };
    let (minute, hour) = (60_000, 3_600_000);
    let waiting = |ms: i64| ms > minute && ms <= hour;
    // A small artifact goes inline, a large one (over 2 KB) beside the call.
    let large = format!(
        "{DOC}\n{}",
        "Every invoice is kept for ten years.\n".repeat(100)
    );
    for content in [DOC.to_string(), large] {
        let job: JobId = app.submit(&content, "markdown").await["job_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let [snapshot, log, artifact] = job_keys(&app, job).await;
        assert!(waiting(pttl(&snapshot)), "queued: {}", pttl(&snapshot));
        assert!(waiting(pttl(&artifact)), "artifact: {}", pttl(&artifact));
        log_outlives(&snapshot, &log);
        let attached = other.submit(&content, "markdown").await;
        assert_eq!(attached["job_id"], job.to_string(), "single flight");
        assert!(waiting(pttl(&artifact)), "attached: {}", pttl(&artifact));
        let Started::Run { attempt: 1, .. } = start_next(&app, &redis, job).await else {
            panic!("the job starts");
        };
        assert!(waiting(pttl(&snapshot)), "running: {}", pttl(&snapshot));
        assert!(pttl(&artifact) <= minute, "a start keeps it JOB_EXPIRATION");
        let lease = lease(&app, &redis, job, 1);
        assert!(app.fns.fail(&lease, &[], "boom", true, 0).await.unwrap());
        assert_eq!(
            app.fns.snapshot(job).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
        assert!(waiting(pttl(&snapshot)), "retry: {}", pttl(&snapshot));
        assert!(
            waiting(pttl(&artifact)),
            "retry's artifact: {}",
            pttl(&artifact)
        );
        log_outlives(&snapshot, &log);
        assert_eq!(app.cancel(job).await, 202);
        assert!(pttl(&snapshot) <= minute, "ended: {}", pttl(&snapshot));
        assert!(pttl(&artifact) <= minute, "ended: {}", pttl(&artifact));
        log_outlives(&snapshot, &log);
    }
}

/// With EVENT_RETENTION = JOB_EXPIRATION, no transition leaves a snapshot
/// that outlives its log, nor a cache hit that outlives the log holding
/// its result. (Each call used to set the log's TTL a few commands before
/// the snapshot's, and Redis 7.0 reads its clock afresh for each: the
/// snapshot could outlive its log by those milliseconds, more after a
/// large result. CI once saw it.)
#[tokio::test]
async fn no_transition_leaves_a_snapshot_outliving_its_log() {
    let redis = TestRedis::start();
    let ttl = [("JOB_EXPIRATION", "60"), ("EVENT_RETENTION", "60")];
    let app = spawn_app(&redis, Role::Api, real_engine(), &ttl).await;
    let job = submit_doc(&app).await;
    assert_lifetimes(&app, &redis, job, "queued", false);
    start_next(&app, &redis, job).await;
    assert_lifetimes(&app, &redis, job, "started", true);
    let hints = [faultline::engine::Hint::new("Running heuristics...", 1)];
    app.fns
        .progress(&lease(&app, &redis, job, 1), &hints)
        .await
        .unwrap();
    assert_lifetimes(&app, &redis, job, "progress", true);
    retry(&app, &redis, job, 1).await;
    assert_lifetimes(&app, &redis, job, "retry scheduled", true);
    start_next(&app, &redis, job).await;
    assert_lifetimes(&app, &redis, job, "started again", true);
    // A result of a few MB: written piecewise, its copies take a while.
    let result = json!({ "score": 50, "findings": [], "pad": "x".repeat(4 << 20) }).to_string();
    let hash = app.fns.snapshot(job).await.unwrap().unwrap().content_hash;
    app.fns
        .complete(
            &lease(&app, &redis, job, 2),
            &hash,
            &[],
            &result,
            "# Report",
        )
        .await
        .unwrap();
    assert_lifetimes(&app, &redis, job, "completed", false);

    // The same content again: a cache hit whose result is in `job`'s log.
    let hit = submit_doc(&app).await;
    assert_ne!(hit, job);
    assert_lifetimes(&app, &redis, hit, "cache hit", false);
    let keys = &app.fns.store.keys;
    let source_log = keys.events(job.shard(), &job.to_string());
    let hit_log = keys.events(hit.shard(), &hit.to_string());
    assert!(expires_at(&redis, &source_log) >= expires_at(&redis, &hit_log));
    app.fns.feedback(hit, true, "useful").await.unwrap();
    assert!(
        expires_at(&redis, &source_log) >= expires_at(&redis, &hit_log),
        "feedback renews the hit's log and its source's"
    );

    let other = app.submit("# Another design\n", "markdown").await["job_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.fns.cancel(other, "not needed").await.unwrap();
    assert_lifetimes(&app, &redis, other, "cancelled", true);

    // A snapshot rebuilt from the log expires on the same rule.
    let keys = &app.fns.store.keys;
    redis
        .query(&["DEL", &keys.job(other.shard(), &other.to_string())])
        .unwrap();
    let rebuilt = app.fns.rebuild(other, None, false).await.unwrap();
    assert!(
        matches!(&rebuilt, faultline::engine::functions::Rebuilt::Repaired(what) if what == &["snapshot"]),
        "{rebuilt:?}"
    );
    assert_lifetimes(&app, &redis, other, "rebuilt", true);
}

/// A start on a job whose log was deleted (by hand, or by an eviction)
/// writes a new stream: it gets a TTL, or it would stay forever. (A start
/// early in a long EVENT_RETENTION used to skip the renewal.)
#[tokio::test]
async fn a_start_on_a_job_whose_log_is_gone_leaves_no_log_without_a_ttl() {
    let redis = TestRedis::start();
    let ttl = [("JOB_EXPIRATION", "60"), ("EVENT_RETENTION", "3600")];
    let app = spawn_app(&redis, Role::Api, real_engine(), &ttl).await;
    let job = submit_doc(&app).await;
    let log = app.fns.store.keys.events(job.shard(), &job.to_string());
    redis.query(&["DEL", &log]).unwrap();
    assert!(matches!(
        start_next(&app, &redis, job).await,
        Started::Run { attempt: 1, .. }
    ));
    let left = redis.pttl(&log);
    assert!(left > 3_000_000, "the new log's TTL: {left} ms");
}

/// A first attempt started early in the job's life, failing after the
/// artifact's first lifetime: its retry still finds the artifact (each start
/// renews it, and so does scheduling the retry).
#[tokio::test]
async fn a_long_first_attempt_early_in_a_short_life_still_has_its_artifact_for_the_retry() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("JOB_EXPIRATION", "60")],
    )
    .await;
    let job = submit_doc(&app).await;
    let [_, _, artifact] = job_keys(&app, job).await;
    // Inside the first half of its life: 40 s of 60 left.
    age(&redis, &[&artifact], 40_000);
    assert!(matches!(
        start_next(&app, &redis, job).await,
        Started::Run { attempt: 1, .. }
    ));
    assert!(
        redis.pttl(&artifact) > 50_000,
        "the start renews the artifact"
    );
    // A long attempt: it fails 5 s before the artifact would expire.
    age(&redis, &[&artifact], 5_000);
    retry(&app, &redis, job, 1).await;
    assert!(
        redis.pttl(&artifact) > 50_000,
        "the retry renews the artifact"
    );
    match start_next(&app, &redis, job).await {
        Started::Run {
            attempt, content, ..
        } => {
            assert_eq!(attempt, 2);
            assert_eq!(content, DOC);
        }
        other => panic!("the retry did not run: {other:?}"),
    }
}

#[tokio::test]
async fn a_job_whose_artifact_is_gone_fails_saying_so_and_is_never_analysed_empty() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = submit_doc(&app).await;
    let hash = app.fns.snapshot(job).await.unwrap().unwrap().content_hash;
    redis
        .query(&["DEL", &app.fns.store.keys.artifact(job.shard(), &hash)])
        .unwrap();
    // Every start renews the artifact, so the first one finds it gone and
    // ends the job at once (no attempt runs on nothing, none is retried).
    match start_next(&app, &redis, job).await {
        Started::Dead { error, .. } => {
            assert!(error.contains("no longer stored"), "{error}")
        }
        other => panic!("an attempt without its artifact must not run: {other:?}"),
    }
    let snapshot = app.fns.snapshot(job).await.unwrap().unwrap();
    assert_eq!(snapshot.status, JobStatus::Failed);
    let (_, view) = app.get(&format!("/jobs/{job}")).await;
    assert!(
        view.to_string().contains("no longer stored"),
        "the job says why: {view}"
    );
    assert_eq!(pending(&redis, &app.fns.store.keys.work(job.shard())), 0);
}

#[tokio::test]
async fn a_job_that_expired_in_the_queue_releases_its_in_flight_marker() {
    let redis = TestRedis::start();
    // A waiting job lives EVENT_RETENTION: both short here.
    let ttl = [("JOB_EXPIRATION", "1"), ("EVENT_RETENTION", "1")];
    let app = spawn_app(&redis, Role::Api, real_engine(), &ttl).await;
    let job = submit_doc(&app).await;
    let inflight = app.fns.store.keys.inflight(job.shard());
    assert_eq!(count(&redis, &["HLEN", &inflight]), 1);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        start_next(&app, &redis, job).await,
        Started::Skip("expired".into())
    );
    assert_eq!(
        count(&redis, &["HLEN", &inflight]),
        0,
        "no marker left behind"
    );
}

#[tokio::test]
async fn two_submissions_that_find_a_stale_marker_start_one_analysis() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let first = submit_doc(&app).await;
    // The job's snapshot is gone while its marker still names it.
    redis
        .query(&[
            "DEL",
            &app.fns.store.keys.job(first.shard(), &first.to_string()),
        ])
        .unwrap();
    let (a, b) = tokio::join!(app.submit(DOC, "markdown"), app.submit(DOC, "markdown"));
    assert_ne!(a["job_id"], first.to_string());
    assert_eq!(a["job_id"], b["job_id"], "one new job: {a} {b}");
}

#[tokio::test]
async fn a_failure_after_a_cancel_acknowledges_the_entry() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let (job, _, started) = submit_and_start(&app, &redis).await;
    assert!(matches!(started, Started::Run { attempt: 1, .. }));
    assert_eq!(app.cancel(job).await, 202);
    let lease = lease(&app, &redis, job, 1);
    let refused = app
        .fns
        .fail(&lease, &[], "boom", true, 0)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("JOB_TERMINAL"));
    assert_eq!(pending(&redis, &app.fns.store.keys.work(job.shard())), 0);
}

#[tokio::test]
async fn pruning_misses_no_job_when_a_page_is_full_of_one_millisecond() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[("JOB_EXPIRATION", "1")]).await;
    // 25 jobs of one shard stamped with one millisecond: one fl_submit_many.
    let keys = &app.fns.store.keys;
    let shard = 0;
    let mut args: Vec<String> = vec![
        "1".into(),
        "1".into(),
        "60000".into(),
        keys.job_prefix(shard),
        keys.shard_prefix(shard),
        keys.cache_prefix(shard),
    ];
    for n in 0..25 {
        let job = JobId::generate(shard).to_string();
        let hash = format!("{n:064x}");
        args.extend([
            job,
            hash,
            "markdown".into(),
            "{}".into(),
            format!("# doc {n}"),
            String::new(),
        ]);
    }
    let mut call = vec![
        "FCALL".to_string(),
        "fl_submit_many".into(),
        "4".into(),
        keys.work(shard),
        keys.feed(shard),
        keys.inflight(shard),
        keys.index(shard),
    ];
    call.extend(args);
    redis
        .query(&call.iter().map(String::as_str).collect::<Vec<_>>())
        .unwrap();
    let index = keys.index(shard);
    assert_eq!(count(&redis, &["ZCARD", &index]), 25);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    for _ in 0..5 {
        app.fns.maintain(shard, 10).await.unwrap();
    }
    assert_eq!(
        count(&redis, &["ZCARD", &index]),
        0,
        "every expired job pruned"
    );
}

#[tokio::test]
async fn feedback_cannot_grow_a_jobs_log_without_bound() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = submit_doc(&app).await.to_string();
    let body = json!({"job_id": job, "is_useful": true, "comment": "x".repeat(100)});
    let mut accepted = 0;
    let refusal = loop {
        let (status, answer) = app.post_json("/feedback", &body).await;
        if status != 202 {
            break (status, answer);
        }
        accepted += 1;
        assert!(accepted < 1_000, "feedback never stopped");
    };
    assert_eq!(refusal.0, 409, "{}", refusal.1);
    assert_eq!(refusal.1["code"], "FEEDBACK_LIMIT", "{}", refusal.1);
    let id: JobId = job.parse().unwrap();
    let log = app.fns.store.keys.events(id.shard(), &job);
    assert_eq!(count(&redis, &["XLEN", &log]), 256);
    // The job's own transitions still go on.
    let (status, _) = app.get(&format!("/jobs/{job}/events")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn consumers_left_by_stopped_workers_are_forgotten_unless_they_hold_work() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = submit_doc(&app).await;
    let work = app.fns.store.keys.work(job.shard());
    let group = faultline::engine::migrate::GROUP;
    take_entry(&redis, &work, "busy"); // holds the job's entry
    for gone in ["gone-1", "gone-2"] {
        redis
            .query(&["XGROUP", "CREATECONSUMER", &work, group, gone])
            .unwrap();
    }
    let names = |redis: &TestRedis| -> Vec<String> {
        let reply = redis.query(&["XINFO", "CONSUMERS", &work, group]).unwrap();
        let rows: Vec<std::collections::HashMap<String, redis::Value>> =
            redis::from_redis_value(reply).unwrap();
        let mut names: Vec<String> = rows
            .iter()
            .map(|r| redis::from_redis_value(r["name"].clone()).unwrap())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&redis), ["busy", "gone-1", "gone-2"]);
    let hour = Duration::from_secs(3600);
    assert_eq!(
        app.fns
            .prune_consumers(job.shard(), hour, 100)
            .await
            .unwrap(),
        0
    );
    let forgotten = app
        .fns
        .prune_consumers(job.shard(), Duration::ZERO, 100)
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
    assert_eq!(names(&redis), ["busy"], "the one holding work stays");
    assert_eq!(pending(&redis, &work), 1);
}

fn count(redis: &TestRedis, args: &[&str]) -> i64 {
    redis::from_redis_value(redis.query(args).unwrap()).unwrap()
}
