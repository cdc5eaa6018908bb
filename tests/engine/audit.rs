//! The debugging tools against a real Redis: rebuild repairs exactly what
//! drifted and nothing else, tail shows the log, inspect shows the keys and
//! the pending work entry, reanalyze compares a new analysis with the record.

use std::sync::Arc;
use std::time::Duration;

use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Report, Stage};
use faultline::audit::{inspect, reanalyze, rebuild, tail};
use faultline::engine::functions::Rebuilt;
use faultline::engine::{EventType, Functions, JobId, Submission};
use faultline::replay::{Verdict, replay};
use faultline::startup::Role;
use futures::StreamExt;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn rebuild_repairs_a_corrupted_snapshot_index_and_cache_then_finds_nothing() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(1).await;
    let done = app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: JobId = job.parse().unwrap();
    let keys = &app.fns.store.keys;
    let (snapshot_key, shard) = (keys.job(id.shard(), &job), id.shard());
    let cache_key = keys.cache(keys.shard_of_hash(&done.content_hash), &done.content_hash);
    let good = app.fns.snapshot_json(id).await.unwrap().unwrap();

    let mut bad: serde_json::Value = serde_json::from_str(&good).unwrap();
    bad["status"] = json!("running");
    bad["progress_hint"] = json!("stuck");
    redis
        .query(&["SET", &snapshot_key, &bad.to_string()])
        .unwrap();
    redis.query(&["ZREM", &keys.index(shard), &job]).unwrap();
    redis.query(&["DEL", &cache_key]).unwrap();

    let Verdict::Drifted { differences } = replay(&app.fns, id).await.unwrap().verdict else {
        panic!("drift expected")
    };
    let paths: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["/progress_hint", "/status"]);
    assert_eq!(differences[1].stored, json!("running"));
    assert_eq!(differences[1].folded, json!("completed"));

    let drift = vec!["snapshot".to_string(), "index".into(), "cache".into()];
    let dry = rebuild::rebuild(&app.fns, Some(id), true).await.unwrap();
    assert_eq!(
        dry.findings,
        [(job.clone(), Rebuilt::Drifted(drift.clone()))]
    );
    assert_eq!(
        app.fns.snapshot_json(id).await.unwrap().unwrap(),
        bad.to_string()
    );

    let fixed = rebuild::rebuild(&app.fns, Some(id), false).await.unwrap();
    assert_eq!(fixed.findings, [(job.clone(), Rebuilt::Repaired(drift))]);
    assert_eq!(fixed.repaired, 1);
    assert!(rebuild::render(&fixed).contains("snapshot, index, cache"));
    assert_eq!(
        replay(&app.fns, id).await.unwrap().verdict,
        Verdict::Consistent
    );
    let repaired: serde_json::Value =
        serde_json::from_str(&app.fns.snapshot_json(id).await.unwrap().unwrap()).unwrap();
    assert_eq!(
        repaired,
        serde_json::from_str::<serde_json::Value>(&good).unwrap()
    );
    let ttl = redis.query(&["PTTL", &snapshot_key]).unwrap();
    assert!(matches!(ttl, redis::Value::Int(ms) if ms > 0), "{ttl:?}");
    let score = redis.query(&["ZSCORE", &keys.index(shard), &job]).unwrap();
    assert_eq!(
        redis::from_redis_value::<i64>(score).unwrap(),
        done.created_at
    );
    assert!(app.fns.cached(&done.content_hash).await.unwrap().is_some());

    let again = rebuild::rebuild(&app.fns, Some(id), false).await.unwrap();
    assert_eq!((again.consistent, again.findings.len()), (1, 0));

    // A snapshot deleted before its time comes back with the rest of its lifetime.
    redis.query(&["DEL", &snapshot_key]).unwrap();
    let restored = rebuild::rebuild(&app.fns, Some(id), false).await.unwrap();
    assert_eq!(
        restored.findings,
        [(job.clone(), Rebuilt::Repaired(vec!["snapshot".into()]))]
    );
    assert_eq!(
        replay(&app.fns, id).await.unwrap().verdict,
        Verdict::Consistent
    );
}

