//! The key layout: every key Faultline touches is built here, or by the Lua
//! library from the prefixes built here (the batch functions, whose job keys
//! are known only inside the call; the tests below hold what the library
//! builds to these functions).
//!
//! Keys are grouped by *shard*. A shard is a hash tag (`{…}`), so every key of
//! one shard lives in one Redis Cluster slot and each Lua function touches a
//! single slot. Content is sharded by its SHA-256, so `cache:<hash>`, the
//! in-flight marker and the job created for that content live together, and
//! a job id carries its shard in its low 10 random bits (see `ids.rs`).
//!
//! Shard `i`'s tag is chosen so its slot lies in the `bitreverse10(i)`-th
//! sixteenth-of-a-thousandth of the slot space: the first N shards spread evenly
//! over the slot range whatever N is, so they spread over the masters too.

use crc::{CRC_16_XMODEM, Crc};

/// Highest number of shards a job id can address (10 bits).
pub const MAX_SHARDS: u16 = 1024;
const SLOTS: u16 = 16384;
const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// Redis Cluster's slot of a hash tag.
pub fn slot(tag: &str) -> u16 {
    CRC16.checksum(tag.as_bytes()) % SLOTS
}

/// The hash tag (without braces) of shard `i`: the first `s<i>.<k>` whose
/// slot falls in the shard's slot window. Stable forever: changing it would
/// orphan stored jobs.
pub fn shard_tag(i: u16) -> String {
    let width = SLOTS / MAX_SHARDS;
    let lo = (i % MAX_SHARDS).reverse_bits() >> 6; // bit-reverse within 10 bits
    let lo = lo * width;
    (0u32..)
        .map(|k| format!("s{i}.{k}"))
        .find(|tag| (lo..lo + width).contains(&slot(tag)))
        .expect("a tag exists for every window")
}

/// Builds key names. Cheap to clone; holds the configured prefixes and the
/// precomputed shard tags.
#[derive(Debug, Clone)]
pub struct Keys {
    job_prefix: String,
    cache_prefix: String,
    ns: String,
    tags: Vec<String>,
}

impl Keys {
    pub fn new(job_prefix: &str, cache_prefix: &str, namespace: &str, shards: u16) -> Self {
        Keys {
            job_prefix: job_prefix.to_string(),
            cache_prefix: cache_prefix.to_string(),
            ns: namespace.to_string(),
            tags: (0..shards.min(MAX_SHARDS)).map(shard_tag).collect(),
        }
    }

    pub fn shards(&self) -> u16 {
        self.tags.len() as u16
    }

    /// The shard for a content hash (hex SHA-256): its first 4 bytes mod N.
    pub fn shard_of_hash(&self, content_hash: &str) -> u16 {
        let head = u32::from_str_radix(content_hash.get(..8).unwrap_or("0"), 16).unwrap_or(0);
        (head % self.shards() as u32) as u16
    }

