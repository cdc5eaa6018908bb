//! Access and limits: API keys, rate limits, body limits (chunked too),
//! request ids, CORS, and the spec documenting every error status.

use std::time::Duration;

use faultline::startup::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

const KEY: &str = "test-key-0123456789";
const OTHER_KEY: &str = "other-key-0123456789";

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut req = app.http.request(method, format!("{}{path}", app.base));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    if let Some(body) = body {
        req = req.json(body);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn writes_need_a_valid_key_and_reads_are_configurable() {
    let redis = TestRedis::start();
    let keys = format!("{KEY},{OTHER_KEY}");
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("FAULTLINE_API_KEYS", &keys)],
    )
    .await;
    let body = json!({"content": spec(1), "content_type": "openapi-yaml"});
    use reqwest::Method as M;
    for key in [None, Some("wrong-key-0123456789")] {
        let resp = call(&app, M::POST, "/artifacts/analyze", key, Some(&body)).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()["www-authenticate"], "Bearer");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], "UNAUTHORIZED");
    }
    let resp = call(
        &app,
        M::POST,
        "/artifacts/analyze",
        Some(OTHER_KEY),
        Some(&body),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let job: Value = resp.json().await.unwrap();
    let job = job["job_id"].as_str().unwrap();
    // Reads stay open by default; writes of every kind need the key.
    assert_eq!(
        call(&app, M::GET, &format!("/jobs/{job}"), None, None)
            .await
            .status(),
        200
    );
    let path = format!("/jobs/{job}");
    assert_eq!(call(&app, M::DELETE, &path, None, None).await.status(), 401);
    let feedback = json!({"job_id": job, "is_useful": true});
    let resp = call(&app, M::POST, "/feedback", None, Some(&feedback)).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        call(&app, M::DELETE, &path, Some(KEY), None).await.status(),
        202
    );

    let redis = TestRedis::start();
    let overrides = [
        ("FAULTLINE_API_KEYS", KEY),
        ("FAULTLINE_AUTH_READS", "true"),
    ];
    let app = spawn_app(&redis, Role::Api, real_engine(), &overrides).await;
    assert_eq!(call(&app, M::GET, "/jobs", None, None).await.status(), 401);
    assert_eq!(
        call(&app, M::GET, "/jobs", Some(KEY), None).await.status(),
        200
    );
    for public in ["/healthz", "/readyz", "/openapi.json", "/metrics"] {
        assert_eq!(
            call(&app, M::GET, public, None, None).await.status(),
            200,
            "{public}"
        );
    }
}

/// An API with both keys, reads behind them, and a burst of 3 at 1/s.
async fn keyed_and_rate_limited(redis: &TestRedis) -> TestApp {
    let keys = format!("{KEY},{OTHER_KEY}");
    let overrides = [
        ("FAULTLINE_API_KEYS", keys.as_str()),
        ("FAULTLINE_AUTH_READS", "true"),
        ("RATE_LIMIT_PER_SECOND", "1"),
        ("RATE_LIMIT_BURST", "3"),
    ];
    spawn_app(redis, Role::Api, real_engine(), &overrides).await
}

#[tokio::test]
async fn each_client_has_its_own_rate_limit() {
    let redis = TestRedis::start();
    let app = keyed_and_rate_limited(&redis).await;
    let mut limited = None;
    for _ in 0..10 {
        let resp = call(&app, reqwest::Method::GET, "/jobs", Some(KEY), None).await;
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
        assert_eq!(resp.status(), 200);
    }
    let resp = limited.expect("a burst of 3 at 1/s cannot admit 10 requests at once");
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "RATE_LIMITED");
    // Another key has its own allowance.
    let resp = call(&app, reqwest::Method::GET, "/jobs", Some(OTHER_KEY), None).await;
    assert_eq!(resp.status(), 200);
}

