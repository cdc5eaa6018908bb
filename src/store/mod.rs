//! Redis access: the shared auto-reconnecting connection, dedicated
//! connections for blocking reads, and the key layout.
//!
//! Every command has a response timeout: redis-rs 1.x defaults to 500 ms,
//! which would cut `XREADGROUP BLOCK` short, so blocking readers get their own
//! connection with a timeout longer than the block (a blocking read on a
//! shared multiplexed connection would also stall every other command on it).

pub mod embedded;
pub mod keys;

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client};

pub use keys::Keys;

/// The connection type every Redis call goes through.
pub type Conn = ConnectionManager;

/// A handle to Redis: cheap to clone (the connection is multiplexed).
#[derive(Clone)]
pub struct Store {
    pub conn: Conn,
    pub keys: Keys,
    client: Client,
    timeout: Duration,
}

impl Store {
    /// Opens a lazily connecting, self-healing connection: the process starts
    /// even while Redis is down, calls fail fast with an error, and the
    /// manager reconnects in the background.
    pub fn open(url: &str, keys: Keys, timeout: Duration) -> redis::RedisResult<Self> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Store {
            conn,
            keys,
            client,
            timeout,
        })
    }

    /// A connection of its own for blocking reads of up to `block`.
    pub async fn dedicated(&self, block: Duration) -> redis::RedisResult<MultiplexedConnection> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(block + self.timeout));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
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
