//! Replay equals state, observed from outside: a finished job's log folds to
//! its stored snapshot; a hand-corrupted snapshot is reported field by field;
//! an expired snapshot still leaves the whole story in the log.

use std::time::Duration;

use faultline::engine::functions::Rebuilt;
use faultline::engine::{Hint, JobId};
use faultline::replay::{Verdict, render, replay};
use faultline::startup::Role;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn replay_verifies_the_snapshot_reports_drift_and_survives_expiry() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(80).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id = job.parse().unwrap();

    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::Consistent);
    assert_eq!(r.timeline.len(), 6);
    assert_eq!(
        r.timeline[1].state.as_ref().unwrap().status.as_str(),
        "running"
    );

    let key = app.fns.store.keys.job(id.shard(), &job);
    let mut snap: serde_json::Value =
        serde_json::from_str(&app.fns.snapshot_json(id).await.unwrap().unwrap()).unwrap();
    snap["status"] = json!("failed");
    snap["attempt"] = json!(7);
    redis.query(&["SET", &key, &snap.to_string()]).unwrap();
    let Verdict::Drifted { differences } = replay(&app.fns, id).await.unwrap().verdict else {
        panic!("drift expected")
    };
    let fields: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(fields, ["/attempt", "/status"]);
    assert_eq!(differences[1].stored, json!("failed"));
    assert_eq!(differences[1].folded, json!("completed"));

    // Deleted long before its JOB_EXPIRATION: missing, not expired (as
    // `rebuild` sees it: drifted, which it repairs).
    redis.query(&["DEL", &key]).unwrap();
    let r = replay(&app.fns, id).await.unwrap();
    let updated_at = snap["updated_at"].as_i64().unwrap();
    let expires_at = updated_at + 3600 * 1000;
    assert_eq!(r.verdict, Verdict::SnapshotMissing { expires_at });
    assert!(render(&r, None).contains("verdict: the snapshot is MISSING"));
    let (status, body) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdict"]["verdict"], json!("snapshot_missing"));
    assert_eq!(body["verdict"]["expires_at"], json!(expires_at));
    let rebuilt = app.fns.rebuild(id, None, true).await.unwrap();
    assert_eq!(rebuilt, Rebuilt::Drifted(vec!["snapshot".into()]));
    assert_eq!(last_status(&r), "completed");
    // Once the log says its lifetime is over, the same absence is expiry.
    let events = app.fns.store.keys.events(id.shard(), &job);
    let mut shorter = app.fns.clone();
    shorter.ttls.job_s = 1;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = replay(&shorter, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::SnapshotExpired);
    assert_eq!(
        app.fns.rebuild(id, None, true).await.unwrap(),
        Rebuilt::Drifted(vec!["snapshot".into()])
    );
    assert_eq!(
        shorter.rebuild(id, None, true).await.unwrap(),
        Rebuilt::Expired
    );
    assert_eq!(
        redis.query(&["EXISTS", &events]).unwrap(),
        redis::Value::Int(1)
    );
    assert_eq!(last_status(&r), "completed");
}

/// Replays a running job again and again while its attempt reports progress
/// as fast as it can: the log and the snapshot are read as one unit, so a
/// transition can never land between them and pass for drift.
#[tokio::test]
async fn replay_of_a_job_in_flight_never_reports_drift() {
    const TRANSITIONS: usize = 400;
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let (id, _, lease) = started_spec(&app, &redis, 90).await;
    let fns = app.fns.clone();
    let writer = tokio::spawn(async move {
        for i in 0..TRANSITIONS {
            let hint = Hint::new(format!("step {i}"), i as i64);
            fns.progress(&lease, &[hint]).await.unwrap();
        }
    });
    let mut replays = 0;
    while !writer.is_finished() || replays == 0 {
        let r = replay(&app.fns, id).await.unwrap();
        assert_eq!(r.verdict, Verdict::Consistent, "replay {replays}");
        replays += 1;
    }
    writer.await.unwrap();
    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::Consistent);
    let last = r.timeline.last().unwrap().state.as_ref().unwrap();
    assert_eq!(last.progress_hint, format!("step {}", TRANSITIONS - 1));
}

/// Appends a hand-made event to `job`'s log, bypassing the Lua checks.
fn append(redis: &TestRedis, app: &TestApp, job: JobId, seq: &str, kind: &str, attempt: &str) {
    let key = app.fns.store.keys.events(job.shard(), &job.to_string());
    let fields = ["seq", seq, "type", kind, "ts", "1", "attempt", attempt];
    let mut args = vec!["XADD", &key, "*"];
    args.extend(fields);
    args.extend(["worker", "w", "data", "{}"]);
    redis.query(&args).unwrap();
}

