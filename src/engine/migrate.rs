//! Migrations: loads the `faultline` library and runs the setup steps
//! (consumer groups per shard), recording what was applied in a ledger.
//!
//! Safe when several processes start at once: one holds a lease lock while
//! the others wait, then all re-read the deployed version. A binary that finds
//! a newer library than it knows refuses to start.

use std::time::Duration;

use redis::AsyncCommands;

use super::error::EngineError;
use super::library;
use crate::store::Store;

/// The consumer group every worker reads the work streams with.
pub const GROUP: &str = "workers";
const LOCK_LEASE_MS: u64 = 30_000;

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    /// Library version found before (0 when none).
    pub from: u32,
    pub to: u32,
    /// Whether this call loaded the library.
    pub loaded: bool,
    pub groups_created: u32,
}

/// Reads `fl_version` → (version, checksum); (0, "") when not loaded. On a
/// cluster every master is asked (functions do not travel between shards)
/// and the oldest answer wins, so one master without the library (a new
/// master, a flushed one) makes `migrate` load it everywhere.
pub async fn deployed(store: &Store) -> Result<(u32, String), EngineError> {
    let mut cmd = redis::cmd("FCALL_RO");
    cmd.arg("fl_version").arg(0);
    match store.on_every_master(&cmd).await {
        Ok(answers) => {
            let mut seen = Vec::new();
            for answer in answers {
                // Each master answers for itself (a failure is a value here).
                if let redis::Value::ServerError(e) = answer {
                    let e = redis::RedisError::from(e);
                    if e.to_string().contains("Function not found") {
                        seen.push((0, String::new()));
                        continue;
                    }
                    return Err(e.into());
                }
                let v: String = redis::from_redis_value(answer)
                    .map_err(|e| EngineError::Protocol(format!("fl_version: {e}")))?;
                let (n, sum) = v.split_once(':').unwrap_or((&v, ""));
                seen.push((n.parse().unwrap_or(0), sum.to_string()));
            }
            seen.sort();
            seen.dedup();
            Ok(match seen.as_slice() {
                [] => (0, String::new()),
                [one] => one.clone(),
                // Masters disagree. A newer library anywhere: report it, so
                // this binary refuses to start rather than downgrade it.
                [.., newest] if newest.0 > library::version() => newest.clone(),
                // Else the oldest with a checksum that matches nothing, so
                // the library is loaded again on every master.
                [oldest, ..] => (oldest.0, "mixed".into()),
            })
        }
        Err(e) if e.to_string().contains("Function not found") => Ok((0, String::new())),
        Err(e) => Err(e.into()),
    }
}

/// Brings Redis up to this binary's library and setup steps.
pub async fn migrate(store: &Store) -> Result<MigrateReport, EngineError> {
    migrate_within(store, Duration::from_millis(2 * LOCK_LEASE_MS)).await
}

/// `migrate`, waiting at most `patience` for another process's migration
/// lock: a request that found the library gone answers quickly (503)
/// instead of waiting for a lease a killed migrator left behind.
pub async fn migrate_within(
    store: &Store,
    patience: Duration,
) -> Result<MigrateReport, EngineError> {
    let token = ulid::Ulid::generate().to_string();
    acquire_lock(store, &token, patience).await?;
    let result = apply(store).await;
    release_lock(store, &token).await;
    result
}

async fn apply(store: &Store) -> Result<MigrateReport, EngineError> {
    let known = library::version();
    let (from, sum) = deployed(store).await?;
    if from > known {
        return Err(EngineError::NewerLibrary {
            deployed: from,
            known,
        });
    }
    let mut conn = store.conn.clone();
    let checksum = library::checksum();
    let loaded = from < known || sum != checksum;
    if loaded {
        // Routed to every master by the cluster client; replicas get it by
        // replication.
        redis::cmd("FUNCTION")
            .arg("LOAD")
            .arg("REPLACE")
            .arg(library::source())
            .query_async::<String>(&mut conn)
            .await?;
        let applied_at_ms = crate::clock::now_ms();
        for m in library::migrations()
            .iter()
            .filter(|m| m.version > from || sum != checksum)
        {
            let entry = serde_json::json!({"name": m.name, "checksum": checksum, "applied_at_ms": applied_at_ms});
            let _: () = conn
                .hset(store.keys.ledger(), m.version, entry.to_string())
                .await?;
        }
    }
    let groups_created = ensure_groups(store).await?;
    Ok(MigrateReport {
        from,
        to: known,
        loaded,
        groups_created,
    })
}

/// Creates the consumer group on every shard's work stream (idempotent).
pub async fn ensure_groups(store: &Store) -> Result<u32, EngineError> {
    let mut created = 0;
    for shard in 0..store.keys.shards() {
        if ensure_group(store, shard).await? {
            created += 1;
        }
    }
    Ok(created)
}

/// Creates one shard's group; false when it already existed.
pub async fn ensure_group(store: &Store, shard: u16) -> Result<bool, EngineError> {
    let mut conn = store.conn.clone();
    let reply: redis::RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(store.keys.work(shard))
        .arg(GROUP)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut conn)
        .await;
    match reply {
        Ok(()) => Ok(true),
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(false),
        Err(e) => Err(e.into()),
    }
}

async fn acquire_lock(store: &Store, token: &str, patience: Duration) -> Result<(), EngineError> {
    let mut conn = store.conn.clone();
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let got: Option<String> = redis::cmd("SET")
            .arg(store.keys.migrate_lock())
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(LOCK_LEASE_MS)
            .query_async(&mut conn)
            .await?;
        if got.is_some() {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(EngineError::Unavailable(
                "another process holds the migration lock".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Deletes the migration lease if it still holds `token` (if it expired
/// and another process took it, theirs is left alone). A compare-and-delete
/// without a script, so the service user needs no `EVAL`/`SCRIPT LOAD`
/// (which would let it run any Lua, an endless loop included): `WATCH` the
/// key, `GET` it, and `DEL` it in `MULTI`/`EXEC`, which Redis drops if the
/// key changed after the `WATCH`. `WATCH` belongs to a connection, so this
/// runs on one of its own; the lease is one key, so on a cluster every
/// command goes to the master owning its slot. A failure only leaves the
/// lease to expire by itself (30 s).
pub async fn release_lock(store: &Store, token: &str) {
    if let Err(e) = compare_and_delete(store, &store.keys.migrate_lock(), token).await {
        tracing::warn!(error = %e, "could not release the migration lock; it expires by itself");
    }
}

/// `DEL key` if its value is `value`; whether it was deleted.
async fn compare_and_delete(store: &Store, key: &str, value: &str) -> redis::RedisResult<bool> {
    let mut conn = store.dedicated(Duration::ZERO).await?;
    let (_, held): ((), Option<String>) = redis::pipe()
        .cmd("WATCH")
        .arg(key)
        .cmd("GET")
        .arg(key)
        .query_async(&mut conn)
        .await?;
    if held.as_deref() != Some(value) {
        // Not ours (or gone): the WATCH ends with the connection.
        return Ok(false);
    }
    // Nil when the key changed since the WATCH: then it is not ours either.
    let deleted: Option<(i64,)> = redis::pipe()
        .atomic()
        .del(key)
        .query_async(&mut conn)
        .await?;
    Ok(deleted.is_some_and(|(n,)| n == 1))
}