#[tokio::test]
async fn rebuild_leaves_an_expired_job_expired_and_a_corrupt_log_untouched() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[("JOB_EXPIRATION", "1")]).await;
    let job = app.submit_spec(2).await;
    let id: JobId = job.parse().unwrap();
    // Only an ended job's snapshot lives JOB_EXPIRATION; its log lives on.
    assert_eq!(app.cancel(&job).await, 202);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app.fns.snapshot_json(id).await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the snapshot expires");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::SnapshotExpired);
    assert_eq!(
        r.timeline[0].state.as_ref().unwrap().status.as_str(),
        "queued"
    );
    let report = rebuild::rebuild(&app.fns, Some(id), false).await.unwrap();
    assert_eq!(report.findings, [(job.clone(), Rebuilt::Expired)]);
    assert_eq!(app.fns.snapshot_json(id).await.unwrap(), None);

    // A log whose last event cannot follow the one before is refused, not
    // folded.
    let events_key = app.fns.store.keys.events(id.shard(), &job);
    redis
        .query(&[
            "XADD",
            &events_key,
            "*",
            "seq",
            "3",
            "type",
            "completed",
            "ts",
            "1",
            "attempt",
            "3",
            "worker",
            "w",
            "data",
            "{}",
        ])
        .unwrap();
    let Rebuilt::Corrupt(why) = app.fns.rebuild(id, None, false).await.unwrap() else {
        panic!("corrupt expected")
    };
    assert!(why.starts_with("JOB_TERMINAL"), "{why}");
    let unknown = JobId::generate(0);
    assert_eq!(
        app.fns.rebuild(unknown, None, false).await.unwrap(),
        Rebuilt::Empty
    );
}

#[tokio::test]
async fn rebuild_all_over_thousands_of_jobs_changes_nothing_when_nothing_drifted() {
    const JOBS: usize = 3000;
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let contents: Vec<String> = (0..JOBS).map(|i| format!("# Design {i}\n")).collect();
    let ids: Vec<JobId> = futures::stream::iter(&contents)
        .map(|content| {
            app.fns.submit(Submission {
                content,
                content_type: "markdown",
                metadata: "{}",
                inputs: "",
            })
        })
        .buffer_unordered(64)
        .map(|r| r.unwrap().0.job_id())
        .collect()
        .await;
    let before = snapshots(&app.fns, &ids).await;

    let report = rebuild::rebuild(&app.fns, None, false).await.unwrap();
    assert_eq!(
        (report.jobs, report.consistent),
        (JOBS, JOBS),
        "{}",
        rebuild::render(&report)
    );
    assert!(report.findings.is_empty());
    assert_eq!(snapshots(&app.fns, &ids).await, before);

    // One drifted job among thousands is the only one reported.
    let victim = ids[JOBS / 2];
    let key = app.fns.store.keys.index(victim.shard());
    redis.query(&["ZREM", &key, &victim.to_string()]).unwrap();
    let dry = rebuild::rebuild(&app.fns, None, true).await.unwrap();
    assert_eq!(
        dry.findings,
        [(victim.to_string(), Rebuilt::Drifted(vec!["index".into()]))]
    );
}

async fn snapshots(fns: &Functions, ids: &[JobId]) -> Vec<Option<String>> {
    let mut all = Vec::with_capacity(ids.len());
    for id in ids {
        all.push(fns.snapshot_json(*id).await.unwrap());
    }
    all
}

