//! Bad input gets a clear problem+json error with a stable code, never a 500.

use faultline::startup::Role;
use serde_json::json;

use crate::helpers::*;

/// A NUL byte past the first 8 KiB, or in the companion spec, is refused
/// like one at the start (the job used to be queued and then fail), and two
/// spellings of the content type that disagree are an error, not a guess.
#[tokio::test]
async fn binary_bytes_anywhere_and_conflicting_content_types_are_refused() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let late_nul = format!("# T\n{}\u{0}tail", "a".repeat(9000));
    let cases = [
        (
            json!({"content": late_nul, "content_type": "markdown"}),
            415,
            "BINARY_CONTENT",
        ),
        (
            json!({"content": "# Design", "metadata": {"spec": "openapi: 3.0.0\u{0}"}}),
            415,
            "BINARY_CONTENT",
        ),
        (
            json!({"content": "# Design", "content_type": "markdown", "contentType": "openapi-json"}),
            422,
            "CONFLICTING_CONTENT_TYPE",
        ),
    ];
    for (body, status, code) in cases {
        let (got, problem) = app.post_json("/artifacts/analyze", &body).await;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{problem}"
        );
    }
    let (_, listed) = app.get("/jobs").await;
    assert_eq!(listed["total"], 0, "nothing was queued: {listed}");
    // The same spelling twice is one content type.
    let (status, job) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": "# Design", "content_type": "markdown", "contentType": "markdown"}),
        )
        .await;
    assert_eq!(status, 200, "{job}");
}

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
            json!({"content": "\u{feff}\n", "content_type": "auto"}),
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
    let detail = problem["detail"].as_str().unwrap();
    assert!(!detail.contains("param0"), "{detail}");
    let unknown = faultline::engine::JobId::generate(0);
    let (status, problem) = app.get(&format!("/jobs/{unknown}")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("JOB_NOT_FOUND"))
    );
    let (status, _) = app.get(&format!("/jobs/{unknown}/result")).await;
    assert_eq!(status, 404);
    for hash in ["zz", &"g".repeat(64)] {
        let (status, problem) = app.get(&format!("/artifacts/{hash}")).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("INVALID_CONTENT_HASH")),
            "{hash}"
        );
    }
}

/// Python's `json.dumps` (what `requests` sends) writes non-ASCII text as
/// `\uXXXX`: a body three times the content's size is still a valid request.
#[tokio::test]
async fn content_under_the_limit_is_accepted_however_its_json_is_escaped() {
    let redis = TestRedis::start();
    let max = 100_000;
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_CONTENT_SIZE", &max.to_string())],
    )
    .await;
    let text = "# Дизайн\n".to_string() + &"Ж".repeat(max / 2 - 10);
    assert!(text.len() <= max);
    let escaped: String = text
        .chars()
        .map(|c| match c {
            '\n' => "\\n".to_string(),
            c if c.is_ascii() => c.to_string(),
            c => format!("\\u{:04x}", c as u32),
        })
        .collect();
    let body = format!(r#"{{"content": "{escaped}", "content_type": "markdown"}}"#);
    assert!(
        body.len() > 2 * max + 64 * 1024,
        "as large as the test means"
    );
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_eq!(status, 200, "{}", resp.text().await.unwrap());
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

    // A submission attached to it is told the job's own remaining time.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, view) = app
        .post_json(
            "/artifacts/analyze",
            &json!({"content": spec(50), "content_type": "openapi-yaml"}),
        )
        .await;
    assert_eq!((status, view["job_id"].as_str()), (200, Some(job.as_str())));
    // A waiting job lives EVENT_RETENTION (a day by default).
    let expires_in = view["expires_in"].as_i64().unwrap();
    assert!((86_390..=86_398).contains(&expires_in), "{expires_in}");
}

