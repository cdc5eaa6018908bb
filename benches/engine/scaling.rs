//! `--scaling 1,2,4`: scale-out figures. One worker process on a single
//! Redis, then 1, 2, 4… worker processes on a fresh local 6-node Redis
//! Cluster (scripts/redis-cluster.sh, AOF off like the single one); the bench
//! process submits `--n` jobs each time and prints jobs/s per row. The worker
//! processes are this bench binary again (`--worker-process`), so they run
//! the same `App` as `faultline worker` with the bench analyser.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use faultline::config::Settings;
use faultline::engine::Functions;
use faultline::startup::{self, App, Role};
use redis::AsyncCommands;

use crate::analyzer::BenchAnalyzer;
use crate::opts::{self, Opts};
use crate::produce::{artifacts, produce};
use crate::redis_server::Target;

/// Runs as one worker process until killed (settings from the environment).
pub async fn worker_process(result_bytes: usize) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let app = App::build(
        settings,
        Role::Worker,
        Arc::new(BenchAnalyzer::new(result_bytes)),
    )
    .await?;
    // The parent waits for this line before it starts the clock.
    println!("ready");
    app.run_until_stopped().await
}

pub async fn run(opts: &Opts, counts: &[usize]) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    {
        let single = Target::open(opts).await?;
        let rate = measure(opts, ("REDIS_URL", single.url.clone()), 1).await?;
        rows.push(("single Redis".to_string(), 1, rate));
    }
    for &workers in counts {
        let cluster = LocalCluster::start()?;
        let rate = measure(
            opts,
            ("REDIS_CLUSTER_NODES", cluster.seeds.clone()),
            workers,
        )
        .await?;
        rows.push(("Redis Cluster, 3 masters".to_string(), workers, rate));
    }
    println!(
        "scale-out: {} jobs per row, {} in flight per worker process, {} CPUs (load {})",
        opts.n,
        opts.concurrency,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "{:<26} {:>16} {:>10}",
        "redis", "worker processes", "jobs/s"
    );
    for (topology, workers, rate) in rows {
        println!("{topology:<26} {workers:>16} {rate:>10.0}");
    }
    Ok(())
}

/// Submits `opts.n` jobs with `workers` worker processes running; jobs/s
/// from the first submission until every work stream is empty.
async fn measure(opts: &Opts, redis: (&str, String), workers: usize) -> anyhow::Result<f64> {
    // The worker processes log warnings only, unless an `--env` says otherwise.
    let mut vars = vec![("LOG_LEVEL".to_string(), "warn".to_string())];
    vars.extend(opts.service_vars(redis));
    let settings = opts::settings_from(&vars)?;
    let fns = startup::connect(&settings).await?;
    startup::migrate_with_patience(&fns).await?;

    let exe = std::env::current_exe()?;
    let procs: Vec<Proc> = (0..workers)
        .map(|_| {
            Command::new(&exe)
                .arg("--worker-process")
                .args(["--result-bytes", &opts.result_bytes.to_string()])
                .envs(vars.iter().cloned())
                .stdout(Stdio::piped())
                .spawn()
                .map(Proc::new)
                .context("spawn a worker process")
        })
        .collect::<anyhow::Result<_>>()?;
    for p in &procs {
        wait_ready(p)?;
    }

    let t0 = Instant::now();
    let sent = produce(opts, &fns, artifacts(opts.n, opts.artifact_bytes)).await;
    wait_drained(&fns, opts.timeout_s).await?;
    let secs = t0.elapsed().as_secs_f64();
    drop(procs);
    if sent.errors > 0 {
        bail!("{} submissions failed", sent.errors);
    }
    Ok(sent.jobs.len() as f64 / secs)
}

/// Waits for the worker process's `ready` line (its readers start then).
fn wait_ready(p: &Proc) -> anyhow::Result<()> {
    let Some(stdout) = p.stdout.lock().expect("not poisoned").take() else {
        bail!("no stdout");
    };
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    if line.trim() != "ready" {
        bail!("a worker process did not start (see its error above)");
    }
    Ok(())
}

/// Polls until no work entry is left (an entry is deleted when its job ends).
async fn wait_drained(fns: &Functions, timeout_s: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(timeout_s);
    let mut conn = fns.store.conn.clone();
    loop {
        let mut left = 0u64;
        for shard in 0..fns.store.keys.shards() {
            let n: u64 = conn.xlen(fns.store.keys.work(shard)).await?;
            left += n;
        }
        if left == 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{left} work entries still pending after {timeout_s} s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A worker process; killed on drop.
struct Proc {
    child: Child,
    stdout: std::sync::Mutex<Option<std::process::ChildStdout>>,
}

impl Proc {
    fn new(mut child: Child) -> Self {
        let stdout = std::sync::Mutex::new(child.stdout.take());
        Proc { child, stdout }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A 6-node cluster from scripts/redis-cluster.sh; stopped on drop.
struct LocalCluster {
    seeds: String,
    dir: tempfile::TempDir,
}

impl LocalCluster {
    fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(dir.path())
            .env("APPENDONLY", "no")
            .stderr(Stdio::inherit())
            .output()
            .context("run scripts/redis-cluster.sh")?;
        if !out.status.success() {
            bail!("the local cluster did not start");
        }
        let seeds = String::from_utf8(out.stdout)?.trim().to_string();
        Ok(LocalCluster { seeds, dir })
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

fn script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/redis-cluster.sh")
}
