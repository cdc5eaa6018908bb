//! The job endpoints beyond submission: listing with cursor and status,
//! cancellation over HTTP, feedback, the paged event log.

use std::time::Duration;

use faultline::engine::{JobId, JobStatus};
use faultline::startup::Role;
use serde_json::{Value, json};

use crate::helpers::*;

async fn delete(app: &TestApp, path: &str) -> (u16, Value) {
    let resp = app
        .http
        .delete(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

/// Every job id of `GET /jobs?<query>`, following `next_cursor`.
async fn list_all(app: &TestApp, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/jobs?{query}&cursor={c}"),
            None => format!("/jobs?{query}"),
        };
        let (status, body) = app.get(&path).await;
        assert_eq!(status, 200, "{body}");
        ids.extend(
            body["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["job_id"].as_str().unwrap().to_string()),
        );
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn jobs_are_listed_newest_first_by_cursor_pages_and_by_status() {
    let redis = TestRedis::start();
    // API only: nothing runs, so the jobs stay queued unless cancelled.
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let mut submitted = Vec::new();
    for n in 0..6 {
        submitted.push(app.submit_spec(n).await);
    }
    // A snapshot whose head is longer than the first KB the listing reads
    // (metadata before the result) is listed and filtered all the same.
    let (status, long_head) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": spec(6), "content_type": "openapi-yaml",
                    "metadata": {"spec": spec(7) + &"#".repeat(3000), "team": "t".repeat(1000)}}),
        )
        .await;
    assert_eq!(status, 200, "{long_head}");
    submitted.push(long_head["job_id"].as_str().unwrap().to_string());
    for job in &submitted[1..3] {
        let (status, body) = delete(&app, &format!("/jobs/{job}")).await;
        assert_eq!((status, body["status"].as_str()), (202, Some("cancelled")));
    }
    let newest_first: Vec<String> = submitted.iter().rev().cloned().collect();
    assert_eq!(list_all(&app, "limit=3").await, newest_first);
    assert_eq!(list_all(&app, "limit=500").await, newest_first);
    let cancelled: Vec<String> = submitted[1..3].iter().rev().cloned().collect();
    assert_eq!(list_all(&app, "status=cancelled&limit=1").await, cancelled);
    let queued = list_all(&app, "status=queued&limit=2").await;
    assert_eq!(queued.len(), 5);
    assert!(queued.iter().all(|j| !cancelled.contains(j)));
    assert!(list_all(&app, "status=running").await.is_empty());

    let (_, first) = app.get("/jobs?limit=2").await;
    assert_eq!(first["total"], 7);
    let row = &first["jobs"][0];
    assert_eq!(row["status"], "queued");
    assert_eq!(row["content_type"], "openapi-yaml");
    assert!(row["created_at"].as_str().unwrap().ends_with('Z'));

    for bad in [
        "/jobs?status=sleeping",
        "/jobs?cursor=nonsense",
        "/jobs?cursor=12.a-b",
    ] {
        let (status, problem) = app.get(bad).await;
        assert_eq!(status, 400, "{bad}: {problem}");
        assert!(problem["code"].is_string());
    }
}

#[tokio::test]
async fn a_job_view_carries_its_bookkeeping_fields() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let first = app.submit_spec(1).await;
    app.wait_terminal(&first, Duration::from_secs(20)).await;
    let again = app.submit(&spec(1), "openapi-yaml").await;
    let (status, view) = app
        .get(&format!("/jobs/{}", again["job_id"].as_str().unwrap()))
        .await;
    assert_eq!(status, 200);
    assert_eq!(view["status"], "completed");
    assert_eq!(view["cached"], true);
    assert_eq!(view["content_hash"].as_str().unwrap().len(), 64);
    assert_eq!(view["version"], 1);
    assert_eq!(view["attempt"], 0);
    assert!(view["expires_in"].as_i64().unwrap() > 0);
    let (_, done) = app.get(&format!("/jobs/{first}")).await;
    assert_eq!(
        (done["cached"].as_bool(), done["attempt"].as_u64()),
        (Some(false), Some(1))
    );
    assert!(done["updated_at"].as_str() >= done["created_at"].as_str());
}

