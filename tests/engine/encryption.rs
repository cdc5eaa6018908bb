//! Encryption at rest: with `FAULTLINE_ENCRYPTION_KEY` set, no byte of an
//! artifact, its metadata, result, report, error or feedback is readable in
//! Redis (every key of every node is read back), the API answers as before,
//! replay stays consistent, and keys rotate through
//! `FAULTLINE_ENCRYPTION_OLD_KEYS`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use faultline::engine::JobStatus;
use faultline::startup::Role;
use serde_json::{Value, json};

use crate::helpers::*;

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "//////////////////////////////////////////8=";
const WAIT: Duration = Duration::from_secs(30);

/// An OpenAPI spec whose title, paths and descriptions carry `marker`.
fn artifact(marker: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo:\n  title: {marker} Billing API\n  version: '1.0'\n  description: Internal billing for {marker}, token sk_live_{marker}\npaths:\n  /invoices/{marker}:\n    get:\n      summary: Fetch the {marker} invoices\n      responses:\n        '200':\n          description: the invoices of {marker}\n    delete:\n      responses:\n        '204':\n          description: removed\n"
    )
}

/// Everything every master holds, as text: strings, streams, hashes, zsets.
fn dump(redis: &TestRedis) -> String {
    let nodes = if redis.is_cluster() {
        redis.masters()
    } else {
        vec![redis.port]
    };
    let mut out = String::new();
    for node in nodes {
        let mut cursor = "0".to_string();
        loop {
            let reply = redis
                .query_node(node, &["SCAN", &cursor, "COUNT", "1000"])
                .unwrap();
            let (next, keys): (String, Vec<String>) = redis::from_redis_value(reply).unwrap();
            for key in keys {
                let kind: String =
                    redis::from_redis_value(redis.query_node(node, &["TYPE", &key]).unwrap())
                        .unwrap();
                let read: &[&str] = match kind.as_str() {
                    "string" => &["GET", &key],
                    "stream" => &["XRANGE", &key, "-", "+"],
                    "hash" => &["HGETALL", &key],
                    "zset" => &["ZRANGE", &key, "0", "-1", "WITHSCORES"],
                    "set" => &["SMEMBERS", &key],
                    "list" => &["LRANGE", &key, "0", "-1"],
                    other => panic!("unexpected key type {other} of {key}"),
                };
                out.push_str(&key);
                out.push('\n');
                text(&redis.query_node(node, read).unwrap(), &mut out);
            }
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
    }
    out
}

fn text(v: &redis::Value, out: &mut String) {
    use redis::Value as V;
    match v {
        V::BulkString(b) => out.push_str(&String::from_utf8_lossy(b)),
        V::SimpleString(s) => out.push_str(s),
        V::Array(items) | V::Set(items) => items.iter().for_each(|i| text(i, out)),
        V::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            text(k, out);
            text(v, out);
        }),
        other => out.push_str(&format!("{other:?}")),
    }
    out.push('\n');
}

/// No marker and no 24-character run of any plaintext appears in `dump`.
fn assert_nothing_readable(dump: &str, markers: &[&str], plaintexts: &[&str]) {
    for m in markers {
        assert!(!dump.contains(m), "marker {m} readable in Redis");
    }
    for p in plaintexts {
        let chars: Vec<char> = p.chars().collect();
        for w in chars.windows(24) {
            let w: String = w.iter().collect();
            assert!(!dump.contains(&w), "artifact text {w:?} readable in Redis");
        }
    }
}

async fn submit(app: &TestApp, content: &str, metadata: Value) -> Value {
    let (status, body) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": content, "content_type": "openapi-yaml", "metadata": metadata}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn get_text(app: &TestApp, path: &str) -> String {
    let (status, text) = app.get_text(path).await;
    assert_eq!(status, 200);
    text
}

fn faultline(redis: &TestRedis, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
    cmd.args(args)
        .env("REDIS_URL", redis.url())
        .env("SHARDS", "4")
        .env("LOG_LEVEL", "error");
    if let Some(seeds) = redis.seeds() {
        cmd.env("REDIS_CLUSTER_NODES", seeds);
    }
    cmd.envs(env.iter().copied()).output().unwrap()
}

