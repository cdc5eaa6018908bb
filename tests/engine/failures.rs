//! When things go wrong: a worker that dies mid-job, stale attempts, a
//! failing analyser, cancellation.

use std::sync::atomic::Ordering;
use std::time::Duration;

use faultline::engine::{Hint, JobId, JobStatus, Lease, Started};
use faultline::startup::Role;

use crate::helpers::*;

#[tokio::test]
async fn a_worker_that_dies_mid_job_loses_nothing_and_its_late_writes_are_refused() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = api.submit_spec(10).await;
    let id: JobId = job.parse().unwrap();

    // A worker takes the entry, starts attempt 1, and dies without acknowledging.
    let work = api.fns.store.keys.work(id.shard());
    let (entry, hash) = take_entry(&redis, &work, "doomed-worker");
    let started = api
        .fns
        .start(
            id,
            &hash,
            &entry,
            "doomed-worker",
            "Normalizing artifact...",
        )
        .await
        .unwrap();
    assert!(matches!(started, Started::Run { attempt: 1, .. }));
    let stale = Lease {
        job: id,
        attempt: 1,
        consumer: "doomed-worker".into(),
        entry_id: entry.clone(),
    };

    // Ten minutes later, as far as Redis can tell: a live worker reclaims
    // the entry at once. (Aged, not waited for: a short visibility timeout
    // would let a stall on a busy machine reclaim attempt 2 as well.)
    redis
        .query(&[
            "XCLAIM",
            &work,
            faultline::engine::migrate::GROUP,
            "doomed-worker",
            "0",
            &entry,
            "IDLE",
            "600000",
            "JUSTID",
        ])
        .unwrap();
    let (held, calls, gate) = gated();
    let worker = spawn_app(
        &redis,
        Role::Worker,
        held,
        &[("VISIBILITY_TIMEOUT_MS", "30000")],
    )
    .await;
    first_call(&calls).await;
    // While attempt 2 runs, attempt 1 wakes up: its progress and result are refused.
    let hint = Hint::new("late", 0);
    let err = api
        .fns
        .progress(&stale, std::slice::from_ref(&hint))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("STALE_ATTEMPT"));
    let err = api
        .fns
        .complete(&stale, &hash, &[], "{}", "stale")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("STALE_ATTEMPT"));
    gate.open();

    let snap = worker.wait_terminal(&job, Duration::from_secs(20)).await;
    assert_eq!((snap.status, snap.attempt), (JobStatus::Completed, 2));
    let err = api
        .fns
        .complete(&stale, &hash, &[], "{}", "stale")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("JOB_TERMINAL"));

    let events = api.events(&job).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind.as_str() == "completed")
            .count(),
        1
    );
    let restart = events
        .iter()
        .find(|e| e.kind.as_str() == "started" && e.attempt == 2)
        .unwrap();
    assert_eq!(restart.data["reclaimed"], true);
    assert_eq!(restart.data["previous_worker"], "doomed-worker");
    assert_eq!(
        pending(&redis, &work),
        0,
        "the entry was acknowledged with the completion"
    );
}

#[tokio::test]
async fn a_failing_analysis_is_retried_with_backoff_then_dead_lettered() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Serve,
        std::sync::Arc::new(AlwaysFails),
        &[("MAX_ATTEMPTS", "3")],
    )
    .await;
    let job = app.submit_spec(11).await;
    let snap = app.wait_terminal(&job, Duration::from_secs(20)).await;
    assert_eq!(snap.status, JobStatus::Failed);
    assert_eq!(snap.attempt, 3);
    assert!(snap.error.as_deref().unwrap().contains("timed out"));

    let events = app.events(&job).await;
    let shape: Vec<&str> = kinds(&events)
        .into_iter()
        .filter(|k| *k != "progress")
        .collect();
    assert_eq!(
        shape,
        [
            "queued",
            "started",
            "retry_scheduled",
            "started",
            "retry_scheduled",
            "started",
            "dead_lettered",
            "failed"
        ]
    );
    let delays: Vec<u64> = events
        .iter()
        .filter_map(|e| e.data.get("delay_ms")?.as_u64())
        .collect();
    assert_eq!(delays.len(), 2);
    let id: JobId = job.parse().unwrap();
    let dead = redis
        .query(&["XRANGE", &app.fns.store.keys.dead(id.shard()), "-", "+"])
        .unwrap();
    let dead: redis::streams::StreamRangeReply = redis::from_redis_value(dead).unwrap();
    assert_eq!(dead.ids.len(), 1);
    assert_eq!(dead.ids[0].get::<String>("job").unwrap(), job);
    assert_eq!(dead.ids[0].get::<String>("attempts").unwrap(), "3");
}

