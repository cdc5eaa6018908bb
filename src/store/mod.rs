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
