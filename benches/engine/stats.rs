//! Redis statistics: `INFO` parsing, per-command deltas, and telling round
//! trips from commands run inside the functions; plus process CPU and
//! percentile helpers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use redis::aio::MultiplexedConnection;

#[derive(Debug, Clone, Default)]
pub struct CmdStat {
    pub calls: u64,
    pub usec: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub cmds: HashMap<String, CmdStat>,
    pub cpu_s: f64,
    pub cpu_sys_s: f64,
    pub used_memory: i64,
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

pub async fn stats(admin: &mut MultiplexedConnection) -> anyhow::Result<Stats> {
    let text: String = redis::cmd("INFO")
        .arg("cpu")
        .arg("memory")
        .arg("commandstats")
        .query_async(admin)
        .await?;
    Ok(parse_info(&text))
}

/// Per-command difference `after - before` (calls, usec).
pub fn diff(before: &Stats, after: &Stats) -> BTreeMap<String, CmdStat> {
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
pub const HARNESS_COMMANDS: &[&str] = &[
    "info",
    "xinfo|stream",
    "config|set",
    "slowlog|reset",
    "slowlog|get",
];

/// Commands that are engine upkeep rather than the per-job hot path.
pub const UPKEEP_COMMANDS: &[&str] = &["xautoclaim", "xinfo|groups"];

/// A run's command deltas split three ways.
pub struct Classified {
    /// Commands sent by clients (producers, worker), by name.
    pub round_trips: BTreeMap<String, u64>,
    /// Commands run inside the functions, by name.
    pub inside: BTreeMap<String, u64>,
    /// Calls the harness itself made.
    pub harness: u64,
}

pub fn classify(delta: &BTreeMap<String, CmdStat>) -> Classified {
    let inner = inner_commands();
    let mut c = Classified {
        round_trips: BTreeMap::new(),
        inside: BTreeMap::new(),
        harness: 0,
    };
    for (name, d) in delta {
        if HARNESS_COMMANDS.contains(&name.as_str()) {
            c.harness += d.calls;
        } else if inner.contains(name) {
            c.inside.insert(name.clone(), d.calls);
        } else {
            c.round_trips.insert(name.clone(), d.calls);
        }
    }
    c
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// CPU seconds (user + system) used by this process so far.
pub fn self_cpu_s() -> f64 {
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
pub fn pct<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((p / 100.0) * sorted.len() as f64).floor() as usize;
    Some(sorted[i.min(sorted.len() - 1)])
}