/// A chunked body over the limit is refused while it is still being sent.
#[tokio::test]
async fn an_oversized_chunked_body_is_refused_before_it_ends() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_CONTENT_SIZE", "1000")],
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = "POST /artifacts/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    tcp.write_all(head.as_bytes()).await.unwrap();
    // Far past the limit (2 × 1000 + 64 KiB), and never finished.
    let chunk = vec![b'x'; 32 * 1024];
    for _ in 0..4 {
        tcp.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await
            .unwrap();
        tcp.write_all(&chunk).await.unwrap();
        tcp.write_all(b"\r\n").await.unwrap();
    }
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(30), tcp.read(&mut answer))
        .await
        .expect("answered without the end of the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("CONTENT_TOO_LARGE"), "{answer}");

    // A declared length over the limit is refused from the header alone.
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let get = |id: Option<&'static str>, path: &'static str| {
        let mut req = app.http.get(format!("{}{path}", app.base));
        if let Some(id) = id {
            req = req.header("x-request-id", id);
        }
        req.send()
    };
    let resp = get(Some("trace-42.a:b_c"), "/healthz").await.unwrap();
    assert_eq!(resp.headers()["x-request-id"], "trace-42.a:b_c");
    let resp = get(Some("trace-43"), "/jobs/nope").await.unwrap();
    assert_eq!(
        (resp.status().as_u16(), &resp.headers()["x-request-id"]),
        (400, &"trace-43".parse().unwrap())
    );
    for id in [None, Some("has spaces and\ttabs")] {
        let resp = get(id, "/healthz").await.unwrap();
        let generated = resp.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(generated.len(), 26, "a ULID: {generated}");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_naming_the_allowed_ones() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = faultline::engine::JobId::generate(0);
    let resp = app
        .http
        .put(format!("{}/jobs/{job}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "DELETE, GET, HEAD");
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    // Outside the spec too (pages, metrics, the spec itself).
    for path in ["/metrics", "/openapi.json", "/ui/runs"] {
        let resp = app
            .http
            .post(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{path}");
        assert_eq!(resp.headers()["allow"], "GET, HEAD", "{path}");
    }
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let redis = TestRedis::start();
    let preflight = |app: &TestApp, origin: &str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/artifacts/analyze", app.base),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    // Unset (same-origin only): a foreign origin is refused, not just left
    // without CORS headers. A page can POST a JSON body with no
    // Content-Type and no preflight (`fetch` with `no-cors`, `sendBeacon`):
    // that must create nothing.
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let resp = preflight(&app, "https://evil.example").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    let resp = app
        .http
        .get(format!("{}/jobs", app.base))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(!resp.headers().contains_key("access-control-allow-origin"));
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .header("origin", "https://evil.example")
        .body(r##"{"content": "# csrf probe"}"##)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["vary"], "Origin");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "ORIGIN_NOT_ALLOWED", "{problem}");
    let (_, listed) = app.get("/jobs").await;
    assert_eq!(listed["total"], 0, "{listed}");
    // The server's own page is served (it sends its origin on a POST). An
    // X-Forwarded-Host does not make another origin the server's own: a
    // proxy builds it from the Host a DNS-rebinding page chose.
    let own = app.base.clone();
    for (origin, forwarded, status) in [
        (own.as_str(), None, 200),
        ("https://faultline.example", Some("faultline.example"), 403),
    ] {
        let mut req = app
            .http
            .post(format!("{own}/artifacts/analyze"))
            .header("origin", origin);
        if let Some(host) = forwarded {
            req = req.header("x-forwarded-host", host);
        }
        let resp = req
            .body(format!(
                r##"{{"content": "# Design\n\nServed to {origin}\n"}}"##
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{}", resp.text().await.unwrap());
    }

    let ui = "https://ui.example";
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("CORS_ALLOWED_ORIGINS", ui)],
    )
    .await;
    let resp = preflight(&app, ui).await.unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], ui);
    assert_eq!(resp.headers()["vary"], "Origin");
    let resp = preflight(&app, "https://evil.example").await.unwrap();
    assert!(!resp.headers().contains_key("access-control-allow-origin"));

    // Refusals are problem+json like every other error, with a request id;
    // every answer varies by Origin (a cache must not mix them up).
    let get_jobs = |origin: Option<&str>| {
        let mut req = app.http.get(format!("{}/jobs", app.base));
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.header("x-request-id", "cors-1").send()
    };
    let refused = [
        get_jobs(Some("https://evil.example")).await.unwrap(),
        preflight(&app, "https://evil.example").await.unwrap(),
    ];
    for resp in refused {
        assert_eq!(resp.status(), 403);
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        let id = resp.headers()["x-request-id"].to_str().unwrap();
        assert!(id == "cors-1" || id.len() == 26, "echoed or a ULID: {id}");
        assert_eq!(resp.headers()["vary"], "Origin");
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], "ORIGIN_NOT_ALLOWED", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("https://evil.example")
        );
    }
    let resp = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/jobs", app.base))
        .header("origin", ui)
        .header("access-control-request-method", "PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["code"], "CORS_METHOD_NOT_ALLOWED", "{problem}");
    for origin in [Some(ui), None] {
        let resp = get_jobs(origin).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["vary"], "Origin", "{origin:?}");
        assert_eq!(
            resp.headers().get("access-control-allow-origin").is_some(),
            origin.is_some()
        );
    }

    // The server's own page (the web UI) sends its origin on a POST too:
    // that is no cross-origin request, and is served.
    let own = app.base.clone();
    let resp = app
        .http
        .post(format!("{own}/artifacts/analyze"))
        .header("origin", own.as_str())
        .json(&serde_json::json!({"content": "# Design\n\nOne service.\n"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let resp = app
        .http
        .post(format!("{own}/artifacts/analyze"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"content": "# Design\n\nOne service.\n"}))
        .send()
        .await
        .unwrap();
    assert!(!resp.status().is_success(), "an unlisted origin is refused");
}

#[test]
fn every_operation_documents_its_errors_and_the_key() {
    let spec: Value = serde_json::from_str(&faultline::api::spec_json()).unwrap();
    assert_eq!(
        spec["components"]["securitySchemes"]["ApiKey"]["scheme"],
        "bearer"
    );
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if path == "/healthz" || path == "/readyz" {
                continue;
            }
            for status in [
                "400", "401", "403", "404", "408", "409", "413", "415", "421", "422", "429", "503",
            ] {
                let content = &op["responses"][status]["content"];
                assert!(
                    content.get("application/problem+json").is_some(),
                    "{method} {path} does not document {status}"
                );
            }
            assert!(
                op["security"].to_string().contains("ApiKey"),
                "{method} {path}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 9, "{checked} operations");
}

/// `/readyz` is open and not rate limited, and one check is a score of
/// Redis commands: a flood of probes reuses one answer a second instead.
#[tokio::test]
async fn a_flood_of_readiness_probes_costs_redis_one_check_a_second() {
    let redis = TestRedis::start_single();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    // PING is sent by the readiness check only.
    let pings = || -> u64 {
        let stats: String =
            redis::from_redis_value(redis.query(&["INFO", "commandstats"]).unwrap()).unwrap();
        stats
            .lines()
            .find_map(|l| l.strip_prefix("cmdstat_ping:calls="))
            .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
    };
    let before = pings();
    let began = std::time::Instant::now();
    let answers = futures::future::join_all((0..200).map(|_| app.get("/readyz"))).await;
    let elapsed = began.elapsed();
    assert!(answers.iter().all(|(status, _)| *status == 200));
    let checks = pings() - before;
    assert!(
        checks <= elapsed.as_secs() + 2,
        "{checks} checks for 200 probes in {elapsed:?}"
    );
}

/// Probes and scrapes (often many behind one address) are never throttled,
/// and do not spend the allowance of the API calls from that address.
#[tokio::test]
async fn health_metrics_and_the_spec_are_not_rate_limited() {
    let redis = TestRedis::start();
    let overrides = [("RATE_LIMIT_PER_SECOND", "1"), ("RATE_LIMIT_BURST", "2")];
    let app = spawn_app(&redis, Role::Api, real_engine(), &overrides).await;
    use reqwest::Method as M;
    for _ in 0..10 {
        for public in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
            let status = call(&app, M::GET, public, None, None).await.status();
            assert_eq!(status, 200, "{public}");
        }
    }
    // The same address's allowance is whole, and still enforced.
    assert_eq!(call(&app, M::GET, "/jobs", None, None).await.status(), 200);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(call(&app, M::GET, "/jobs", None, None).await.status());
    }
    assert!(statuses.contains(&reqwest::StatusCode::TOO_MANY_REQUESTS));
}

/// The auth scheme is case-insensitive (RFC 9110 §11.1).
#[tokio::test]
async fn the_bearer_scheme_is_accepted_in_any_case() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("FAULTLINE_API_KEYS", KEY)],
    )
    .await;
    let body = json!({"content": spec(2), "content_type": "openapi-yaml"});
    let post = |authorization: String| {
        app.http
            .post(format!("{}/artifacts/analyze", app.base))
            .header("authorization", authorization)
            .json(&body)
            .send()
    };
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let resp = post(format!("{scheme} {KEY}")).await.unwrap();
        assert_eq!(resp.status(), 200, "{scheme}");
    }
    for refused in [format!("Basic {KEY}"), format!("Bearer{KEY}"), KEY.into()] {
        let resp = post(refused.clone()).await.unwrap();
        assert_eq!(resp.status(), 401, "{refused}");
    }
}