#[tokio::test]
async fn rebuild_while_jobs_run_finds_nothing_to_repair() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let jobs = app.submit_specs(100, 150).await;
    let mut passes = 0;
    loop {
        let report = rebuild::rebuild(&app.fns, None, false).await.unwrap();
        assert_eq!(
            report.findings,
            [],
            "pass {passes}: {}",
            rebuild::render(&report)
        );
        passes += 1;
        let mut all_done = true;
        for job in &jobs {
            let s = app
                .fns
                .snapshot(job.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
            all_done &= s.status.is_terminal();
        }
        if all_done && passes > 1 {
            break;
        }
    }
    for job in &jobs {
        let r = replay(&app.fns, job.parse().unwrap()).await.unwrap();
        assert_eq!(r.verdict, Verdict::Consistent, "{job}");
    }
}

/// Reports every stage and stays in it until the test has seen the stage's
/// hint in the snapshot (20 s at most): each state is observed from
/// outside however busy the machine is.
struct Lingering {
    seen: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Analyzer for Lingering {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        real_engine().analyze(request, &mut |stage| {
            progress(stage);
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while std::time::Instant::now() < deadline
                && !self.seen.lock().unwrap().iter().any(|h| h == stage.hint())
            {
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    }
}

#[tokio::test]
async fn time_travel_states_equal_the_snapshots_seen_live() {
    let redis = TestRedis::start();
    let hints_seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let app = spawn_app(
        &redis,
        Role::Serve,
        Arc::new(Lingering {
            seen: hints_seen.clone(),
        }),
        &[("PROGRESS_FLUSH_MS", "0")],
    )
    .await;
    let job = app.submit_spec(3).await;
    let id: JobId = job.parse().unwrap();
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "not completed: {seen:?}"
        );
        let raw = app.fns.snapshot_json(id).await.unwrap().unwrap();
        let s: serde_json::Value = serde_json::from_str(&raw).unwrap();
        if seen
            .last()
            .is_none_or(|last| last["version"] != s["version"])
        {
            let hint = s["progress_hint"].as_str().unwrap_or_default();
            hints_seen.lock().unwrap().push(hint.to_string());
            seen.push(s.clone());
        }
        if s["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let statuses: Vec<&str> = seen.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"running"), "{statuses:?}");
    assert!(seen.len() >= 4, "{statuses:?}");

    let r = replay(&app.fns, id).await.unwrap();
    for live in &seen {
        let n = live["version"].as_u64().unwrap() as usize;
        let folded = r.state_at(n).unwrap().unwrap().to_value();
        assert_eq!(&folded, live, "state after event {n}");
        let (status, body) = app.get(&format!("/jobs/{job}/replay?at={n}")).await;
        assert_eq!(status, 200);
        let mut head = live.clone();
        head.as_object_mut().unwrap().remove("result");
        head.as_object_mut().unwrap().remove("markdown");
        assert_eq!(body["state_at"], head, "API state after event {n}");
    }
}

#[tokio::test]
async fn the_replay_endpoint_answers_the_contract_shape_and_refuses_bad_input() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(4).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;

    let (status, body) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job_id"], json!(job));
    assert_eq!(
        body["verdict"],
        json!({"verdict": "consistent", "differences": [], "expires_at": null, "refused_at": null, "refusal": null})
    );
    assert_eq!(body["at"], serde_json::Value::Null);
    let timeline = body["timeline"].as_array().unwrap();
    let types: Vec<&str> = timeline
        .iter()
        .map(|s| s["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"queued"));
    assert_eq!(types.last(), Some(&"completed"));
    let last = timeline.last().unwrap();
    assert_eq!(last["event"]["has_result"], json!(true));
    assert!(last["event"]["id"].as_str().unwrap().contains('-'));
    assert_eq!(last["state"]["status"], json!("completed"));
    assert!(last["state"].get("result").is_none(), "bodies are left out");
    assert_eq!(timeline[0]["delta_ms"], json!(0));

    let (status, body) = app.get(&format!("/jobs/{job}/replay?at=2")).await;
    assert_eq!((status, &body["at"]), (200, &json!(2)));
    assert_eq!(body["state_at"]["status"], json!("running"));

    // 0 breaks the documented minimum (400); one past the log is a valid
    // number this job cannot answer (422).
    for (bad, status_code, code) in [
        ("0".to_string(), 400, "INVALID_PARAMETER"),
        ((timeline.len() + 1).to_string(), 422, "AT_OUT_OF_RANGE"),
    ] {
        let (status, body) = app.get(&format!("/jobs/{job}/replay?at={bad}")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (status_code, Some(code)),
            "{body}"
        );
    }
    let (status, body) = app.get("/jobs/not-a-job/replay").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_JOB_ID"))
    );
    let unknown = JobId::generate(1);
    let (status, body) = app.get(&format!("/jobs/{unknown}/replay")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("JOB_NOT_FOUND"))
    );
}

#[tokio::test]
async fn tail_shows_the_log_filters_it_and_follows_new_events() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(5).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: JobId = job.parse().unwrap();

    let all = tail::Filter::default();
    let tail::Recent { lines, cursor, .. } = tail::recent(&app.fns, &all, 100).await.unwrap();
    let kinds: Vec<EventType> = lines.iter().map(|l| l.kind.unwrap()).collect();
    let logged: Vec<EventType> = app.events(&job).await.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, logged);
    let seqs: Vec<u64> = lines.iter().map(|l| l.seq).collect();
    assert_eq!(seqs, (1..=logged.len() as u64).collect::<Vec<_>>());

