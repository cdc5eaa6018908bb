//! Shared test fixtures: a private Redis per test, the app spawned on port 0
//! through the same `App::build` as `main`, HTTP helpers and test analysers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use faultline::analysis::engine::Engine;
use faultline::analysis::synth::AiConfig;
use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Limits, Report, Stage};
use faultline::config::Settings;
use faultline::engine::{Event, Functions, JobId, Lease, Snapshot, Started};
use faultline::startup::{App, Role};
use serde_json::Value;

/// Which Redis the suite runs against: `FAULTLINE_TEST_TOPOLOGY=cluster`
/// gives every test its own 6-node cluster (scripts/redis-cluster.sh)
/// instead of one `redis-server`; the tests are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    Single,
    Cluster,
}

impl Topology {
    pub fn from_env() -> Self {
        match std::env::var("FAULTLINE_TEST_TOPOLOGY").as_deref() {
            Ok("cluster") => Topology::Cluster,
            _ => Topology::Single,
        }
    }
}

/// A private Redis for one test, killed on drop: a `redis-server` on a free
/// loopback port with AOF on in a temp dir (`FAULTLINE_TEST_REDIS_BIN`
/// overrides the binary), or a local cluster of six.
pub struct TestRedis {
    /// The single server's port, or the first cluster node's.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Every node's port when this is a cluster.
    cluster: Option<Vec<u16>>,
}

impl TestRedis {
    /// The topology `FAULTLINE_TEST_TOPOLOGY` asks for.
    pub fn start() -> Self {
        match Topology::from_env() {
            Topology::Single => Self::start_single(),
            Topology::Cluster => Self::start_cluster(),
        }
    }

