//! The happy paths: submit → queued → running → completed, cache hits,
//! single flight, graceful shutdown.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use faultline::engine::{INLINE_ARTIFACT, JobId, JobStatus, Started, content_hash};
use faultline::startup::Role;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn a_submission_is_queued_run_and_completed_with_the_seeds_hints() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let body = app.submit(&spec(1), "openapi-yaml").await;
    assert_eq!(body["status"], "queued");
    assert_eq!(body["progress_hint"], "Queued for analysis");
    let job = body["job_id"].as_str().unwrap().to_string();

    let snap = app.wait_terminal(&job, Duration::from_secs(20)).await;
    assert_eq!(snap.status, JobStatus::Completed);
    let events = app.events(&job).await;
    assert_eq!(
        kinds(&events),
        [
            "queued",
            "started",
            "progress",
            "progress",
            "progress",
            "completed"
        ]
    );
    let hints: Vec<_> = events.iter().filter_map(|e| e.hint()).collect();
    assert_eq!(
        hints,
        [
            "Normalizing artifact...",
            "Running heuristics...",
            "Synthesizing with AI..."
        ]
    );
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );

    let (status, result) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(status, 200);
    assert_eq!(result["status"], "completed");
    let score = result["result"]["production_readiness_score"]
        .as_u64()
        .unwrap();
    assert!(score <= 100);
    assert!(
        result["result"]["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    assert!(result["markdown"].as_str().unwrap().starts_with('#'));
}

#[tokio::test]
async fn stored_values_are_the_seeds_json_shapes() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(2).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: faultline::engine::JobId = job.parse().unwrap();
    let keys = &app.fns.store.keys;

    let raw = redis.text(&keys.job(id.shard(), &job));
    let snap: Value = serde_json::from_str(&raw).expect("job:<id> is readable JSON");
    for field in [
        "job_id",
        "status",
        "content_hash",
        "metadata",
        "progress_hint",
        "result",
        "markdown",
        "created_at",
        "updated_at",
        "attempt",
        "version",
    ] {
        assert!(
            snap.get(field).is_some(),
            "job:<id> lacks {field}: {raw:.200}"
        );
    }
    assert!(snap["result"]["findings"].is_array() && snap["result"]["charts"].is_array());

    let hash = snap["content_hash"].as_str().unwrap();
    let cache: Value = serde_json::from_str(&redis.text(&keys.cache(id.shard(), hash)))
        .expect("cache:<hash> is JSON");
    let fields: Vec<&String> = cache.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["markdown", "result"]);
    assert_eq!(cache["result"], snap["result"]);
}

#[tokio::test]
async fn a_hundred_identical_submissions_run_one_analysis() {
    let redis = TestRedis::start();
    let (analyzer, calls) = counting(Duration::from_millis(300));
    let app = spawn_app(&redis, Role::Serve, analyzer, &[]).await;
    let content = spec(4);
    let submissions = (0..100).map(|_| app.submit(&content, "openapi-yaml"));
    let bodies = futures::future::join_all(submissions).await;
    let mut ids: Vec<&str> = bodies
        .iter()
        .map(|b| b["job_id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    // Every submission while the analysis runs attaches to the same job; a
    // submission after it finished is a cache hit (a new id, born completed).
    for id in &ids {
        app.wait_terminal(id, Duration::from_secs(20)).await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one analysis for identical content"
    );
    let started: usize = futures::future::join_all(ids.iter().map(|id| app.events(id)))
        .await
        .iter()
        .map(|events| {
            events
                .iter()
                .filter(|e| e.kind.as_str() == "started")
                .count()
        })
        .sum();
    assert_eq!(started, 1);
}

#[tokio::test]
async fn graceful_shutdown_finishes_the_attempts_in_flight() {
    let redis = TestRedis::start();
    let (analyzer, calls) = counting(Duration::from_millis(700));
    let mut app = spawn_app(
        &redis,
        Role::Serve,
        analyzer,
        &[("WORKER_CONCURRENCY", "4")],
    )
    .await;
    let jobs = app.submit_specs(100, 4).await;
    while calls.load(Ordering::SeqCst) < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    app.stop().await; // returns only when in-flight attempts are finished
    for job in &jobs {
        let snap = app
            .fns
            .snapshot(job.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            snap.status,
            JobStatus::Completed,
            "{job} was in flight at shutdown"
        );
    }
}

/// The snapshot's result is spliced after its head; metadata with a
/// `"result"` key (the HTTP API only takes string fields, but the engine
/// takes any JSON object) must not be taken for the splice point, or the job
/// could never be completed or given feedback.
#[tokio::test]
async fn metadata_that_mentions_result_does_not_confuse_the_snapshot() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    // Written out: a serialised map would put "result" first, where it
    // follows `{`, not `,`.
    let text = r#"{"team":"x","result":{"a":1}}"#;
    let metadata: serde_json::Value = serde_json::from_str(text).unwrap();
    let content = spec(7);
    let (submitted, _) = app
        .fns
        .submit(faultline::engine::Submission {
            content: &content,
            content_type: "openapi-yaml",
            metadata: text,
            inputs: "",
        })
        .await
        .unwrap();
    let job = submitted.job_id().to_string();
    let snap = app.wait_terminal(&job, Duration::from_secs(20)).await;
    assert_eq!(snap.status, JobStatus::Completed);
    assert_eq!(snap.metadata, metadata);
    let (status, fb) = app
        .post_json(
            "/feedback",
            &serde_json::json!({"job_id": job, "is_useful": true}),
        )
        .await;
    assert_eq!(status, 202, "{fb}");
    let (status, result) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(status, 200);
    assert!(result["result"]["production_readiness_score"].is_u64());
}

/// A Markdown artifact of about `bytes` bytes; `n` makes it unique.
fn large_markdown(n: usize, bytes: usize) -> String {
    let mut text = format!("# Design {n}\n\n");
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "Paragraph {i} of design {n}: the service scales out.\n\n"
        ));
        i += 1;
    }
    text
}

