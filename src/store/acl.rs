//! The least-privilege Redis ACL: exactly the commands Faultline sends and
//! the key patterns of its key layout, for two users.
//!
//! - the **service** user (`serve`, `api`, `worker`): submissions, reads,
//!   workers, SSE, metrics; it cannot load or replace the Lua library;
//! - the **admin** user (`migrate` and the debugging commands `rebuild`,
//!   `inspect`, `events tail`, `replay`, `reanalyze`): the service's rights
//!   plus `FUNCTION LOAD` and the few reads only the debugging commands use.
//!
//! redis-rs also sends `CLIENT SETINFO` on connect and ignores its answer
//! (Redis 7.0 has no such subcommand, so it cannot be granted there; 7.2+
//! logs the refusal in `ACL LOG`).
//!
//! Commands run by the Lua functions (`redis.call` inside `FCALL`) are
//! checked against the caller's ACL too, so they are listed here as well.
//! `faultline acl` prints the `ACL SETUSER` lines; `docs/redis-acl.conf` is
//! that output for the default prefixes (a test keeps it current, another
//! checks every command named in `src/` and `migrations-lua/` is listed, and
//! the integration suite runs the main flow as these users).

use super::keys::Keys;

/// Which of the two users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclRole {
    Service,
    Admin,
}

/// Commands the service sends itself, and why.
pub const SERVICE_COMMANDS: &[(&str, &str)] = &[
    // Connection set-up by redis-rs and health checks.
    ("ping", "connection checks, /readyz"),
    ("select", "a REDIS_URL naming a database other than 0"),
    ("cluster|slots", "the cluster client's slot map"),
    ("asking", "the cluster client following an ASK redirect"),
    // The engine: one FCALL per transition, read-only functions for reads.
    (
        "fcall",
        "every transition (fl_submit, fl_start, fl_complete, ...)",
    ),
    ("fcall_ro", "fl_version and read-only folds"),
    // Reads of the API.
    ("get", "job snapshots and cache entries"),
    ("getrange", "GET /jobs/{id} reads a snapshot's head only"),
    (
        "mget",
        "GET /jobs: snapshots of a page; workers: artifacts over 2 KB",
    ),
    ("ttl", "GET /jobs/{id}: expires_in"),
    ("exists", "a job's event log outlives its snapshot"),
    ("zcard", "GET /jobs: total"),
    ("zrange", "GET /jobs: the job index"),
    ("xrange", "GET /jobs/{id}/events, replay"),
    (
        "multi",
        "replay reads a job's log and snapshot as one unit (MULTI/EXEC)",
    ),
    (
        "exec",
        "with MULTI, replay's read of log and snapshot and the lease release",
    ),
    (
        "xread",
        "the SSE feed; workers wait for new work (XREAD BLOCK on dedicated connections)",
    ),
    // Workers.
    ("xreadgroup", "workers read the work streams"),
    ("xautoclaim", "reclaim entries of a dead worker"),
    (
        "xadd",
        "a malformed work entry goes to the dead-letter stream",
    ),
    ("xack", "with XDEL, drop a malformed work entry"),
    ("xdel", "with XACK, drop a malformed work entry"),
    // Start-up: consumer groups and the migration lease.
    ("xgroup|create", "one consumer group per shard"),
    (
        "set",
        "the migration lease lock (SET NX PX); artifacts over 2 KB, beside fl_submit",
    ),
    (
        "watch",
        "release the lease only if still ours (WATCH, GET, MULTI/DEL/EXEC)",
    ),
    ("del", "with WATCH and MULTI/EXEC, release the lease"),
    // Readiness and queue metrics.
    ("xinfo|groups", "/readyz and the lag gauges"),
    ("xpending", "the pending gauges"),
    ("xlen", "stream length gauges"),
    ("time", "server time for the oldest-pending age"),
    ("wait", "SUBMIT_WAIT_REPLICAS"),
    (
        "info",
        "/readyz and start-up: a replica, an evicting maxmemory-policy or a full server",
    ),
];