    /// The tag of `shard`; ids minted under a larger shard count still resolve.
    fn tag(&self, shard: u16) -> std::borrow::Cow<'_, str> {
        match self.tags.get(shard as usize) {
            Some(tag) => tag.as_str().into(),
            None => shard_tag(shard).into(),
        }
    }

    fn shard_key(&self, shard: u16, what: &str) -> String {
        format!("{}{{{}}}:{what}", self.ns, self.tag(shard))
    }

    /// `job:{tag}:`: what `job` puts before the id, for functions that
    /// derive the keys of the jobs they read from a stream.
    pub fn job_prefix(&self, shard: u16) -> String {
        self.job(shard, "")
    }

    /// `cache:{tag}:`: what `cache` puts before the content hash.
    pub fn cache_prefix(&self, shard: u16) -> String {
        self.cache(shard, "")
    }

    /// `fl:{tag}:`: what the per-job and per-content shard keys start with
    /// (`events:<id>`, `artifact:<sha256>` follow).
    pub fn shard_prefix(&self, shard: u16) -> String {
        self.shard_key(shard, "")
    }

    /// `job:{tag}:<id>`: the job snapshot (JSON string).
    pub fn job(&self, shard: u16, job_id: &str) -> String {
        format!("{}{{{}}}:{job_id}", self.job_prefix, self.tag(shard))
    }

    /// `cache:{tag}:<sha256>`: `{result, markdown}` of analysed content.
    pub fn cache(&self, shard: u16, content_hash: &str) -> String {
        format!(
            "{}{{{}}}:{content_hash}",
            self.cache_prefix,
            self.tag(shard)
        )
    }

    /// `fl:{tag}:source:<sha256>`: "<job id> <stream id>" of the `completed`
    /// event that wrote the cache entry; cache hits refer to it.
    pub fn source(&self, shard: u16, content_hash: &str) -> String {
        self.shard_key(shard, &format!("source:{content_hash}"))
    }

    /// `fl:{tag}:events:<id>`: the job's own event log (the audit log).
    pub fn events(&self, shard: u16, job_id: &str) -> String {
        self.shard_key(shard, &format!("events:{job_id}"))
    }

    /// `fl:{tag}:artifact:<sha256>`: the submitted content, for the worker.
    pub fn artifact(&self, shard: u16, content_hash: &str) -> String {
        self.shard_key(shard, &format!("artifact:{content_hash}"))
    }

    /// `fl:{tag}:inflight`: hash content_hash → job id of running analyses.
    pub fn inflight(&self, shard: u16) -> String {
        self.shard_key(shard, "inflight")
    }

    /// `fl:{tag}:work`: the work stream workers read with a consumer group.
    pub fn work(&self, shard: u16) -> String {
        self.shard_key(shard, "work")
    }

    /// `fl:{tag}:feed`: one entry per transition call of the shard, trimmed by time.
    pub fn feed(&self, shard: u16) -> String {
        self.shard_key(shard, "feed")
    }

    /// `fl:{tag}:jobs`: job index, score = created_at ms.
    pub fn index(&self, shard: u16) -> String {
        self.shard_key(shard, "jobs")
    }

    /// `fl:{tag}:jobs:expiry`: jobs found alive at their first pruning check,
    /// score = when their snapshot now expires (checked again then).
    pub fn expiry(&self, shard: u16) -> String {
        self.shard_key(shard, "jobs:expiry")
    }

    /// `fl:{tag}:jobs:pruned`: the created_at (ms) up to which the job index
    /// has had its first pruning check.
    pub fn prune_cursor(&self, shard: u16) -> String {
        self.shard_key(shard, "jobs:pruned")
    }

    /// `fl:{tag}:delayed`: retries waiting for their backoff, score = due ms.
    pub fn delayed(&self, shard: u16) -> String {
        self.shard_key(shard, "delayed")
    }

    /// `fl:{tag}:dead`: dead-letter stream.
    pub fn dead(&self, shard: u16) -> String {
        self.shard_key(shard, "dead")
    }

    /// `fl:{meta}:migrations`: the ledger of applied library migrations.
    pub fn ledger(&self) -> String {
        format!("{}{{meta}}:migrations", self.ns)
    }

    /// `fl:{meta}:migrate-lock`: held while one process migrates.
    pub fn migrate_lock(&self) -> String {
        format!("{}{{meta}}:migrate-lock", self.ns)
    }

    /// One row per key, for the README's key table.
    pub fn table() -> Vec<(&'static str, &'static str, &'static str)> {
        vec![
            (
                "job:{s}:<id>",
                "string (JSON)",
                "job snapshot; TTL JOB_EXPIRATION after the transition that ends the job, EVENT_RETENTION after any other (a job waiting in a backlog, or for workers that are down, is not lost after JOB_EXPIRATION), refreshed on every transition (feedback, which changes no state, extends only the log). A job born from the cache holds `result_source: {job_id, event_id}` (the `completed` event with its result) instead of a copy",
            ),
            (
                "cache:{s}:<sha256>",
                "string (JSON)",
                "`{result, markdown}` of analysed content (`GET /artifacts/{sha256}`); TTL CACHE_EXPIRATION",
            ),
            (
                "fl:{s}:source:<sha256>",
                "string",
                "`<job id> <stream id>` of the `completed` event that wrote the cache entry, which cache hits refer to; TTL CACHE_EXPIRATION",
            ),
            (
                "fl:{s}:events:<id>",
                "stream",
                "the job's event log (source of truth); TTL EVENT_RETENTION from its last event (renewed after the snapshot in each call, so it never expires first), and at least as long as the cache hits that refer to it; feedback stops at 256 events (409 `FEEDBACK_LIMIT`)",
            ),
            (
                "fl:{s}:feed",
                "stream",
                "one entry per transition call of the shard (per job: id, last seq, event types; a batch call repeats them per job); trimmed by MINID to EVENT_RETENTION",
            ),
            (
                "fl:{s}:work",
                "stream + group `workers`",
                "work entries; acknowledged and deleted with the job's completion or failure. Consumers of stopped workers (no pending entry, idle an hour) are removed from the group",
            ),
            (
                "fl:{s}:artifact:<sha256>",
                "string",
                "submitted content for the worker; TTL EVENT_RETENTION while its job waits (submission, a scheduled retry), JOB_EXPIRATION from each start, renewed by a long analysis's heartbeats (a job whose artifact is gone anyway fails saying so, never analysed empty). Over 2 KB it is written with a `SET` beside `fl_submit` and read back by the worker itself, never through Lua; content an API process submitted lately goes first without it, so a cache hit or an attach of it sends no bytes",
            ),
            (
                "fl:{s}:inflight",
                "hash",
                "content hash → job id of analyses in flight (single flight); removed when the job ends or expires before it runs, and taken over by the next submission when it names a job that is gone",
            ),
            (
                "fl:{s}:jobs",
                "sorted set",
                "job index by created_at ms (GET /jobs)",
            ),
            (
                "fl:{s}:jobs:expiry",
                "sorted set",
                "jobs still alive at their first pruning check, by when their snapshot now expires; checked again then",
            ),
            (
                "fl:{s}:jobs:pruned",
                "string",
                "created_at (ms) up to which `jobs` has had its first pruning check",
            ),
            (
                "fl:{s}:delayed",
                "sorted set",
                "retries waiting for their backoff, by due time",
            ),
            (
                "fl:{s}:dead",
                "stream",
                "dead-lettered jobs with their last error; trimmed to EVENT_RETENTION",
            ),
            (
                "fl:{meta}:migrations",
                "hash",
                "migration ledger: version → library checksum and time",
            ),
            (
                "fl:{meta}:migrate-lock",
                "string",
                "held by the process applying migrations (30 s lease)",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_shards_spread_evenly_over_three_masters() {
        // redis-cli --cluster create splits 16384 slots into three ranges.
        let master = |s: u16| (s as u32 * 3 / SLOTS as u32) as usize;
        let mut per_master = [0; 3];
        for i in 0..12 {
            per_master[master(slot(&shard_tag(i)))] += 1;
        }
        assert!(
            per_master.iter().all(|n| (3..=5).contains(n)),
            "{per_master:?}"
        );
    }

    #[test]
    fn prefixes_build_the_same_keys_as_the_key_functions() {
        let k = Keys::new("job:", "cache:", "fl:", 16);
        for shard in [0, 7, 15] {
            assert_eq!(format!("{}ID", k.job_prefix(shard)), k.job(shard, "ID"));
            assert_eq!(format!("{}H", k.cache_prefix(shard)), k.cache(shard, "H"));
            assert_eq!(
                format!("{}events:ID", k.shard_prefix(shard)),
                k.events(shard, "ID")
            );
            assert_eq!(
                format!("{}artifact:H", k.shard_prefix(shard)),
                k.artifact(shard, "H")
            );
            assert_eq!(
                format!("{}source:H", k.shard_prefix(shard)),
                k.source(shard, "H")
            );
            // 010_rebuild: the expiry set from the index key.
            assert_eq!(format!("{}:expiry", k.index(shard)), k.expiry(shard));
            // 018_fenced_heartbeat: the shard prefix from the work key.
            let work = k.work(shard);
            assert_eq!(
                work.strip_suffix("work"),
                Some(k.shard_prefix(shard).as_str())
            );
        }
    }

    /// Every kind of key the Lua library builds itself (`<prefix> .. 'kind:'
    /// .. id`) is one the test above holds to the key functions.
    #[test]
    fn the_library_builds_no_other_kind_of_key() {
        let source = crate::engine::library::source();
        let kinds: std::collections::BTreeSet<&str> = regex::Regex::new(r"\.\. '([a-z_]+):' \.\.")
            .unwrap()
            .captures_iter(&source)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["artifact", "events", "source"],
            "a new kind of key built in Lua: add it to the test above"
        );
    }

    #[test]
    fn every_key_of_a_shard_shares_its_slot() {
        let keys = Keys::new("job:", "cache:", "fl:", 8);
        for shard in 0..8 {
            let tag = shard_tag(shard);
            for key in [
                keys.job(shard, "01J"),
                keys.cache(shard, "ab"),
                keys.events(shard, "01J"),
                keys.work(shard),
                keys.inflight(shard),
                keys.dead(shard),
            ] {
                assert!(key.contains(&format!("{{{tag}}}")), "{key}");
            }
        }
    }
}
