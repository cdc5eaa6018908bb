//! `/metrics` after scripted flows: submissions by outcome, cache lookups,
//! job outcomes and histograms, the sampled queue gauges, and the standalone
//! worker's own metrics port. Each test runs in its own process (nextest),
//! so the counters start at zero.

use std::time::{Duration, Instant};

use faultline::startup::Role;

use crate::helpers::*;

/// The value of the series `name` whose labels include all of `labels`,
/// summed over the matching series; `None` when no series matches.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((series, v)) = line.rsplit_once(' ') else {
            continue;
        };
        let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
        if metric != name {
            continue;
        }
        if labels
            .iter()
            .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        {
            *found.get_or_insert(0.0) += v.parse::<f64>().expect("a number");
        }
    }
    found
}

async fn scrape(app: &TestApp, base: &str) -> String {
    let resp = app
        .http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(resp.status().as_u16(), 200);
    resp.text().await.expect("text")
}

#[tokio::test]
async fn metrics_count_submissions_by_outcome_and_job_outcomes() {
    let redis = TestRedis::start();
    // No worker yet: jobs stay queued, so a repeat attaches (single flight).
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let jobs = api.submit_specs(1, 3).await;
    api.submit_spec(1).await;
    let (status, _) = api
        .post_json(
            "/artifacts/analyze",
            &serde_json::json!({"content": "  ", "content_type": "openapi-yaml"}),
        )
        .await;
    assert_eq!(status, 422);

    let port = faultline::store::embedded::free_port().expect("free port");
    let mut worker = spawn_app(
        &redis,
        Role::Worker,
        real_engine(),
        &[("METRICS_PORT", &port.to_string())],
    )
    .await;
    assert_eq!(worker.app.as_ref().unwrap().metrics_port, port);
    for job in &jobs {
        api.wait_terminal(job, Duration::from_secs(20)).await;
    }
    // Identical content again: answered from the cache.
    api.submit_spec(2).await;
    api.submit_spec(3).await;

    let text = scrape(&api, &api.base).await;
    let submissions = |outcome| {
        value(
            &text,
            "faultline_submissions_total",
            &[("outcome", outcome)],
        )
    };
    assert_eq!(submissions("cache_miss"), Some(3.0));
    assert_eq!(submissions("single_flight"), Some(1.0));
    assert_eq!(submissions("cache_hit"), Some(2.0));
    assert_eq!(submissions("rejected"), Some(1.0));
    let lookups = |result| {
        value(
            &text,
            "faultline_cache_lookups_total",
            &[("result", result)],
        )
    };
    assert_eq!((lookups("hit"), lookups("miss")), (Some(2.0), Some(4.0)));

    let jobs_total = |outcome| value(&text, "faultline_jobs_total", &[("outcome", outcome)]);
    assert_eq!(jobs_total("completed"), Some(3.0));
    assert_eq!(jobs_total("failed"), Some(0.0));
    assert_eq!(jobs_total("dead_lettered"), Some(0.0));
    for histogram in [
        "faultline_job_queue_wait_seconds_count",
        "faultline_job_run_seconds_count",
        "faultline_job_end_to_end_seconds_count",
    ] {
        assert_eq!(value(&text, histogram, &[]), Some(3.0), "{histogram}");
    }
    for step in ["normalizing", "running_heuristics", "synthesizing"] {
        let n = value(
            &text,
            "faultline_analysis_step_duration_seconds_count",
            &[("step", step)],
        );
        assert_eq!(n, Some(3.0), "{step}");
    }
    assert!(value(&text, "faultline_findings_total", &[]).unwrap() > 0.0);
    // Submissions share calls per shard (group commit): at least one call,
    // never more calls than submissions.
    let submit_calls = value(
        &text,
        "faultline_redis_command_duration_seconds_count",
        &[("command", "fl_submit_many")],
    )
    .unwrap();
    assert!((1.0..=6.0).contains(&submit_calls), "{submit_calls}");
    assert_eq!(value(&text, "faultline_build_info", &[]), Some(1.0));

    // The standalone worker serves the same catalogue on METRICS_PORT.
    let worker_text = scrape(&api, &format!("http://127.0.0.1:{port}")).await;
    assert_eq!(
        value(&worker_text, "faultline_worker_slots", &[]),
        Some(8.0)
    );
    assert!(worker_text.contains("# HELP faultline_work_lag"));
    worker.stop().await;
}

