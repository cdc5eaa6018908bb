//! The web UI's server-rendered pages against a real Redis: status codes,
//! content types and what each page must show. (The browser flows are in
//! tests/ui/, run by scripts/test-ui.sh.)

use std::time::Duration;

use faultline::engine::JobStatus;
use faultline::startup::Role;
use serde_json::Value;

use crate::helpers::*;

/// Status, content type and body of a GET.
async fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    let resp = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.text().await.unwrap_or_default())
}

/// Text as maud escapes it in HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The job ids linked from a runs page, in page order.
fn linked_jobs(html: &str) -> Vec<String> {
    html.split("href=\"/ui/jobs/")
        .skip(1)
        .map(|rest| rest[..26].to_string())
        .collect()
}

#[tokio::test]
async fn a_completed_job_page_shows_the_score_breakdown_charts_findings_and_report() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(1).await;
    assert_eq!(
        app.wait_terminal(&job, Duration::from_secs(20))
            .await
            .status,
        JobStatus::Completed
    );
    let (_, result) = app.get(&format!("/jobs/{job}/result")).await;
    let result = &result["result"];

    let (status, ct, html) = fetch(&app, &format!("/ui/jobs/{job}")).await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    let score = result["production_readiness_score"].as_u64().unwrap();
    let band = result["score_breakdown"]["band"]
        .as_str()
        .unwrap()
        .replace('_', "-");
    assert!(
        html.contains(&format!(
            "id=\"score\" class=\"score-value band-{band}\">{score}</span>"
        )),
        "score {score} shown with its band"
    );
    assert!(html.contains("How the score was computed"));
    assert!(html.contains("Sub-scores by category"));
    let charts = result["charts"].as_array().unwrap();
    assert_eq!(html.matches("<svg").count(), charts.len());
    assert!(html.contains(&format!("/ui/jobs/{job}/charts/0.svg")));
    let findings = result["findings"].as_array().unwrap();
    assert!(html.contains(&format!("Findings ({})", findings.len())));
    assert_eq!(html.matches("class=\"finding\"").count(), findings.len());
    let first = &findings[0];
    assert!(html.contains(first["rule_id"].as_str().unwrap()));
    assert!(html.contains("Rationale") && html.contains("Remediation"));
    for step in result["suggested_next_steps"].as_array().unwrap() {
        let step = escape(step.as_str().unwrap());
        assert!(
            html.contains(&format!("<li>{step}</li>")),
            "next step shown: {step}"
        );
    }
    assert!(html.contains("Markdown report"));
    assert!(
        !html.contains("id=\"cache-hit\""),
        "a fresh analysis is no cache hit"
    );
    assert!(
        !html.contains("data-stream"),
        "a finished job is not followed live"
    );

    let (status, ct, svg) = fetch(&app, &format!("/ui/jobs/{job}/charts/0.svg")).await;
    assert_eq!((status, ct.as_str()), (200, "image/svg+xml"));
    assert!(svg.starts_with("<?xml"));
    assert!(svg.contains(&format!(
        "<title id=\"chart-0-title\">{}</title>",
        charts[0]["title"].as_str().unwrap()
    )));
    let (status, _, _) = fetch(&app, &format!("/ui/jobs/{job}/charts/{}.svg", charts.len())).await;
    assert_eq!(status, 404);
    let (status, _, _) = fetch(&app, &format!("/ui/jobs/{job}/charts/zero.svg")).await;
    assert_eq!(status, 404);

    let (status, ct, md) = fetch(&app, &format!("/ui/jobs/{job}/report.md")).await;
    assert_eq!((status, ct.as_str()), (200, "text/markdown; charset=utf-8"));
    let (_, stored) = app.get(&format!("/jobs/{job}/result")).await;
    assert!(md.starts_with(stored["markdown"].as_str().unwrap()));
    assert!(md.contains(&format!("/ui/jobs/{job}/charts/0.svg)")));
    assert!(md.contains("](http://127.0.0.1:"), "absolute links");
    // Behind a TLS-terminating proxy the links keep the client's scheme.
    let proxied = app
        .http
        .get(format!("{}/ui/jobs/{job}/report.md", app.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(proxied.contains("](https://127.0.0.1:"), "{proxied}");

    // The same content again: a cache hit, marked on its page.
    let again = app.submit(&spec(1), "openapi-yaml").await;
    assert_eq!(again["cached"], true);
    let (_, _, html) = fetch(
        &app,
        &format!("/ui/jobs/{}", again["job_id"].as_str().unwrap()),
    )
    .await;
    assert!(html.contains("id=\"cache-hit\""));
    // It links to the analysis its result came from (whose log outlives its
    // snapshot, so the timeline page).
    assert!(
        html.contains(&format!(
            "href=\"/ui/jobs/{job}/timeline\" id=\"cache-source\""
        )),
        "{html}"
    );
}

#[tokio::test]
async fn the_timeline_lists_every_event_with_its_state_and_the_verdict() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(2).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let events = app.events(&job).await;

    let (status, _, html) = fetch(&app, &format!("/ui/jobs/{job}/timeline")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Consistent: the stored snapshot equals the fold of the log."));
    assert!(html.contains(&format!("max=\"{}\"", events.len())));
    assert_eq!(html.matches("class=\"pick\"").count(), events.len());
    for e in &events {
        assert!(html.contains(&format!(
            "aria-label=\"Show the state after #{} {}",
            e.seq,
            e.kind.as_str()
        )));
    }
    assert!(html.contains("attempt 1"), "a lane per attempt");
    // The embedded states are the replay endpoint's, event by event.
    let island = html
        .split("<script type=\"application/json\" id=\"replay-states\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("states island");
    let states: Vec<Value> = serde_json::from_str(island).unwrap();
    assert_eq!(states.len(), events.len());
    for at in [1, events.len()] {
        let (_, replay) = app.get(&format!("/jobs/{job}/replay?at={at}")).await;
        assert_eq!(states[at - 1], replay["state_at"], "state as of event {at}");
    }
    assert_eq!(states[0]["status"], "queued");
    assert_eq!(states[events.len() - 1]["status"], "completed");
}

#[tokio::test]
async fn a_queued_job_is_followed_live_and_a_failed_job_shows_its_error() {
    let redis = TestRedis::start();
    let api = spawn_app(&redis, Role::Api, real_engine(), &[]).await; // no worker: stays queued
    let job = api.submit_spec(3).await;
    let (status, _, html) = fetch(&api, &format!("/ui/jobs/{job}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("data-stream=\"/jobs/{job}/events/stream\"")));
    assert!(html.contains("id=\"job-status\">queued<"));
    assert!(
        html.contains("id=\"cancel-job\""),
        "a running job can be cancelled"
    );
    let (status, _, _) = fetch(&api, &format!("/ui/jobs/{job}/charts/0.svg")).await;
    assert_eq!(status, 404, "no charts before completion");
    let (status, _, _) = fetch(&api, &format!("/ui/jobs/{job}/report.md")).await;
    assert_eq!(status, 404);

    let bad = api
        .submit("openapi: 3.0.3\npaths: [unclosed\n", "openapi-yaml")
        .await;
    let bad = bad["job_id"].as_str().unwrap().to_string();
    let worker = spawn_app(&redis, Role::Worker, real_engine(), &[]).await;
    let snap = worker.wait_terminal(&bad, Duration::from_secs(20)).await;
    assert_eq!(snap.status, JobStatus::Failed);
    let (status, _, html) = fetch(&api, &format!("/ui/jobs/{bad}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Analysis failed"));
    assert!(!html.contains("id=\"cancel-job\""), "a finished job cannot");
    assert!(
        html.contains("id=\"job-error\">invalid artifact: invalid YAML"),
        "{html}"
    );
}

#[tokio::test]
async fn runs_are_newest_first_filtered_and_paged_by_the_api_cursor() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let mut ids = Vec::new();
    for n in 0..30 {
        ids.push(app.submit_spec(100 + n).await);
    }
    let (status, _, html) = fetch(&app, "/ui/runs").await;
    assert_eq!(status, 200);
    let first = linked_jobs(&html);
    let newest: Vec<String> = ids.iter().rev().take(25).cloned().collect();
    assert_eq!(first, newest);
    let older = html
        .split("id=\"older\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older runs")
        .replace("&amp;", "&");
    let (status, _, html) = fetch(&app, &older).await;
    assert_eq!(status, 200);
    let second = linked_jobs(&html);
    assert_eq!(
        second,
        ids.iter().rev().skip(25).cloned().collect::<Vec<_>>()
    );
    assert!(!html.contains("id=\"older\""));

    let (status, _, html) = fetch(&app, "/ui/runs?status=queued").await;
    assert_eq!(status, 200);
    assert_eq!(linked_jobs(&html).len(), 25);
    let (_, _, html) = fetch(&app, "/ui/runs?status=completed").await;
    assert!(linked_jobs(&html).is_empty() && html.contains("No jobs."));
}

