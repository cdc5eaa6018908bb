//! Secrets planted in an OpenAPI spec, an architecture description and a
//! design doc, submitted through the real binary (`faultline serve`, its
//! debug log captured to a file): each kind comes back as a masked High
//! finding, and no raw secret is anywhere Faultline wrote: every Redis key
//! (SCAN on every master), the log, `/metrics` and the API's answers. The
//! only keys allowed to hold one are the submitted artifacts
//! (`fl:{s}:artifact:<sha256>`), which keep the content by design.

use std::time::{Duration, Instant};

use faultline::analysis::secrets::mask;
use redis::Value as RValue;
use serde_json::{Value, json};

use crate::helpers::{TestRedis, spawn_binary};

/// A made-up EC key (random base64, not a key).
const PEM: &str = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBq7Zk3y8Qm2Rt6Vb1Nc5Xs9Lp4Wd7Hg0Jf3Kq8Zm5Rt7oAoGCCqGSM49\nAwEHoUQDQgAEx3f9Lq2Wm8Rt5Yn7Vb1Nc4Xs6Lp0Wd2Hg9Jf3Kq8Zm5Rt7Yu1Io5P\n-----END EC PRIVATE KEY-----";

/// (rule, secret) for every planted secret; all made up, vendor shapes only.
const SECRETS: &[(&str, &str)] = &[
    ("FL-SEC-001", PEM),
    ("FL-SEC-002", "AKIA5Q7W2E4R6T8Y0U3I"),
    ("FL-SEC-003", "q8Rv2Lm9Xc7Tb4Nz1Ws6Pk3Yh5Jd0Fg8Ue2Ai7Oo"),
    ("FL-SEC-004", "3f2a9c1b7e4d6a8f0b2c4e6a8c0e2f4a6b8d0f1e"),
    ("FL-SEC-005", "AIzaSyD4f8Gh2Jk5Lm9Np3Qr7St1Uv6Wx0Yz2Ab"),
    ("FL-SEC-006", "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234"),
    (
        "FL-SEC-006",
        "github_pat_11ABCDEFG0aBcDeFgHiJkL_MnOpQrStUvWxYz0123456789",
    ),
    ("FL-SEC-007", "xoxb-2748163950-8817263549-Qm3Rt7Yu1Io5Pa9Sd"),
    ("FL-SEC-008", "sk_live_51H8xKLMn0pQrStUvWxYz"),
    (
        "FL-SEC-009",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZG1pbiJ9.Zk3y8Qm2Rt6Vb1Nc5Xs9Lp4Wd7Hg0Jf3",
    ),
    ("FL-SEC-010", "Tr0ub4dor-x9q"),
    ("FL-SEC-010", "S3arch-Pa55w0rd"),
    ("FL-SEC-011", "Qw3rty-Uiop-77"),
    ("FL-SEC-011", "c1i3nt-s3cr3t-v4lu3"),
];

/// Submitted but never parsed: the job fails, its error must not quote it.
const BROKEN_SECRET: &str = "ghp_Br0k3nD0cT0k3nV4lu3F0rT3st1ngAbCd9876";

fn openapi() -> String {
    format!(
        r#"openapi: 3.0.3
info:
  title: Payments
  version: '1.0'
  description: CI publishes this spec with {ghp}.
servers:
  - url: http://deploy:{url_pw}@api.payments.internal/v1
paths:
  /charges:
    post:
      parameters:
        - name: Authorization
          in: header
          schema: {{type: string}}
          example: Bearer {jwt}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                api_key: {{type: string, default: {stripe}}}
            example:
              aws_access_key_id: {akia}
      responses:
        '201': {{description: created}}
# Outside any example: an assignment inside one is a Low sample (FL-SEC-012).
x-deploy:
  password: "{pw}"
"#,
        ghp = SECRETS[5].1,
        url_pw = SECRETS[10].1,
        jwt = SECRETS[9].1,
        stripe = SECRETS[8].1,
        akia = SECRETS[1].1,
        pw = SECRETS[12].1,
    )
}

fn architecture() -> String {
    format!(
        "# Payments architecture\n\n```mermaid\ngraph LR\n  Web[Web app] --> API[Payments API]\n  API --> DB[(PostgreSQL)]\n  API --> Q[Kafka]\n```\n\nThe API signs webhooks with this key:\n\n```\n{pem}\n```\n\n```yaml\naws:\n  aws_secret_access_key: {aws_secret}\nslack:\n  webhook_token: {slack}\n```\n\nThe exporter's service account:\n\n```json\n{{\"type\": \"service_account\", \"project_id\": \"payments\", \"private_key_id\": \"{gcp}\"}}\n```\n",
        pem = PEM,
        aws_secret = SECRETS[2].1,
        slack = SECRETS[7].1,
        gcp = SECRETS[3].1,
    )
}

