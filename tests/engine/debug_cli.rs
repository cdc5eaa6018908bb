//! The debugging subcommands as a user runs them: the real binary against
//! the test's Redis, checking output and exit status.

use std::process::Output;
use std::time::Duration;

use faultline::startup::Role;
use serde_json::json;

use crate::helpers::*;

fn faultline(redis: &TestRedis, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .env("REDIS_URL", redis.url())
        .env("SHARDS", "4")
        .env("LOG_LEVEL", "error")
        .output()
        .expect("the faultline binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn replay_rebuild_tail_inspect_and_reanalyze_from_the_command_line() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(11).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;

    let out = faultline(&redis, &["replay", &job, "--at", "2"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("state as of event 2:"), "{text}");
    assert!(text.contains("\"status\": \"running\""), "{text}");
    assert!(text.contains("verdict: the stored snapshot equals the fold of the log"));

    let out = faultline(&redis, &["replay", &job, "--at", "2", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, served) = app.get(&format!("/jobs/{job}/replay?at=2")).await;
    assert_eq!(doc, served);

    let out = faultline(&redis, &["replay", &job, "--at", "99"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("event 99 is out of range"));

    let key = app.fns.store.keys.job(
        job.parse::<faultline::engine::JobId>().unwrap().shard(),
        &job,
    );
    redis
        .query(&[
            "SET",
            &key,
            &json!({"job_id": job, "status": "queued"}).to_string(),
        ])
        .unwrap();
    let out = faultline(&redis, &["replay", &job]);
    assert_eq!(out.status.code(), Some(3), "drift has its own exit status");
    assert!(stdout(&out).contains("verdict: DRIFT"));

    let out = faultline(&redis, &["rebuild", "--all", "--dry-run"]);
    assert!(
        stdout(&out).contains(&format!("{job}  drifted    snapshot")),
        "{}",
        stdout(&out)
    );
    let out = faultline(&redis, &["rebuild", "--job", &job]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("1 job(s): 0 consistent, 1 repaired"),
        "{}",
        stdout(&out)
    );
    assert!(faultline(&redis, &["replay", &job]).status.success());
    let out = faultline(&redis, &["rebuild"]);
    assert!(!out.status.success(), "--job or --all is required");

    let out = faultline(&redis, &["events", "tail", "--type", "completed"]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(&job) && lines[0].contains("completed"));
    let out = faultline(&redis, &["events", "tail", "--type", "finished"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown event type"));

    let out = faultline(&redis, &["inspect", &job]);
    assert!(stdout(&out).contains(&key), "{}", stdout(&out));
    assert!(stdout(&out).contains("stream entries ("));

    let out = faultline(&redis, &["reanalyze", &job]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("0 added, 0 removed, 0 changed"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test]
async fn replay_of_a_corrupt_log_fails_the_command() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(12).await;
    let id: faultline::engine::JobId = job.parse().unwrap();
    let events = app.fns.store.keys.events(id.shard(), &job);
    // queued → completed skips the start: the fold refuses it.
    let event = ["seq", "2", "type", "completed", "ts", "1", "attempt", "3"];
    let mut args = vec!["XADD", events.as_str(), "*"];
    args.extend(event);
    args.extend(["worker", "w", "data", "{}"]);
    redis.query(&args).unwrap();

    let out = faultline(&redis, &["replay", &job]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "a corrupt log has its own exit status"
    );
    assert!(stdout(&out).contains("verdict: CORRUPT log: event 2 refused"));
    let out = faultline(&redis, &["rebuild", "--job", &job, "--dry-run"]);
    assert!(
        stdout(&out).contains(&format!("{job}  corrupt")),
        "{}",
        stdout(&out)
    );
}

/// `replay`'s exit status tells a finding (3: the snapshot disagrees with
/// the log, 4: the log is corrupt or gone) from a replay that could not run
/// (1), and `--help` says so. A snapshot deleted long before its
/// JOB_EXPIRATION is missing (3), not expired (0).
#[tokio::test]
async fn replay_exit_statuses_tell_findings_from_failures() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(13).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id: faultline::engine::JobId = job.parse().unwrap();
    let (snapshot, events) = (
        app.fns.store.keys.job(id.shard(), &job),
        app.fns.store.keys.events(id.shard(), &job),
    );

    let help = stdout(&faultline(&redis, &["replay", "--help"]));
    assert!(help.contains("Exit status:"), "{help}");
    for line in ["  3  the snapshot disagrees", "  4  the log cannot vouch"] {
        assert!(help.contains(line), "{help}");
    }
    let unknown = faultline::engine::JobId::generate(id.shard()).to_string();
    let out = faultline(&redis, &["replay", &unknown]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let out = faultline(&redis, &["replay", &job, "--at", "99"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    redis.query(&["DEL", &snapshot]).unwrap();
    let out = faultline(&redis, &["replay", &job]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(stdout(&out).contains("verdict: the snapshot is MISSING"));
    assert!(stdout(&out).contains(&format!("faultline rebuild --job {job}")));
    let out = faultline(&redis, &["rebuild", "--job", &job, "--dry-run"]);
    assert!(stdout(&out).contains(&format!("{job}  drifted")), "{out:?}");
    assert!(
        faultline(&redis, &["rebuild", "--job", &job])
            .status
            .success()
    );
    assert!(faultline(&redis, &["replay", &job]).status.success());

    redis.query(&["DEL", &events]).unwrap();
    let out = faultline(&redis, &["replay", &job]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(stdout(&out).contains("verdict: the job's LOG is MISSING"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the job's log is missing"));
    let out = faultline(&redis, &["rebuild", "--job", &job, "--dry-run"]);
    assert!(
        stdout(&out).contains("no retained log, but the snapshot is still stored"),
        "{out:?}"
    );
}

/// `events tail --job` and `inspect` of a job Redis knows nothing of say
/// so and fail, instead of printing nothing (or every key absent) and
/// exiting 0; a job whose log is gone but whose snapshot is left says that.
#[tokio::test]
async fn tail_and_inspect_of_an_unknown_job_say_so_and_fail() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let unknown = faultline::engine::JobId::generate(2).to_string();
    for args in [
        vec!["events", "tail", "--job", unknown.as_str()],
        vec!["inspect", unknown.as_str()],
    ] {
        let out = faultline(&redis, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is unknown or has expired"), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}: {out:?}");
    }
    let job = app.submit_spec(14).await;
    let id: faultline::engine::JobId = job.parse().unwrap();
    assert!(
        faultline(&redis, &["events", "tail", "--job", &job])
            .status
            .success()
    );
    assert!(faultline(&redis, &["inspect", &job]).status.success());
    redis
        .query(&["DEL", &app.fns.store.keys.events(id.shard(), &job)])
        .unwrap();
    let out = faultline(&redis, &["events", "tail", "--job", &job]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no retained log"), "{err}");
    assert!(faultline(&redis, &["inspect", &job]).status.success());
}

#[test]
fn offline_analysis_of_an_empty_file_fails_as_the_api_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let analyze = |text: &str| {
        let file = dir.path().join("doc.md");
        std::fs::write(&file, text).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(["analyze", file.to_str().unwrap()])
            .output()
            .expect("the faultline binary runs")
    };
    for empty in ["", " \n\t\n"] {
        let out = analyze(empty);
        assert!(!out.status.success(), "{empty:?} was analysed");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("doc.md is empty"), "{err}");
    }
    let out = analyze("# Design\n\nOne service, one Postgres.\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `faultline acl --aclfile` is a file redis-server loads as it is.
#[test]
fn the_acl_file_output_loads_into_redis_server() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["acl", "--aclfile"])
        .env("FAULTLINE_ACL_PASSWORD", "a-service-password")
        .output()
        .expect("the faultline binary runs");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.lines().all(|l| l.starts_with("user ")), "{text}");
    let file = dir.path().join("users.acl");
    std::fs::write(&file, &text).unwrap();

    let port = faultline::store::embedded::free_port().unwrap();
    let mut server = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .arg("--aclfile")
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server runs");
    // Up to 60 s for the server to come up on a busy machine, unless it
    // exits (it refused the file).
    let users = (0..1200).find_map(|_| {
        std::thread::sleep(Duration::from_millis(50));
        if let Ok(Some(status)) = server.try_wait() {
            panic!("redis-server exited ({status}) with the ACL file");
        }
        let mut conn = redis::Client::open(format!("redis://127.0.0.1:{port}/0"))
            .ok()?
            .get_connection()
            .ok()?;
        redis::cmd("ACL")
            .arg("USERS")
            .query::<Vec<String>>(&mut conn)
            .ok()
    });
    let _ = server.kill();
    let _ = server.wait();
    let users = users.expect("redis-server started with the ACL file");
    assert!(users.contains(&"faultline".to_string()), "{users:?}");
    assert!(users.contains(&"faultline-admin".to_string()), "{users:?}");
}