#[tokio::test]
async fn with_a_key_nothing_readable_is_stored_and_the_api_answers_as_before() {
    let redis = TestRedis::start();
    let key = [("FAULTLINE_ENCRYPTION_KEY", KEY_A)];
    let app = spawn_app(&redis, Role::Serve, real_engine(), &key).await;
    let tag = ulid::Ulid::generate().to_string();
    let (content_marker, repo, team, comment) = (
        format!("CONTENTMARK{tag}"),
        format!("REPOMARK{tag}"),
        format!("TEAMMARK{tag}"),
        format!("COMMENTMARK{tag}"),
    );
    let content = artifact(&content_marker);
    let broken = format!("openapi: 3.0.3\ninfo: [BROKENMARK{tag}\n  paths: {{\n");
    let metadata = json!({"repo": repo, "team": team, "riskTolerance": "low"});

    let job = submit(&app, &content, metadata.clone()).await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = app.wait_terminal(&job, WAIT).await;
    assert_eq!(done.status, JobStatus::Completed, "{:?}", done.error);
    let hit = submit(&app, &content, metadata.clone()).await;
    assert_eq!(hit["status"], "completed", "a cache hit: {hit}");
    let hit = hit["job_id"].as_str().unwrap().to_string();
    // A large artifact travels beside the function calls: sealed as well.
    let big = format!(
        "{content}{}",
        format!("# {content_marker} notes\n").repeat(200)
    );
    assert!(big.len() > faultline::engine::INLINE_ARTIFACT);
    let big_job = submit(&app, &big, json!({})).await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let big_done = app.wait_terminal(&big_job, WAIT).await;
    assert_eq!(
        big_done.status,
        JobStatus::Completed,
        "{:?}",
        big_done.error
    );
    let failed = submit(&app, &broken, json!({})).await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.wait_terminal(&failed, WAIT).await.status,
        JobStatus::Failed
    );
    let (status, _) = app
        .post_json(
            "/feedback",
            &json!({"job_id": job, "is_useful": true, "comment": comment}),
        )
        .await;
    assert_eq!(status, 202);

    // Redis: sealed values only.
    let stored = dump(&redis);
    assert!(
        stored.contains(&done.content_hash),
        "the dump read the keys"
    );
    assert!(stored.contains("flenc1:"), "values are envelopes");
    assert_nothing_readable(
        &stored,
        &[
            &content_marker,
            &repo,
            &team,
            &comment,
            &format!("BROKENMARK{tag}"),
        ],
        &[&content, &broken, &big],
    );

    // Each sealed field holds an envelope where the Lua expects its type.
    let raw = |id: &str| {
        let app = &app;
        let id = id.parse().unwrap();
        async move {
            let text = app.fns.snapshot_json(id).await.unwrap().unwrap();
            serde_json::from_str::<Value>(&text).unwrap()
        }
    };
    let sealed = |v: &Value| v.as_str().is_some_and(|s| s.starts_with("flenc1:"));
    let stored_job = raw(&job).await;
    assert!(sealed(&stored_job["metadata"]["enc"]), "{stored_job}");
    assert!(sealed(&stored_job["result"]) && sealed(&stored_job["markdown"]));
    let stored_failed = raw(&failed).await;
    assert!(sealed(&stored_failed["error"]), "{stored_failed}");

    // The API: the same answers as without a key.
    let (status, result) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(status, 200, "{result}");
    let findings = result["result"]["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "{result}");
    assert!(result["result"]["production_readiness_score"].is_u64());
    let markdown = result["markdown"].as_str().unwrap();
    assert!(markdown.contains(&content_marker), "{markdown}");
    let (_, cached) = app.get(&format!("/jobs/{hit}/result")).await;
    assert_eq!(cached["result"], result["result"]);
    let (status, by_hash) = app.get(&format!("/artifacts/{}", done.content_hash)).await;
    assert_eq!(status, 200);
    assert_eq!(
        by_hash,
        json!({"result": result["result"], "markdown": markdown})
    );
    let (_, view) = app.get(&format!("/jobs/{failed}")).await;
    let error = view["error"].as_str().unwrap();
    assert!(
        error.starts_with("invalid artifact") && !error.contains("flenc1"),
        "{error}"
    );

    let (_, page) = app.get(&format!("/jobs/{job}/events")).await;
    let events = page["events"].as_array().unwrap();
    assert_eq!(events[0]["data"]["metadata"]["repo"], repo.as_str());
    assert_eq!(events[0]["data"]["metadata"], done.metadata);
    let last = events.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["data"]["comment"].as_str()),
        (Some("feedback"), Some(comment.as_str()))
    );
    let sse = get_text(&app, &format!("/jobs/{job}/events/stream")).await;
    assert!(sse.contains(&repo) && !sse.contains("flenc1"), "{sse}");
    let (_, failed_events) = app.get(&format!("/jobs/{failed}/events")).await;
    let last = failed_events["events"].as_array().unwrap().last().unwrap();
    assert_eq!(last["data"]["error"].as_str(), Some(error));

    // Replay folds the sealed log and finds the sealed snapshot equal.
    for id in [&job, &hit, &failed] {
        let (status, replay) = app.get(&format!("/jobs/{id}/replay?at=1")).await;
        assert_eq!(status, 200);
        assert_eq!(replay["verdict"]["verdict"], "consistent", "{replay}");
        let out = faultline(&redis, &key, &["replay", id]);
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{out:?}");
        assert!(shown.contains("verdict: the stored snapshot equals the fold of the log"));
    }
    let (_, replay) = app.get(&format!("/jobs/{job}/replay?at=1")).await;
    assert_eq!(replay["state_at"]["metadata"], done.metadata, "{replay}");
    let out = faultline(&redis, &key, &["reanalyze", &job, "--json"]);
    assert!(out.status.success(), "{out:?}");
}