fn markdown() -> String {
    format!(
        "# Search design\n\n## Context\n\nSearch indexes the catalogue.\n\n## Configuration\n\n```sh\nGOOGLE_MAPS_KEY={google}\nGITHUB_PAT={pat}\nDATABASE_URL=postgres://search:{url_pw}@db:5432/search\nclient_secret: {secret}\n```\n",
        google = SECRETS[4].1,
        pat = SECRETS[6].1,
        url_pw = SECRETS[11].1,
        secret = SECRETS[13].1,
    )
}

/// What to look for: the secret and, should it have been re-encoded
/// (cjson writes `/` as `\/`), every long alphanumeric run of it.
fn needles() -> Vec<String> {
    let mut out = Vec::new();
    for secret in SECRETS
        .iter()
        .map(|(_, s)| *s)
        .chain(std::iter::once(BROKEN_SECRET))
    {
        let body = if secret.starts_with("-----BEGIN") {
            secret
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            secret.to_string()
        };
        out.push(body.clone());
        out.extend(
            body.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|run| run.len() >= 10)
                .map(str::to_string),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// The needles found in `haystack`.
fn leaks<'n>(haystack: &str, needles: &'n [String]) -> Vec<&'n str> {
    needles
        .iter()
        .filter(|n| haystack.contains(n.as_str()))
        .map(String::as_str)
        .collect()
}

async fn get_text(http: &reqwest::Client, url: &str) -> String {
    let resp = http.get(url).send().await.expect("request");
    assert!(resp.status().is_success(), "{url}: {}", resp.status());
    resp.text().await.expect("body")
}

async fn submit(http: &reqwest::Client, base: &str, content: &str, kind: &str) -> String {
    let body: Value = http
        .post(format!("{base}/artifacts/analyze"))
        .json(&json!({"content": content, "content_type": kind}))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    body["job_id"].as_str().expect("a job id").to_string()
}

async fn wait_terminal(http: &reqwest::Client, base: &str, job: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let resp = http.get(format!("{base}/jobs/{job}")).send().await;
        if let Ok(r) = resp
            && let Ok(v) = r.json::<Value>().await
            && matches!(v["status"].as_str(), Some("completed" | "failed"))
        {
            return v;
        }
        assert!(Instant::now() < deadline, "job {job} not terminal");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One Redis reply as text (bulk strings as UTF-8, lossy).
fn text_of(v: &RValue, out: &mut String) {
    match v {
        RValue::BulkString(b) => out.push_str(&String::from_utf8_lossy(b)),
        RValue::SimpleString(s) => out.push_str(s),
        RValue::Array(items) | RValue::Set(items) => items.iter().for_each(|i| {
            text_of(i, out);
            out.push('\n');
        }),
        RValue::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            text_of(k, out);
            out.push('\n');
            text_of(v, out);
            out.push('\n');
        }),
        other => out.push_str(&format!("{other:?}")),
    }
}

