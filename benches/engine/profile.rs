//! `--profile`: per-call timings from the private Redis's SLOWLOG — setting it
//! up, reading it back, and printing the table.

use std::collections::BTreeMap;

use redis::aio::MultiplexedConnection;

use crate::opts::Opts;
use crate::stats::pct;

/// Durations (µs) of every top-level call, by call name.
pub type Profile = BTreeMap<String, Vec<u64>>;

/// Whether to profile; if so, makes SLOWLOG log every call and empties it.
pub async fn prepare(
    opts: &Opts,
    private: bool,
    admin: &mut MultiplexedConnection,
) -> anyhow::Result<bool> {
    let profiling = opts.profile && private;
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
                .query_async::<()>(admin)
                .await?;
        }
        redis::cmd("SLOWLOG")
            .arg("RESET")
            .query_async::<()>(admin)
            .await?;
    }
    Ok(profiling)
}

/// Durations (µs, as Redis measured them) of every top-level call, by
/// command, and for FCALL by function name.
pub async fn collect(admin: &mut MultiplexedConnection) -> anyhow::Result<Profile> {
    let entries: Vec<redis::Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(-1)
        .query_async(admin)
        .await?;
    let mut by_call: Profile = BTreeMap::new();
    for entry in &entries {
        if let Some((name, us)) = slowlog_entry(entry) {
            by_call.entry(name).or_default().push(us);
        }
    }
    Ok(by_call)
}

/// A SLOWLOG entry's call name and duration; `None` for the harness's own
/// calls and malformed entries.
fn slowlog_entry(entry: &redis::Value) -> Option<(String, u64)> {
    let redis::Value::Array(fields) = entry else {
        return None;
    };
    let (Some(duration), Some(redis::Value::Array(args))) = (fields.get(2), fields.get(3)) else {
        return None;
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
        return None;
    }
    Some((name, us))
}

pub fn print_profile(profile: &Profile, n: f64) {
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
