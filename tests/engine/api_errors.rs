//! Bad input gets a clear problem+json error with a stable code, never a 500.

use faultline::startup::Role;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn bad_requests_get_problem_json_with_the_right_status() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_CONTENT_SIZE", "1000")],
    )
    .await;
    let cases = [
        (
            json!({"content": "x".repeat(1001), "content_type": "markdown"}),
            413,
            "CONTENT_TOO_LARGE",
        ),
        (
            json!({"content": "   ", "content_type": "markdown"}),
            422,
            "EMPTY_CONTENT",
        ),
        (
            json!({"content": "# doc", "content_type": "pdf"}),
            422,
            "UNKNOWN_CONTENT_TYPE",
        ),
        (
            json!({"content": "\u{0}\u{1}\u{2}binary", "content_type": "markdown"}),
            415,
            "BINARY_CONTENT",
        ),
        (json!({"contentType": "markdown"}), 400, "BAD_REQUEST"),
    ];
    for (body, status, code) in cases {
        let resp = app
            .http
            .post(format!("{}/artifacts/analyze", app.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{body:.80}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], code);
        assert_eq!(problem["status"], status);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    let (status, problem) = app.get("/jobs/not-a-job-id").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("INVALID_JOB_ID"))
    );
    let unknown = faultline::engine::JobId::generate(0);
    let (status, problem) = app.get(&format!("/jobs/{unknown}")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("JOB_NOT_FOUND"))
    );
    let (status, _) = app.get(&format!("/jobs/{unknown}/result")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_result_of_an_unfinished_job_is_a_400() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await; // no worker: stays queued
    let job = app.submit_spec(50).await;
    let (status, problem) = app.get(&format!("/jobs/{job}/result")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("JOB_NOT_COMPLETED"))
    );
    let (status, view) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!((status, view["status"].as_str()), (200, Some("queued")));
    assert!(view["expires_in"].as_i64().unwrap() > 3500);
}
