//! Where Redis is and how to connect to it: one server (`REDIS_URL`) or a
//! cluster (`REDIS_CLUSTER_NODES`). The only place that knows the
//! difference; everything else sends the same commands through `Conn`.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder, ClusterConfig};
use redis::cluster_routing::{
    MultipleNodeRoutingInfo, Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr,
};
use redis::{AsyncConnectionConfig, Client, ClientTlsConfig, TlsCertificates, Value};

use super::conn::Conn;

/// The configured Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One Redis server.
    Single(String),
    /// Seed nodes of a Redis Cluster (`redis://host:port` each).
    Cluster(Vec<String>),
}

/// Shown with any password masked, so errors and logs never carry it.
impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Single(url) => write!(f, "{}", redact(url)),
            Target::Cluster(nodes) => {
                let nodes: Vec<String> = nodes.iter().map(|n| redact(n)).collect();
                write!(f, "cluster {}", nodes.join(","))
            }
        }
    }
}

/// `url` with its password replaced by `***` (unparsable: not shown at all):
/// the userinfo's (`redis://user:pw@host`) and a `pass` or `password` query
/// parameter's (`redis+unix:///run/redis.sock?pass=pw`, how a Unix-socket
/// URL carries it).
pub fn redact(url: &str) -> String {
    match redis::parse_redis_url(url) {
        Some(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            let secret =
                |k: &str| k.eq_ignore_ascii_case("pass") || k.eq_ignore_ascii_case("password");
            if parsed.query_pairs().any(|(k, _)| secret(&k)) {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if secret(&k) {
                            "***".into()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        None => "(an unparsable URL)".to_string(),
    }
}

/// Certificates for `rediss://` (PEM): a private CA to trust instead of the
/// public roots (`REDIS_CA_CERT`), and a client certificate and key for
/// mutual TLS (`REDIS_CLIENT_CERT`, `REDIS_CLIENT_KEY`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca_cert: Option<Vec<u8>>,
    pub client_cert_and_key: Option<(Vec<u8>, Vec<u8>)>,
}

// Never print certificates or keys.
impl std::fmt::Debug for TlsFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("ca_cert", &self.ca_cert.is_some())
            .field("client_cert", &self.client_cert_and_key.is_some())
            .finish()
    }
}

impl TlsFiles {
    fn is_empty(&self) -> bool {
        self.ca_cert.is_none() && self.client_cert_and_key.is_none()
    }

    fn certificates(&self) -> TlsCertificates {
        TlsCertificates {
            client_tls: self
                .client_cert_and_key
                .clone()
                .map(|(client_cert, client_key)| ClientTlsConfig {
                    client_cert,
                    client_key,
                }),
            root_cert: self.ca_cert.clone(),
        }
    }
}

/// redis-rs brings rustls without a crypto provider: install ring's once.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err means another provider is installed already: keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client for the configured topology.
#[derive(Clone)]
pub enum Topology {
    Single {
        client: Box<Client>,
        timeout: Duration,
    },
    Cluster {
        /// The shared connections' client.
        client: Box<ClusterClient>,
        timeout: Duration,
        /// What `dedicated` builds its own clients from: a client's overall
        /// deadline is fixed when it is built (`ClusterConfig` cannot change
        /// it), so a blocking read needs a client of its own.
        nodes: Vec<String>,
        certificates: Option<TlsCertificates>,
    },
}