    let completed = tail::Filter {
        job: None,
        kind: Some(EventType::Completed),
    };
    let only = tail::recent(&app.fns, &completed, 100).await.unwrap().lines;
    assert_eq!(only.len(), 1);
    assert!(tail::render(&only[0]).contains(&format!("{job}  #{:<3} completed", logged.len())));

    let mine = tail::Filter {
        job: Some(id),
        kind: Some(EventType::Started),
    };
    let started = tail::recent(&app.fns, &mine, 100).await.unwrap().lines;
    assert_eq!(started.len(), 1);
    assert!(!started[0].worker.as_deref().unwrap_or_default().is_empty());
    assert_eq!(started[0].detail, None);

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let fns = app.fns.clone();
    let follower = tokio::spawn(async move {
        tail::follow(&fns, &all, cursor, |line| tx.send(line.clone()).is_ok()).await
    });
    let next = app.submit_spec(6).await;
    let line = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (line.job.as_str(), line.kind, line.seq),
        (next.as_str(), Some(EventType::Queued), 1)
    );
    follower.abort();
}

/// `--type` pages back through a stream until it has `count` matches: a
/// completion behind 250 feedback events is found, in the job's own stream
/// and in its shard's feed (a fixed window of count x 10 entries missed it,
/// and then showed an older job's completion as the newest).
#[tokio::test]
async fn tail_by_type_pages_back_past_a_run_of_other_events() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let older = app.submit_spec(21).await;
    app.wait_terminal(&older, Duration::from_secs(20)).await;
    let job = app.submit_spec(22).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: JobId = job.parse().unwrap();
    let logged = app.events(&job).await.len();
    for n in logged..256 {
        app.fns.feedback(id, n % 2 == 0, "").await.unwrap();
    }
    assert_eq!(app.events(&job).await.len(), 256);

    let completed = |job| tail::Filter {
        job,
        kind: Some(EventType::Completed),
    };
    let own = tail::recent(&app.fns, &completed(Some(id)), 20)
        .await
        .unwrap();
    assert_eq!(own.lines.len(), 1, "{:?}", own.lines);
    assert_eq!(own.lines[0].seq, logged as u64);
    assert_eq!(own.cut, None);
    let newest = tail::recent(&app.fns, &completed(None), 1).await.unwrap();
    assert_eq!(newest.lines.len(), 1);
    assert_eq!(
        newest.lines[0].job, job,
        "the newest completion is this job's"
    );
    let both = tail::recent(&app.fns, &completed(None), 5).await.unwrap();
    let jobs: Vec<&str> = both.lines.iter().map(|l| l.job.as_str()).collect();
    assert_eq!(jobs, [older.as_str(), job.as_str()]);
}