/// A log with an event the fold refuses is corrupt, whatever the events
/// around it: the verdict names the first refused event and compares only
/// the fold before it, like `rebuild` and the Lua fold; nothing after it is
/// folded. A log refused from its first event is corrupt too, not unknown.
#[tokio::test]
async fn a_refused_event_makes_the_log_corrupt_not_consistent() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(91).await;
    let id: JobId = job.parse().unwrap();
    // queued → completed skips the start: refused. The snapshot still equals
    // the fold before it, which made the old verdict "consistent".
    append(&redis, &app, id, "2", "completed", "3");
    append(&redis, &app, id, "3", "cancelled", "0");
    let r = replay(&app.fns, id).await.unwrap();
    let Verdict::Corrupt {
        at,
        refusal,
        differences,
    } = &r.verdict
    else {
        panic!("corrupt expected: {:?}", r.verdict)
    };
    assert_eq!(*at, 2);
    assert!(refusal.starts_with("INVALID_TRANSITION"), "{refusal}");
    assert_eq!(differences, &[]);
    let status = |n: usize| r.state_at(n).unwrap().unwrap().status.as_str();
    assert_eq!(
        (status(2), status(3)),
        ("queued", "queued"),
        "not folded on"
    );
    assert!(r.timeline[2].refusal.is_some());
    let rebuilt = app.fns.rebuild(id, None, true).await.unwrap();
    assert!(matches!(rebuilt, Rebuilt::Corrupt(_)), "{rebuilt:?}");

    let (status, body) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdict"]["verdict"], json!("corrupt"));
    assert_eq!(body["verdict"]["refused_at"], json!(2));
    assert!(render(&r, None).contains("verdict: CORRUPT log: event 2 refused"));

    // No snapshot, and a log whose only event cannot start a job.
    let orphan = JobId::generate(id.shard());
    append(&redis, &app, orphan, "1", "started", "1");
    let r = replay(&app.fns, orphan).await.unwrap();
    assert!(
        matches!(r.verdict, Verdict::Corrupt { at: 1, .. }),
        "{:?}",
        r.verdict
    );
    let (status, body) = app.get(&format!("/jobs/{orphan}/replay")).await;
    assert_eq!(
        (status, &body["verdict"]["verdict"]),
        (200, &json!("corrupt")),
        "{body}"
    );
}

/// An entry that is not an event (a field missing) makes the log corrupt
/// at that entry, like `rebuild` says, instead of failing the replay: the
/// events before it are still shown.
#[tokio::test]
async fn a_malformed_entry_makes_the_log_corrupt_and_the_events_before_it_replay() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(93).await;
    let id: JobId = job.parse().unwrap();
    let key = app.fns.store.keys.events(id.shard(), &job);
    redis
        .query(&["XADD", &key, "*", "seq", "2", "note", "no type"])
        .unwrap();
    let r = replay(&app.fns, id).await.unwrap();
    let Verdict::Corrupt { at, refusal, .. } = &r.verdict else {
        panic!("corrupt expected: {:?}", r.verdict)
    };
    assert_eq!(*at, 2);
    assert!(refusal.starts_with("MALFORMED_EVENT entry="), "{refusal}");
    assert_eq!(r.timeline.len(), 1);
    assert_eq!(r.state_at(1).unwrap().unwrap().status.as_str(), "queued");
    let (status, body) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdict"]["verdict"], json!("corrupt"));
    assert_eq!(body["verdict"]["refused_at"], json!(2));
}

/// A snapshot whose log is gone: the verdict says so (it used to be a
/// drift at the empty JSON pointer), and asking for an event says the log
/// is empty (not "events 1 to 0"), with the documented 422.
#[tokio::test]
async fn an_event_of_an_empty_log_is_out_of_range_and_says_so() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(92).await;
    let id: JobId = job.parse().unwrap();
    let events = app.fns.store.keys.events(id.shard(), &job);
    redis.query(&["DEL", &events]).unwrap();
    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::LogMissing);
    assert!(
        render(&r, None).contains("verdict: the job's LOG is MISSING"),
        "{}",
        render(&r, None)
    );
    let (status, body) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdict"]["verdict"], json!("log_missing"));
    assert_eq!(body["verdict"]["differences"], json!([]));
    let message = r.state_at(1).unwrap_err().to_string();
    assert_eq!(
        message,
        format!("event 1 is out of range: the log of job {job} is empty")
    );
    let (status, body) = app.get(&format!("/jobs/{job}/replay?at=1")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("AT_OUT_OF_RANGE"))
    );
    assert_eq!(body["detail"], json!(message));
}