impl Topology {
    /// A client for `target`; `rediss://` addresses use TLS (with `tls`'s
    /// CA and client certificate when given, else the public roots).
    pub fn open(target: &Target, timeout: Duration, tls: &TlsFiles) -> redis::RedisResult<Self> {
        let urls = match target {
            Target::Single(url) => std::slice::from_ref(url),
            Target::Cluster(nodes) => nodes.as_slice(),
        };
        let secure = urls.iter().any(|u| u.starts_with("rediss://"));
        if secure {
            install_crypto_provider();
        } else if !tls.is_empty() {
            return Err(redis::RedisError::from((
                redis::ErrorKind::InvalidClientConfig,
                "REDIS_CA_CERT / REDIS_CLIENT_CERT are set but the Redis address is not rediss://",
            )));
        }
        let certificates = (secure && !tls.is_empty()).then(|| tls.certificates());
        Ok(match target {
            Target::Single(url) => Topology::Single {
                client: Box::new(match certificates {
                    Some(certs) => Client::build_with_tls(url.as_str(), certs)?,
                    None => Client::open(url.as_str())?,
                }),
                timeout,
            },
            Target::Cluster(nodes) => Topology::Cluster {
                client: Box::new(cluster_client(
                    nodes,
                    ClusterTimeouts::shared(timeout),
                    certificates.clone(),
                )?),
                timeout,
                nodes: nodes.clone(),
                certificates,
            },
        })
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, Topology::Cluster { .. })
    }

    /// The shared connection: lazily connecting and self-healing.
    pub fn shared(&self) -> redis::RedisResult<Conn> {
        match self {
            Topology::Single { client, timeout } => {
                let config = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(*timeout))
                    .set_connection_timeout(Some(*timeout))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_millis(500));
                Ok(Conn::Single(ConnectionManager::new_lazy_with_config(
                    client.as_ref().clone(),
                    config,
                )?))
            }
            Topology::Cluster {
                client, timeout, ..
            } => Ok(Conn::Cluster(
                // The same timeouts it was built with (a `ClusterConfig`
                // always replaces the response timeout, even when unset).
                client.get_pending_async_connection_with_config(
                    ClusterConfig::new()
                        .set_connection_timeout(*timeout)
                        .set_response_timeout(*timeout),
                ),
            )),
        }
    }

    /// A connection of its own (sockets not shared with any other) whose
    /// response timeout outlasts a blocking read of `block`. On a cluster it
    /// is a whole cluster connection, so it follows its shard's slot through
    /// failovers like the shared one.
    pub async fn dedicated(&self, block: Duration) -> redis::RedisResult<Conn> {
        match self {
            Topology::Single { client, timeout } => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(*timeout))
                    .set_response_timeout(Some(block + *timeout));
                Ok(Conn::Direct(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await?,
                ))
            }
            Topology::Cluster {
                timeout,
                nodes,
                certificates,
                ..
            } => {
                let timeouts = ClusterTimeouts::dedicated(*timeout, block);
                let client = cluster_client(nodes, timeouts, certificates.clone())?;
                Ok(Conn::Cluster(client.get_async_connection().await?))
            }
        }
    }

    pub async fn on_every_master(
        &self,
        conn: &Conn,
        cmd: &redis::Cmd,
    ) -> redis::RedisResult<Vec<Value>> {
        match conn {
            Conn::Cluster(c) => {
                let mut c = c.clone();
                let reply = c
                    .route_command(
                        cmd.clone(),
                        RoutingInfo::MultiNode((MultipleNodeRoutingInfo::AllMasters, None)),
                    )
                    .await?;
                Ok(match reply {
                    Value::Map(pairs) => pairs.into_iter().map(|(_, v)| v).collect(),
                    other => vec![other],
                })
            }
            other => {
                let mut c = other.clone();
                Ok(vec![cmd.query_async(&mut c).await?])
            }
        }
    }

    /// WAIT counts the replicas that have every write this client sent to
    /// the node: on a cluster it must go to the master owning `key` over the
    /// same multiplexed socket the write used, which routing by slot does.
    pub async fn wait_replicas(
        &self,
        conn: &Conn,
        key: &str,
        replicas: u32,
        timeout: Duration,
    ) -> redis::RedisResult<i64> {
        let mut cmd = redis::cmd("WAIT");
        cmd.arg(replicas).arg(timeout.as_millis() as u64);
        match conn {
            Conn::Cluster(c) => {
                let slot = crate::store::keys::slot(hash_tag(key));
                let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(
                    Route::new(slot, SlotAddr::Master),
                ));
                let reply = c.clone().route_command(cmd, route).await?;
                redis::from_redis_value(reply).map_err(Into::into)
            }
            other => cmd.query_async(&mut other.clone()).await,
        }
    }
}

/// The part of a key Redis Cluster hashes: the first `{…}` if non-empty.
fn hash_tag(key: &str) -> &str {
    if let Some(open) = key.find('{')
        && let Some(len) = key[open + 1..].find('}')
        && len > 0
    {
        return &key[open + 1..open + 1 + len];
    }
    key
}

/// The timeouts of a cluster client. The overall deadline (a request with
/// all its retries) is fixed when the client is built: redis-rs's
/// `ClusterConfig` (`*_with_config`) replaces the per-attempt response
/// timeout but keeps the builder's overall one, so a client for blocking
/// reads must be built with a deadline that outlasts the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ClusterTimeouts {
    connect: Duration,
    /// One attempt.
    response: Duration,
    /// A request and all its retries.
    overall: Duration,
}