/// Commands `redis.call` runs inside the library (`migrations-lua/`).
pub const LUA_COMMANDS: &[&str] = &[
    "del",
    "exists",
    "expire",
    "get",
    "getrange",
    "hdel",
    "hget",
    "hset",
    "pttl",
    "set",
    "setrange",
    "time",
    "xack",
    "xadd",
    "xclaim",
    "xdel",
    "xgroup|delconsumer",
    "xinfo|consumers",
    "xlen",
    "xpending",
    "xrange",
    "xreadgroup",
    "xrevrange",
    "xtrim",
    "zadd",
    "zrangebyscore",
    "zrem",
    "zscore",
];

/// What only the admin user may do, and why.
pub const ADMIN_COMMANDS: &[(&str, &str)] = &[
    (
        "function|load",
        "faultline migrate: load or upgrade the library",
    ),
    ("strlen", "faultline inspect: artifact size"),
];

/// The ACL rules (after `reset`) of `role` for this key layout: no
/// channels, only Faultline's key patterns, only the listed commands.
pub fn rules(keys: &Keys, role: AclRole) -> Vec<String> {
    let mut rules = vec!["resetchannels".to_string()];
    rules.extend(
        key_patterns(keys, role)
            .into_iter()
            .map(|p| format!("~{p}")),
    );
    rules.push("-@all".into());
    rules.extend(commands(role).into_iter().map(|c| format!("+{c}")));
    rules
}

/// The commands `role` is granted, sorted and without duplicates.
pub fn commands(role: AclRole) -> Vec<&'static str> {
    let mut all: Vec<&str> = SERVICE_COMMANDS.iter().map(|(c, _)| *c).collect();
    all.extend(LUA_COMMANDS);
    if role == AclRole::Admin {
        all.extend(ADMIN_COMMANDS.iter().map(|(c, _)| *c));
    }
    all.sort_unstable();
    all.dedup();
    all
}

/// Key patterns derived from the key builders, so they follow the layout:
/// the shard tag becomes `{*}` and ids and hashes `*`; glob characters in
/// the configured prefixes are escaped.
pub fn key_patterns(keys: &Keys, role: AclRole) -> Vec<String> {
    const ID: &str = "\u{1}";
    let mut samples = vec![
        keys.job(0, ID),
        keys.cache(0, ID),
        keys.events(0, ID),
        keys.source(0, ID),
        keys.artifact(0, ID),
        keys.inflight(0),
        keys.work(0),
        keys.feed(0),
        keys.index(0),
        keys.expiry(0),
        keys.prune_cursor(0),
        keys.delayed(0),
        keys.dead(0),
        keys.migrate_lock(),
    ];
    if role == AclRole::Admin {
        samples.push(keys.ledger());
    }
    let tag = format!("{{{}}}", super::keys::shard_tag(0));
    samples
        .iter()
        .map(|key| {
            let escaped: String = key
                .chars()
                .flat_map(|c| {
                    let special = matches!(c, '*' | '?' | '[' | ']' | '\\');
                    special.then_some('\\').into_iter().chain([c])
                })
                .collect();
            escaped.replacen(&tag, "{*}", 1).replace(ID, "*")
        })
        .collect()
}

