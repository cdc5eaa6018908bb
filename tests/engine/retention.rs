//! Bounded memory: with short TTLs, key counts and memory come back down
//! after a burst of jobs.

use std::time::Duration;

use faultline::startup::Role;

use crate::helpers::*;

fn info_number(redis: &TestRedis, section: &str, field: &str) -> i64 {
    let text: String = redis::from_redis_value(redis.query(&["INFO", section]).unwrap()).unwrap();
    parse_info(&text, field)
}

fn parse_info(text: &str, field: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(-1)
}

fn dbsize(redis: &TestRedis) -> i64 {
    redis::from_redis_value(redis.query(&["DBSIZE"]).unwrap()).unwrap()
}

/// Touches every key so Redis expires the dead ones now rather than lazily.
fn sweep(redis: &TestRedis) {
    let mut cursor = "0".to_string();
    loop {
        let (next, _keys): (String, Vec<String>) =
            redis::from_redis_value(redis.query(&["SCAN", &cursor, "COUNT", "1000"]).unwrap())
                .unwrap();
        if next == "0" {
            break;
        }
        cursor = next;
    }
}

#[tokio::test]
async fn memory_and_key_counts_come_back_down_after_ttls_expire() {
    let redis = TestRedis::start();
    let ttl = [
        ("JOB_EXPIRATION", "3"),
        ("CACHE_EXPIRATION", "3"),
        ("EVENT_RETENTION", "3"),
        ("WORKER_CONCURRENCY", "8"),
    ];
    let app = spawn_app(&redis, Role::Serve, real_engine(), &ttl).await;
    let (keys_before, memory_before) =
        (dbsize(&redis), info_number(&redis, "memory", "used_memory"));

    let jobs = app.submit_specs(1000, 150).await;
    // Done when every job is terminal (or already expired after finishing).
    for job in &jobs {
        while let Some(s) = app.fns.snapshot(job.parse().unwrap()).await.unwrap() {
            if s.status.is_terminal() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let (keys_peak, memory_peak) = (dbsize(&redis), info_number(&redis, "memory", "used_memory"));
    assert!(
        keys_peak > keys_before + 150,
        "jobs, caches, logs and artifacts exist: {keys_before} → {keys_peak}"
    );

    tokio::time::sleep(Duration::from_millis(4000)).await;
    sweep(&redis);
    // What may remain per shard: the (empty) feed and dead-letter streams.
    let shards = app.fns.store.keys.shards() as i64;
    // A maintenance tick prunes the index; on a loaded machine it may take
    // a few ticks, so poll (bounded) instead of sleeping one.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while dbsize(&redis) > keys_before + 2 * shards && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (keys_after, memory_after) = (dbsize(&redis), info_number(&redis, "memory", "used_memory"));
    assert!(
        keys_after <= keys_before + 2 * shards,
        "keys: before {keys_before}, peak {keys_peak}, after {keys_after}"
    );
    let grown = memory_peak - memory_before;
    assert!(
        memory_after - memory_before < grown / 4,
        "memory: before {memory_before}, peak {memory_peak}, after {memory_after}"
    );
    let (_, list) = app.get("/jobs").await;
    assert_eq!(list["total"], 0, "the index was pruned with its jobs");
}