/// The steps carry no result or Markdown (a replay used to copy the whole
/// result into every step); the state as of any event from the completion
/// on, feedback included, is the final state with its bodies.
#[tokio::test]
async fn steps_leave_the_bodies_out_and_the_settled_state_has_them() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(93).await;
    let done = app.wait_terminal(&job, Duration::from_secs(20)).await;
    for useful in [true, false] {
        let feedback = json!({"job_id": job, "is_useful": useful});
        assert_eq!(app.post_json("/feedback", &feedback).await.0, 202);
    }
    let id: JobId = job.parse().unwrap();
    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::Consistent);
    for step in &r.timeline {
        let state = step.state.as_ref().unwrap();
        assert!(state.result.is_none() && state.markdown.is_none());
    }
    let kinds: Vec<&str> = r.timeline.iter().map(|s| s.event.kind.as_str()).collect();
    let completed = kinds.iter().position(|k| *k == "completed").unwrap() + 1;
    assert_eq!(kinds[completed..], ["feedback", "feedback"]);
    for n in completed..=kinds.len() {
        let state = r.state_at(n).unwrap().unwrap();
        assert_eq!(state.result, done.result, "state as of event {n}");
        assert_eq!(state.markdown, done.markdown, "state as of event {n}");
    }
    let before = r.state_at(completed - 1).unwrap().unwrap();
    assert_eq!((before.status.as_str(), &before.result), ("running", &None));
}

/// The status in the last step of a replay's timeline.
fn last_status(r: &faultline::replay::Replay) -> &str {
    r.timeline
        .last()
        .unwrap()
        .state
        .as_ref()
        .unwrap()
        .status
        .as_str()
}

/// A job that has not ended lives EVENT_RETENTION after its last transition,
/// not JOB_EXPIRATION, for replay and rebuild too: a queued job's snapshot
/// deleted past its JOB_EXPIRATION is missing (and restored for the rest of
/// its EVENT_RETENTION), and expired only once that has passed.
#[tokio::test]
async fn a_waiting_jobs_snapshot_is_judged_by_event_retention() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(81).await;
    let id: JobId = job.parse().unwrap();
    let key = app.fns.store.keys.job(id.shard(), &job);
    let snap: serde_json::Value =
        serde_json::from_str(&app.fns.snapshot_json(id).await.unwrap().unwrap()).unwrap();
    assert_eq!(snap["status"], "queued");
    redis.query(&["DEL", &key]).unwrap();
    // JOB_EXPIRATION (1 s) is over, EVENT_RETENTION (a day) is not.
    let mut short_job = app.fns.clone();
    short_job.ttls.job_s = 1;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expires_at = snap["updated_at"].as_i64().unwrap() + 86_400 * 1000;
    assert_eq!(
        replay(&short_job, id).await.unwrap().verdict,
        Verdict::SnapshotMissing { expires_at }
    );
    let mut short_both = short_job.clone();
    short_both.ttls.events_s = 1;
    assert_eq!(
        replay(&short_both, id).await.unwrap().verdict,
        Verdict::SnapshotExpired
    );
    assert_eq!(
        short_both.rebuild(id, None, true).await.unwrap(),
        Rebuilt::Expired
    );
    assert_eq!(
        short_job.rebuild(id, None, false).await.unwrap(),
        Rebuilt::Repaired(vec!["snapshot".into()])
    );
    let left = redis.pttl(&key);
    assert!(
        left > 86_000_000,
        "restored for its EVENT_RETENTION: {left} ms"
    );
    assert_eq!(
        replay(&short_job, id).await.unwrap().verdict,
        Verdict::Consistent
    );
    // Never past its log, whose lifetime may be shorter than today's
    // EVENT_RETENTION (set before it was raised).
    let events = app.fns.store.keys.events(id.shard(), &job);
    redis.query(&["DEL", &key]).unwrap();
    redis.query(&["PEXPIRE", &events, "600000"]).unwrap();
    assert_eq!(
        short_job.rebuild(id, None, false).await.unwrap(),
        Rebuilt::Repaired(vec!["snapshot".into()])
    );
    // Absolute expiries: two PTTLs read a millisecond apart could differ.
    let expiry = |key: &str| match redis.query(&["PEXPIRETIME", key]).unwrap() {
        redis::Value::Int(ms) if ms > 0 => ms,
        other => panic!("{key} has no expiry: {other:?}"),
    };
    let (snapshot_at, log_at) = (expiry(&key), expiry(&events));
    assert!(
        snapshot_at <= log_at,
        "the snapshot expires at {snapshot_at}, {} ms after its log",
        snapshot_at - log_at
    );
}
