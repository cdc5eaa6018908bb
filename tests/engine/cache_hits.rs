//! Cache hits: a resubmission is born completed from `cache:<hash>`; its
//! event and its snapshot name the `completed` event the entry came from
//! (neither copies the result), and reads of the result find it there.

use std::time::Duration;

use faultline::engine::JobId;
use faultline::startup::Role;
use serde_json::{Value, json};

use crate::helpers::*;

/// Analyses `spec(n)`, then submits it again: (first job, the hit's job).
async fn analysed_then_hit(app: &TestApp, n: usize) -> (String, String) {
    let first = app.submit_spec(n).await;
    app.wait_terminal(&first, Duration::from_secs(20)).await;
    let again = app.submit(&spec(n), "openapi-yaml").await;
    assert_eq!(again["status"], "completed", "{again}");
    assert_eq!(again["cached"], true, "{again}");
    let second = again["job_id"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    (first, second)
}

/// Replay (Rust fold) and rebuild (Lua fold) both find `job` consistent.
async fn assert_consistent(app: &TestApp, job: &str) {
    let (status, replay) = app.get(&format!("/jobs/{job}/replay")).await;
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay["verdict"]["verdict"], "consistent", "{replay}");
    let checked = faultline::audit::rebuild::rebuild(&app.fns, Some(job.parse().unwrap()), true)
        .await
        .unwrap();
    assert_eq!(
        (checked.consistent, checked.findings.len()),
        (1, 0),
        "{checked:?}"
    );
}

/// The key of `job`'s event log.
fn log_key(app: &TestApp, job: &str) -> String {
    let shard = job.parse::<JobId>().unwrap().shard();
    app.fns.store.keys.events(shard, job)
}

fn log_text(redis: &TestRedis, key: &str) -> String {
    format!("{:?}", redis.query(&["XRANGE", key, "-", "+"]).unwrap())
}

#[tokio::test]
async fn a_resubmission_is_answered_from_the_cache_at_once() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let (first, second) = analysed_then_hit(&app, 3).await;
    assert_eq!(kinds(&app.events(&second).await), ["cache_hit"]);
    let (_, a) = app.get(&format!("/jobs/{first}/result")).await;
    let (_, b) = app.get(&format!("/jobs/{second}/result")).await;
    assert_eq!(a["result"], b["result"]);
    assert_eq!(a["markdown"], b["markdown"]);

    // The snapshot is one JSON object of the seed's shape that names the
    // event holding the result instead of copying it.
    let keys = &app.fns.store.keys;
    let shard = second.parse::<JobId>().unwrap().shard();
    let stored = redis.text(&keys.job(shard, &second));
    let snap: Value = serde_json::from_str(&stored).expect("job:<id> is JSON");
    assert_eq!(snap["status"], "completed");
    assert!(
        snap.get("result").is_none() && snap.get("markdown").is_none(),
        "{snap}"
    );
    assert!(
        stored.len() < 1024,
        "a head, not a copy: {} bytes",
        stored.len()
    );
    let hash = snap["content_hash"].as_str().unwrap();

    // The event refers to the first job's `completed` event instead of
    // copying the result into the log again.
    let completed = app.events(&first).await.last().unwrap().clone();
    assert_eq!(completed.kind.as_str(), "completed");
    let completed_id = completed.stream_id.unwrap();
    assert_eq!(
        redis.text(&keys.source(shard, hash)),
        format!("{first} {completed_id}")
    );
    assert_eq!(
        snap["result_source"],
        json!({"job_id": first, "event_id": completed_id})
    );
    let log = log_text(&redis, &keys.events(shard, &second));
    assert!(
        !log.contains("cache_entry") && !log.contains("result"),
        "{log}"
    );
    let (status, page) = app.get(&format!("/jobs/{second}/events")).await;
    assert_eq!(status, 200, "{page}");
    let hit = &page["events"][0];
    assert_eq!(hit["has_result"], true, "{page}");
    assert_eq!(
        hit["source"],
        json!({"job_id": first, "event_id": completed_id})
    );
    // The source log lives at least as long as the hit's own.
    let (source_ttl, own_ttl) = (
        redis.pttl(&keys.events(shard, &first)),
        redis.pttl(&keys.events(shard, &second)),
    );
    assert!(source_ttl >= own_ttl - 1_000, "{source_ttl} < {own_ttl}");
    assert_consistent(&app, &second).await;
}

