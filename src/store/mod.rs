//! Redis access: the shared connection, dedicated connections for blocking
//! reads, and the key layout, on a single Redis or on Redis Cluster.
//!
//! Every command has a response timeout: redis-rs 1.x defaults to 500 ms,
//! which would cut `XREADGROUP BLOCK` short, so blocking readers get their own
//! connection with a timeout longer than the block (a blocking read on a
//! shared multiplexed connection would also stall every other command on it).
//! The topology only changes how connections are made (`Conn`, `topology.rs`).

pub mod acl;
mod conn;
pub mod embedded;
pub mod keys;
mod topology;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::clock::OncePerSecond;
use std::time::Duration;

pub use conn::Conn;
pub use keys::Keys;
pub use topology::{TlsFiles, Topology, redact};

/// A handle to Redis: cheap to clone (the connection is multiplexed).
#[derive(Clone)]
pub struct Store {
    pub conn: Conn,
    pub keys: Keys,
    topology: Topology,
    /// Connections for writes followed by `WAIT` (empty unless asked for):
    /// WAIT holds its connection (to that node) until replicas answer, so
    /// it must not run on the shared one every other call goes through.
    waiting: Arc<Vec<Conn>>,
    next_waiting: Arc<AtomicUsize>,
    /// Lets `reconnect_soon` run at most once a second.
    reconnect_gate: Arc<OncePerSecond>,
}

impl Store {
    /// Opens a lazily connecting, self-healing connection: the process starts
    /// even while Redis is down, calls fail fast with an error, and the
    /// connection recovers in the background (reconnect, or for a cluster
    /// a slot-map refresh after a failover).
    pub fn open(
        target: &topology::Target,
        keys: Keys,
        timeout: Duration,
        tls: &TlsFiles,
    ) -> redis::RedisResult<Self> {
        let topology = Topology::open(target, timeout, tls)?;
        let conn = topology.shared()?;
        Ok(Store {
            conn,
            keys,
            topology,
            waiting: Arc::new(Vec::new()),
            next_waiting: Arc::new(AtomicUsize::new(0)),
            reconnect_gate: Arc::new(OncePerSecond::new()),
        })
    }

    /// Adds `n` connections of their own for writes that `WAIT` for replicas.
    pub fn with_waiting_connections(mut self, n: usize) -> redis::RedisResult<Self> {
        let conns = (0..n)
            .map(|_| self.topology.shared())
            .collect::<redis::RedisResult<Vec<_>>>()?;
        self.waiting = Arc::new(conns);
        Ok(self)
    }

    /// A connection for a write that will be followed by `wait_replicas`
    /// (round robin over the waiting connections; the shared one if none).
    pub fn waiting_conn(&self) -> Conn {
        if self.waiting.is_empty() {
            return self.conn.clone();
        }
        let i = self.next_waiting.fetch_add(1, Ordering::Relaxed) % self.waiting.len();
        self.waiting[i].clone()
    }

    /// A connection of its own for blocking reads of up to `block`.
    pub async fn dedicated(&self, block: Duration) -> redis::RedisResult<Conn> {
        self.topology.dedicated(block).await
    }

    pub fn is_cluster(&self) -> bool {
        self.topology.is_cluster()
    }

    /// Runs `cmd` on every master (one on a single Redis); one answer per
    /// master, an error if any master failed.
    pub async fn on_every_master(&self, cmd: &redis::Cmd) -> redis::RedisResult<Vec<redis::Value>> {
        self.topology.on_every_master(&self.conn, cmd).await
    }

    /// `WAIT replicas timeout` on the node that owns `key`, after a write to
    /// it on `conn`: the number of replicas that acknowledged it.
    pub async fn wait_replicas(
        &self,
        conn: &Conn,
        key: &str,
        replicas: u32,
        timeout: Duration,
    ) -> redis::RedisResult<i64> {
        self.topology
            .wait_replicas(conn, key, replicas, timeout)
            .await
    }