#[tokio::test]
async fn the_ui_answers_html_errors_and_leaves_the_api_paths_alone() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let (status, ct, html) = fetch(&app, "/").await;
    assert_eq!((status, ct.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains("id=\"analyse-form\""));
    for label in [
        "for=\"content\"",
        "for=\"file\"",
        "for=\"content-type\"",
        "for=\"repo\"",
        "for=\"team\"",
        "for=\"risk\"",
    ] {
        assert!(html.contains(label), "labelled control {label}");
    }
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, ct, _) = fetch(&app, &css).await;
    assert_eq!((status, ct.as_str()), (200, "text/css; charset=utf-8"));
    assert_eq!(fetch(&app, "/ui/assets/app-0.0.0.js").await.0, 404);

    for (path, want) in [
        ("/ui/jobs/not-a-job", 400),
        ("/ui/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV", 404),
        ("/ui/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/timeline", 404),
        ("/ui/runs?status=bogus", 400),
        ("/ui/runs?cursor=%3Cscript%3E", 400),
    ] {
        let (status, ct, html) = fetch(&app, path).await;
        assert_eq!(
            (status, ct.as_str()),
            (want, "text/html; charset=utf-8"),
            "{path}"
        );
        assert!(html.contains("role=\"alert\""), "{path}");
        assert!(!html.contains("<script>"), "{path}: input is escaped");
    }
    // The API keeps its JSON answers beside the UI.
    let (status, body) = app.get("/jobs").await;
    assert_eq!(status, 200);
    assert!(body["jobs"].is_array());
    let (status, body) = app.get("/jobs/not-a-job").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("INVALID_JOB_ID"))
    );
}