/// `ACL SETUSER <user> reset on [#<sha256 of password>] <rules>`. Without a
/// password the user exists but cannot log in until one is added; only the
/// password's SHA-256 is printed.
pub fn setuser(user: &str, password: Option<&str>, rules: &[String]) -> String {
    use sha2::Digest;
    let mut line = format!("ACL SETUSER {user} reset on");
    if let Some(password) = password {
        let digest = sha2::Sha256::digest(password.as_bytes());
        line.push_str(&format!(" #{}", hex::encode(digest)));
    }
    for rule in rules {
        line.push(' ');
        line.push_str(rule);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys() -> Keys {
        Keys::new("job:", "cache:", "fl:", 16)
    }

    #[test]
    fn patterns_follow_the_key_layout() {
        let patterns = key_patterns(&keys(), AclRole::Service);
        assert!(patterns.contains(&"job:{*}:*".to_string()), "{patterns:?}");
        assert!(patterns.contains(&"fl:{*}:events:*".to_string()));
        assert!(patterns.contains(&"fl:{meta}:migrate-lock".to_string()));
        assert!(!patterns.iter().any(|p| p.contains("migrations")));
        let admin = key_patterns(&keys(), AclRole::Admin);
        assert!(admin.contains(&"fl:{meta}:migrations".to_string()));
        // Glob characters in a prefix are matched literally.
        let odd = Keys::new("j*b:", "cache:", "fl:", 4);
        assert!(key_patterns(&odd, AclRole::Service).contains(&"j\\*b:{*}:*".to_string()));
    }

    #[test]
    fn the_admin_user_has_everything_the_service_has() {
        let service: BTreeSet<_> = commands(AclRole::Service).into_iter().collect();
        let admin: BTreeSet<_> = commands(AclRole::Admin).into_iter().collect();
        assert!(service.is_subset(&admin));
        assert!(admin.contains("function|load") && !service.contains("function|load"));
    }

    #[test]
    fn only_a_hash_of_the_password_is_printed() {
        let line = setuser("faultline", Some("s3cret-pass"), &["+ping".into()]);
        assert!(line.starts_with("ACL SETUSER faultline reset on #"));
        assert!(!line.contains("s3cret-pass"));
        assert!(setuser("x", None, &[]).ends_with("reset on"));
    }

    /// Every command the code names (`redis::cmd("X")`, `pipe.cmd("X")`,
    /// `redis.call('X')`) must be granted: adding one without updating the
    /// ACL fails here, before it fails in production with NOPERM.
    #[test]
    fn every_command_in_the_code_is_granted() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let granted: BTreeSet<String> = commands(AclRole::Admin)
            .iter()
            .map(|c| c.split('|').next().unwrap().to_string())
            .collect();
        // `shutdown`, `config`: sent only to the private Redis `serve`
        // starts itself (default user). `quit`: never checked against ACLs.
        let not_as_faultline = ["shutdown", "config", "quit"];
        let mut missing = Vec::new();
        for file in files(&root.join("src"), "rs") {
            let text = std::fs::read_to_string(&file).unwrap();
            // Scripts embedded in Rust run as the caller too.
            let embedded = ["redis.call('", "redis.call(\""]
                .into_iter()
                .flat_map(|o| quoted_after(&text, o, o.chars().last().unwrap()));
            for name in quoted_after(&text, "cmd(\"", '"').chain(embedded) {
                let name = name.to_ascii_lowercase();
                if !granted.contains(&name) && !not_as_faultline.contains(&name.as_str()) {
                    missing.push(format!("{name} ({})", file.display()));
                }
            }
        }
        let lua: BTreeSet<&str> = LUA_COMMANDS.iter().copied().collect();
        for file in files(&root.join("migrations-lua"), "lua") {
            let text = std::fs::read_to_string(&file).unwrap();
            for quote in ['\'', '"'] {
                for name in quoted_after(&text, &format!("redis.call({quote}"), quote)
                    .chain(quoted_after(&text, &format!("redis.pcall({quote}"), quote))
                {
                    let name_lc = name.to_ascii_lowercase();
                    let sub = format!("{name_lc}|");
                    if !lua.iter().any(|c| *c == name_lc || c.starts_with(&sub)) {
                        missing.push(format!("{name} ({})", file.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "commands not in src/store/acl.rs: {missing:?}"
        );
    }

    /// `docs/redis-acl.conf` is `faultline acl` for the default layout.
    #[test]
    fn the_committed_acl_is_current() {
        let committed = include_str!("../../docs/redis-acl.conf");
        let want = crate::cli::acl_text(&keys());
        assert!(
            committed == want,
            "docs/redis-acl.conf is stale: run `cargo run -q -- acl > docs/redis-acl.conf`"
        );
    }

    fn quoted_after<'a>(
        text: &'a str,
        opener: &'a str,
        close: char,
    ) -> impl Iterator<Item = &'a str> + 'a {
        text.match_indices(opener).filter_map(move |(i, _)| {
            let rest = &text[i + opener.len()..];
            let name = &rest[..rest.find(close)?];
            name.chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_')
                .then_some(name)
        })
    }

    fn files(dir: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files(&path, ext));
            } else if path.extension().is_some_and(|e| e == ext) && !path.ends_with("acl.rs") {
                out.push(path);
            }
        }
        out
    }
}