/// A stream with more than `SCAN_BUDGET` entries newer than its last match
/// is cut there: the lines keep to what is newer than the cut (an older
/// match of another shard would pass for the newest), and the cut is said.
#[tokio::test]
async fn tail_by_type_stops_at_its_scan_budget_and_says_where() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(23).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let shard = (job.parse::<JobId>().unwrap().shard() + 1) % app.fns.store.keys.shards();
    let feed = app.fns.store.keys.feed(shard);
    let other = JobId::generate(shard).to_string();
    let record = |pipe: &mut redis::Pipeline, types: &str| {
        let fields = [
            "job",
            other.as_str(),
            "seq",
            "1",
            "types",
            types,
            "attempt",
            "1",
        ];
        pipe.cmd("XADD")
            .arg(&feed)
            .arg("*")
            .arg(&fields[..])
            .ignore();
    };

    let mut pipe = redis::pipe();
    record(&mut pipe, "completed");
    for _ in 0..tail::SCAN_BUDGET + 5 {
        record(&mut pipe, "feedback");
    }
    let mut conn = app.fns.store.conn.clone();
    let () = pipe.query_async(&mut conn).await.unwrap();

    let completed = tail::Filter {
        job: None,
        kind: Some(EventType::Completed),
    };
    let r = tail::recent(&app.fns, &completed, 1).await.unwrap();
    assert!(r.lines.is_empty(), "{:?}", r.lines);
    let cut = r.cut.expect("the budget cut the feed");
    assert_eq!(cut.streams, 1);
    let done_at = app.events(&job).await.last().unwrap().ts;
    assert!(cut.since_ms >= done_at);
    // Without a filter every entry matches: no cut.
    let r = tail::recent(&app.fns, &tail::Filter::default(), 3)
        .await
        .unwrap();
    assert_eq!((r.lines.len(), r.cut), (3, None));
}

