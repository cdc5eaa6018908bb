//! The report: figures derived from the run, the printed summary, the
//! optional `--json` line, and the SLOWLOG profile table.

use std::collections::BTreeMap;
use std::io::Write;

use faultline::config::Settings;

use crate::measure::{Idle, Measured};
use crate::opts::Opts;
use crate::profile::print_profile;
use crate::redis_server::Target;
use crate::stats::{Classified, CmdStat, HARNESS_COMMANDS, UPKEEP_COMMANDS, classify, diff, pct};
use crate::verify::Verified;

/// Everything the report is made from.
pub struct Inputs<'a> {
    pub opts: &'a Opts,
    pub settings: &'a Settings,
    pub target: &'a Target,
    pub artifact_bytes: usize,
    pub result_bytes: usize,
    pub idle: &'a Idle,
    pub measured: &'a Measured,
    pub verified: &'a Verified,
}

/// The derived figures.
pub struct Figures {
    n: f64,
    variant: &'static str,
    wall_ms: i64,
    jobs_per_s: f64,
    /// Submit latencies (µs), sorted.
    sub_us: Vec<u32>,
    /// queued -> completed latencies (ms), sorted.
    lat_ms: Vec<i64>,
    delta: BTreeMap<String, CmdStat>,
    cmds: Classified,
    rt_total: u64,
    inner_total: u64,
    cmds_total: u64,
    upkeep_rt: f64,
    hot_rt: f64,
    redis_cpu_s: f64,
    redis_sys_s: f64,
    client_cpu_s: f64,
    mem: i64,
    fcall: CmdStat,
}

impl Figures {
    pub fn compute(i: &Inputs<'_>) -> Self {
        let (m, v) = (i.measured, i.verified);
        let n = i.opts.n as f64;
        let wall_ms = (v.last_done - m.t0_ms).max(1);
        let mut sub_us: Vec<u32> = m.submitted.jobs.iter().map(|j| j.latency_us).collect();
        sub_us.sort_unstable();
        let mut lat_ms = v.lat_ms.clone();
        lat_ms.sort_unstable();
        let delta = diff(&m.before, &m.after);
        let cmds = classify(&delta);
        let rt_total: u64 = cmds.round_trips.values().sum();
        let inner_total: u64 = cmds.inside.values().sum();
        let upkeep_rt = upkeep_estimate(i.idle, m.seen_done_s);
        Figures {
            n,
            variant: match i.opts.batch {
                Some(_) => "bulk",
                None => "single",
            },
            wall_ms,
            jobs_per_s: v.completed as f64 / (wall_ms as f64 / 1000.0),
            sub_us,
            lat_ms,
            fcall: delta.get("fcall").cloned().unwrap_or_default(),
            delta,
            cmds,
            rt_total,
            inner_total,
            cmds_total: rt_total + inner_total,
            upkeep_rt,
            hot_rt: (rt_total as f64 - upkeep_rt).max(0.0),
            redis_cpu_s: m.after.cpu_s - m.before.cpu_s,
            redis_sys_s: m.after.cpu_sys_s - m.before.cpu_sys_s,
            client_cpu_s: m.cpu1 - m.cpu0,
            mem: m.after.used_memory - m.before.used_memory,
        }
    }

    fn us_per_call(&self, name: &str) -> f64 {
        let d = &self.delta[name];
        d.usec as f64 / d.calls.max(1) as f64
    }
}

/// Upkeep during the run, estimated from the idle window's rate: the
/// worker's maintenance FCALLs (fl_maintain) and their inner commands,
/// XAUTOCLAIM, XINFO GROUPS. XREADGROUP is hot path and not subtracted.
fn upkeep_estimate(idle: &Idle, seen_done_s: f64) -> f64 {
    let run_s = seen_done_s.max(0.001);
    let idle_rate = |name: &str| {
        idle.calls
            .get(name)
            .map_or(0.0, |d| d.calls as f64 / idle.secs)
    };
    ["fcall"]
        .iter()
        .chain(UPKEEP_COMMANDS)
        .map(|c| idle_rate(c) * run_s)
        .sum()
}

/// Milliseconds from microseconds; NaN for none.
fn ms(us: Option<u32>) -> f64 {
    us.map_or(f64::NAN, |u| u as f64 / 1000.0)
}

pub fn print(i: &Inputs<'_>, f: &Figures) {
    print_header(i, f);
    print_figures(i, f);
    print_commands(i, f);
    if let Some(profile) = &i.measured.profile {
        print_profile(profile, f.n);
    }
}