#[tokio::test]
async fn a_hit_copies_the_entry_into_its_event_when_the_source_log_is_gone() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let first = app.submit_spec(5).await;
    app.wait_terminal(&first, Duration::from_secs(20)).await;
    redis.query(&["DEL", &log_key(&app, &first)]).unwrap();

    let again = app.submit(&spec(5), "openapi-yaml").await;
    assert_eq!(again["cached"], true, "{again}");
    let second = again["job_id"].as_str().unwrap();
    let log = log_text(&redis, &log_key(&app, second));
    assert!(
        log.contains("cache_entry") && !log.contains("source_job"),
        "{log}"
    );
    let (_, page) = app.get(&format!("/jobs/{second}/events")).await;
    assert_eq!(page["events"][0]["has_result"], true, "{page}");
    assert!(page["events"][0].get("source").is_none(), "{page}");
    // The snapshot holds the entry whole after its head.
    let keys = &app.fns.store.keys;
    let shard = second.parse::<JobId>().unwrap().shard();
    let stored = redis.text(&keys.job(shard, second));
    let snap: Value = serde_json::from_str(&stored).expect("job:<id> is JSON");
    assert!(snap.get("result_source").is_none(), "{snap}");
    let entry = redis.text(&keys.cache(shard, snap["content_hash"].as_str().unwrap()));
    assert!(
        stored.ends_with(&entry[1..]),
        "the snapshot ends with the entry"
    );
    let (status, result) = app.get(&format!("/jobs/{second}/result")).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["result"], snap["result"]);
    assert_consistent(&app, second).await;
}

#[tokio::test]
async fn a_hit_whose_source_log_was_deleted_answers_409_for_its_result() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let (first, second) = analysed_then_hit(&app, 6).await;
    redis.query(&["DEL", &log_key(&app, &first)]).unwrap();

    let (status, body) = app.get(&format!("/jobs/{second}/result")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "MISSING_SOURCE", "{body}");
    assert!(body["detail"].as_str().unwrap().contains(&first), "{body}");
    // The job itself still answers, and its own log still folds to its
    // snapshot: only the result is gone.
    let (status, job) = app.get(&format!("/jobs/{second}")).await;
    assert_eq!(
        (status, &job["status"]),
        (200, &json!("completed")),
        "{job}"
    );
    let (status, page) = app.get_text(&format!("/ui/jobs/{second}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"result-gone\""));
    assert_consistent(&app, &second).await;
}

#[tokio::test]
async fn feedback_on_a_hit_keeps_its_source_log_alive_as_long_as_its_own() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let (first, second) = analysed_then_hit(&app, 7).await;
    let source = log_key(&app, &first);
    // As if the source log were about to expire.
    redis.query(&["PEXPIRE", &source, "60000"]).unwrap();

    let (status, body) = app
        .post_json(
            "/feedback",
            &json!({"job_id": second, "is_useful": true, "comment": "same as before"}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let (source_ttl, own_ttl) = (redis.pttl(&source), redis.pttl(&log_key(&app, &second)));
    assert!(
        source_ttl > 60_000 && source_ttl >= own_ttl - 1_000,
        "source {source_ttl} ms, own {own_ttl} ms"
    );
    assert_consistent(&app, &second).await;
}

#[tokio::test]
async fn a_forged_reference_in_a_snapshot_is_a_409_and_rebuild_repairs_it() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let (_, second) = analysed_then_hit(&app, 8).await;
    let keys = &app.fns.store.keys;
    let key = keys.job(second.parse::<JobId>().unwrap().shard(), &second);
    let mut snap: Value = serde_json::from_str(&redis.text(&key)).unwrap();
    // An entry id Redis cannot parse.
    snap["result_source"]["event_id"] = json!("not-an-id");
    redis
        .query(&["SET", &key, &snap.to_string(), "KEEPTTL"])
        .unwrap();

    let (status, body) = app.get(&format!("/jobs/{second}/result")).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "MISSING_SOURCE", "{body}");
    // The log still names the real event: rebuild puts it back.
    let repaired =
        faultline::audit::rebuild::rebuild(&app.fns, Some(second.parse().unwrap()), false)
            .await
            .unwrap();
    assert_eq!(repaired.repaired, 1, "{repaired:?}");
    let (status, body) = app.get(&format!("/jobs/{second}/result")).await;
    assert_eq!(status, 200, "{body}");
    assert_consistent(&app, &second).await;
}