/// Refused keys count against the caller's address: guessing keys is
/// throttled like any other traffic.
#[tokio::test]
async fn failed_key_attempts_are_rate_limited() {
    let redis = TestRedis::start();
    let app = keyed_and_rate_limited(&redis).await;
    let mut statuses = Vec::new();
    for i in 0..10 {
        let guess = format!("guess-{i}-xxxxxxxxxxxxxxxx");
        let resp = call(&app, reqwest::Method::GET, "/jobs", Some(&guess), None).await;
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "a burst of 3 at 1/s cannot refuse 10 guesses one by one: {statuses:?}"
    );
}

/// DNS rebinding: a web page whose name now resolves to a local Faultline
/// is same-origin with it, and its requests carry its own name in `Host`
/// (the `Origin` matches). Such requests are refused before anything else
/// runs; the server's own names and addresses are served.
#[tokio::test]
async fn requests_for_a_host_name_not_allowed_are_refused() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let job = app.submit_spec(1).await;
    let rebound = format!("rebind.attacker.example:{port}");
    let send = |method: reqwest::Method, path: String, host: &str| {
        let mut req = app
            .http
            .request(method.clone(), format!("{}{path}", app.base))
            .header("host", host)
            .header("origin", format!("http://{host}"));
        if method == reqwest::Method::POST {
            req = req.json(&json!({"content": "# Design\n\nOne service.\n"}));
        }
        req.send()
    };
    use reqwest::Method as M;
    let requests = [
        (M::GET, format!("/jobs/{job}")),
        (M::GET, format!("/jobs/{job}/result")),
        (M::POST, "/artifacts/analyze".to_string()),
        (M::DELETE, format!("/jobs/{job}")),
        (M::GET, "/".to_string()),
        (M::GET, format!("/ui/jobs/{job}")),
        (M::GET, "/openapi.json".to_string()),
    ];
    for (method, path) in &requests {
        let resp = send(method.clone(), path.clone(), &rebound).await.unwrap();
        assert_eq!(resp.status(), 421, "{method} {path}");
        assert_eq!(resp.headers()["content-type"], "application/problem+json");
        assert!(resp.headers().contains_key("x-request-id"));
        let problem: Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], "HOST_NOT_ALLOWED", "{problem}");
    }
    let (_, snapshot) = app.get(&format!("/jobs/{job}")).await;
    assert_eq!(snapshot["status"], "queued", "the DELETE did not run");

    // Its own names: loopback addresses, localhost, any case, a final dot.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost.:{port}"),
        format!("[::1]:{port}"),
    ] {
        let resp = send(M::GET, format!("/jobs/{job}"), &host).await.unwrap();
        assert_eq!(resp.status(), 200, "{host}");
    }

    // Bound to every interface (behind a proxy): any name, unless
    // ALLOWED_HOSTS lists them.
    let open = spawn_app(&redis, Role::Api, real_engine(), &[("HOST", "0.0.0.0")]).await;
    let resp = open
        .http
        .get(format!("{}/jobs/{job}", open.base))
        .header("host", "faultline.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let listed = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[
            ("HOST", "0.0.0.0"),
            ("ALLOWED_HOSTS", "faultline.example.com"),
        ],
    )
    .await;
    for (host, status) in [
        ("faultline.example.com", 200),
        ("faultline.example.com:443", 200),
        ("rebind.attacker.example", 421),
    ] {
        let resp = listed
            .http
            .get(format!("{}/jobs/{job}", listed.base))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{host}");
    }
}