/// One entry that is not an event leaves the rest of the log readable: the
/// API's page lists it apart with its fields, the event stream skips it,
/// `events tail --job` and `inspect` show it as stored.
#[tokio::test]
async fn a_malformed_entry_leaves_the_rest_of_the_log_readable() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(24).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: JobId = job.parse().unwrap();
    let key = app.fns.store.keys.events(id.shard(), &job);
    let bad = match redis.query(&["XADD", &key, "*", "garbage", "1"]).unwrap() {
        redis::Value::BulkString(b) => String::from_utf8(b).unwrap(),
        other => panic!("{other:?}"),
    };
    app.fns
        .feedback(id, true, "after the bad entry")
        .await
        .unwrap();

    let (status, page) = app.get(&format!("/jobs/{job}/events")).await;
    assert_eq!(status, 200, "{page}");
    let types: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types.first(), Some(&"queued"));
    assert_eq!(types[types.len() - 2..], ["completed", "feedback"]);
    assert_eq!(
        page["malformed"],
        json!([{"id": bad, "field": "seq", "fields": {"garbage": "1"}}])
    );
    assert_eq!(page["next_after"], serde_json::Value::Null);
    // Paged one entry at a time, the bad entry takes its place in the order.
    let mut path = format!("/jobs/{job}/events?limit=1");
    let mut seen = Vec::new();
    loop {
        let (status, p) = app.get(&path).await;
        assert_eq!(status, 200, "{p}");
        seen.push(p["malformed"].as_array().unwrap().len());
        match p["next_after"].as_str() {
            Some(next) => path = format!("/jobs/{job}/events?limit=1&after={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        types.len() + 1,
        "one page per entry, none empty"
    );
    assert_eq!(
        seen[types.len() - 1],
        1,
        "the bad entry is the last but one"
    );

    let resp = app
        .http
        .get(format!("{}/jobs/{job}/events/stream", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let sse = tokio::time::timeout(Duration::from_secs(10), resp.text())
        .await
        .expect("the stream closes after the terminal event")
        .unwrap();
    assert!(sse.contains("event: completed"), "{sse}");

    let filter = tail::Filter {
        job: Some(id),
        kind: None,
    };
    let lines = tail::recent(&app.fns, &filter, 100).await.unwrap().lines;
    assert_eq!(lines.len(), types.len() + 1);
    let shown = tail::render(&lines[types.len() - 1]);
    assert!(shown.contains("is MALFORMED (`seq` missing"), "{shown}");
    assert!(shown.contains("garbage=\"1\""), "{shown}");
    assert_eq!(lines.last().unwrap().kind, Some(EventType::Feedback));
    // A bad entry whose type does not read may be of any type.
    let completed = tail::Filter {
        job: Some(id),
        kind: Some(EventType::Completed),
    };
    let lines = tail::recent(&app.fns, &completed, 100).await.unwrap().lines;
    assert_eq!(lines.len(), 2, "{lines:?}");

    let i = inspect::inspect(&app.fns, id).await.unwrap();
    let text = inspect::render(&i);
    assert!(
        text.contains(&format!(
            "{bad}  MALFORMED (`seq` missing or unreadable): garbage=\"1\""
        )),
        "{text}"
    );
    assert_eq!(i.events.len(), types.len() + 1);
}

#[tokio::test]
async fn inspect_shows_the_keys_and_the_pending_entry_of_a_running_job() {
    let redis = TestRedis::start();
    let (held, calls, gate) = gated();
    let app = spawn_app(&redis, Role::Serve, held, &[]).await;
    let job = app.submit_spec(7).await;
    let id: JobId = job.parse().unwrap();
    first_call(&calls).await;
    let running = inspect::inspect(&app.fns, id).await.unwrap();
    let worker = app.fns.snapshot(id).await.unwrap().unwrap().worker.unwrap();
    assert_eq!(running.work.len(), 1, "{running:?}");
    assert_eq!(running.work[0].consumer.as_deref(), Some(worker.as_str()));
    assert_eq!(running.work[0].deliveries, Some(1));
    let snapshot = &running.keys[0];
    assert_eq!((snapshot.role, snapshot.exists), ("snapshot", true));
    assert!(snapshot.ttl_ms > 0);
    assert_eq!(snapshot.value["status"], json!("running"));
    let text = inspect::render(&running);
    assert!(text.contains(&format!("pending at {worker}")), "{text}");
    assert!(text.contains("started"), "{text}");

    gate.open();
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let done = inspect::inspect(&app.fns, id).await.unwrap();
    assert!(done.work.is_empty());
    let cache = done
        .keys
        .iter()
        .find(|k| k.role.starts_with("cache"))
        .unwrap();
    assert!(cache.exists && cache.ttl_ms > 0);
    let result = cache.value["result"].as_str().unwrap();
    assert!(
        result.starts_with('{') && result.ends_with("characters)"),
        "cut short: {result}"
    );
    assert_eq!(
        done.events.last().unwrap().event().unwrap().kind,
        EventType::Completed
    );
    let source = done
        .keys
        .iter()
        .find(|k| k.role.starts_with("the job and completed event"))
        .unwrap();
    let completed = done.events.last().unwrap().event().unwrap();
    let completed_id = completed.stream_id.clone().unwrap();
    assert_eq!(source.value, json!(format!("{job} {completed_id}")));
}

/// Today's analyser after a rule change: the first finding no longer fires
/// and the score moves up by 5.
struct RuleChanged;

impl Analyzer for RuleChanged {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        let mut report = real_engine().analyze(request, progress)?;
        report.result.findings.remove(0);
        report.result.production_readiness_score += 5;
        Ok(report)
    }
}

#[tokio::test]
async fn reanalyze_compares_the_new_analysis_with_the_recorded_one() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(8).await;
    let done = app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: JobId = job.parse().unwrap();
    let recorded = done.result.unwrap();
    let score = recorded["production_readiness_score"].as_u64().unwrap();
    let findings = recorded["findings"].as_array().unwrap().len();

    let same = reanalyze::reanalyze(&app.fns, real_engine(), id)
        .await
        .unwrap();
    assert_eq!((same.recorded_score, same.new_score), (Some(score), score));
    assert!(same.added.is_empty() && same.removed.is_empty() && same.changed.is_empty());
    assert_eq!(same.unchanged, findings);

    let moved = reanalyze::reanalyze(&app.fns, Arc::new(RuleChanged), id)
        .await
        .unwrap();
    assert_eq!(moved.new_score, score + 5);
    let first_rule = recorded["findings"][0]["rule_id"].as_str().unwrap();
    let removed: Vec<&str> = moved.removed.iter().map(|b| b.rule_id.as_str()).collect();
    assert_eq!(removed, [first_rule]);
    let text = reanalyze::render(&moved);
    assert!(
        text.contains(&format!("recorded {score} → now {} (+5)", score + 5)),
        "{text}"
    );
    assert!(text.contains(&format!("  - {first_rule} ")), "{text}");
    assert_eq!(
        app.fns.snapshot(id).await.unwrap().unwrap().result.unwrap(),
        recorded,
        "read-only"
    );

    let key = app.fns.store.keys.artifact(id.shard(), &done.content_hash);
    redis.query(&["DEL", &key]).unwrap();
    let err = reanalyze::reanalyze(&app.fns, real_engine(), id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no longer retained"), "{err}");
}

/// Malformed log entries (an undecodable Markdown or cache entry, data the
/// fold cannot read) are each reported `corrupt` for their own job; the
/// rest of `rebuild --all` goes on.
#[tokio::test]
async fn rebuild_all_reports_malformed_entries_per_job_and_goes_on() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let mut jobs = Vec::new();
    for n in 0..4 {
        jobs.push(app.submit_spec(40 + n).await.parse::<JobId>().unwrap());
    }
    let malformed: [&[&str]; 3] = [
        &[
            "type",
            "started",
            "attempt",
            "1",
            "data",
            "{}",
            "markdown_json",
            "{not json",
        ],
        &[
            "type",
            "started",
            "attempt",
            "1",
            "data",
            "{}",
            "cache_entry",
            r#"{"result":1,"markdown":{bad}"#,
        ],
        &["type", "failed", "attempt", "0", "data", "5"],
    ];
    for (job, fields) in jobs.iter().zip(malformed) {
        let key = app.fns.store.keys.events(job.shard(), &job.to_string());
        let mut args = vec![
            "XADD",
            key.as_str(),
            "*",
            "seq",
            "2",
            "ts",
            "1",
            "worker",
            "w",
        ];
        args.extend(fields);
        redis.query(&args).unwrap();
    }

    let report = rebuild::rebuild(&app.fns, None, true).await.unwrap();
    assert_eq!((report.jobs, report.consistent, report.corrupt), (4, 1, 3));
    for (job, outcome) in &report.findings {
        let Rebuilt::Corrupt(why) = outcome else {
            panic!("{job}: {outcome:?}")
        };
        assert!(why.starts_with("MALFORMED_EVENT entry="), "{job}: {why}");
    }

    // A log clobbered by a value of another type fails its own call only.
    let (victim, healthy) = (jobs[0], jobs[3]);
    let key = app
        .fns
        .store
        .keys
        .events(victim.shard(), &victim.to_string());
    redis.query(&["DEL", &key]).unwrap();
    redis.query(&["SET", &key, "not a stream"]).unwrap();
    let report = rebuild::rebuild(&app.fns, None, true).await.unwrap();
    assert_eq!((report.jobs, report.failed, report.consistent), (4, 1, 1));
    let failed: Vec<&(String, Rebuilt)> = report
        .findings
        .iter()
        .filter(|(_, o)| matches!(o, Rebuilt::Failed(why) if why.contains("WRONGTYPE")))
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", report.findings);
    assert_eq!(failed[0].0, victim.to_string());
    assert!(
        !report
            .findings
            .iter()
            .any(|(j, _)| *j == healthy.to_string())
    );
}

/// Today's analyser reports the first rule once more, at the mildest
/// severity, ahead of the rest.
struct RuleFiresTwice;

impl Analyzer for RuleFiresTwice {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        let mut report = real_engine().analyze(request, progress)?;
        let mut again = report.result.findings[0].clone();
        again.severity = faultline::analysis::model::Severity::Info;
        report.result.findings.insert(0, again);
        Ok(report)
    }
}