impl ClusterTimeouts {
    /// Ordinary calls: `REDIS_TIMEOUT_MS` an attempt, three of them overall.
    fn shared(timeout: Duration) -> Self {
        ClusterTimeouts {
            connect: timeout,
            response: timeout,
            overall: timeout * 3,
        }
    }

    /// Blocking reads of up to `block`: an attempt may take the block plus a
    /// timeout, and the retry budget of `shared` comes on top, so no
    /// `REDIS_TIMEOUT_MS` is short enough to cut a block off.
    fn dedicated(timeout: Duration, block: Duration) -> Self {
        ClusterTimeouts {
            connect: timeout,
            response: block + timeout,
            overall: block + timeout * 3,
        }
    }
}

/// Retries: a failover (replica promoted after cluster-node-timeout) takes a
/// few seconds; MOVED/ASK and refused connections are retried with a short
/// jittered backoff (50 ms doubling, capped at 1 s) while the overall
/// deadline, three response timeouts, keeps a dead cluster answering fast.
fn cluster_client(
    nodes: &[String],
    timeouts: ClusterTimeouts,
    certificates: Option<TlsCertificates>,
) -> redis::RedisResult<ClusterClient> {
    let mut builder = ClusterClientBuilder::new(nodes.to_vec());
    if let Some(certs) = certificates {
        builder = builder.certs(certs);
    }
    builder
        .retries(12)
        .min_retry_wait(20)
        .max_retry_wait(1000)
        .retry_wait_formula(50, 2)
        .connection_timeout(timeouts.connect)
        .response_timeout(timeouts.response)
        .overall_response_timeout(Some(timeouts.overall))
        .build()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{ClusterTimeouts, cluster_client, hash_tag};

    #[test]
    fn a_blocking_read_on_a_cluster_outlasts_its_block_whatever_the_timeout() {
        let block = Duration::from_millis(1000);
        for ms in [1, 50, 333, 2000] {
            let timeout = Duration::from_millis(ms);
            let t = ClusterTimeouts::dedicated(timeout, block);
            assert!(t.response > block, "{ms}: {t:?}");
            assert!(t.overall >= t.response, "{ms}: {t:?}");
            assert!(t.overall > block + timeout, "{ms}: {t:?}");
            // The client actually built carries it (redis-rs shows its
            // parameters in Debug; `ClusterConfig` could not change this).
            let nodes = ["redis://127.0.0.1:7000".to_string()];
            let client = cluster_client(&nodes, t, None).unwrap();
            let shown = format!("{client:?}");
            assert!(
                shown.contains(&format!("overall_response_timeout: Some({:?})", t.overall)),
                "{shown}"
            );
            assert!(
                shown.contains(&format!("response_timeout: Some({:?})", t.response)),
                "{shown}"
            );
        }
        let shared = ClusterTimeouts::shared(Duration::from_millis(300));
        assert_eq!(shared.overall, Duration::from_millis(900));
        assert_eq!(shared.response, Duration::from_millis(300));
    }

    #[test]
    fn passwords_are_masked_when_shown() {
        let t = super::Target::Single("rediss://app:s3cret@db.example:6380/0".into());
        assert_eq!(t.to_string(), "rediss://app:***@db.example:6380/0");
        let c = super::Target::Cluster(vec!["redis://:pw@10.0.0.1:7000".into()]);
        assert!(!c.to_string().contains("pw@"), "{c}");
        // A Unix socket's password is a query parameter.
        let unix = super::redact("redis+unix:///tmp/x.sock?db=2&pass=SECRETPW&user=app");
        assert_eq!(unix, "redis+unix:///tmp/x.sock?db=2&pass=***&user=app");
        for url in [
            "unix:///tmp/x.sock?PASS=SECRETPW",
            "redis://h:6379/0?password=SECRETPW",
            "redis://u:SECRETPW@h:6379/0?pass=SECRETPW&pass=SECRETPW",
            "redis+unix:///tmp/x.sock?pass=SECRET%26PW",
        ] {
            let shown = super::redact(url);
            assert!(!shown.contains("SECRET"), "{url} → {shown}");
        }
        let t = super::Target::Single("redis+unix:///tmp/x.sock?pass=SECRETPW".into());
        assert!(!t.to_string().contains("SECRETPW"), "{t}");
    }

    #[test]
    fn the_hash_tag_is_the_first_non_empty_braces() {
        assert_eq!(hash_tag("fl:{s1.7}:work"), "s1.7");
        assert_eq!(hash_tag("job:{}:x"), "job:{}:x");
        assert_eq!(hash_tag("plain"), "plain");
    }
}