/// Sends SIGHUP to a spawned process.
fn hang_up(process: &Binary) {
    let pid = i32::try_from(process.child.id()).expect("a pid");
    // SAFETY: kill(2) with a child's pid and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGHUP) }, 0, "kill -HUP");
}

/// The value of the metric `series` (name and labels) on `base`.
async fn metric(http: &reqwest::Client, base: &str, series: &str) -> String {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("{series} ");
    text.lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {series} in /metrics"))
        .to_string()
}

/// Waits until `check` holds, or fails naming `what` after `within`.
async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    within: Duration,
    mut check: impl FnMut() -> F,
) {
    let deadline = std::time::Instant::now() + within;
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `faultline api` keeps the keys of its keys file current without a
/// restart: on `kill -HUP`, a new key is accepted and a removed one refused;
/// a file with a bad entry, or with no key at all, changes nothing, and the
/// reload gauge says so until a reload applies; a change written without a
/// signal is applied by the next checks. A worker, which has no keys, lives
/// on through a SIGHUP too.
#[tokio::test]
async fn the_api_keys_file_is_reloaded_on_sighup_and_on_change() {
    let redis = TestRedis::start();
    let dir = tempfile::tempdir().unwrap();
    // A key made by `faultline api-key`: the file holds only its hash.
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("api-key")
        .output()
        .unwrap();
    assert!(made.status.success());
    let made = String::from_utf8(made.stdout).unwrap();
    let (new_key, entry) = made.trim().split_once('\n').expect("a key and its entry");
    let keys = dir.path().join("keys");
    std::fs::write(&keys, format!("# ops\n{entry}\n")).unwrap();
    let api = spawn_binary(
        &redis,
        "api",
        &[("FAULTLINE_API_KEYS_FILE", keys.to_str().unwrap())],
        &dir.path().join("api.log"),
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let body = json!({"content": "# Design\n\nOne service.\n", "content_type": "markdown"});
    let status = |key: &str| {
        let req = http
            .post(format!("{}/artifacts/analyze", api.base))
            .bearer_auth(key)
            .json(&body)
            .send();
        async move { req.await.map_or(0, |r| r.status().as_u16()) }
    };
    let counted = |outcome: &'static str, n: &'static str| {
        let series = format!("faultline_api_key_reloads_total{{outcome=\"{outcome}\"}}");
        let (http, base) = (&http, &api.base);
        async move { metric(http, base, &series).await == n }
    };
    let in_force = || {
        metric(
            &http,
            &api.base,
            "faultline_api_keys_last_reload_successful",
        )
    };
    let long = Duration::from_secs(60);
    eventually("faultline api answers", long, || async {
        status(new_key).await == 200
    })
    .await;
    assert_eq!(status(OTHER_KEY).await, 401);
    assert_eq!(status(entry).await, 401, "the entry is no key");

    // The other key in place of the first.
    std::fs::write(&keys, format!("{OTHER_KEY}\n")).unwrap();
    hang_up(&api);
    eventually("the new key is accepted", long, || async {
        status(OTHER_KEY).await == 200
    })
    .await;
    assert_eq!(status(new_key).await, 401, "the removed key is refused");
    eventually("the reload is counted", long, || counted("applied", "1")).await;
    assert_eq!(in_force().await, "1");

    // A bad entry, then no key at all: the keys in force stay.
    std::fs::write(&keys, format!("{KEY}\nshort\n")).unwrap();
    hang_up(&api);
    eventually("the bad file is counted", long, || counted("invalid", "1")).await;
    assert_eq!(in_force().await, "0");
    std::fs::write(&keys, "# emptied\n").unwrap();
    hang_up(&api);
    eventually("the empty file is counted", long, || {
        counted("refused", "1")
    })
    .await;
    assert_eq!(in_force().await, "0");
    assert_eq!(status(OTHER_KEY).await, 200);
    assert_eq!(status(KEY).await, 401);
    let log = std::fs::read_to_string(dir.path().join("api.log")).unwrap();
    assert!(log.contains("line 2: a sha256: entry must be"), "{log}");
    assert!(!log.contains("short"), "a bad entry is never logged");

    // Written without a signal: applied once two checks agree on it.
    std::fs::write(&keys, format!("{KEY}\n")).unwrap();
    eventually("the changed file is applied", long, || async {
        status(KEY).await == 200
    })
    .await;
    assert_eq!(status(OTHER_KEY).await, 401);
    eventually("the reload is counted", long, || counted("applied", "2")).await;
    assert_eq!(in_force().await, "1");

    let worker_log = dir.path().join("worker.log");
    let mut worker = spawn_binary(&redis, "worker", &[], &worker_log);
    eventually("the worker is up", long, || async {
        std::fs::read_to_string(&worker_log).is_ok_and(|l| l.contains("worker started"))
    })
    .await;
    hang_up(&worker);
    eventually("the worker logs the SIGHUP", long, || async {
        std::fs::read_to_string(&worker_log).is_ok_and(|l| l.contains("SIGHUP: nothing to reload"))
    })
    .await;
    assert!(
        worker.child.try_wait().unwrap().is_none(),
        "the worker lives on"
    );
}