fn print_header(i: &Inputs<'_>, f: &Figures) {
    let (opts, settings) = (i.opts, i.settings);
    println!();
    println!("Faultline engine benchmark ({})", f.variant);
    println!(
        "  redis {} at {}{}",
        i.target.version,
        i.target.url,
        if i.target.private.is_some() {
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
        i.artifact_bytes,
        i.result_bytes,
    );
    println!(
        "  jobs: {:?}; submit errors {}, not queued {}",
        i.verified.by_status, i.measured.submitted.errors, i.measured.submitted.not_queued
    );
    println!("  log of the first job: {}", i.verified.log_check);
    println!();
}

fn print_figures(i: &Inputs<'_>, f: &Figures) {
    let (n, submit_s) = (f.n, i.measured.submit_s);
    println!(
        "  jobs/s end to end          {:>10.0}   (first submit -> last completed_at, {} ms)",
        f.jobs_per_s, f.wall_ms
    );
    println!(
        "  submissions/s              {:>10.0}   (all {} submitted in {:.0} ms)",
        n / submit_s,
        i.opts.n,
        submit_s * 1000.0
    );
    println!(
        "  submit latency p50 / p99   {:>7.2} / {:.2} ms",
        ms(pct(&f.sub_us, 50.0)),
        ms(pct(&f.sub_us, 99.0))
    );
    println!(
        "  queued->completed p50/p99  {:>7} / {} ms (max {})",
        pct(&f.lat_ms, 50.0).unwrap_or(-1),
        pct(&f.lat_ms, 99.0).unwrap_or(-1),
        f.lat_ms.last().copied().unwrap_or(-1)
    );
    println!(
        "  round trips / job          {:>10.3}   (hot path {:.3}; upkeep est. {:.0} calls)",
        f.rt_total as f64 / n,
        f.hot_rt / n,
        f.upkeep_rt
    );
    println!(
        "  commands / job             {:>10.3}   ({:.3} inside functions)",
        f.cmds_total as f64 / n,
        f.inner_total as f64 / n
    );
    println!(
        "  Redis CPU / job            {:>10.1} us  ({:.2} s in total, {:.0}% of it in the kernel)",
        f.redis_cpu_s * 1e6 / n,
        f.redis_cpu_s,
        100.0 * f.redis_sys_s / f.redis_cpu_s.max(1e-9)
    );
    println!(
        "  bench process CPU / job    {:>10.1} us  (producers + worker, {:.2} s)",
        f.client_cpu_s * 1e6 / n,
        f.client_cpu_s
    );
    println!(
        "  FCALL usec/call            {:>10.2} us  ({} calls)",
        f.fcall.usec as f64 / f.fcall.calls.max(1) as f64,
        f.fcall.calls
    );
    println!(
        "  Redis memory / job         {:>10} B   (used_memory delta, default TTLs: nothing expired yet)",
        f.mem / i.opts.n as i64
    );
    for (name, b) in &i.verified.key_bytes {
        println!("      {name:<34} {b:>6} B");
    }
}

fn print_commands(i: &Inputs<'_>, f: &Figures) {
    println!("  round trips per job by command:");
    for (name, calls) in &f.cmds.round_trips {
        print_command_row(f, name, *calls);
    }
    println!("  commands inside functions per job:");
    let mut by_count: Vec<_> = f.cmds.inside.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1));
    for (name, calls) in by_count {
        print_command_row(f, name, *calls);
    }
    println!(
        "  (harness polling excluded: {} calls of {HARNESS_COMMANDS:?}; {} polls)",
        f.cmds.harness, i.measured.polls
    );
    println!(
        "  idle upkeep rate: {}",
        i.idle
            .calls
            .iter()
            .filter(|(k, _)| !HARNESS_COMMANDS.contains(&k.as_str()))
            .map(|(k, d)| format!("{k}={:.1}/s", d.calls as f64 / i.idle.secs))
            .collect::<Vec<_>>()
            .join(" ")
    );
}

fn print_command_row(f: &Figures, name: &str, calls: u64) {
    println!(
        "      {name:<20} {:>8.3}  ({:.2} us/call)",
        calls as f64 / f.n,
        f.us_per_call(name)
    );
}

/// Appends the run as one JSON line to `path`.
pub fn append_json(path: &str, i: &Inputs<'_>, f: &Figures) -> anyhow::Result<()> {
    let (opts, settings, n) = (i.opts, i.settings, f.n);
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
        "variant": f.variant,
        "n": opts.n,
        "completed": i.verified.completed,
        "shards": settings.shards,
        "concurrency": settings.worker_concurrency,
        "producers": if opts.batch.is_some() { 1 } else { opts.producers },
        "batch": opts.batch,
        "wall_ms": f.wall_ms,
        "jobs_per_s": f.jobs_per_s.round(),
        "submit_ms": (i.measured.submit_s * 1000.0).round(),
        "submit_p50_ms": ms(pct(&f.sub_us, 50.0)),
        "submit_p99_ms": ms(pct(&f.sub_us, 99.0)),
        "lat_p50_ms": pct(&f.lat_ms, 50.0),
        "lat_p99_ms": pct(&f.lat_ms, 99.0),
        "round_trips_per_job": f.rt_total as f64 / n,
        "hot_round_trips_per_job": f.hot_rt / n,
        "commands_per_job": f.cmds_total as f64 / n,
        "redis_cpu_s": f.redis_cpu_s,
        "redis_cpu_us_per_job": f.redis_cpu_s * 1e6 / n,
        "redis_sys_share": f.redis_sys_s / f.redis_cpu_s.max(1e-9),
        "client_cpu_us_per_job": f.client_cpu_s * 1e6 / n,
        "bytes_per_job": f.mem / opts.n as i64,
        "fcall_usec_per_call": f.fcall.usec as f64 / f.fcall.calls.max(1) as f64,
        "round_trips": per_job(&f.cmds.round_trips),
        "inner": per_job(&f.cmds.inside),
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{line}")?;
    Ok(())
}
