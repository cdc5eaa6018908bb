//! End-to-end engine benchmark: the real engine, a real Redis, the same
//! workload as the BullMQ peer harness (`../shared/anchors/bullmq/`).
//!
//!     cargo bench --bench engine -- [--n 20000] [--redis-url URL]
//!         [--producers 50] [--concurrency 50] [--batch 1000 | --single]
//!         [--shards S] [--worker-batch B] [--env NAME=VALUE]... [--idle-ms 2000]
//!         [--tag T] [--json FILE] [--profile]
//!
//! Producers submit N unique ~100-byte artifacts through `Functions::submit`
//! (`--batch B`: B submissions in flight at a time, batches awaited in turn,
//! like BullMQ's `addBulk`; `--single`: `--producers` concurrent loops of one
//! submission each, like one HTTP request per job). A real `Worker`, built by
//! `App::build(settings, Role::Worker, …)` exactly as `faultline worker` does,
//! runs them with an analyser that reports the three stages and returns a
//! ~200-byte result. Without `--redis-url` a private `redis-server` (AOF off,
//! no RDB) is started on a free port and stopped at the end; only that one is
//! FLUSHALLed. See `bench/README.md` for what each figure means and how round
//! trips are told apart from commands run inside the functions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use faultline::analysis::model::{AnalysisResult, ArtifactKind, Report};
use faultline::analysis::{AnalysisError, AnalysisRequest, Analyzer, Stage};
use faultline::config::Settings;
use faultline::engine::{Functions, JobId, Submission, Submitted};
use faultline::startup::{self, App, Role};
use redis::aio::MultiplexedConnection;

// ---------------------------------------------------------------- options

#[derive(Debug, Clone)]
struct Opts {
    n: usize,
    redis_url: Option<String>,
    producers: usize,
    concurrency: usize,
    /// `None`: single submissions from `producers` loops.
    batch: Option<usize>,
    shards: Option<u16>,
    worker_batch: Option<usize>,
    env: Vec<(String, String)>,
    idle_ms: u64,
    tag: String,
    json: Option<String>,
    timeout_s: u64,
    /// Per-call timings from SLOWLOG (private Redis only; adds overhead).
    profile: bool,
}

const USAGE: &str = "usage: cargo bench --bench engine -- [--n 20000] [--redis-url URL] \
[--producers 50] [--concurrency 50] [--batch 1000 | --single] [--shards S] [--worker-batch B] \
[--env NAME=VALUE]... [--idle-ms 2000] [--timeout-s 600] [--tag T] [--json FILE] [--profile]";

fn parse_opts() -> anyhow::Result<Opts> {
    let mut o = Opts {
        n: 20_000,
        redis_url: None,
        producers: 50,
        concurrency: 50,
        batch: Some(1000),
        shards: None,
        worker_batch: None,
        env: Vec::new(),
        idle_ms: 2000,
        tag: String::new(),
        json: None,
        timeout_s: 600,
        profile: false,
    };
    let mut args: Vec<String> = Vec::new();
    for a in std::env::args().skip(1) {
        // `--name=value` is accepted as well as `--name value`.
        match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") && k != "--env" => {
                args.push(k.to_string());
                args.push(v.to_string());
            }
            _ => args.push(a),
        }
    }
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            // cargo bench passes --bench to harness=false targets.
            "--bench" => {}
            "--n" => o.n = value("--n")?.parse().context("--n")?,
            "--redis-url" => o.redis_url = Some(value("--redis-url")?),
            "--producers" => o.producers = value("--producers")?.parse().context("--producers")?,
            "--concurrency" => {
                o.concurrency = value("--concurrency")?.parse().context("--concurrency")?
            }
            "--batch" => o.batch = Some(value("--batch")?.parse().context("--batch")?),
            "--single" => o.batch = None,
            "--shards" => o.shards = Some(value("--shards")?.parse().context("--shards")?),
            "--worker-batch" => {
                o.worker_batch = Some(value("--worker-batch")?.parse().context("--worker-batch")?)
            }
            "--env" => {
                let kv = value("--env")?;
                let (k, v) = kv.split_once('=').context("--env wants NAME=VALUE")?;
                o.env.push((k.to_string(), v.to_string()));
            }
            "--idle-ms" => o.idle_ms = value("--idle-ms")?.parse().context("--idle-ms")?,
            "--timeout-s" => o.timeout_s = value("--timeout-s")?.parse().context("--timeout-s")?,
            "--tag" => o.tag = value("--tag")?,
            "--profile" => o.profile = true,
            "--json" => o.json = Some(value("--json")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if o.n == 0 || o.producers == 0 || o.concurrency == 0 || o.batch == Some(0) {
        bail!("--n, --producers, --concurrency and --batch must be positive");
    }
    Ok(o)
}

