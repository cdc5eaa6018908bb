//! CLI options of the engine bench: defaults, parsing, usage text.

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Opts {
    pub n: usize,
    /// Size of each artifact (default 100 bytes, as BullMQ's harness).
    pub artifact_bytes: usize,
    /// Size of each result's JSON (default ~200 bytes, as BullMQ's harness).
    pub result_bytes: usize,
    pub redis_url: Option<String>,
    pub producers: usize,
    pub concurrency: usize,
    /// `None`: single submissions from `producers` loops.
    pub batch: Option<usize>,
    pub shards: Option<u16>,
    pub worker_batch: Option<usize>,
    pub env: Vec<(String, String)>,
    pub idle_ms: u64,
    pub tag: String,
    pub json: Option<String>,
    pub timeout_s: u64,
    /// Per-call timings from SLOWLOG (private Redis only; adds overhead).
    pub profile: bool,
    /// `--scaling 1,2,4`: jobs/s with that many worker processes on a local
    /// Redis Cluster, after one on a single Redis (see `scaling.rs`).
    pub scaling: Option<Vec<usize>>,
    /// Internal: run as one worker process of a `--scaling` run.
    pub worker_process: bool,
}

impl Opts {
    /// The service's environment for this run: the Redis variable (`REDIS_URL`
    /// or `REDIS_CLUSTER_NODES`), the worker options, then every `--env`, so
    /// a later value of a name wins.
    pub fn service_vars(&self, redis: (&str, String)) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = vec![
            (redis.0.to_string(), redis.1),
            ("PORT".into(), "0".into()),
            ("WORKER_CONCURRENCY".into(), self.concurrency.to_string()),
        ];
        if let Some(s) = self.shards {
            vars.push(("SHARDS".into(), s.to_string()));
        }
        if let Some(b) = self.worker_batch {
            vars.push(("WORKER_BATCH".into(), b.to_string()));
        }
        vars.extend(self.env.iter().cloned());
        vars
    }
}

/// Settings exactly as the service reads them from `vars` (the last value of
/// a name wins), defaults for the rest.
pub fn settings_from(vars: &[(String, String)]) -> anyhow::Result<faultline::config::Settings> {
    Ok(faultline::config::Settings::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })?)
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            n: 20_000,
            artifact_bytes: 100,
            result_bytes: 200,
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
            scaling: None,
            worker_process: false,
        }
    }
}

const USAGE: &str = "usage: cargo bench --bench engine -- [--n 20000] [--artifact-bytes 100] [--result-bytes 200] [--redis-url URL] \
[--producers 50] [--concurrency 50] [--batch 1000 | --single] [--shards S] [--worker-batch B] \
[--env NAME=VALUE]... [--idle-ms 2000] [--timeout-s 600] [--tag T] [--json FILE] [--profile] \
[--scaling 1,2,4]";

pub fn parse_opts() -> anyhow::Result<Opts> {
    let mut o = Opts::default();
    let mut it = split_args().into_iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match a.as_str() {
            // cargo bench passes --bench to harness=false targets.
            "--bench" => {}
            "--n" => o.n = value("--n")?.parse().context("--n")?,
            "--result-bytes" => {
                o.result_bytes = value("--result-bytes")?.parse().context("--result-bytes")?
            }
            "--artifact-bytes" => {
                o.artifact_bytes = value("--artifact-bytes")?
                    .parse()
                    .context("--artifact-bytes")?
            }
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
            "--worker-process" => o.worker_process = true,
            "--scaling" => {
                let list = value("--scaling")?;
                let counts = list
                    .split(',')
                    .map(|w| w.trim().parse::<usize>().ok().filter(|w| *w > 0))
                    .collect::<Option<Vec<_>>>()
                    .with_context(|| {
                        format!("--scaling wants positive counts like 1,2,4, not {list:?}")
                    })?;
                o.scaling = Some(counts);
            }
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

/// The command line with `--name=value` split into `--name value`.
fn split_args() -> Vec<String> {
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
    args
}