/// Every key on every master with its whole value as text.
fn dump_redis(redis: &TestRedis) -> Vec<(String, String)> {
    let nodes = if redis.is_cluster() {
        redis.masters()
    } else {
        vec![redis.port]
    };
    let mut keys = Vec::new();
    for node in nodes {
        let q = |args: &[&str]| redis.query_node(node, args).expect("redis reply");
        let mut cursor = "0".to_string();
        loop {
            let reply: (String, Vec<String>) =
                redis::from_redis_value(q(&["SCAN", &cursor, "COUNT", "1000"])).expect("scan");
            for key in reply.1 {
                let kind: String = redis::from_redis_value(q(&["TYPE", &key])).expect("type");
                let value = match kind.as_str() {
                    "string" => q(&["GET", &key]),
                    "stream" => q(&["XRANGE", &key, "-", "+"]),
                    "hash" => q(&["HGETALL", &key]),
                    "zset" => q(&["ZRANGE", &key, "0", "-1", "WITHSCORES"]),
                    "set" => q(&["SMEMBERS", &key]),
                    "list" => q(&["LRANGE", &key, "0", "-1"]),
                    other => panic!("{key}: a {other} key the test cannot read"),
                };
                let mut text = String::new();
                text_of(&value, &mut text);
                if kind == "stream" {
                    // The consumer groups and their pending entries too.
                    text_of(&q(&["XINFO", "GROUPS", &key]), &mut text);
                }
                keys.push((key, text));
            }
            cursor = reply.0;
            if cursor == "0" {
                break;
            }
        }
    }
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_secrets_are_reported_masked_and_never_stored_logged_or_served() {
    let redis = TestRedis::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("faultline.log");
    let serve = spawn_binary(&redis, "serve", &[], &log);
    let http = reqwest::Client::new();
    let base = serve.base.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map_or(true, |r| !r.status().is_success())
    {
        assert!(Instant::now() < deadline, "faultline serve not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let artifacts = [
        (openapi(), "openapi-yaml"),
        (architecture(), "architecture"),
        (markdown(), "markdown"),
    ];
    let mut jobs = Vec::new();
    for (content, kind) in &artifacts {
        jobs.push(submit(&http, &base, content, kind).await);
    }
    let broken = format!("{{\"openapi\": \"3.0.3\", \"x-deploy-token\": \"{BROKEN_SECRET}\"");
    let broken_job = submit(&http, &base, &broken, "openapi-json").await;
    let mut served = String::new();
    for job in &jobs {
        let status = wait_terminal(&http, &base, job).await;
        assert_eq!(status["status"], "completed", "{status}");
    }
    let failed = wait_terminal(&http, &base, &broken_job).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    served.push_str(&failed.to_string());
    // The same content again: a cache hit, whose event carries the result.
    let again = submit(&http, &base, &artifacts[2].0, "markdown").await;
    assert_eq!(
        wait_terminal(&http, &base, &again).await["status"],
        "completed"
    );

    // Each kind is a High finding showing the masked secret (a key's header).
    let mut findings = Vec::new();
    for job in &jobs {
        let text = get_text(&http, &format!("{base}/jobs/{job}/result")).await;
        let result: Value = serde_json::from_str(&text).expect("result json");
        findings.extend(
            result["result"]["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        served.push_str(&text);
    }
    for (rule, secret) in SECRETS {
        let evidence = if secret.starts_with("-----BEGIN") {
            "-----BEGIN EC PRIVATE KEY-----".to_string()
        } else {
            mask(secret)
        };
        assert!(
            findings.iter().any(|f| f["rule_id"] == *rule
                && f["severity"] == "High"
                && f["description"].as_str().unwrap_or("").contains(&evidence)),
            "no masked High {rule} finding showing {evidence}"
        );
    }

    // FL-OAS-006 quotes the plain-HTTP server URL: the redactor masked the
    // password inside another rule's text.
    let quoted = format!(
        "http://deploy:{}@api.payments.internal/v1",
        mask(SECRETS[10].1)
    );
    assert!(
        findings.iter().any(|f| f["rule_id"] == "FL-OAS-006"
            && f["description"].as_str().unwrap_or("").contains(&quoted)),
        "FL-OAS-006 should quote the URL with its password masked"
    );

    // Everything else the API serves about these jobs.
    for job in jobs.iter().chain([&broken_job, &again]) {
        for path in [
            format!("/jobs/{job}"),
            format!("/jobs/{job}/events"),
            format!("/jobs/{job}/replay"),
            format!("/ui/jobs/{job}"),
        ] {
            served.push_str(&get_text(&http, &format!("{base}{path}")).await);
        }
    }
    for job in &jobs {
        served.push_str(&get_text(&http, &format!("{base}/ui/jobs/{job}/report.md")).await);
    }
    served.push_str(&get_text(&http, &format!("{base}/jobs?limit=100")).await);
    let metrics = get_text(&http, &format!("{base}/metrics")).await;
    assert!(metrics.contains("faultline_findings_total"));
    drop(serve);

    let needles = needles();
    assert!(
        leaks(&served, &needles).is_empty(),
        "the API served {:?}",
        leaks(&served, &needles)
    );
    assert!(
        leaks(&metrics, &needles).is_empty(),
        "/metrics has {:?}",
        leaks(&metrics, &needles)
    );

    let logged = std::fs::read_to_string(&log).expect("the log");
    for job in &jobs {
        assert!(
            logged.contains(job.as_str()),
            "the log misses job {job}:\n{logged}"
        );
    }
    assert!(logged.contains("DEBUG"), "not a debug log:\n{logged}");
    let in_log = leaks(&logged, &needles);
    assert!(in_log.is_empty(), "the log has {in_log:?}");

    // Redis: only the artifacts may hold the content, and they do.
    let keys = dump_redis(&redis);
    assert!(keys.iter().any(|(k, _)| k.contains(":events:")), "{keys:?}");
    let mut artifacts_seen = 0;
    for (key, value) in &keys {
        let found = leaks(value, &needles);
        if key.contains(":artifact:") {
            artifacts_seen += 1;
            assert!(!found.is_empty(), "{key} should hold a submitted artifact");
        } else {
            assert!(found.is_empty(), "{key} holds {found:?}");
            assert!(
                leaks(key, &needles).is_empty(),
                "a key name holds a secret: {key}"
            );
        }
    }
    assert_eq!(
        artifacts_seen, 4,
        "one artifact key per analysed submission"
    );
}