#[tokio::test]
async fn a_cancelled_job_gets_no_result_and_its_entry_is_released() {
    let redis = TestRedis::start();
    let (held, calls, gate) = gated();
    let app = spawn_app(&redis, Role::Serve, held, &[]).await;
    let job = app.submit_spec(12).await;
    first_call(&calls).await;
    let id: JobId = job.parse().unwrap();
    app.fns.cancel(id, "user asked").await.unwrap();
    gate.open();
    // The worker finishes its analysis, is refused, and releases the entry.
    let work = app.fns.store.keys.work(id.shard());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while pending(&redis, &work) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the entry was never released"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let snap = app.fns.snapshot(id).await.unwrap().unwrap();
    assert_eq!(snap.status, JobStatus::Cancelled);
    assert!(snap.result.is_none());
    let events = app.events(&job).await;
    assert!(!kinds(&events).contains(&"completed"));
    let err = app.fns.cancel(id, "again").await.unwrap_err();
    assert_eq!(err.code(), Some("JOB_TERMINAL"));
}

#[tokio::test]
async fn a_malformed_work_entry_goes_to_the_dead_letter_stream() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let keys = &app.fns.store.keys;
    redis
        .query(&["XADD", &keys.work(0), "*", "garbage", "1"])
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let dead = redis.query(&["XRANGE", &keys.dead(0), "-", "+"]).unwrap();
        let dead: redis::streams::StreamRangeReply = redis::from_redis_value(dead).unwrap();
        if let Some(entry) = dead.ids.first() {
            assert_eq!(
                entry.get::<String>("error").unwrap(),
                "malformed work entry"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never dead-lettered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(pending(&redis, &keys.work(0)), 0);
}

/// The same for a malformed entry taken over from a silent consumer: moved
/// by one atomic call, off the pending list.
#[tokio::test]
async fn a_malformed_entry_reclaimed_from_a_silent_worker_goes_to_the_dead_letter_stream() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let keys = &api.fns.store.keys;
    redis
        .query(&["XADD", &keys.work(0), "*", "garbage", "1"])
        .unwrap();
    // A consumer that reads it and dies.
    redis
        .query(&[
            "XREADGROUP",
            "GROUP",
            "workers",
            "ghost",
            "COUNT",
            "10",
            "STREAMS",
            &keys.work(0),
            ">",
        ])
        .unwrap();
    assert_eq!(pending(&redis, &keys.work(0)), 1);
    let _worker = spawn_app(
        &redis,
        Role::Worker,
        real_engine(),
        &[("VISIBILITY_TIMEOUT_MS", "200")],
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while pending(&redis, &keys.work(0)) > 0 {
        assert!(std::time::Instant::now() < deadline, "never reclaimed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let dead = redis.query(&["XRANGE", &keys.dead(0), "-", "+"]).unwrap();
    let dead: redis::streams::StreamRangeReply = redis::from_redis_value(dead).unwrap();
    assert_eq!(dead.ids.len(), 1);
    assert_eq!(
        dead.ids[0].get::<String>("error").unwrap(),
        "malformed work entry"
    );
    let left = redis.query(&["XLEN", &keys.work(0)]).unwrap();
    assert_eq!(redis::from_redis_value::<i64>(left).unwrap(), 0);
}

#[tokio::test]
async fn an_analysis_past_its_time_limit_fails_once_and_frees_its_worker() {
    let redis = TestRedis::start();
    // The stuck analysis is held (looking at no limit) until the test ends;
    // the others answer at once, so the 300 ms limit is only the stuck one's.
    let (stuck_analyser, _, _gate) = gated_on(Some("x-stuck"), std::sync::Arc::new(Quick));
    let app = spawn_app(
        &redis,
        Role::Serve,
        stuck_analyser,
        &[("ANALYSIS_TIMEOUT_MS", "300"), ("WORKER_CONCURRENCY", "1")],
    )
    .await;
    let stuck = app
        .submit(&format!("{}\nx-stuck: true\n", spec(21)), "openapi-yaml")
        .await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let snap = app.wait_terminal(&stuck, Duration::from_secs(30)).await;
    assert_eq!(snap.status, JobStatus::Failed);
    assert_eq!(snap.attempt, 1, "a time-out is not retried");
    let error = snap.error.unwrap();
    assert!(error.contains("time limit of 300 ms"), "{error}");
    let shape: Vec<&str> = kinds(&app.events(&stuck).await)
        .into_iter()
        .filter(|k| *k != "progress")
        .collect();
    assert_eq!(shape, ["queued", "started", "dead_lettered", "failed"]);

    // The only slot is free again while the stuck thread is still held.
    let next = app.submit_spec(22).await;
    let snap = app.wait_terminal(&next, Duration::from_secs(30)).await;
    assert_eq!(snap.status, JobStatus::Completed);
}

/// The real engine stops between rules once its deadline has passed.
#[test]
fn the_engine_stops_between_rules_once_its_limit_has_passed() {
    use faultline::analysis::{AnalysisError, AnalysisRequest, ArtifactKind, Metadata, budget};
    let content = spec(23);
    let metadata = Metadata::default();
    let request = AnalysisRequest {
        content: &content,
        kind: ArtifactKind::Auto,
        metadata: &metadata,
    };
    let outcome = budget::with_limit(Duration::ZERO, || {
        real_engine().analyze(&request, &mut |_| {})
    });
    match outcome {
        Err(AnalysisError::TimedOut(msg)) => assert!(msg.contains("0 s"), "{msg}"),
        other => panic!("expected a time-out, got {:?}", other.map(|_| "a report")),
    }
    assert!(real_engine().analyze(&request, &mut |_| {}).is_ok());
}

/// Healthy but busy workers are never taken over: a worker starts no more
/// entries than it has free slots, so nothing it started waits unwatched
/// past the visibility timeout for another worker (or its own reclaim) to
/// run it a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn busy_workers_start_only_what_they_can_run_so_each_job_runs_once() {
    const JOBS: usize = 30;
    let redis = TestRedis::start();
    // Sixteen shards against one slot each: before slots were taken first,
    // each worker started up to one entry per shard and let them wait, up
    // to 15 × 1 s, well past the 6 s visibility timeout. The timeout leaves
    // a running attempt's heartbeats (every 2 s) seconds of slack on a busy
    // machine.
    let vars = [
        ("SHARDS", "16"),
        ("WORKER_CONCURRENCY", "1"),
        ("VISIBILITY_TIMEOUT_MS", "6000"),
        ("MAX_ATTEMPTS", "2"),
    ];
    let api = spawn_app(&redis, Role::Api, real_engine(), &vars).await;
    let jobs = api.submit_specs(600, JOBS).await;

    let (slow, calls) = counting(Duration::from_millis(1_000));
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(spawn_app(&redis, Role::Worker, slow.clone(), &vars).await);
    }
    for job in &jobs {
        let snap = api.wait_terminal(job, Duration::from_secs(90)).await;
        assert_eq!(
            (snap.status, snap.attempt),
            (JobStatus::Completed, 1),
            "{job}: {:?}",
            snap.error
        );
    }
    assert_eq!(calls.load(Ordering::SeqCst), JOBS, "one analysis per job");
    for shard in 0..16 {
        let dead = redis
            .query(&["XLEN", &api.fns.store.keys.dead(shard)])
            .unwrap();
        assert_eq!(dead, redis::Value::Int(0), "shard {shard} dead-lettered");
    }
    for mut worker in workers {
        worker.stop().await;
    }
}

/// The owner of a work entry, from `XPENDING`'s extended form.
fn owner(redis: &TestRedis, work: &str, entry: &str) -> String {
    let reply = redis
        .query(&[
            "XPENDING",
            work,
            faultline::engine::migrate::GROUP,
            entry,
            entry,
            "1",
        ])
        .unwrap();
    let rows: Vec<(String, String, i64, i64)> = redis::from_redis_value(reply).unwrap();
    rows[0].1.clone()
}

#[tokio::test]
async fn a_heartbeat_is_fenced_so_a_stale_attempt_cannot_take_its_entry_back() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = api.submit_spec(31).await;
    let id: JobId = job.parse().unwrap();
    let work = api.fns.store.keys.work(id.shard());
    let (entry, hash) = take_entry(&redis, &work, "first");
    let hint = "Normalizing artifact...";
    let started = api.fns.start(id, &hash, &entry, "first", hint).await;
    assert!(matches!(started, Ok(Started::Run { attempt: 1, .. })));
    let lease = |attempt, consumer: &str| Lease {
        job: id,
        attempt,
        consumer: consumer.into(),
        entry_id: entry.clone(),
    };
    api.fns.heartbeat(&lease(1, "first")).await.unwrap();

    // Another worker takes the entry over and starts attempt 2.
    redis
        .query(&[
            "XCLAIM",
            &work,
            faultline::engine::migrate::GROUP,
            "second",
            "0",
            &entry,
            "JUSTID",
        ])
        .unwrap();
    let started = api.fns.start(id, &hash, &entry, "second", hint).await;
    assert!(matches!(started, Ok(Started::Run { attempt: 2, .. })));

    // The first attempt's heartbeat is refused and claims nothing.
    let err = api.fns.heartbeat(&lease(1, "first")).await.unwrap_err();
    assert_eq!(err.code(), Some("STALE_ATTEMPT"));
    assert_eq!(owner(&redis, &work, &entry), "second");
    api.fns.heartbeat(&lease(2, "second")).await.unwrap();

    // Once the job is cancelled, the current attempt is told too.
    api.fns.cancel(id, "user asked").await.unwrap();
    let err = api.fns.heartbeat(&lease(2, "second")).await.unwrap_err();
    assert_eq!(err.code(), Some("JOB_TERMINAL"));
}