#[tokio::test]
async fn reanalyze_counts_every_finding_of_a_rule_and_keeps_its_worst_severity() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(9).await;
    let recorded = app
        .wait_terminal(&job, Duration::from_secs(20))
        .await
        .result
        .unwrap();
    let first = &recorded["findings"][0];
    let rule = first["rule_id"].as_str().unwrap();
    let of_rule: Vec<&serde_json::Value> = recorded["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect();
    let count = |f: &&serde_json::Value| f["occurrences"].as_u64().unwrap_or(1);
    let then: u64 = of_rule.iter().map(count).sum();

    let r = reanalyze::reanalyze(&app.fns, Arc::new(RuleFiresTwice), job.parse().unwrap())
        .await
        .unwrap();
    assert!(r.added.is_empty() && r.removed.is_empty(), "{r:?}");
    let [(old, new)] = r.changed.as_slice() else {
        panic!("one rule changed expected: {r:?}")
    };
    assert_eq!((old.rule_id.as_str(), new.rule_id.as_str()), (rule, rule));
    assert_eq!(
        (old.occurrences, new.occurrences),
        (then, then + count(&first))
    );
    assert_eq!(new.severity, old.severity, "the worst severity is kept");
}

/// `metadata.spec` can be MAX_CONTENT_SIZE: the replay's steps leave it out
/// (a copy per step made one read cost events × spec: here it is in the
/// `queued` event and the state asked for), and the state at
/// any event still has it, as the fold gave it. In clear and sealed (the
/// metadata is then one encrypted value).
#[tokio::test]
async fn a_replay_carries_a_companion_spec_once_whatever_the_length_of_the_log() {
    replay_carries_the_spec_once(&[]).await;
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    replay_carries_the_spec_once(&[("FAULTLINE_ENCRYPTION_KEY", key)]).await;
}