#[tokio::test]
async fn large_artifacts_reach_the_worker_whole_beside_the_function_calls() {
    // Above INLINE_ARTIFACT the submission writes the artifact key itself,
    // beside `fl_submit_many`, and `fl_take` leaves it for the worker to read.
    let redis = TestRedis::start();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = spawn_app(&redis, Role::Serve, Arc::new(Recording(seen.clone())), &[]).await;
    let small = "# Small design\n\nOne paragraph.\n".to_string();
    let edge = large_markdown(0, INLINE_ARTIFACT);
    let edge = edge[..INLINE_ARTIFACT].to_string();
    let mut artifacts = vec![
        small,
        edge,
        format!("{}x", &large_markdown(1, INLINE_ARTIFACT)),
    ];
    artifacts.extend((2..5).map(|n| large_markdown(n, 300_000)));

    let jobs: Vec<String> =
        futures::future::join_all(artifacts.iter().map(|a| app.submit(a, "markdown")))
            .await
            .iter()
            .map(|b| b["job_id"].as_str().unwrap().to_string())
            .collect();
    for job in &jobs {
        let snap = app.wait_terminal(job, Duration::from_secs(30)).await;
        assert_eq!(snap.status, JobStatus::Completed, "{job}");
    }

    let mut analysed = seen.lock().unwrap().clone();
    analysed.sort();
    let mut sent = artifacts.clone();
    sent.sort();
    assert_eq!(analysed.len(), sent.len());
    assert!(analysed == sent, "the worker got different content");
    for (job, artifact) in jobs.iter().zip(&artifacts) {
        let id: JobId = job.parse().unwrap();
        let key = app
            .fns
            .store
            .keys
            .artifact(id.shard(), &content_hash(artifact));
        assert_eq!(&redis.text(&key), artifact, "kept for re-analysis");
        assert!(redis.pttl(&key) > 0, "with its TTL");
    }

    // The same content again is a cache hit, answered at once.
    let again = app.submit(&artifacts[4], "markdown").await;
    assert_eq!(again["status"], "completed");
}

