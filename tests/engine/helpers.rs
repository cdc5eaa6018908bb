//! Shared test fixtures: a private Redis per test, the app spawned on port 0
//! through the same `App::build` as `main`, HTTP helpers and test analysers.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use faultline::analysis::engine::Engine;
use faultline::analysis::synth::AiConfig;
use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Limits, Report, Stage};
use faultline::config::Settings;
use faultline::engine::{Event, Functions, JobId, Snapshot};
use faultline::startup::{App, Role};
use serde_json::Value;

/// A private `redis-server` on a free loopback port, with AOF on, in a temp
/// dir; killed on drop. `FAULTLINE_TEST_REDIS_BIN` overrides the binary.
pub struct TestRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl TestRedis {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = faultline::store::embedded::free_port().expect("free port");
        let mut redis = TestRedis {
            port,
            dir,
            child: None,
        };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let bin =
            std::env::var("FAULTLINE_TEST_REDIS_BIN").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(bin)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (apt-get install redis-server)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && self.query(&["PING"]).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Runs one command synchronously (for setup and inspection).
    pub fn query(&self, args: &[&str]) -> redis::RedisResult<redis::Value> {
        let client = redis::Client::open(self.url())?;
        let mut conn = client.get_connection()?;
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut conn)
    }

    /// Graceful stop: SHUTDOWN writes the AOF out, then the process exits.
    pub fn stop(&mut self) {
        let _ = self.query(&["SHUTDOWN"]);
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// Starts again on the same port and data dir (the AOF is replayed).
    pub fn start_again(&mut self) {
        self.spawn();
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Settings for a test: port 0, the given Redis, fast timers.
pub fn settings(redis: &TestRedis, overrides: &[(&str, &str)]) -> Settings {
    let mut vars: Vec<(String, String)> = vec![
        ("REDIS_URL".into(), redis.url()),
        ("PORT".into(), "0".into()),
        ("SHARDS".into(), "4".into()),
        ("RETRY_BACKOFF_MS".into(), "50".into()),
        ("RETRY_BACKOFF_MAX_MS".into(), "200".into()),
    ];
    vars.extend(
        overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    Settings::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("valid test settings")
}

/// The real analysis engine, deterministic synthesis.
pub fn real_engine() -> Arc<dyn Analyzer> {
    Arc::new(Engine::new(AiConfig::default(), Limits::default()))
}

/// A running app plus an HTTP client.
pub struct TestApp {
    pub app: Option<App>,
    pub base: String,
    pub http: reqwest::Client,
    pub fns: Functions,
}

pub async fn spawn_app(
    redis: &TestRedis,
    role: Role,
    analyzer: Arc<dyn Analyzer>,
    overrides: &[(&str, &str)],
) -> TestApp {
    let app = App::build(settings(redis, overrides), role, analyzer)
        .await
        .expect("app starts");
    TestApp {
        base: format!("http://127.0.0.1:{}", app.port),
        fns: app.fns.clone(),
        app: Some(app),
        http: reqwest::Client::new(),
    }
}

impl TestApp {
    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("request");
        (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        (
            resp.status().as_u16(),
            resp.json().await.unwrap_or(Value::Null),
        )
    }

    /// Submits `content` and returns the response body.
    pub async fn submit(&self, content: &str, content_type: &str) -> Value {
        let (status, body) = self
            .post_json(
                "/artifacts/analyze",
                &serde_json::json!({"content": content, "content_type": content_type}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Submits `spec(n)` as OpenAPI YAML; returns the job id.
    pub async fn submit_spec(&self, n: usize) -> String {
        self.submit(&spec(n), "openapi-yaml").await["job_id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Submits the specs `first..first + count` at once; returns their job ids.
    pub async fn submit_specs(&self, first: usize, count: usize) -> Vec<String> {
        let specs: Vec<String> = (first..first + count).map(spec).collect();
        futures::future::join_all(specs.iter().map(|s| self.submit(s, "openapi-yaml")))
            .await
            .iter()
            .map(|b| b["job_id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Polls until the job is terminal; panics after `timeout`.
    pub async fn wait_terminal(&self, job: &str, timeout: Duration) -> Snapshot {
        let id: JobId = job.parse().unwrap();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(s)) = self.fns.snapshot(id).await
                && s.status.is_terminal()
            {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "job {job} not terminal after {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The job's whole event log.
    pub async fn events(&self, job: &str) -> Vec<Event> {
        self.fns
            .events(job.parse().unwrap(), "-", 10_000)
            .await
            .expect("events")
    }

    pub async fn stop(&mut self) {
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
    }
}

/// Event types of a log, as strings.
pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

/// A small OpenAPI document; `n` makes it unique.
pub fn spec(n: usize) -> String {
    format!(
        "openapi: 3.0.3\ninfo:\n  title: Test API {n}\n  version: '1.0'\npaths:\n  /users:\n    get:\n      responses:\n        '200':\n          description: ok\n    post:\n      responses:\n        '201':\n          description: created\n"
    )
}

/// Wraps an analyser and counts its calls.
pub struct Counting {
    pub inner: Arc<dyn Analyzer>,
    pub calls: Arc<AtomicUsize>,
    pub delay: Duration,
}

impl Analyzer for Counting {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(self.delay);
        self.inner.analyze(request, progress)
    }
}

pub fn counting(delay: Duration) -> (Arc<dyn Analyzer>, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    (
        Arc::new(Counting {
            inner: real_engine(),
            calls: calls.clone(),
            delay,
        }),
        calls,
    )
}

/// An analyser whose every attempt fails with a retryable error.
pub struct AlwaysFails;

impl Analyzer for AlwaysFails {
    fn analyze(
        &self,
        _: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        progress(Stage::Normalizing);
        Err(AnalysisError::Transient(
            "the model endpoint timed out".into(),
        ))
    }
}

/// Entries of a work stream delivered to a worker and not yet acknowledged.
pub fn pending(redis: &TestRedis, work: &str) -> i64 {
    let summary = redis
        .query(&["XPENDING", work, faultline::engine::migrate::GROUP])
        .unwrap();
    let redis::Value::Array(parts) = summary else {
        panic!("{summary:?}")
    };
    redis::from_redis_value(parts[0].clone()).unwrap()
}