/// 26 base32 characters hold 130 bits: an id starting above '7' is out of
/// the ULID range, and must not be read as the job its low 128 bits name.
#[tokio::test]
async fn job_ids_past_the_ulid_range_are_invalid() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(51).await;
    assert_eq!(app.get(&format!("/jobs/{job}")).await.0, 200);
    // The same low 128 bits, with one of the two overflow bits set.
    let first = job.chars().next().unwrap().to_digit(10).unwrap();
    let alias = format!(
        "{}{}",
        char::from_digit(first + 8, 32)
            .unwrap()
            .to_ascii_uppercase(),
        &job[1..]
    );
    for path in ["", "/result", "/events", "/replay"] {
        let (status, problem) = app.get(&format!("/jobs/{alias}{path}")).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("INVALID_JOB_ID")),
            "{alias}{path}"
        );
    }
    let resp = app
        .http
        .delete(format!("{}/jobs/{alias}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

/// A field of the wrong JSON type is a malformed body, not text to analyse.
#[tokio::test]
async fn wrong_typed_fields_are_a_malformed_body() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let refused = [
        json!({"content": 5}),
        json!({"content": true, "content_type": "markdown"}),
        json!({"content": ["# doc"], "content_type": "markdown"}),
        json!({"content": "# doc", "content_type": 5}),
        json!({"content": "# doc", "contentType": false}),
        json!({"content": "# doc", "metadata": {"riskTolerance": 5}}),
        json!({"content": "# doc", "metadata": {"repo": {"name": "x"}}}),
        json!({"content": "# doc", "metadata": {"spec": 1.5}}),
    ];
    for body in refused {
        let resp = app
            .http
            .post(format!("{}/artifacts/analyze", app.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{body}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let problem: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], "BAD_REQUEST", "{body}");
    }
    // A missing or mistyped `content` is named (poem-openapi's own message
    // says only "Expected input type \"string\", found null").
    for (body, says) in [
        (json!({"contentType": "markdown"}), "`content` is missing"),
        (
            json!({"content": 5}),
            "`content` must be a string, not a number",
        ),
        (
            json!({"content": {"a": 1}}),
            "`content` must be a string, not an object",
        ),
    ] {
        let (status, problem) = app.post_json("/artifacts/analyze", &body).await;
        assert_eq!(status, 400, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    // Both spellings of the content type, and null optional fields, still do.
    let accepted = [
        json!({"content": "# a", "content_type": "markdown"}),
        json!({"content": "# b", "contentType": "markdown"}),
        json!({"content": "# c", "content_type": null,
               "metadata": {"repo": "r", "team": null, "riskTolerance": "low", "depth": "deep"}}),
    ];
    for body in accepted {
        let (status, answer) = app.post_json("/artifacts/analyze", &body).await;
        assert_eq!(status, 200, "{body}: {answer}");
    }
    let job = app.submit_spec(52).await;
    let (status, problem) = app
        .post_json(
            "/feedback",
            &json!({"job_id": job, "is_useful": true, "comment": 5}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("BAD_REQUEST"))
    );
}

/// The seed (FastAPI) read a body sent without Content-Type as JSON; its
/// clients keep working. A declared non-JSON type is still refused.
#[tokio::test]
async fn a_json_body_without_a_content_type_is_read_as_json() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let body = r##"{"content": "# Orders\n\nOrders go to Postgres.", "content_type": "markdown"}"##;
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let job: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(job["status"], "queued");
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
}

/// Metadata labels are bounded: the job's log and every replay step carry
/// them, so a long one would be multiplied by every read of the replay.
#[tokio::test]
async fn metadata_labels_longer_than_1024_characters_are_refused() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    for field in ["repo", "team", "riskTolerance", "depth"] {
        for (len, accepted) in [(1024, true), (1025, false)] {
            let resp = app
                .http
                .post(format!("{}/artifacts/analyze", app.base))
                .json(&json!({
                    "content": format!("# {field} {len}\n\nOrders go to Postgres."),
                    "content_type": "markdown",
                    "metadata": {field: "é".repeat(len)},
                }))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body: serde_json::Value = resp.json().await.unwrap();
            if accepted {
                assert_eq!(status, 200, "{field} {len}: {body}");
            } else {
                assert_eq!(status, 400, "{field} {len}: {body}");
                assert_eq!(body["code"], "BAD_REQUEST", "{body}");
                assert!(body["detail"].as_str().unwrap().contains(field), "{body}");
            }
        }
    }
}