/// The same text read another way (an architecture description instead of
/// a Markdown doc, or checked against a companion spec) is another
/// analysis: it neither hits the first one's cache entry nor attaches to
/// it, and each reading hits its own entry afterwards.
#[tokio::test]
async fn the_same_text_analysed_another_way_is_not_served_the_first_ones_result() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let doc = "# Checkout\n\nThe web app calls the orders service, which writes to one Postgres database.\n";
    let companion = spec(1);
    let readings = [
        json!({"content": doc, "content_type": "markdown"}),
        json!({"content": doc, "content_type": "architecture"}),
        json!({"content": doc, "content_type": "markdown", "metadata": {"spec": companion}}),
    ];
    let mut results = Vec::new();
    let mut hashes = Vec::new();
    for body in &readings {
        let (status, job) = app.post_json("/artifacts/analyze", body).await;
        assert_eq!(status, 200, "{job}");
        assert_eq!(
            job["cached"], false,
            "a new reading must be analysed: {job}"
        );
        let id = job["job_id"].as_str().unwrap().to_string();
        app.wait_terminal(&id, Duration::from_secs(20)).await;
        let (status, result) = app.get(&format!("/jobs/{id}/result")).await;
        assert_eq!(status, 200, "{result}");
        let (_, snapshot) = app.get(&format!("/jobs/{id}")).await;
        hashes.push(snapshot["content_hash"].as_str().unwrap().to_string());
        results.push(result["result"].clone());
    }
    // A Markdown doc read alone keeps the plain SHA-256 of its content.
    assert_eq!(hashes[0], faultline::engine::functions::content_hash(doc));
    assert!(hashes[0] != hashes[1] && hashes[1] != hashes[2] && hashes[0] != hashes[2]);
    assert_eq!(results[0]["artifact_type"], "markdown", "{}", results[0]);
    assert_eq!(
        results[1]["artifact_type"], "architecture",
        "{}",
        results[1]
    );
    assert_ne!(
        results[0], results[2],
        "the companion spec is part of the analysis"
    );

    // Each reading is then a hit of its own entry.
    for (body, expected) in readings.iter().zip(&results) {
        let (_, again) = app.post_json("/artifacts/analyze", body).await;
        assert_eq!(again["cached"], true, "{again}");
        let id = again["job_id"].as_str().unwrap();
        let (_, result) = app.get(&format!("/jobs/{id}/result")).await;
        assert_eq!(&result["result"], expected);
    }
}

/// A blank `metadata.spec` is no spec: it shares the plain content's cache
/// entry, so it must not change the report either (it used to add a note
/// "metadata.spec could not be read" that later clients, who sent no spec,
/// were served from the cache).
#[tokio::test]
async fn a_blank_companion_spec_is_no_spec() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let doc = "# Design\n\n## API\n\nGET /pets\n";
    let (status, first) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": doc, "content_type": "markdown", "metadata": {"spec": "  \n"}}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let id = first["job_id"].as_str().unwrap();
    app.wait_terminal(id, Duration::from_secs(20)).await;
    let (_, blank) = app.get(&format!("/jobs/{id}/result")).await;
    let notes = blank["result"]["notes"].to_string();
    assert!(!notes.contains("metadata.spec"), "{notes}");
    let (_, plain) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": doc, "content_type": "markdown"}),
        )
        .await;
    assert_eq!(plain["cached"], true, "{plain}");
}