#[tokio::test]
async fn a_cancelled_jobs_analysis_is_abandoned_and_its_slot_freed_at_the_next_heartbeat() {
    let redis = TestRedis::start();
    let (slow, _, gate) = gated_on(Some("x-slow"), real_engine());
    let app = spawn_app(
        &redis,
        Role::Serve,
        slow,
        // A heartbeat every 200 ms.
        &[
            ("WORKER_CONCURRENCY", "1"),
            ("VISIBILITY_TIMEOUT_MS", "600"),
        ],
    )
    .await;
    let slow_job = app
        .submit(&format!("{}\nx-slow: true\n", spec(32)), "openapi-yaml")
        .await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let id: JobId = slow_job.parse().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.fns.snapshot(id).await.unwrap().unwrap().status != JobStatus::Running {
        assert!(std::time::Instant::now() < deadline, "never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.fns.cancel(id, "user asked").await.unwrap();

    // The only slot serves the next job while the cancelled analysis's
    // thread is still held (it would hold the slot until then otherwise).
    let next = app.submit_spec(33).await;
    let snap = app.wait_terminal(&next, Duration::from_secs(30)).await;
    assert_eq!(snap.status, JobStatus::Completed);
    // The refused heartbeat also acknowledged the cancelled job's entry,
    // without waiting for the held analysis.
    let work = app.fns.store.keys.work(id.shard());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while pending(&redis, &work) > 0 {
        assert!(std::time::Instant::now() < deadline, "entry never released");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    gate.open();
    let snap = app.fns.snapshot(id).await.unwrap().unwrap();
    assert_eq!((snap.status, snap.attempt), (JobStatus::Cancelled, 1));
    assert!(!kinds(&app.events(&slow_job).await).contains(&"completed"));
}

/// A progress call whose reply is lost may or may not have run: the worker
/// sends its hints again, flagged `resent`, and each lands in the log once.
#[tokio::test]
async fn hints_sent_again_after_a_lost_reply_are_recorded_once() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let (id, hash, lease) = started_spec(&app, &redis, 95).await;
    let job = id.to_string();
    let resent = |h: &Hint| Hint {
        resent: true,
        ..h.clone()
    };
    let (a, b, c, d) = (
        Hint::new("Running heuristics...", 1_700_000_000_100),
        Hint::new("Scoring...", 1_700_000_000_100),
        Hint::new("Synthesizing with AI...", 1_700_000_000_200),
        Hint::new("Writing the report...", 1_700_000_000_300),
    );
    // The call ran, its reply was lost: sent again with a new hint.
    app.fns
        .progress(&lease, &[a.clone(), b.clone()])
        .await
        .unwrap();
    app.fns
        .progress(&lease, &[resent(&a), resent(&b), c.clone()])
        .await
        .unwrap();
    // A resent hint the log does not have (that call never ran) is kept, and
    // the completion leaves out the one already there.
    app.fns
        .complete(&lease, &hash, &[resent(&c), resent(&d)], "{}", "# r")
        .await
        .unwrap();
    let hints: Vec<String> = app
        .events(&job)
        .await
        .iter()
        .filter(|e| e.kind == faultline::engine::EventType::Progress)
        .map(|e| e.data["hint"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        hints,
        ["Starting", a.hint.as_str(), &b.hint, &c.hint, &d.hint],
        "each hint once, in order"
    );
    let replay = faultline::replay::replay(&app.fns, id).await.unwrap();
    assert_eq!(replay.verdict, faultline::replay::Verdict::Consistent);
}