#[tokio::test]
async fn queue_gauges_show_lag_then_pending_and_its_age_and_counters_start_at_zero() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let text = scrape(&api, &api.base).await;
    for outcome in [
        "completed",
        "failed",
        "dead_lettered",
        "retried",
        "reclaimed",
        "cancelled",
        "invalid",
    ] {
        let v = value(&text, "faultline_jobs_total", &[("outcome", outcome)]);
        assert_eq!(v, Some(0.0), "{outcome} is registered at zero");
    }
    for shard in ["0", "1", "2", "3"] {
        assert_eq!(
            value(&text, "faultline_work_lag", &[("shard", shard)]),
            Some(0.0)
        );
    }

    api.submit_specs(1, 5).await;
    // The sampler publishes each second; poll until it has seen the backlog.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = scrape(&api, &api.base).await;
        let lag = value(&text, "faultline_work_lag", &[]);
        let queued = value(&text, "faultline_stream_length", &[("stream", "work")]);
        if lag == Some(5.0) && queued == Some(5.0) {
            assert_eq!(value(&text, "faultline_work_pending", &[]), Some(0.0));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "lag {lag:?}, work stream {queued:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A consumer that reads and never acknowledges: the entries turn pending.
    for shard in 0..api.fns.store.keys.shards() {
        let key = api.fns.store.keys.work(shard);
        let args = [
            "XREADGROUP",
            "GROUP",
            "workers",
            "ghost",
            "COUNT",
            "10",
            "STREAMS",
            &key,
            ">",
        ];
        redis.query(&args).expect("xreadgroup");
    }
    loop {
        let text = scrape(&api, &api.base).await;
        let lag = value(&text, "faultline_work_lag", &[]);
        let pending = value(&text, "faultline_work_pending", &[]);
        let oldest = (0..4)
            .filter_map(|s| {
                let shard = s.to_string();
                let labels = [("shard", shard.as_str())];
                value(&text, "faultline_work_oldest_pending_age_seconds", &labels)
            })
            .fold(0.0, f64::max);
        if lag == Some(0.0) && pending == Some(5.0) && oldest > 0.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "lag {lag:?}, pending {pending:?}, oldest {oldest}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Scrapes until `done` holds for the text (the sampler publishes each
/// second); panics with `what` and the last figures otherwise.
async fn scrape_until(app: &TestApp, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = scrape(app, &app.base).await;
        if done(&text) {
            return text;
        }
        let gauges: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("faultline_work_"))
            .collect();
        assert!(Instant::now() < deadline, "{what}: {gauges:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The values of every per-shard queue gauge (those the sampler reads).
fn queue_gauges(text: &str) -> Vec<(String, f64)> {
    let names = [
        "faultline_work_lag{",
        "faultline_work_pending{",
        "faultline_work_oldest_pending_age_seconds{",
        "faultline_work_pending_max_idle_seconds{",
        "faultline_stream_length{",
        "faultline_delayed_retries{",
    ];
    text.lines()
        .filter(|l| names.iter().any(|n| l.starts_with(n)))
        .filter_map(|l| {
            let (series, v) = l.rsplit_once(' ')?;
            Some((series.to_string(), v.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn a_process_that_loses_redis_reports_its_queue_gauges_unknown_not_its_last_sample() {
    let mut redis = TestRedis::start_single();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    api.submit_specs(1, 5).await;
    scrape_until(&api, "lag 5", |text| {
        value(text, "faultline_work_lag", &[]) == Some(5.0)
    })
    .await;

    // Redis goes away (for this process: a partition, a dead proxy) while
    // other processes may still see the queue drain: the backlog this one
    // saw last is no longer known, and must not stand for the queue.
    redis.stop();
    let text = scrape_until(&api, "every queue gauge NaN", |text| {
        queue_gauges(text).iter().all(|(_, v)| v.is_nan())
    })
    .await;
    // 4 shards: lag, pending, oldest age, idle, delayed, 3 stream lengths.
    assert_eq!(queue_gauges(&text).len(), 4 * 8, "{text}");

    // Back: numbers again (the AOF brings the 5 entries back).
    redis.start_again();
    scrape_until(&api, "lag 5 again", |text| {
        value(text, "faultline_work_lag", &[]) == Some(5.0)
            && queue_gauges(text).iter().all(|(_, v)| v.is_finite())
    })
    .await;
}

/// Appends `n` work entries to `work` (no job behind them: nothing runs in
/// an API-only process) and returns their ids.
fn add_entries(redis: &TestRedis, work: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let id = redis
                .query(&["XADD", work, "*", "job", &format!("j{i}"), "hash", "h"])
                .expect("xadd");
            redis::from_redis_value(id).expect("an entry id")
        })
        .collect()
}

#[tokio::test]
async fn work_lag_counts_undelivered_entries_after_out_of_order_deletes() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let work = api.fns.store.keys.work(0);
    add_entries(&redis, &work, 2);
    // The first stays pending (its analysis runs); the second completes,
    // and completing acknowledges and deletes it, as fl_complete does.
    take_entry(&redis, &work, "slow");
    let (second, _) = take_entry(&redis, &work, "fast");
    redis
        .query(&["XACK", &work, faultline::engine::migrate::GROUP, &second])
        .unwrap();
    redis.query(&["XDEL", &work, &second]).unwrap();
    add_entries(&redis, &work, 3);

    // Redis itself no longer knows the lag here (XINFO GROUPS says nil).
    let groups = redis.query(&["XINFO", "GROUPS", &work]).unwrap();
    assert!(format!("{groups:?}").contains("nil"), "{groups:?}");
    let shard = [("shard", "0")];
    scrape_until(&api, "lag 3 and pending 1 on shard 0", |text| {
        value(text, "faultline_work_lag", &shard) == Some(3.0)
            && value(text, "faultline_work_pending", &shard) == Some(1.0)
    })
    .await;
}

/// The label sets of every `faultline_http_requests_total` series.
fn http_series(text: &str) -> std::collections::BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("faultline_http_requests_total{"))
        .filter_map(|l| l.rsplit_once('}').map(|(labels, _)| labels.to_string()))
        .collect()
}

#[tokio::test]
async fn http_metrics_label_routes_by_template_and_never_by_raw_path_or_method() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = api.submit_spec(1).await;
    let request = |method: &str, path: String| {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        api.http
            .request(method, format!("{}{path}", api.base))
            .send()
    };
    // One request of each kind (a scrape too), to see which series they make.
    scrape(&api, &api.base).await;
    request("GET", format!("/jobs/{job}")).await.unwrap();
    request("GET", "/no-such-page-0".into()).await.unwrap();
    request("BREW", "/jobs".into()).await.unwrap();
    let before = http_series(&scrape(&api, &api.base).await);
    for series in [
        r#"method="GET",route="/jobs/{job_id}",status="200""#,
        r#"method="GET",route="unmatched",status="404""#,
    ] {
        assert!(before.contains(series), "{series} in {before:#?}");
    }
    assert!(
        before
            .iter()
            .any(|s| s.starts_with(r#"method="other",route="/jobs""#))
    );

    // Many more of the same kinds with user-chosen paths and methods.
    for n in 1..=25 {
        request("GET", format!("/no-such-page-{n}")).await.unwrap();
        request("GET", format!("/jobs/{job}/nothing-{n}/x"))
            .await
            .unwrap();
        request("GET", format!("/jobs/made-up-{n}")).await.unwrap();
        request(&format!("BREW{n}"), "/jobs".into()).await.unwrap();
    }
    let after = http_series(&scrape(&api, &api.base).await);
    let new: Vec<&String> = after.difference(&before).collect();
    // `/jobs/made-up-n` is a real route answering 400 or 404 for a bad id:
    // at most one series each, whatever the ids.
    assert!(
        new.iter().all(|s| s.contains(r#"route="/jobs/{job_id}""#)),
        "{new:#?}"
    );
    assert!(new.len() <= 2, "{new:#?}");
    assert!(
        after
            .iter()
            .all(|s| !s.contains("no-such") && !s.contains("nothing") && !s.contains("BREW")),
        "{after:#?}"
    );
}

#[tokio::test]
async fn an_api_starts_with_each_routes_5xx_series_and_each_redis_calls_and_no_worker_slots() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let text = scrape(&api, &api.base).await;
    let series = http_series(&text);
    for (method, route) in [
        ("POST", "/artifacts/analyze"),
        ("GET", "/jobs/{job_id}"),
        ("DELETE", "/jobs/{job_id}"),
        ("GET", "/jobs/{job_id}/events/stream"),
        ("POST", "/feedback"),
        ("GET", "/ui/runs"),
    ] {
        for status in ["500", "503"] {
            let labels = [("method", method), ("route", route), ("status", status)];
            let v = value(&text, "faultline_http_requests_total", &labels);
            assert_eq!(v, Some(0.0), "{method} {route} {status} in {series:#?}");
        }
    }
    // Only those: no method a route does not answer, no other status yet.
    assert!(
        !series.contains(r#"method="DELETE",route="/artifacts/analyze",status="500""#),
        "{series:#?}"
    );
    assert!(
        series
            .iter()
            .all(|s| s.ends_with(r#"status="500""#) || s.ends_with(r#"status="503""#)),
        "{series:#?}"
    );
    // No worker here: no slots to show (a capacity-0 line per API process
    // in the slots panel, else).
    for gauge in ["faultline_worker_slots", "faultline_worker_busy_slots"] {
        assert_eq!(value(&text, gauge, &[]), None, "{gauge}");
    }
    // Functions called only by workers (heartbeats, pruning) included.
    for command in ["fl_heartbeat", "fl_prune_consumers", "fl_submit"] {
        let labels = [("command", command)];
        let errors = value(&text, "faultline_redis_errors_total", &labels);
        assert_eq!(errors, Some(0.0), "{command}");
    }
}

/// Reads every waiting entry of `work` as `consumer` (they turn pending).
fn take_all(redis: &TestRedis, work: &str, consumer: &str) {
    let group = faultline::engine::migrate::GROUP;
    let args = [
        "XREADGROUP",
        "GROUP",
        group,
        consumer,
        "COUNT",
        "1000",
        "STREAMS",
        work,
        ">",
    ];
    redis.query(&args).expect("xreadgroup");
}

/// Sets a pending entry's idle time, as if its worker's last heartbeat
/// was `idle_ms` ago.
fn set_idle(redis: &TestRedis, work: &str, consumer: &str, id: &str, idle_ms: u64) {
    let group = faultline::engine::migrate::GROUP;
    let idle = idle_ms.to_string();
    let args = [
        "XCLAIM", work, group, consumer, "0", id, "IDLE", &idle, "JUSTID",
    ];
    redis.query(&args).expect("xclaim");
}

#[tokio::test]
async fn pending_idle_gauge_shows_the_most_idle_entry_not_the_oldest_queued() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    // Shard 0: the newest entry is the one whose worker went silent; the
    // oldest one was heartbeated a second ago.
    let work = api.fns.store.keys.work(0);
    let ids = add_entries(&redis, &work, 3);
    take_all(&redis, &work, "w");
    set_idle(&redis, &work, "w", &ids[0], 1_000);
    set_idle(&redis, &work, "w", &ids[1], 1_000);
    set_idle(&redis, &work, "w", &ids[2], 500_000);
    // Shard 1: more pending entries than one sample reads whole; the most
    // idle is the last, and is past the visibility timeout (60 s).
    let crowded = api.fns.store.keys.work(1);
    let many = add_entries(&redis, &crowded, 150);
    take_all(&redis, &crowded, "w");
    set_idle(&redis, &crowded, "w", &many[149], 900_000);

    let idle = |text: &str, shard| {
        value(
            text,
            "faultline_work_pending_max_idle_seconds",
            &[("shard", shard)],
        )
        .unwrap_or(0.0)
    };
    let text = scrape_until(&api, "idle times sampled", |text| {
        idle(text, "0") >= 500.0 && idle(text, "1") >= 900.0
    })
    .await;
    // The queue-age gauge tells a different story: these entries were
    // queued moments ago, and nothing is past the visibility timeout by it.
    let age = value(
        &text,
        "faultline_work_oldest_pending_age_seconds",
        &[("shard", "0")],
    )
    .unwrap();
    assert!(age < 60.0, "queue age {age}");
    assert_eq!(idle(&text, "2"), 0.0, "nothing pending on shard 2");
}

/// Every event written to these jobs' logs is counted once in
/// `faultline_events_total{type}`, type by type (the only jobs this
/// test process touched).
async fn assert_events_counted(api: &TestApp, jobs: &[String]) {
    let mut logged = std::collections::HashMap::<&str, f64>::new();
    for job in jobs {
        for kind in kinds(&api.events(job).await) {
            *logged.entry(kind).or_default() += 1.0;
        }
    }
    let text = scrape(api, &api.base).await;
    for kind in faultline::engine::EventType::ALL {
        let kind = kind.as_str();
        let counted = value(&text, "faultline_events_total", &[("type", kind)]);
        let written = logged.get(kind).copied().unwrap_or(0.0);
        assert_eq!(counted, Some(written), "{kind} events: {logged:?}");
    }
}

#[tokio::test]
async fn events_total_counts_cancellations_and_feedback() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = api.submit_spec(1).await;
    let resp = api
        .http
        .delete(format!("{}/jobs/{job}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    for useful in [true, false] {
        let body = serde_json::json!({"job_id": job, "is_useful": useful, "comment": "ok"});
        let (status, answer) = api.post_json("/feedback", &body).await;
        assert_eq!(status, 202, "{answer}");
    }
    assert_eq!(
        kinds(&api.events(&job).await),
        ["queued", "cancelled", "feedback", "feedback"]
    );
    assert_events_counted(&api, &[job]).await;
}

#[tokio::test]
async fn events_total_counts_a_dead_letter_at_start() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = api.submit_spec(1).await;
    // The artifact is gone: the first attempt cannot read it and is
    // retried; the retry's start ends the job (dead_lettered + failed).
    let id: faultline::engine::JobId = job.parse().unwrap();
    let hash = api.fns.snapshot(id).await.unwrap().unwrap().content_hash;
    let artifact = api.fns.store.keys.artifact(id.shard(), &hash);
    redis.query(&["DEL", &artifact]).unwrap();
    let mut worker = spawn_app(&redis, Role::Worker, real_engine(), &[]).await;
    api.wait_terminal(&job, Duration::from_secs(20)).await;
    let log = kinds(&api.events(&job).await);
    assert_eq!(log[log.len() - 2..], ["dead_lettered", "failed"], "{log:?}");
    assert_events_counted(&api, &[job]).await;
    // Its time from queued to failed is recorded, once.
    let text = scrape(&api, &api.base).await;
    let e2e = |outcome| {
        value(
            &text,
            "faultline_job_end_to_end_seconds_count",
            &[("outcome", outcome)],
        )
    };
    assert_eq!((e2e("failed"), e2e("completed")), (Some(1.0), Some(0.0)));
    worker.stop().await;
}

#[tokio::test]
async fn end_to_end_latency_is_recorded_for_a_job_failed_on_an_unreadable_artifact() {
    let redis = TestRedis::start();
    // Queued under one key while no worker runs; the worker has another.
    let key_a = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let key_b = "//////////////////////////////////////////8=";
    let mut api = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("FAULTLINE_ENCRYPTION_KEY", key_a)],
    )
    .await;
    let job = api.submit_spec(1).await;
    api.stop().await;
    let app = spawn_app(
        &redis,
        Role::Serve,
        real_engine(),
        &[("FAULTLINE_ENCRYPTION_KEY", key_b), ("MAX_ATTEMPTS", "1")],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // The status view reads no sealed metadata, so it answers for any job.
        let (_, view) = app.get(&format!("/jobs/{job}")).await;
        if view["status"] == "failed" {
            break;
        }
        assert!(Instant::now() < deadline, "{view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = scrape(&app, &app.base).await;
    let e2e = |outcome| {
        value(
            &text,
            "faultline_job_end_to_end_seconds_count",
            &[("outcome", outcome)],
        )
    };
    assert_eq!((e2e("failed"), e2e("completed")), (Some(1.0), Some(0.0)));
    let jobs_total = |outcome| value(&text, "faultline_jobs_total", &[("outcome", outcome)]);
    assert_eq!(jobs_total("failed"), Some(1.0));
}

/// Holds the analysis until its second stage's hint is in the job's
/// snapshot, i.e. flushed while the analysis still runs (as a long one's).
struct WaitsForLiveHint {
    redis: std::sync::Arc<TestRedis>,
    job_key: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    seen_live: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl faultline::analysis::Analyzer for WaitsForLiveHint {
    fn analyze(
        &self,
        request: &faultline::analysis::AnalysisRequest<'_>,
        progress: &mut dyn FnMut(faultline::analysis::Stage),
    ) -> Result<faultline::analysis::Report, faultline::analysis::AnalysisError> {
        use faultline::analysis::Stage;
        progress(Stage::Normalizing);
        progress(Stage::RunningHeuristics);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let key = self.job_key.lock().unwrap().clone();
            let hint = key
                .and_then(|k| self.redis.query(&["GET", &k]).ok())
                .and_then(|v| {
                    let text: String = redis::from_redis_value(v).ok()?;
                    let snapshot: serde_json::Value = serde_json::from_str(&text).ok()?;
                    Some(snapshot["progress_hint"].as_str()?.to_string())
                });
            if hint.as_deref() == Some(Stage::RunningHeuristics.hint()) {
                self.seen_live
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Quick.analyze(request, &mut |_| {})
    }
}

#[tokio::test]
async fn events_total_counts_progress_flushed_during_the_analysis() {
    let redis = std::sync::Arc::new(TestRedis::start());
    let analyser = WaitsForLiveHint {
        redis: redis.clone(),
        job_key: Default::default(),
        seen_live: Default::default(),
    };
    let (job_key, seen_live) = (analyser.job_key.clone(), analyser.seen_live.clone());
    let app = spawn_app(
        &redis,
        Role::Serve,
        std::sync::Arc::new(analyser),
        &[("PROGRESS_FLUSH_MS", "0")],
    )
    .await;
    let job = app.submit_spec(1).await;
    let id: faultline::engine::JobId = job.parse().unwrap();
    *job_key.lock().unwrap() = Some(app.fns.store.keys.job(id.shard(), &job));
    app.wait_terminal(&job, Duration::from_secs(30)).await;
    assert!(
        seen_live.load(std::sync::atomic::Ordering::SeqCst),
        "the hint was flushed while the analysis ran"
    );
    assert_events_counted(&app, &[job]).await;
}

/// The largest finite `le` bound of histogram `name`.
fn top_bucket(text: &str, name: &str) -> f64 {
    let prefix = format!("{name}_bucket{{");
    text.lines()
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| {
            l.split("le=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .filter(|le| le.is_finite())
        .fold(0.0, f64::max)
}

#[tokio::test]
async fn histogram_buckets_reach_past_the_longest_durations() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let text = scrape(&api, &api.base).await;
    let analysis_limit = settings(&redis, &[]).analysis_timeout.as_secs_f64();
    for name in [
        "faultline_analysis_duration_seconds",
        "faultline_analysis_step_duration_seconds",
        "faultline_job_run_seconds",
    ] {
        let top = top_bucket(&text, name);
        assert!(top > analysis_limit, "{name}: top bucket {top}");
    }
    // Queue waits and whole jobs run to many minutes under a backlog.
    for name in [
        "faultline_job_queue_wait_seconds",
        "faultline_job_end_to_end_seconds",
    ] {
        let top = top_bucket(&text, name);
        assert!(top >= 1800.0, "{name}: top bucket {top}");
    }
    let top = top_bucket(&text, "faultline_redis_command_duration_seconds");
    assert!((1.0..=60.0).contains(&top), "Redis calls: {top}");
}

#[tokio::test]
async fn queue_wait_is_recorded_for_first_attempts_only() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Serve,
        std::sync::Arc::new(AlwaysFails),
        &[("MAX_ATTEMPTS", "3")],
    )
    .await;
    let job = app.submit_spec(1).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let started = kinds(&app.events(&job).await)
        .iter()
        .filter(|k| **k == "started")
        .count();
    assert_eq!(started, 3, "three attempts");
    let text = scrape(&app, &app.base).await;
    let count = |name| value(&text, name, &[]);
    assert_eq!(count("faultline_job_queue_wait_seconds_count"), Some(1.0));
    assert_eq!(count("faultline_job_end_to_end_seconds_count"), Some(1.0));
}

#[tokio::test]
async fn rejected_submissions_include_those_refused_before_the_handler() {
    let redis = TestRedis::start();
    let api = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_CONTENT_SIZE", "1000")],
    )
    .await;
    let url = format!("{}/artifacts/analyze", api.base);
    let post = |content_type: &str, body: String| {
        api.http
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let json = "application/json";
    let cases = [
        (json, r#"{"content": "unterminated"#.to_string(), 400), // malformed JSON
        (json, r#"{"content_type": "markdown"}"#.to_string(), 400), // no content
        ("text/plain", "# A doc".to_string(), 415),
        (
            json,
            format!(r#"{{"content": "{}"}}"#, "a".repeat(100_000)),
            413,
        ),
        (
            json,
            r#"{"content": " ", "content_type": "markdown"}"#.to_string(),
            422,
        ),
    ];
    for (content_type, body, status) in cases {
        let resp = post(content_type, body).await.unwrap();
        assert_eq!(resp.status().as_u16(), status);
    }
    api.submit_spec(1).await;
    let text = scrape(&api, &api.base).await;
    let submissions = |outcome| {
        value(
            &text,
            "faultline_submissions_total",
            &[("outcome", outcome)],
        )
    };
    assert_eq!(submissions("rejected"), Some(5.0), "each once");
    assert_eq!(submissions("cache_miss"), Some(1.0));
}

#[tokio::test]
async fn content_the_analyser_finds_invalid_is_counted_invalid_not_as_a_failure_or_dead_letter() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    // Accepted (YAML, not empty), then found not to be an OpenAPI document.
    let queued = app.submit("hello: world\n", "openapi-yaml").await;
    assert_eq!(queued["status"], "queued", "{queued}");
    let job = queued["job_id"].as_str().unwrap().to_string();
    let snap = app.wait_terminal(&job, Duration::from_secs(20)).await;
    // The job's contract is unchanged: failed, its log ending as any
    // failure's.
    assert_eq!(snap.status, faultline::engine::JobStatus::Failed);
    assert!(
        snap.error
            .as_deref()
            .unwrap_or("")
            .contains("invalid artifact"),
        "{:?}",
        snap.error
    );
    let log = kinds(&app.events(&job).await);
    assert_eq!(log[log.len() - 2..], ["dead_lettered", "failed"], "{log:?}");
    assert_events_counted(&app, std::slice::from_ref(&job)).await;

    let text = scrape(&app, &app.base).await;
    let jobs_total = |outcome| value(&text, "faultline_jobs_total", &[("outcome", outcome)]);
    assert_eq!(jobs_total("invalid"), Some(1.0));
    assert_eq!(jobs_total("failed"), Some(0.0));
    assert_eq!(jobs_total("dead_lettered"), Some(0.0));
    let e2e = |outcome| {
        value(
            &text,
            "faultline_job_end_to_end_seconds_count",
            &[("outcome", outcome)],
        )
    };
    assert_eq!(e2e("failed"), Some(1.0), "a failed job all the same");
}

#[tokio::test]
async fn upkeep_and_reclaim_failures_are_counted_as_worker_errors() {
    let redis = TestRedis::start();
    let port = faultline::store::embedded::free_port().expect("free port");
    let app = spawn_app(
        &redis,
        Role::Worker,
        real_engine(),
        &[
            ("VISIBILITY_TIMEOUT_MS", "1000"),
            ("METRICS_PORT", &port.to_string()),
        ],
    )
    .await;
    let keys = &app.fns.store.keys;
    // Failures that do not pass by themselves (as a missing permission or
    // a library bug would not): a key of the wrong type under each call.
    // Shard 0: the delayed retries, which fl_maintain reads each tick.
    redis.query(&["SET", &keys.delayed(0), "x"]).unwrap();
    // Shard 1: the work stream, which XAUTOCLAIM reads.
    redis.query(&["DEL", &keys.work(1)]).unwrap();
    redis.query(&["SET", &keys.work(1), "x"]).unwrap();

    let errors = |text: &str, operation| {
        value(
            text,
            "faultline_worker_errors_total",
            &[("operation", operation)],
        )
        .unwrap_or(0.0)
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = scrape(&app, &format!("http://127.0.0.1:{port}")).await;
        if errors(&text, "maintain") > 0.0 && errors(&text, "reclaim") > 0.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "maintain {}, reclaim {}",
            errors(&text, "maintain"),
            errors(&text, "reclaim")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