// ---------------------------------------------------------- private redis

/// A throw-away `redis-server`: loopback, free port, no AOF, no RDB, in a
/// temp dir; killed on drop.
struct PrivateRedis {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl PrivateRedis {
    fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = faultline::store::embedded::free_port()?;
        let bin =
            std::env::var("FAULTLINE_BENCH_REDIS_BIN").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| {
                format!("cannot run {bin} (install it: apt-get install redis-server)")
            })?;
        let url = format!("redis://127.0.0.1:{port}/0");
        let redis = PrivateRedis {
            child,
            url,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(redis.url.as_str())
                && let Ok(mut c) = client.get_connection()
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return Ok(redis);
            }
            if Instant::now() > deadline {
                bail!("redis-server did not answer on port {port} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------ the analyser

/// Same work as the BullMQ processor: three progress reports, then a
/// ~200-byte result (plus a one-line Markdown report, which every Faultline
/// result carries).
struct BenchAnalyzer {
    report: Report,
}

impl BenchAnalyzer {
    fn new() -> Self {
        let mut result = AnalysisResult {
            production_readiness_score: 72,
            summary: String::new(),
            findings: Vec::new(),
            charts: Vec::new(),
            suggested_next_steps: vec!["Add a rollback plan".to_string()],
            artifact_type: ArtifactKind::Markdown,
            extra: serde_json::Map::new(),
        };
        let base = serde_json::to_string(&result).expect("serialises").len();
        result.summary = "s".repeat(200usize.saturating_sub(base));
        BenchAnalyzer {
            report: Report {
                result,
                markdown: "# Report\n\nScore 72/100.\n".to_string(),
            },
        }
    }

    fn result_bytes(&self) -> usize {
        serde_json::to_string(&self.report.result)
            .expect("serialises")
            .len()
    }
}

impl Analyzer for BenchAnalyzer {
    fn analyze(
        &self,
        _request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        progress(Stage::Normalizing);
        progress(Stage::RunningHeuristics);
        progress(Stage::Synthesizing);
        Ok(self.report.clone())
    }
}

// ------------------------------------------------------------- redis stats

#[derive(Debug, Clone, Default)]
struct CmdStat {
    calls: u64,
    usec: u64,
}

#[derive(Debug, Clone, Default)]
struct Stats {
    cmds: HashMap<String, CmdStat>,
    cpu_s: f64,
    cpu_sys_s: f64,
    used_memory: i64,
}

fn parse_info(text: &str) -> Stats {
    let mut s = Stats::default();
    let (mut sys, mut user) = (0.0, 0.0);
    for line in text.lines() {
        let Some((k, v)) = line.trim().split_once(':') else {
            continue;
        };
        if let Some(name) = k.strip_prefix("cmdstat_") {
            let field = |f: &str| {
                v.split(',')
                    .find_map(|kv| kv.strip_prefix(f)?.strip_prefix('='))
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            s.cmds.insert(
                name.to_string(),
                CmdStat {
                    calls: field("calls"),
                    usec: field("usec"),
                },
            );
        }
        match k {
            "used_cpu_sys" => sys = v.parse().unwrap_or(0.0),
            "used_cpu_user" => user = v.parse().unwrap_or(0.0),
            "used_memory" => s.used_memory = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    s.cpu_s = sys + user;
    s.cpu_sys_s = sys;
    s
}

async fn stats(admin: &mut MultiplexedConnection) -> anyhow::Result<Stats> {
    let text: String = redis::cmd("INFO")
        .arg("cpu")
        .arg("memory")
        .arg("commandstats")
        .query_async(admin)
        .await?;
    Ok(parse_info(&text))
}

/// Per-command difference `after - before` (calls, usec).
fn diff(before: &Stats, after: &Stats) -> BTreeMap<String, CmdStat> {
    let mut out = BTreeMap::new();
    for (name, a) in &after.cmds {
        let b = before.cmds.get(name).cloned().unwrap_or_default();
        let d = CmdStat {
            calls: a.calls.saturating_sub(b.calls),
            usec: a.usec.saturating_sub(b.usec),
        };
        if d.calls > 0 {
            out.insert(name.clone(), d);
        }
    }
    out
}

/// Commands the functions library runs inside Redis (from its source): these
/// are not round trips. Lower-case, as in `INFO commandstats`.
fn inner_commands() -> BTreeSet<String> {
    let src = faultline::engine::library::source();
    let mut set = BTreeSet::new();
    for marker in ["redis.call(", "redis.pcall("] {
        for piece in src.split(marker).skip(1) {
            let piece = piece.trim_start();
            let Some(quote) = piece.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            if let Some(end) = piece[1..].find(quote) {
                set.insert(piece[1..1 + end].to_ascii_lowercase());
            }
        }
    }
    set
}

/// What the harness itself sends to Redis while measuring.
const HARNESS_COMMANDS: &[&str] = &[
    "info",
    "xinfo|stream",
    "config|set",
    "slowlog|reset",
    "slowlog|get",
];

/// Commands that are engine upkeep rather than the per-job hot path.
const UPKEEP_COMMANDS: &[&str] = &["xautoclaim", "xinfo|groups"];

// ------------------------------------------------------------------ helpers

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// CPU seconds (user + system) used by this process so far.
fn self_cpu_s() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Same rule as the BullMQ harness: the value at floor(p% of n).
fn pct<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((p / 100.0) * sorted.len() as f64).floor() as usize;
    Some(sorted[i.min(sorted.len() - 1)])
}

/// A ~100-byte artifact, unique per run and job (so no cache hit and no
/// single-flight attach, even on a shared Redis).
fn artifact(run: &str, i: usize) -> String {
    let head = format!("# Bench artifact {run} {i:08}\n\n");
    let pad = 100usize.saturating_sub(head.len());
    format!("{head}{}", "d".repeat(pad))
}

/// `length` of an `XINFO STREAM` reply (RESP2 flat array or RESP3 map).
fn xinfo_length(v: &redis::Value) -> Option<i64> {
    let pairs: Vec<(&redis::Value, &redis::Value)> = match v {
        redis::Value::Array(items) => items
            .chunks(2)
            .filter_map(|c| Some((c.first()?, c.get(1)?)))
            .collect(),
        redis::Value::Map(items) => items.iter().map(|(k, v)| (k, v)).collect(),
        _ => return None,
    };
    pairs.into_iter().find_map(|(k, v)| {
        let name: String = redis::from_redis_value_ref(k).ok()?;
        if name == "length" {
            redis::from_redis_value_ref(v).ok()
        } else {
            None
        }
    })
}

/// Entries still in the work streams (an entry is deleted when its job ends).
async fn work_left(admin: &mut MultiplexedConnection, fns: &Functions) -> anyhow::Result<i64> {
    let mut pipe = redis::pipe();
    for shard in 0..fns.store.keys.shards() {
        pipe.cmd("XINFO")
            .arg("STREAM")
            .arg(fns.store.keys.work(shard));
    }
    let replies: Vec<redis::Value> = pipe.query_async(admin).await?;
    Ok(replies.iter().map(|v| xinfo_length(v).unwrap_or(0)).sum())
}

// -------------------------------------------------------------- producers

struct Sent {
    job: JobId,
    latency_us: u32,
}

struct SubmitRun {
    jobs: Vec<Sent>,
    errors: usize,
    not_queued: usize,
}

async fn submit_one(fns: &Functions, content: &str) -> (Result<Submitted, String>, u32) {
    let began = Instant::now();
    let r = fns
        .submit(Submission {
            content,
            content_type: "markdown",
            metadata: "{}",
        })
        .await
        .map(|(submitted, _)| submitted)
        .map_err(|e| e.to_string());
    (r, began.elapsed().as_micros().min(u32::MAX as u128) as u32)
}

async fn produce(opts: &Opts, fns: &Functions, contents: Arc<Vec<String>>) -> SubmitRun {
    let mut run = SubmitRun {
        jobs: Vec::with_capacity(opts.n),
        errors: 0,
        not_queued: 0,
    };
    let record = |run: &mut SubmitRun, r: Result<Submitted, String>, us: u32| match r {
        Ok(s) => {
            if !matches!(s, Submitted::Queued(_)) {
                run.not_queued += 1;
            }
            run.jobs.push(Sent {
                job: s.job_id(),
                latency_us: us,
            });
        }
        Err(e) => {
            if run.errors < 5 {
                eprintln!("submit failed: {e}");
            }
            run.errors += 1;
        }
    };
    match opts.batch {
        Some(batch) => {
            for chunk in contents.chunks(batch) {
                let replies =
                    futures_util::future::join_all(chunk.iter().map(|c| submit_one(fns, c))).await;
                for (r, us) in replies {
                    record(&mut run, r, us);
                }
            }
        }
        None => {
            let next = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::new();
            for _ in 0..opts.producers {
                let (fns, contents, next) = (fns.clone(), contents.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= contents.len() {
                            break;
                        }
                        mine.push(submit_one(&fns, &contents[i]).await);
                    }
                    mine
                }));
            }
            for t in tasks {
                for (r, us) in t.await.expect("producer task") {
                    record(&mut run, r, us);
                }
            }
        }
    }
    run
}

// ------------------------------------------------------------------- main

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench failed: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let opts = parse_opts()?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();

    // Redis: ours (flushed) or the given one (left as it is).
    let private = match &opts.redis_url {
        Some(_) => None,
        None => Some(PrivateRedis::start()?),
    };
    let url = opts
        .redis_url
        .clone()
        .unwrap_or_else(|| private.as_ref().expect("started").url.clone());
    let client = redis::Client::open(url.as_str()).context("bad redis url")?;
    let mut admin = client
        .get_multiplexed_async_connection_with_config(
            // redis-rs answers time out after 500 ms by default; SLOWLOG GET
            // and the verification pipelines can take longer.
            &redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(Duration::from_secs(120))),
        )
        .await?;
    if private.is_some() {
        redis::cmd("FLUSHALL").query_async::<()>(&mut admin).await?;
    } else {
        eprintln!(
            "note: using {url} as given (not flushed); other clients' commands would count too"
        );
    }
    let redis_version = {
        let text: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut admin)
            .await?;
        text.lines()
            .find_map(|l| l.strip_prefix("redis_version:"))
            .unwrap_or("?")
            .trim()
            .to_string()
    };

    // Settings exactly as the service reads them, defaults unless overridden.
    let mut vars: Vec<(String, String)> = vec![
        ("REDIS_URL".into(), url.clone()),
        ("PORT".into(), "0".into()),
        ("WORKER_CONCURRENCY".into(), opts.concurrency.to_string()),
    ];
    if let Some(s) = opts.shards {
        vars.push(("SHARDS".into(), s.to_string()));
    }
    if let Some(b) = opts.worker_batch {
        vars.push(("WORKER_BATCH".into(), b.to_string()));
    }
    vars.extend(opts.env.iter().cloned());
    let settings = Settings::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })?;

    let analyzer = Arc::new(BenchAnalyzer::new());
    let result_bytes = analyzer.result_bytes();
    let app = App::build(settings.clone(), Role::Worker, analyzer)
        .await
        .context("worker app")?;
    // Producers get their own connection, as an API process would.
    let fns = startup::functions(&settings, &url)?;
    fns.store.ping().await?;

    let run_id = ulid::Ulid::generate().to_string();
    let contents: Arc<Vec<String>> = Arc::new((0..opts.n).map(|i| artifact(&run_id, i)).collect());
    let artifact_bytes = contents[0].len();

    // Idle window: what the worker's upkeep costs with no jobs at all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle0 = stats(&mut admin).await?;
    let idle_t = Instant::now();
    tokio::time::sleep(Duration::from_millis(opts.idle_ms)).await;
    let idle1 = stats(&mut admin).await?;
    let idle_s = idle_t.elapsed().as_secs_f64();
    let idle = diff(&idle0, &idle1);

    let profiling = opts.profile && private.is_some();
    if opts.profile && !profiling {
        eprintln!(
            "note: --profile needs the private Redis (it changes its SLOWLOG settings); ignored"
        );
    }
    if profiling {
        for (k, v) in [
            ("slowlog-log-slower-than", "0"),
            ("slowlog-max-len", "10000000"),
        ] {
            redis::cmd("CONFIG")
                .arg("SET")
                .arg(k)
                .arg(v)
                .query_async::<()>(&mut admin)
                .await?;
        }
        redis::cmd("SLOWLOG")
            .arg("RESET")
            .query_async::<()>(&mut admin)
            .await?;
    }

    // ---- measured run
    let before = stats(&mut admin).await?;
    let cpu0 = self_cpu_s();
    let t0_ms = now_ms();
    let t0 = Instant::now();
    let submitted = produce(&opts, &fns, contents.clone()).await;
    let submit_s = t0.elapsed().as_secs_f64();

    let deadline = Instant::now() + Duration::from_secs(opts.timeout_s);
    let mut polls = 0u64;
    loop {
        polls += 1;
        let left = work_left(&mut admin, &fns).await?;
        if left == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "{left} work entries still pending after {} s",
                opts.timeout_s
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen_done_s = t0.elapsed().as_secs_f64();
    let after = stats(&mut admin).await?;
    let cpu1 = self_cpu_s();
    let profile = if profiling {
        Some(slowlog_profile(&mut admin).await?)
    } else {
        None
    };

    // ---- verification and latencies from the stored snapshots
    let keys = &fns.store.keys;
    let mut lat_ms: Vec<i64> = Vec::with_capacity(submitted.jobs.len());
    let mut last_done = t0_ms;
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for chunk in submitted.jobs.chunks(1000) {
        let mut pipe = redis::pipe();
        for j in chunk {
            pipe.cmd("GET")
                .arg(keys.job(j.job.shard(), &j.job.to_string()));
        }
        let snaps: Vec<Option<String>> = pipe.query_async(&mut admin).await?;
        for raw in snaps {
            let Some(raw) = raw else {
                *by_status.entry("missing".into()).or_default() += 1;
                continue;
            };
            let s: faultline::engine::Snapshot = serde_json::from_str(&raw)?;
            *by_status.entry(s.status.as_str().into()).or_default() += 1;
            if s.status == faultline::engine::JobStatus::Completed {
                lat_ms.push(s.updated_at - s.created_at);
                last_done = last_done.max(s.updated_at);
            }
        }
    }
    let completed = by_status.get("completed").copied().unwrap_or(0);
    let mut log_check = String::from("n/a");
    if let Some(j) = submitted.jobs.first() {
        log_check = match fns.events(j.job, "-", 100).await {
            Ok(events) => events
                .iter()
                .map(|e| e.kind.as_str())
                .collect::<Vec<_>>()
                .join(","),
            Err(e) => format!("unreadable: {e}"),
        };
    }
    // Memory of one job's own keys and of the shard-wide structures.
    let mut key_bytes: Vec<(String, i64)> = Vec::new();
    if let Some(j) = submitted.jobs.first() {
        let (s, id) = (j.job.shard(), j.job.to_string());
        let hash = faultline::engine::functions::content_hash(&contents[0]);
        for (name, key) in [
            ("job snapshot", keys.job(s, &id)),
            ("job event stream", keys.events(s, &id)),
            ("cache entry", keys.cache(s, &hash)),
            ("artifact", keys.artifact(s, &hash)),
        ] {
            let b: Option<i64> = redis::cmd("MEMORY")
                .arg("USAGE")
                .arg(&key)
                .arg("SAMPLES")
                .arg(0)
                .query_async(&mut admin)
                .await?;
            key_bytes.push((name.to_string(), b.unwrap_or(0)));
        }
        for (name, f) in [
            ("shard feeds", 0),
            ("job indexes", 1),
            ("expiry indexes", 2),
            ("work streams", 3),
        ] {
            let mut total = 0i64;
            for shard in 0..keys.shards() {
                let key = match f {
                    0 => keys.feed(shard),
                    1 => keys.index(shard),
                    2 => keys.expiry(shard),
                    _ => keys.work(shard),
                };
                let b: Option<i64> = redis::cmd("MEMORY")
                    .arg("USAGE")
                    .arg(&key)
                    .arg("SAMPLES")
                    .arg(0)
                    .query_async(&mut admin)
                    .await?;
                total += b.unwrap_or(0);
            }
            key_bytes.push((
                format!("{name} (all shards, per job)"),
                total / opts.n as i64,
            ));
        }
    }

    app.stop().await;

    // ---- figures
    let n = opts.n as f64;
    let wall_ms = (last_done - t0_ms).max(1);
    let jobs_per_s = completed as f64 / (wall_ms as f64 / 1000.0);
    let mut sub_us: Vec<u32> = submitted.jobs.iter().map(|j| j.latency_us).collect();
    sub_us.sort_unstable();
    lat_ms.sort_unstable();
    let ms = |us: Option<u32>| us.map_or(f64::NAN, |u| u as f64 / 1000.0);

    let delta = diff(&before, &after);
    let inner = inner_commands();
    let mut round_trips: BTreeMap<String, u64> = BTreeMap::new();
    let mut inside: BTreeMap<String, u64> = BTreeMap::new();
    let mut harness: u64 = 0;
    for (name, d) in &delta {
        if HARNESS_COMMANDS.contains(&name.as_str()) {
            harness += d.calls;
        } else if inner.contains(name) {
            inside.insert(name.clone(), d.calls);
        } else {
            round_trips.insert(name.clone(), d.calls);
        }
    }
    let rt_total: u64 = round_trips.values().sum();
    let inner_total: u64 = inside.values().sum();
    let cmds_total = rt_total + inner_total;
    // Upkeep during the run, estimated from the idle window's rate: the
    // worker's maintenance FCALLs (fl_maintain) and their inner commands,
    // XAUTOCLAIM, XINFO GROUPS. XREADGROUP is hot path and not subtracted.
    let run_s = seen_done_s.max(0.001);
    let idle_rate = |name: &str| idle.get(name).map_or(0.0, |d| d.calls as f64 / idle_s);
    let upkeep_rt: f64 = ["fcall"]
        .iter()
        .chain(UPKEEP_COMMANDS)
        .map(|c| idle_rate(c) * run_s)
        .sum();
    let hot_rt = (rt_total as f64 - upkeep_rt).max(0.0);
    let redis_cpu_s = after.cpu_s - before.cpu_s;
    let redis_sys_s = after.cpu_sys_s - before.cpu_sys_s;
    let mem = after.used_memory - before.used_memory;
    let fcall = delta.get("fcall").cloned().unwrap_or_default();

    let variant = match opts.batch {
        Some(_) => "bulk",
        None => "single",
    };
    println!();
    println!("Faultline engine benchmark ({variant})");
    println!(
        "  redis {redis_version} at {url}{}",
        if private.is_some() {
            " (private, AOF off)"
        } else {
            ""
        }
    );
    println!(
        "  N={} shards={} concurrency={} worker batch={} {} artifact={}B result={}B progress stages=3",
        opts.n,
        settings.shards,
        settings.worker_concurrency,
        settings.read_batch,
        match opts.batch {
            Some(b) => format!("submit batch={b}"),
            None => format!("producers={}", opts.producers),
        },
        artifact_bytes,
        result_bytes,
    );
    println!(
        "  jobs: {by_status:?}; submit errors {}, not queued {}",
        submitted.errors, submitted.not_queued
    );
    println!("  log of the first job: {log_check}");
    println!();
    println!(
        "  jobs/s end to end          {:>10.0}   (first submit -> last completed_at, {} ms)",
        jobs_per_s, wall_ms
    );
    println!(
        "  submissions/s              {:>10.0}   (all {} submitted in {:.0} ms)",
        n / submit_s,
        opts.n,
        submit_s * 1000.0
    );
    println!(
        "  submit latency p50 / p99   {:>7.2} / {:.2} ms",
        ms(pct(&sub_us, 50.0)),
        ms(pct(&sub_us, 99.0))
    );
    println!(
        "  queued->completed p50/p99  {:>7} / {} ms (max {})",
        pct(&lat_ms, 50.0).unwrap_or(-1),
        pct(&lat_ms, 99.0).unwrap_or(-1),
        lat_ms.last().copied().unwrap_or(-1)
    );
    println!(
        "  round trips / job          {:>10.3}   (hot path {:.3}; upkeep est. {:.0} calls)",
        rt_total as f64 / n,
        hot_rt / n,
        upkeep_rt
    );
    println!(
        "  commands / job             {:>10.3}   ({:.3} inside functions)",
        cmds_total as f64 / n,
        inner_total as f64 / n
    );
    println!(
        "  Redis CPU / job            {:>10.1} us  ({:.2} s in total, {:.0}% of it in the kernel)",
        redis_cpu_s * 1e6 / n,
        redis_cpu_s,
        100.0 * redis_sys_s / redis_cpu_s.max(1e-9)
    );
    println!(
        "  bench process CPU / job    {:>10.1} us  (producers + worker, {:.2} s)",
        (cpu1 - cpu0) * 1e6 / n,
        cpu1 - cpu0
    );
    println!(
        "  FCALL usec/call            {:>10.2} us  ({} calls)",
        fcall.usec as f64 / fcall.calls.max(1) as f64,
        fcall.calls
    );
    println!(
        "  Redis memory / job         {:>10} B   (used_memory delta, default TTLs: nothing expired yet)",
        mem / opts.n as i64
    );
    for (name, b) in &key_bytes {
        println!("      {name:<34} {b:>6} B");
    }
    println!("  round trips per job by command:");
    for (name, calls) in &round_trips {
        let d = &delta[name];
        println!(
            "      {name:<20} {:>8.3}  ({:.2} us/call)",
            *calls as f64 / n,
            d.usec as f64 / d.calls.max(1) as f64
        );
    }
    println!("  commands inside functions per job:");
    let mut by_count: Vec<_> = inside.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1));
    for (name, calls) in by_count {
        let d = &delta[name];
        println!(
            "      {name:<20} {:>8.3}  ({:.2} us/call)",
            *calls as f64 / n,
            d.usec as f64 / d.calls.max(1) as f64
        );
    }
    println!(
        "  (harness polling excluded: {harness} calls of {HARNESS_COMMANDS:?}; {polls} polls)"
    );
    println!(
        "  idle upkeep rate: {}",
        idle.iter()
            .filter(|(k, _)| !HARNESS_COMMANDS.contains(&k.as_str()))
            .map(|(k, d)| format!("{k}={:.1}/s", d.calls as f64 / idle_s))
            .collect::<Vec<_>>()
            .join(" ")
    );

    if let Some(profile) = &profile {
        print_profile(profile, n);
    }

    if let Some(path) = &opts.json {
        let per_job = |m: &BTreeMap<String, u64>| -> serde_json::Map<String, serde_json::Value> {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        serde_json::json!(((*v as f64 / n) * 1000.0).round() / 1000.0),
                    )
                })
                .collect()
        };
        let line = serde_json::json!({
            "system": "faultline",
            "tag": opts.tag,
            "variant": variant,
            "n": opts.n,
            "completed": completed,
            "shards": settings.shards,
            "concurrency": settings.worker_concurrency,
            "producers": if opts.batch.is_some() { 1 } else { opts.producers },
            "batch": opts.batch,
            "wall_ms": wall_ms,
            "jobs_per_s": jobs_per_s.round(),
            "submit_ms": (submit_s * 1000.0).round(),
            "submit_p50_ms": ms(pct(&sub_us, 50.0)),
            "submit_p99_ms": ms(pct(&sub_us, 99.0)),
            "lat_p50_ms": pct(&lat_ms, 50.0),
            "lat_p99_ms": pct(&lat_ms, 99.0),
            "round_trips_per_job": rt_total as f64 / n,
            "hot_round_trips_per_job": hot_rt / n,
            "commands_per_job": cmds_total as f64 / n,
            "redis_cpu_s": redis_cpu_s,
            "redis_cpu_us_per_job": redis_cpu_s * 1e6 / n,
            "redis_sys_share": redis_sys_s / redis_cpu_s.max(1e-9),
            "client_cpu_us_per_job": (cpu1 - cpu0) * 1e6 / n,
            "bytes_per_job": mem / opts.n as i64,
            "fcall_usec_per_call": fcall.usec as f64 / fcall.calls.max(1) as f64,
            "round_trips": per_job(&round_trips),
            "inner": per_job(&inside),
        });
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{line}")?;
    }
    if completed != opts.n {
        bail!("only {completed} of {} jobs completed", opts.n);
    }
    drop(private);
    Ok(())
}

