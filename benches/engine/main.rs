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
//!
//! `--scaling 1,2,4` measures scale-out instead: jobs/s with one worker
//! process on a single Redis, then with 1, 2 and 4 worker processes on a
//! local 6-node Redis Cluster (`scaling.rs`).
//!
//! This file is the module map, `main`, and `run()`, which reads as the
//! bench's steps in order.

// The HTTP stack's middleware nests deeply enough that computing the layout
// of its future in this crate passes rustc's default limit of 128.
#![recursion_limit = "256"]

mod analyzer;
mod measure;
mod opts;
mod produce;
mod profile;
mod redis_server;
mod report;
mod scaling;
mod stats;
mod verify;

use std::sync::Arc;

use anyhow::{Context, bail};
use faultline::config::Settings;
use faultline::startup::{self, App, Role};

use crate::analyzer::BenchAnalyzer;
use crate::opts::Opts;
use crate::redis_server::Target;
use crate::report::{Figures, Inputs};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench failed: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let opts = opts::parse_opts()?;
    init_tracing();
    if opts.worker_process {
        return scaling::worker_process(opts.result_bytes).await;
    }
    if let Some(counts) = &opts.scaling {
        return scaling::run(&opts, counts).await;
    }
    let mut target = Target::open(&opts).await?;
    let settings = settings(&opts, &target.url)?;

    let analyzer = Arc::new(BenchAnalyzer::new(opts.result_bytes));
    let result_bytes = analyzer.result_bytes();
    let app = App::build(settings.clone(), Role::Worker, analyzer)
        .await
        .context("worker app")?;
    // Producers get their own connection, as an API process would.
    let fns = startup::connect(&settings).await?;
    fns.store.ping().await?;
    let contents = produce::artifacts(opts.n, opts.artifact_bytes);

    let admin = &mut target.admin;
    let idle = measure::idle_window(admin, opts.idle_ms).await?;
    let private = target.private.is_some();
    let profiling = profile::prepare(&opts, private, admin).await?;
    let measured = measure::measured_run(&opts, &fns, contents.clone(), admin, profiling).await?;
    let (submitted, t0_ms) = (&measured.submitted, measured.t0_ms);
    let verified = verify::verify(admin, &fns, submitted, &contents[0], t0_ms, opts.n).await?;
    app.stop().await;

    let inputs = Inputs {
        opts: &opts,
        settings: &settings,
        target: &target,
        artifact_bytes: contents[0].len(),
        result_bytes,
        idle: &idle,
        measured: &measured,
        verified: &verified,
    };
    let figures = Figures::compute(&inputs);
    report::print(&inputs, &figures);
    if let Some(path) = &opts.json {
        report::append_json(path, &inputs, &figures)?;
    }
    if verified.completed != opts.n {
        bail!("only {} of {} jobs completed", verified.completed, opts.n);
    }
    drop(target);
    Ok(())
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .try_init();
}

/// Settings exactly as the service reads them, defaults unless overridden.
fn settings(opts: &Opts, url: &str) -> anyhow::Result<Settings> {
    opts::settings_from(&opts.service_vars(("REDIS_URL", url.to_string())))
}