async fn replay_carries_the_spec_once(env: &[(&str, &str)]) {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), env).await;
    let companion = format!("{}# {}\n", spec(7), "padding ".repeat(4000));
    let (status, job) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": "# Orders\n\nThe API writes orders to Postgres.\n", "content_type": "markdown",
                    "metadata": {"spec": companion, "team": "payments"}}),
        )
        .await;
    assert_eq!(status, 200, "{job}");
    let job = job["job_id"].as_str().unwrap().to_string();
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    for _ in 0..20 {
        let (status, body) = app
            .post_json("/feedback", &json!({"job_id": job, "is_useful": true}))
            .await;
        assert_eq!(status, 202, "{body}");
    }
    let (_, text) = app.get_text(&format!("/jobs/{job}/replay?at=1")).await;
    assert!(
        text.len() < 3 * companion.len(),
        "a replay of {} bytes for a {}-byte spec",
        text.len(),
        companion.len()
    );
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["verdict"]["verdict"], "consistent",
        "{:.300}",
        body["verdict"]
    );
    let steps = body["timeline"].as_array().unwrap();
    assert!(steps.len() >= 26, "{}", steps.len());
    for step in steps {
        assert_eq!(step["state"]["metadata"]["team"], "payments");
        assert!(step["state"]["metadata"].get("spec").is_none());
    }
    assert_eq!(body["state_at"]["metadata"]["spec"], json!(companion));
    assert_eq!(body["state_at"]["status"], "queued");
}