// ---------------------------------------------------------------- profile

/// Durations (µs, as Redis measured them) of every top-level call, by
/// command, and for FCALL by function name.
async fn slowlog_profile(
    admin: &mut MultiplexedConnection,
) -> anyhow::Result<BTreeMap<String, Vec<u64>>> {
    let entries: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(-1)
        .query_async(admin)
        .await?;
    let mut by_call: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for entry in &entries {
        let redis::Value::Array(fields) = entry else {
            continue;
        };
        let (Some(duration), Some(redis::Value::Array(args))) = (fields.get(2), fields.get(3))
        else {
            continue;
        };
        let us: u64 = redis::from_redis_value_ref(duration).unwrap_or(0);
        let arg = |i: usize| {
            args.get(i)
                .and_then(|v| redis::from_redis_value_ref::<String>(v).ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let mut name = arg(0);
        if name == "fcall" || name == "fcall_ro" || name == "xinfo" || name == "config" {
            name = format!("{name} {}", arg(1));
        }
        if ["info", "xinfo stream", "config set", "slowlog"].contains(&name.as_str()) {
            continue;
        }
        by_call.entry(name).or_default().push(us);
    }
    Ok(by_call)
}

fn print_profile(profile: &BTreeMap<String, Vec<u64>>, n: f64) {
    println!(
        "  profile (SLOWLOG, every top-level call; µs as measured by Redis, incl. inner commands):"
    );
    println!(
        "      {:<24} {:>9} {:>9} {:>8} {:>8} {:>8}",
        "call", "calls/job", "µs/job", "mean", "p50", "p99"
    );
    let mut rows: Vec<(&String, &Vec<u64>)> = profile.iter().collect();
    rows.sort_by_key(|(_, v)| std::cmp::Reverse(v.iter().sum::<u64>()));
    for (name, durations) in rows {
        let mut d = durations.clone();
        d.sort_unstable();
        let total: u64 = d.iter().sum();
        println!(
            "      {:<24} {:>9.3} {:>9.1} {:>8.1} {:>8} {:>8}",
            name,
            d.len() as f64 / n,
            total as f64 / n,
            total as f64 / d.len().max(1) as f64,
            pct(&d, 50.0).unwrap_or(0),
            pct(&d, 99.0).unwrap_or(0)
        );
    }
}