    pub fn start_single() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = faultline::store::embedded::free_port().expect("free port");
        let mut redis = TestRedis {
            port,
            dir,
            child: None,
            cluster: None,
        };
        redis.spawn();
        redis
    }

    /// Three masters and three replicas, healthy, via the same script CI
    /// and the benchmark use.
    pub fn start_cluster() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/redis-cluster.sh"
            ))
            .arg("start")
            .arg(dir.path())
            .stderr(Stdio::inherit())
            .output()
            .expect("bash runs scripts/redis-cluster.sh");
        assert!(out.status.success(), "the test cluster did not start");
        let ports: Vec<u16> = std::fs::read_to_string(dir.path().join("ports"))
            .expect("the script writes its ports")
            .lines()
            .map(|l| l.trim().parse().expect("a port"))
            .collect();
        TestRedis {
            port: ports[0],
            dir,
            child: None,
            cluster: Some(ports),
        }
    }

    pub fn is_cluster(&self) -> bool {
        self.cluster.is_some()
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

    /// The single server's URL (on a cluster, the first node's).
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// `REDIS_CLUSTER_NODES` for this cluster.
    pub fn seeds(&self) -> Option<String> {
        self.cluster.as_ref().map(|ports| {
            ports
                .iter()
                .map(|p| format!("redis://127.0.0.1:{p}"))
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    /// Runs one command synchronously (for setup and inspection); on a
    /// cluster through the cluster client, so it reaches the key's master.
    pub fn query(&self, args: &[&str]) -> redis::RedisResult<redis::Value> {
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        match &self.cluster {
            None => {
                let client = redis::Client::open(self.url())?;
                cmd.query(&mut client.get_connection()?)
            }
            Some(ports) => {
                let nodes: Vec<String> = ports
                    .iter()
                    .map(|p| format!("redis://127.0.0.1:{p}"))
                    .collect();
                let client = redis::cluster::ClusterClient::new(nodes)?;
                cmd.query(&mut client.get_connection()?)
            }
        }
    }

    /// The string at `key` (panics when there is none).
    pub fn text(&self, key: &str) -> String {
        match self.query(&["GET", key]).unwrap() {
            redis::Value::BulkString(b) => String::from_utf8(b).unwrap(),
            other => panic!("{key}: {other:?}"),
        }
    }

    /// The remaining lifetime of `key` in ms (-1: none, -2: no such key).
    pub fn pttl(&self, key: &str) -> i64 {
        match self.query(&["PTTL", key]).unwrap() {
            redis::Value::Int(ms) => ms,
            other => panic!("{key}: {other:?}"),
        }
    }

    /// Runs one command on the node at `port` (cluster inspection).
    pub fn query_node(&self, port: u16, args: &[&str]) -> redis::RedisResult<redis::Value> {
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut client.get_connection()?)
    }

    /// Graceful stop: SHUTDOWN writes the AOF out, then the process exits.
    pub fn stop(&mut self) {
        assert!(!self.is_cluster(), "stop() is for a single Redis");
        let _ = self.query(&["SHUTDOWN"]);
        if let Some(mut child) = self.child.take() {
            let _ = child.wait();
        }
    }

    /// Starts again on the same port and data dir (the AOF is replayed).
    pub fn start_again(&mut self) {
        assert!(!self.is_cluster(), "start_again() is for a single Redis");
        self.spawn();
    }

    /// The cluster node that is master of `key`'s slot now.
    pub fn master_of(&self, key: &str) -> u16 {
        let slot: i64 = redis::from_redis_value(
            self.query_node(self.port, &["CLUSTER", "KEYSLOT", key])
                .unwrap(),
        )
        .unwrap();
        let ports = self.cluster.as_ref().expect("a cluster");
        for &port in ports {
            let Ok(nodes) = self.query_node(port, &["CLUSTER", "NODES"]) else {
                continue;
            };
            let nodes: String = redis::from_redis_value(nodes).unwrap();
            for line in nodes.lines() {
                let f: Vec<&str> = line.split(' ').collect();
                if !f[2].contains("master") || f[2].contains("fail") {
                    continue;
                }
                let owns = f[8..].iter().any(|range| match range.split_once('-') {
                    Some((a, b)) => {
                        (a.parse().unwrap_or(-1)..=b.parse().unwrap_or(-2)).contains(&slot)
                    }
                    None => range.parse() == Ok(slot),
                });
                if owns {
                    let addr = f[1].split('@').next().unwrap();
                    return addr.rsplit(':').next().unwrap().parse().unwrap();
                }
            }
        }
        panic!("no master owns slot {slot}");
    }

    /// The ports of the nodes that are masters now.
    pub fn masters(&self) -> Vec<u16> {
        let ports = self.cluster.as_ref().expect("a cluster");
        ports
            .iter()
            .copied()
            .filter(|&p| {
                self.query_node(p, &["ROLE"])
                    .ok()
                    .and_then(|v| redis::from_redis_value::<Vec<redis::Value>>(v).ok())
                    .and_then(|r| r.into_iter().next())
                    .and_then(|v| redis::from_redis_value::<String>(v).ok())
                    .as_deref()
                    == Some("master")
            })
            .collect()
    }

    /// SIGKILL of one cluster node (no shutdown, no AOF flush beyond fsync).
    pub fn kill_node(&self, port: u16) {
        let pid = std::fs::read_to_string(self.dir.path().join(format!("{port}/redis.pid")))
            .expect("the node's pid file");
        let status = Command::new("kill")
            .args(["-9", pid.trim()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -9 {pid}");
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if self.cluster.is_some() {
            let _ = Command::new("bash")
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/scripts/redis-cluster.sh"
                ))
                .arg("stop")
                .arg(self.dir.path())
                .status();
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
        // Worker-role apps would all claim the default /metrics port.
        ("METRICS_PORT".into(), "0".into()),
    ];
    if let Some(seeds) = redis.seeds() {
        vars.push(("REDIS_CLUSTER_NODES".into(), seeds));
    }
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

    /// `GET path`: the status and the body as JSON (null when it is not).
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let (status, text) = self.get_text(path).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// `DELETE /jobs/{job}` (cancel): the status.
    pub async fn cancel(&self, job: impl std::fmt::Display) -> u16 {
        let resp = self.http.delete(format!("{}/jobs/{job}", self.base)).send();
        resp.await.unwrap().status().as_u16()
    }

    /// `GET path`: the status and the body as text (pages, metrics, replays).
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        (resp.status().as_u16(), resp.text().await.expect("body"))
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

/// Opens a [`gated`] analyser's gate: every analysis held and every later
/// one go on. Dropping it opens the gate too, so a failed test leaves no
/// worker thread blocked.
pub struct Gate(Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open();
    }
}

struct Gated {
    marker: Option<&'static str>,
    inner: Arc<dyn Analyzer>,
    calls: Arc<AtomicUsize>,
    gate: Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
}

impl Analyzer for Gated {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        if self.marker.is_none_or(|m| request.content.contains(m)) {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let (open, opened) = &*self.gate;
            let held = opened
                .wait_timeout_while(open.lock().unwrap(), Duration::from_secs(60), |open| !*open)
                .unwrap();
            drop(held);
        }
        self.inner.analyze(request, progress)
    }
}

/// The real engine, each analysis counted and then held until the test
/// opens the gate (60 s at most): a test acts while an analysis runs
/// without racing a fixed delay.
pub fn gated() -> (Arc<dyn Analyzer>, Arc<AtomicUsize>, Gate) {
    gated_on(None, real_engine())
}

/// `inner`, with the analyses of content holding `marker` (all, for None)
/// counted and held until the gate opens.
pub fn gated_on(
    marker: Option<&'static str>,
    inner: Arc<dyn Analyzer>,
) -> (Arc<dyn Analyzer>, Arc<AtomicUsize>, Gate) {
    let calls = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
    let analyzer = Gated {
        marker,
        inner,
        calls: calls.clone(),
        gate: gate.clone(),
    };
    (Arc::new(analyzer), calls, Gate(gate))
}

/// Waits until an analyser counting into `calls` has been called (30 s at
/// most).
pub async fn first_call(calls: &AtomicUsize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while calls.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no analysis started in 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
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

/// Records the content of every artifact it is given, then answers as
/// `Quick` does.
pub struct Recording(pub Arc<std::sync::Mutex<Vec<String>>>);

impl Analyzer for Recording {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        self.0.lock().unwrap().push(request.content.to_string());
        Quick.analyze(request, progress)
    }
}

/// An analyser that answers at once with a fixed small report (load tests:
/// the engine's cost, not the analysis).
pub struct Quick;

impl Analyzer for Quick {
    fn analyze(
        &self,
        _: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        use faultline::analysis::model::{AnalysisResult, ArtifactKind};
        progress(Stage::Normalizing);
        Ok(Report {
            result: AnalysisResult {
                production_readiness_score: 72,
                summary: "quick".into(),
                findings: Vec::new(),
                charts: Vec::new(),
                suggested_next_steps: Vec::new(),
                artifact_type: ArtifactKind::Markdown,
                extra: serde_json::Map::new(),
            },
            markdown: "# Report\n".into(),
        })
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

/// Submits spec `n` through `app` (an API-only app, so no worker takes
/// it), reads its entry as worker `w1` and starts it as attempt 1 with the
/// hint `Starting`: the job, its content hash and the attempt's lease.
pub async fn started_spec(app: &TestApp, redis: &TestRedis, n: usize) -> (JobId, String, Lease) {
    let id: JobId = app.submit_spec(n).await.parse().unwrap();
    let (entry, hash) = take_entry(redis, &app.fns.store.keys.work(id.shard()), "w1");
    let started = app.fns.start(id, &hash, &entry, "w1", "Starting").await;
    assert!(
        matches!(started, Ok(Started::Run { attempt: 1, .. })),
        "{started:?}"
    );
    let lease = Lease {
        job: id,
        attempt: 1,
        consumer: "w1".into(),
        entry_id: entry,
    };
    (id, hash, lease)
}

/// Reads one entry of a work stream as `consumer`, like a worker would:
/// (entry id, content hash).
pub fn take_entry(redis: &TestRedis, work_key: &str, consumer: &str) -> (String, String) {
    let reply = redis
        .query(&[
            "XREADGROUP",
            "GROUP",
            faultline::engine::migrate::GROUP,
            consumer,
            "COUNT",
            "1",
            "STREAMS",
            work_key,
            ">",
        ])
        .unwrap();
    let reply: redis::streams::StreamReadReply = redis::from_redis_value(reply).unwrap();
    let entry = &reply.keys[0].ids[0];
    (entry.id.clone(), entry.get::<String>("hash").unwrap())
}

/// A process of the real binary, killed when dropped.
pub struct Binary {
    pub child: Child,
    /// `http://127.0.0.1:<PORT>` (answering only with an API role).
    pub base: String,
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `faultline <role>` on `redis`, with nothing of this process's environment
/// but `PATH` and `env`, logging at debug into `log`.
pub fn spawn_binary(redis: &TestRedis, role: &str, env: &[(&str, &str)], log: &Path) -> Binary {
    let port = faultline::store::embedded::free_port().expect("free port");
    let out = std::fs::File::create(log).expect("log file");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_faultline"));
    cmd.arg(role)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", port.to_string())
        .env("SHARDS", "4")
        .env("METRICS_PORT", "0")
        .env("LOG_LEVEL", "debug")
        .env("RUST_LOG", "debug")
        .envs(env.iter().copied())
        .stdout(out.try_clone().expect("log file"))
        .stderr(out);
    match redis.seeds() {
        Some(seeds) => cmd.env("REDIS_CLUSTER_NODES", seeds),
        None => cmd.env("REDIS_URL", redis.url()),
    };
    Binary {
        child: cmd.spawn().expect("the faultline binary starts"),
        base: format!("http://127.0.0.1:{port}"),
    }
}