    /// Makes the shared connections dial again: Redis closes a connection
    /// after `QUIT` (whatever the user's ACL), and the connection manager
    /// reconnects on its next command. For a server that stopped taking
    /// writes behind the configured address (a failover behind a DNS name
    /// or a proxy), which the manager does not notice by itself: its socket
    /// is fine. At most once a second; a cluster follows failovers itself.
    pub async fn reconnect_soon(&self) {
        if self.is_cluster() {
            return;
        }
        if !self.reconnect_gate.ready() {
            return;
        }
        tracing::warn!("Redis answered as a replica: reconnecting to the configured address");
        for conn in std::iter::once(&self.conn).chain(self.waiting.iter()) {
            let mut conn = conn.clone();
            let _: redis::RedisResult<()> = redis::cmd("QUIT").query_async(&mut conn).await;
        }
    }

    /// Whether the Redis behind a single address keeps what it is given:
    /// a master, not out of memory, and not evicting (every Faultline key
    /// has a TTL, so any policy but `noeviction` may drop queued jobs, logs
    /// and artifacts under memory pressure). `None` when it cannot tell:
    /// a cluster (per node), or a user without `INFO` (an ACL older than
    /// `faultline acl`'s).
    pub async fn write_safety(&self) -> Option<Result<String, String>> {
        if self.is_cluster() {
            return None;
        }
        let mut conn = self.conn.clone();
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .arg("replication")
            .query_async(&mut conn)
            .await
            .ok()?;
        Some(judge_write_safety(&info))
    }

    /// PING with the configured timeout.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map(|_| ())
    }
}

pub use topology::Target;

/// The value of `name` in an `INFO` reply (`name:value` lines).
pub fn info_field<'i>(info: &'i str, name: &str) -> Option<&'i str> {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

/// [`Store::write_safety`] of an `INFO memory replication` text.
fn judge_write_safety(info: &str) -> Result<String, String> {
    let field = |name: &str| info_field(info, name);
    let number = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let role = field("role").unwrap_or("master");
    if role != "master" {
        return Err(format!(
            "Redis is a replica (role:{role}): it refuses writes (a failover behind a fixed address?)"
        ));
    }
    let (used, max) = (number("used_memory"), number("maxmemory"));
    let policy = field("maxmemory_policy").unwrap_or("noeviction");
    if max > 0 && policy != "noeviction" {
        return Err(format!(
            "maxmemory-policy is {policy}: under memory pressure Redis evicts queued jobs, logs and \
             artifacts (all have TTLs); set maxmemory-policy noeviction"
        ));
    }
    if max > 0 && used >= max {
        return Err(format!(
            "Redis is out of memory ({used} of maxmemory {max} bytes used): writes are refused"
        ));
    }
    Ok(match max {
        0 => "master, no maxmemory".to_string(),
        _ => format!("master, noeviction, {used} of {max} bytes used"),
    })
}

#[cfg(test)]
mod tests {
    use super::judge_write_safety;

    #[test]
    fn a_replica_an_evicting_policy_or_a_full_server_is_not_safe_to_write() {
        let info = |role: &str, used: u64, max: u64, policy: &str| {
            format!(
                "# Memory\r\nused_memory:{used}\r\nmaxmemory:{max}\r\nmaxmemory_policy:{policy}\r\n# Replication\r\nrole:{role}\r\n"
            )
        };
        assert!(judge_write_safety(&info("master", 10, 0, "noeviction")).is_ok());
        assert!(judge_write_safety(&info("master", 10, 0, "allkeys-lru")).is_ok());
        assert!(judge_write_safety(&info("master", 10, 100, "noeviction")).is_ok());
        let err = judge_write_safety(&info("slave", 10, 0, "noeviction")).unwrap_err();
        assert!(err.contains("replica"), "{err}");
        let err = judge_write_safety(&info("master", 10, 100, "volatile-lru")).unwrap_err();
        assert!(err.contains("set maxmemory-policy noeviction"), "{err}");
        let err = judge_write_safety(&info("master", 100, 100, "noeviction")).unwrap_err();
        assert!(err.contains("out of memory"), "{err}");
    }
}