#[tokio::test]
async fn old_keys_read_after_a_rotation_and_a_missing_key_is_a_clear_error() {
    let redis = TestRedis::start();
    let under_a = [("FAULTLINE_ENCRYPTION_KEY", KEY_A)];
    let mut a = spawn_app(&redis, Role::Serve, real_engine(), &under_a).await;
    let old = a.submit_spec(1).await;
    a.wait_terminal(&old, WAIT).await;
    let (_, before) = a.get(&format!("/jobs/{old}/result")).await;
    // A failed job: its snapshot's head holds its error, sealed with A.
    let invalid = a.submit("hello: world\n", "openapi-yaml").await["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        a.wait_terminal(&invalid, WAIT).await.status,
        JobStatus::Failed
    );
    a.stop().await;

    // B with A as an old key: everything reads as before; new values use B.
    let rotated = [
        ("FAULTLINE_ENCRYPTION_KEY", KEY_B),
        ("FAULTLINE_ENCRYPTION_OLD_KEYS", KEY_A),
    ];
    let mut b = spawn_app(&redis, Role::Serve, real_engine(), &rotated).await;
    let (status, after) = b.get(&format!("/jobs/{old}/result")).await;
    assert_eq!((status, &after), (200, &before));
    let new = b.submit_spec(2).await;
    let s = b.wait_terminal(&new, WAIT).await;
    assert_eq!(s.status, JobStatus::Completed);
    b.stop().await;

    // A job queued under A while no worker runs: its artifact is sealed with A.
    let mut api_a = spawn_app(&redis, Role::Api, real_engine(), &under_a).await;
    let stranded = api_a.submit_spec(3).await;
    api_a.stop().await;

    // B alone: data under A is refused with a problem naming the remedy;
    // data under B still reads; a worker cannot read the stranded artifact
    // and fails the job with the same clear error.
    let b_only = spawn_app(
        &redis,
        Role::Serve,
        real_engine(),
        &[("FAULTLINE_ENCRYPTION_KEY", KEY_B), ("MAX_ATTEMPTS", "1")],
    )
    .await;
    let (status, problem) = b_only.get(&format!("/jobs/{old}/result")).await;
    assert_eq!(status, 500, "{problem}");
    assert_eq!(problem["code"], "UNDECRYPTABLE");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("FAULTLINE_ENCRYPTION_OLD_KEYS"), "{detail}");
    let (status, _) = b_only.get(&format!("/jobs/{new}/result")).await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + WAIT;
    let view = loop {
        // The status view reads no sealed metadata, so it answers for any job.
        let (_, view) = b_only.get(&format!("/jobs/{stranded}")).await;
        if view["status"] == "failed" {
            break view;
        }
        assert!(Instant::now() < deadline, "{view}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let error = view["error"].as_str().unwrap();
    assert!(error.contains("FAULTLINE_ENCRYPTION_OLD_KEYS"), "{error}");

    // The listing opens no head (it shows no error), so jobs under the
    // missing key are listed with the others rather than failing the page.
    let (status, page) = b_only.get("/jobs?limit=50").await;
    assert_eq!(status, 200, "{page}");
    let listed: Vec<&str> = page["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    for job in [&old, &invalid, &new, &stranded] {
        assert!(listed.contains(&job.as_str()), "{job} in {listed:?}");
    }
    let (status, _) = b_only.get_text("/ui/runs").await;
    assert_eq!(status, 200);
}

/// Replay's verdict does not depend on the keys (it compares stored
/// values): without the key the CLI still gives it, the values it cannot
/// open left sealed and named; the API, which never shows ciphertext,
/// answers its documented 500 UNDECRYPTABLE.
#[tokio::test]
async fn replay_without_the_key_gives_its_verdict_and_names_what_stayed_sealed() {
    let redis = TestRedis::start();
    let key = [("FAULTLINE_ENCRYPTION_KEY", KEY_A)];
    let mut app = spawn_app(&redis, Role::Serve, real_engine(), &key).await;
    let job = app.submit_spec(7).await;
    app.wait_terminal(&job, WAIT).await;
    let feedback = json!({"job_id": job, "is_useful": true, "comment": "sealed remark"});
    assert_eq!(app.post_json("/feedback", &feedback).await.0, 202);
    app.stop().await;

    let out = faultline(&redis, &[], &["replay", &job]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        shown.contains("verdict: the stored snapshot equals the fold of the log"),
        "{shown}"
    );
    let sealed = shown
        .lines()
        .find(|l| l.starts_with("sealed: "))
        .unwrap_or_else(|| panic!("no sealed note: {shown}"));
    for value in [
        "state.metadata",
        "state.result",
        "state.markdown",
        "data.metadata of event 1",
        "result of event 6",
        "markdown of event 6",
        "data.comment of event 7",
    ] {
        assert!(sealed.contains(value), "{sealed}");
    }
    assert!(sealed.contains("FAULTLINE_ENCRYPTION_KEY"), "{sealed}");
    assert!(!shown.contains("sealed remark"));

    let out = faultline(&redis, &[], &["replay", &job, "--json"]);
    assert!(out.status.success(), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdict"]["verdict"], "consistent");
    assert!(
        doc["sealed"].as_array().is_some_and(|s| s.len() >= 4),
        "{doc}"
    );

    let keyless = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let (status, problem) = keyless.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!((status, &problem["code"]), (500, &json!("UNDECRYPTABLE")));
}

/// Without a key, an artifact that begins like an envelope (`flenc1:`) is
/// plain text: it reaches the analyser as sent, once.
#[tokio::test]
async fn without_a_key_an_artifact_that_looks_sealed_is_analysed_as_sent() {
    let redis = TestRedis::start();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let analyser = std::sync::Arc::new(Recording(seen.clone()));
    let app = spawn_app(&redis, Role::Serve, analyser, &[]).await;

    let small = format!("flenc1:abcd:{}", spec(1));
    let large = format!(
        "flenc1:abcd:{}",
        "# notes\n".repeat(faultline::engine::INLINE_ARTIFACT / 8 + 1)
    );
    assert!(large.len() > faultline::engine::INLINE_ARTIFACT);
    for content in [&small, &large] {
        let job = app.submit(content, "markdown").await["job_id"]
            .as_str()
            .unwrap()
            .to_string();
        let done = app.wait_terminal(&job, WAIT).await;
        assert_eq!(done.status, JobStatus::Completed, "{:?}", done.error);
        assert_eq!(done.attempt, 1);
        assert!(seen.lock().unwrap().contains(content), "analysed as sent");
    }
    assert_eq!(seen.lock().unwrap().len(), 2, "one analyser call each");
}

/// Without a key, a feedback comment that begins like an envelope does not
/// make the job's log unreadable.
#[tokio::test]
async fn without_a_key_a_comment_that_looks_sealed_leaves_the_log_readable() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(2).await;
    app.wait_terminal(&job, WAIT).await;
    let (status, _) = app
        .post_json(
            "/feedback",
            &json!({"job_id": job, "is_useful": false, "comment": "flenc1:x:y"}),
        )
        .await;
    assert_eq!(status, 202);
    let (status, page) = app.get(&format!("/jobs/{job}/events")).await;
    assert_eq!(status, 200, "{page}");
    let events = page["events"].as_array().unwrap();
    let last = events.last().unwrap().clone();
    assert_eq!(
        (last["type"].as_str(), last["data"]["comment"].as_str()),
        (Some("feedback"), Some("flenc1:x:y"))
    );
    // The stream closes at the terminal event: feedback after it is read by
    // resuming there.
    let terminal = events[events.len() - 2]["id"].as_str().unwrap();
    let path = format!("/jobs/{job}/events/stream?after={terminal}");
    let sse = get_text(&app, &path).await;
    assert!(sse.contains("flenc1:x:y"), "{sse}");
    let (status, replay) = app.get(&format!("/jobs/{job}/replay?at=1")).await;
    assert_eq!(status, 200, "{replay}");
}

#[test]
fn an_invalid_key_stops_the_start_with_a_message_naming_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("serve")
        .env("REDIS_URL", "redis://127.0.0.1:1/0")
        .env("PORT", "0")
        .env("FAULTLINE_ENCRYPTION_KEY", "c2hvcnQta2V5")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve started with an invalid FAULTLINE_ENCRYPTION_KEY");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("FAULTLINE_ENCRYPTION_KEY") && err.contains("32"),
        "{err}"
    );
    assert!(!err.contains("c2hvcnQta2V5"), "the key value is not echoed");
}