#[tokio::test]
async fn with_locked_reads_pages_are_an_empty_shell_until_the_key_is_sent() {
    const KEY: &str = "ui-test-key-0123456789abcdef";
    let redis = TestRedis::start();
    let overrides = [
        ("FAULTLINE_API_KEYS", KEY),
        ("FAULTLINE_AUTH_READS", "true"),
    ];
    let app = spawn_app(&redis, Role::Api, real_engine(), &overrides).await;
    let job = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .bearer_auth(KEY)
        .json(&serde_json::json!({"content": spec(7), "content_type": "openapi-yaml"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/ui/jobs/{job}");
    for path in ["/", "/ui/runs?status=queued", page.as_str()] {
        let (status, _, html) = fetch(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            html.contains(&format!("id=\"deferred\" data-src=\"{}\"", escape(path))),
            "{path}: {html}"
        );
        assert!(
            !html.contains("<h1>"),
            "{path}: no page content without the key"
        );
    }
    let css = concat!("/ui/assets/app-", env!("CARGO_PKG_VERSION"), ".css");
    let (status, ct, _) = fetch(&app, css).await;
    assert_eq!((status, ct.as_str()), (200, "text/css; charset=utf-8"));
    let (status, _, _) = fetch(&app, &format!("/ui/jobs/{job}/report.md")).await;
    assert_eq!(status, 401, "downloads go through the guard");

    let script_load = app
        .http
        .get(format!("{}{page}", app.base))
        .header("x-faultline-page", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        script_load.status().as_u16(),
        401,
        "the script's own load needs the key"
    );

    let with_key = |key: &'static str| {
        app.http
            .get(format!("{}{page}", app.base))
            .bearer_auth(key)
            .send()
    };
    let resp = with_key(KEY).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"job-status\">queued<") && !html.contains("id=\"deferred\""));
    assert_eq!(
        with_key("wrong-key-0123456789abcdef")
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
}

/// Every answer carries the security headers; the pages' policy allows no
/// inline script or style (and they have none but JSON data), and Swagger
/// UI's allows exactly the inline scripts its page has, by hash.
#[tokio::test]
async fn every_answer_has_the_security_headers_and_pages_fit_their_policy() {
    use base64::Engine as _;
    use sha2::Digest;
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(1).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let pages = [
        "/".to_string(),
        format!("/ui/jobs/{job}"),
        format!("/ui/jobs/{job}/timeline"),
        "/ui/runs".to_string(),
        format!("/ui/jobs/{job}/charts/1.svg"),
    ];
    let others = [
        format!("/jobs/{job}"),
        "/openapi.json".to_string(),
        "/healthz".to_string(),
        "/no-such-route".to_string(),
        "/ui/jobs/not-a-job".to_string(),
    ];
    for path in pages.iter().chain(&others).chain(&["/docs".to_string()]) {
        let resp = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let h = resp.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap().to_string();
        for directive in [
            "default-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        let body = resp.text().await.unwrap();
        if path == "/docs" {
            // Its inline scripts, and only those, by hash; no 'unsafe-inline'
            // for scripts.
            let script_src = csp
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap();
            assert!(!script_src.contains("unsafe"), "{csp}");
            // A script ends at the first `</script` (text in it that
            // looks like an opening tag is script text).
            let mut hashes = 0;
            let mut rest = body.as_str();
            while let Some(open) = rest.find("<script") {
                let text = &rest[open..][rest[open..].find('>').unwrap() + 1..];
                let text = &text[..text.find("</script").unwrap()];
                let digest = sha2::Sha256::digest(text.as_bytes());
                let hash = base64::engine::general_purpose::STANDARD.encode(digest);
                assert!(script_src.contains(&hash), "a script of /docs not allowed");
                hashes += 1;
                rest = &rest[rest.find(text).unwrap() + text.len()..];
            }
            assert_eq!(hashes, 2);
        } else {
            assert!(!csp.contains("unsafe"), "{path}: {csp}");
        }
        if pages.contains(path) {
            assert!(
                !body.contains(" style="),
                "{path}: an inline style attribute"
            );
            for chunk in body.split("<script").skip(1) {
                let tag = &chunk[..chunk.find('>').unwrap()];
                assert!(
                    tag.contains(" src=") || tag.contains("type=\"application/json\""),
                    "{path}: an inline script: <script{tag}>"
                );
            }
        }
    }
    // Refusals in front of everything carry them too.
    let resp = app
        .http
        .get(format!("{}/", app.base))
        .header("host", "rebind.attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 421);
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
}