#[tokio::test]
async fn delete_cancels_a_running_job_whose_worker_then_writes_no_result() {
    let redis = TestRedis::start();
    let (held, calls, gate) = gated();
    let app = spawn_app(&redis, Role::Serve, held, &[]).await;
    let job = app.submit_spec(3).await;
    first_call(&calls).await;
    let (status, view) = delete(&app, &format!("/jobs/{job}")).await;
    assert_eq!((status, view["status"].as_str()), (202, Some("cancelled")));
    let (status, problem) = delete(&app, &format!("/jobs/{job}")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("JOB_TERMINAL"))
    );
    gate.open();

    // The worker finishes its analysis, is refused, and releases its entry.
    let id: JobId = job.parse().unwrap();
    let work = app.fns.store.keys.work(id.shard());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while pending(&redis, &work) > 0 {
        assert!(std::time::Instant::now() < deadline, "entry never released");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let snap = app.fns.snapshot(id).await.unwrap().unwrap();
    assert_eq!(snap.status, JobStatus::Cancelled);
    assert!(snap.result.is_none());
    let types = kinds(&app.events(&job).await);
    assert_eq!(types.iter().filter(|t| **t == "cancelled").count(), 1);
    assert!(!types.contains(&"completed"), "{types:?}");
    let (status, problem) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("JOB_NOT_COMPLETED"))
    );
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("ended without a result"), "{problem}");

    let unknown = JobId::generate(0);
    assert_eq!(delete(&app, &format!("/jobs/{unknown}")).await.0, 404);
    assert_eq!(delete(&app, "/jobs/nope").await.0, 400);
}

#[tokio::test]
async fn feedback_is_kept_as_an_event_and_the_log_pages_by_entry_id() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(4).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let (status, body) = app
        .post_json(
            "/feedback",
            &json!({"job_id": job, "is_useful": false, "comment": "missed the auth gap"}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body, json!({"job_id": job, "accepted": true}));

    // Page one event at a time and compare with the whole log.
    let (status, whole) = app.get(&format!("/jobs/{job}/events")).await;
    assert_eq!(status, 200);
    assert_eq!(whole["next_after"], Value::Null);
    let whole = whole["events"].as_array().unwrap().clone();
    let mut paged = Vec::new();
    let mut query = "limit=1".to_string();
    loop {
        let (_, page) = app.get(&format!("/jobs/{job}/events?{query}")).await;
        paged.extend(page["events"].as_array().unwrap().iter().cloned());
        match page["next_after"].as_str() {
            Some(next) => query = format!("limit=1&after={next}"),
            None => break,
        }
    }
    assert_eq!(paged, whole);
    let types: Vec<&str> = whole.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"queued"));
    assert_eq!(types.last(), Some(&"feedback"));
    let feedback = whole.last().unwrap();
    assert_eq!(feedback["data"]["is_useful"], false);
    assert_eq!(feedback["data"]["comment"], "missed the auth gap");
    let completed = whole.iter().find(|e| e["type"] == "completed").unwrap();
    assert_eq!(completed["has_result"], true);
    assert!(
        completed.get("result").is_none(),
        "results are not repeated"
    );
    for (i, e) in whole.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert!(e["time"].as_str().unwrap().ends_with('Z'));
    }

    let unknown = JobId::generate(1);
    let cases = [
        (
            json!({"job_id": unknown.to_string(), "is_useful": true}),
            404,
        ),
        (json!({"job_id": "bad id", "is_useful": true}), 400),
        (json!({"job_id": job}), 400),
    ];
    for (body, want) in cases {
        let (status, problem) = app.post_json("/feedback", &body).await;
        assert_eq!(status, want, "{body}: {problem}");
        if status == 404 {
            // Said as every 404 says it, without the engine's refusal code.
            let detail = problem["detail"].as_str().unwrap_or_default();
            assert_eq!(detail, format!("job {unknown} is unknown or has expired"));
        }
    }
    assert_eq!(app.get(&format!("/jobs/{unknown}/events")).await.0, 404);
    assert_eq!(app.get("/jobs/nope/events").await.0, 400);
    let (status, problem) = app
        .get(&format!("/jobs/{job}/events?after=yesterday"))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("INVALID_EVENT_ID"))
    );
}