#[tokio::test]
async fn a_large_artifact_comes_back_whole_from_a_single_start() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let artifact = large_markdown(7, 50_000);
    let job = api.submit(&artifact, "markdown").await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let id: JobId = job.parse().unwrap();
    let (entry, hash) = take_entry(&redis, &api.fns.store.keys.work(id.shard()), "w1");
    let started = api
        .fns
        .start(id, &hash, &entry, "w1", "Normalizing artifact...")
        .await
        .unwrap();
    match started {
        Started::Run { content, .. } => assert!(content == artifact, "content differs"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_long_result_is_stored_whole_exactly_sized_and_with_its_ttls() {
    // The real engine's report runs to tens of KB: past PIECEWISE_RESULT, so
    // the snapshot and the cache entry are written piecewise with SETRANGE.
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(41).await;
    let done = app.wait_terminal(&job, Duration::from_secs(20)).await;
    assert_eq!(done.status, JobStatus::Completed);
    let id: JobId = job.parse().unwrap();
    let keys = &app.fns.store.keys;
    let (job_key, cache_key) = (
        keys.job(id.shard(), &job),
        keys.cache(id.shard(), &done.content_hash),
    );

    let snapshot: Value = serde_json::from_str(&redis.text(&job_key)).expect("JSON");
    let entry: Value = serde_json::from_str(&redis.text(&cache_key)).expect("JSON");
    let result_len = serde_json::to_string(&snapshot["result"]).unwrap().len();
    assert!(result_len > 8192, "a long result: {result_len} bytes");
    assert_eq!(snapshot["result"], entry["result"]);
    assert_eq!(snapshot["markdown"], entry["markdown"]);
    assert_eq!(entry.as_object().unwrap().len(), 2, "{{result, markdown}}");
    let events = app.events(&job).await;
    let completed = events.last().unwrap();
    assert_eq!(completed.markdown.as_deref(), snapshot["markdown"].as_str());
    assert!(redis.pttl(&job_key) > 0 && redis.pttl(&cache_key) > 0);

    // Sized exactly: no greedy slack from growing the value.
    for key in [&job_key, &cache_key] {
        let len = redis.text(key).len() as i64;
        let usage: i64 =
            redis::from_redis_value(redis.query(&["MEMORY", "USAGE", key]).unwrap()).unwrap();
        assert!(usage < len + len / 8 + 256, "{key}: {usage} B for {len}");
    }

    // The Rust fold of the log is the stored snapshot.
    let (status, replay) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay["verdict"]["verdict"], "consistent", "{replay}");
}

#[tokio::test]
async fn a_completion_from_an_older_worker_with_raw_markdown_still_parses() {
    // Workers before the markdown was sent JSON-encoded sent it raw.
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = api.submit_spec(42).await;
    let id: JobId = job.parse().unwrap();
    let (k, s) = (&api.fns.store.keys, id.shard());
    let (entry, hash) = take_entry(&redis, &k.work(s), "old-worker");
    let started = api
        .fns
        .start(id, &hash, &entry, "old-worker", "Normalizing artifact...")
        .await
        .unwrap();
    assert!(matches!(started, Started::Run { attempt: 1, .. }));
    let (job_key, events, cache, inflight, work, feed, source) = (
        k.job(s, &job),
        k.events(s, &job),
        k.cache(s, &hash),
        k.inflight(s),
        k.work(s),
        k.feed(s),
        k.source(s, &hash),
    );
    let reply = redis.query(&[
        "FCALL", "fl_complete", "7", &job_key, &events, &cache, &inflight, &work, &feed, &source,
        &job, "1", "old-worker", &entry, faultline::engine::migrate::GROUP, "[]",
        r#"{"production_readiness_score":50,"summary":"s","findings":[],"charts":[],"suggested_next_steps":[]}"#,
        "# Old \"report\"\n", "3600", "86400", "7200", "7200000",
    ]);
    assert!(reply.is_ok(), "{reply:?}");
    let snapshot: Value = serde_json::from_str(&redis.text(&job_key)).expect("the snapshot parses");
    assert_eq!(snapshot["status"], "completed");
    assert_eq!(snapshot["markdown"], "# Old \"report\"\n");
    let entry: Value = serde_json::from_str(&redis.text(&cache)).expect("the entry parses");
    assert_eq!(entry["markdown"], "# Old \"report\"\n");
    let log = api.events(&job).await;
    assert_eq!(
        log.last().unwrap().markdown.as_deref(),
        Some("# Old \"report\"\n")
    );
}

#[tokio::test]
async fn a_worker_from_before_version_15_still_gets_large_artifacts_whole() {
    // During a rolling upgrade an older worker calls `fl_start`/`fl_take`
    // without the artifacts-by-caller marker: it reads the content from the
    // reply only, so a large artifact must come back whole, not as ''.
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let group = faultline::engine::migrate::GROUP;
    let text = |v: &redis::Value| redis::from_redis_value_ref::<String>(v).unwrap();

    // fl_start, with its arguments as a worker of version 13 or 14 sends them.
    let artifact = large_markdown(8, 40_000);
    let job = api.submit(&artifact, "markdown").await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let id: JobId = job.parse().unwrap();
    let (k, s) = (&api.fns.store.keys, id.shard());
    let (entry, hash) = take_entry(&redis, &k.work(s), "old-worker");
    let reply = redis
        .query(&[
            "FCALL",
            "fl_start",
            "7",
            &k.job(s, &job),
            &k.events(s, &job),
            &k.artifact(s, &hash),
            &k.work(s),
            &k.feed(s),
            &k.inflight(s),
            &k.dead(s),
            &job,
            &entry,
            "old-worker",
            group,
            "3",
            "3600",
            "7200",
            "7200000",
            "Normalizing artifact...",
        ])
        .unwrap();
    let redis::Value::Array(row) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(text(&row[0]), "run");
    assert!(
        text(&row[2]) == artifact,
        "fl_start: the artifact is not whole"
    );

    // A reading `fl_take` as a worker sends it, `extra` appended (the marker).
    let take = |s: u16, consumer: &str, extra: &[&str]| {
        let (work, feed, inflight, dead) = (k.work(s), k.feed(s), k.inflight(s), k.dead(s));
        let (jobs, shard) = (k.job_prefix(s), k.shard_prefix(s));
        let mut args = vec![
            "FCALL",
            "fl_take",
            "4",
            &work,
            &feed,
            &inflight,
            &dead,
            group,
            consumer,
            "8",
            "3",
            "3600",
            "7200",
            "7200000",
            "Normalizing artifact...",
            &jobs,
            &shard,
        ];
        args.extend_from_slice(extra);
        match redis.query(&args).unwrap() {
            redis::Value::Array(rows) => rows,
            other => panic!("{other:?}"),
        }
    };

    // fl_take reading the shard itself, likewise.
    let artifact = large_markdown(9, 40_000);
    let job = api.submit(&artifact, "markdown").await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let rows = take(job.parse::<JobId>().unwrap().shard(), "old-worker", &[]);
    assert_eq!(rows.len(), 9, "one row of 9");
    assert_eq!(text(&rows[1]), job);
    assert_eq!(text(&rows[3]), "run");
    assert!(
        text(&rows[5]) == artifact,
        "fl_take: the artifact is not whole"
    );

    // Today's callers pass the marker: the function leaves the bytes out
    // (content '') and the caller reads the artifact key beside the call.
    let artifact = large_markdown(10, 40_000);
    let job = api.submit(&artifact, "markdown").await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let s = job.parse::<JobId>().unwrap().shard();
    let rows = take(s, "new-worker", &["artifacts-by-caller"]);
    assert_eq!(text(&rows[1]), job);
    assert_eq!(text(&rows[3]), "run");
    assert_eq!(text(&rows[5]), "", "left out of the reply");
}

#[tokio::test]
async fn a_large_artifact_reaches_redis_only_when_its_job_is_queued() {
    // Submissions of a large artifact go first without its bytes: a cache
    // hit or an attach never writes the artifact key. A write would reset
    // its TTL, so a shortened TTL that stays short shows nothing was sent.
    let redis = TestRedis::start();
    let (analyzer, calls, gate) = gated();
    let app = spawn_app(&redis, Role::Serve, analyzer, &[]).await;
    let artifact = large_markdown(11, 30_000);
    let hash = content_hash(&artifact);
    let job_of = |body: &Value| body["job_id"].as_str().unwrap().to_string();
    let shorten = |key: &str| {
        redis.query(&["PEXPIRE", key, "100000"]).unwrap();
    };

    let first = app.submit(&artifact, "markdown").await;
    assert_eq!(first["status"], "queued");
    let job = job_of(&first);
    let shard = job.parse::<JobId>().unwrap().shard();
    let keys = &app.fns.store.keys;
    let (artifact_key, cache_key) = (keys.artifact(shard, &hash), keys.cache(shard, &hash));
    assert!(
        redis.pttl(&artifact_key) > 100_000,
        "written with the job's TTL"
    );

    // Attach: the analysis is held until the gate opens. (Its start renews
    // the artifact, so it must have started before the TTL is shortened.)
    first_call(&calls).await;
    shorten(&artifact_key);
    let again = app.submit(&artifact, "markdown").await;
    assert_eq!(job_of(&again), job, "attached to the running job");
    assert!(
        redis.pttl(&artifact_key) <= 100_000,
        "an attach sent the bytes"
    );
    gate.open();
    let done = app.wait_terminal(&job, Duration::from_secs(30)).await;
    assert_eq!(done.status, JobStatus::Completed);

    // Cache hit.
    shorten(&artifact_key);
    let hit = app.submit(&artifact, "markdown").await;
    assert_eq!(hit["status"], "completed");
    assert!(redis.pttl(&artifact_key) <= 100_000, "a hit sent the bytes");

    // A miss (the cache entry gone; the artifact kept, but perhaps sealed
    // with a key since retired): the function asks for the bytes, and the
    // submission is sent again with them, so the artifact is written anew.
    for gone in [vec![&cache_key], vec![&cache_key, &artifact_key]] {
        shorten(&artifact_key);
        let mut del = vec!["DEL"];
        del.extend(gone.iter().map(|k| k.as_str()));
        redis.query(&del).unwrap();
        let miss = app.submit(&artifact, "markdown").await;
        assert_eq!(miss["status"], "queued");
        assert!(redis.pttl(&artifact_key) > 100_000, "written anew");
        assert!(redis.text(&artifact_key) == artifact, "written whole");
        let done = app
            .wait_terminal(&job_of(&miss), Duration::from_secs(30))
            .await;
        assert_eq!(done.status, JobStatus::Completed);
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "three queued jobs analysed"
    );
}
