//! Building and running the application: one startup path for `main` and
//! the tests. `App::build` resolves Redis, applies migrations, binds the HTTP
//! listener (port 0 picks a free one) and starts the workers.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::analysis::Analyzer;
use crate::api::{self, AppState};
use crate::config::Settings;
use crate::engine::{Functions, Ttls, migrate};
use crate::store::embedded::{self, EmbeddedRedis, Resolved};
use crate::store::{Keys, Store, Target};
use crate::worker::{Worker, WorkerConfig};

/// Which parts of the service this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// API and workers in one process.
    Serve,
    Api,
    Worker,
}

/// A running Faultline process.
pub struct App {
    /// The bound HTTP port (0 when the role has no API).
    pub port: u16,
    /// The bound `/metrics` port of a standalone worker (0 when not served).
    pub metrics_port: u16,
    pub fns: Functions,
    pub worker: Option<Arc<Worker>>,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    embedded: Option<EmbeddedRedis>,
}

/// Connections submissions with `SUBMIT_WAIT_REPLICAS` spread over: a WAIT
/// holds its connection to that node until replicas answer or it times out.
const WAITING_CONNECTIONS: usize = 8;

/// The store and functions for `settings`, connected to the Redis every
/// command but `serve` uses ([`default_target`]).
pub async fn connect(settings: &Settings) -> anyhow::Result<Functions> {
    functions(settings, &default_target(settings).await)
}

/// The configured Redis; without one, the private server a `serve` started
/// for `FAULTLINE_DATA_DIR` while it runs (so `replay` and a second `worker`
/// find what `scripts/run.sh` wrote), else `redis://localhost:6379/0`.
pub async fn default_target(settings: &Settings) -> Target {
    if let Some(target) = settings.redis_target() {
        return target;
    }
    match embedded::serving(std::path::Path::new(&settings.data_dir)).await {
        Some(url) => Target::Single(url),
        None => settings.redis_target_or_default(),
    }
}

/// The key layout `settings` configure.
pub fn keys(settings: &Settings) -> Keys {
    Keys::new(
        &settings.job_key_prefix,
        &settings.cache_key_prefix,
        &settings.key_namespace,
        settings.shards,
    )
}

/// The store and functions for `settings`, connected to `target`.
pub fn functions(settings: &Settings, target: &Target) -> anyhow::Result<Functions> {
    let keys = keys(settings);
    let mut store = Store::open(target, keys, settings.redis_timeout, &settings.redis_tls)
        .with_context(|| {
            format!(
                "invalid Redis address {} (REDIS_URL/REDIS_CLUSTER_NODES)",
                target
            )
        })?;
    if settings.submit_wait_replicas > 0 {
        store = store.with_waiting_connections(WAITING_CONNECTIONS)?;
    }
    let ttls = Ttls {
        job_s: settings.job_expiration,
        cache_s: settings.cache_expiration,
        events_s: settings.event_retention,
        max_attempts: settings.max_attempts,
    };
    Ok(Functions::new(store, ttls)
        .with_submit_wait(settings.submit_wait_replicas, settings.submit_wait_timeout)
        .with_keyring(settings.encryption.clone()))
}

pub fn worker_config(settings: &Settings) -> WorkerConfig {
    WorkerConfig {
        concurrency: settings.worker_concurrency,
        batch: settings.read_batch,
        visibility_timeout: settings.visibility_timeout,
        progress_flush: settings.progress_flush,
        retry_backoff: settings.retry_backoff,
        retry_backoff_max: settings.retry_backoff_max,
        block: Duration::from_millis(1000),
        analysis_timeout: settings.analysis_timeout,
    }
}

impl App {
    pub async fn build(
        settings: Settings,
        role: Role,
        analyzer: Arc<dyn Analyzer>,
    ) -> anyhow::Result<App> {
        let hangups = api::key_reload::listen().context("cannot catch SIGHUP")?;
        let (target, embedded) = redis_target(&settings, role).await?;
        let fns = functions(&settings, &target)?;
        let report = migrate_with_patience(&fns).await?;
        tracing::info!(
            from = report.from,
            to = report.to,
            loaded = report.loaded,
            "functions library ready"
        );
        tracing::info!(encryption = ?settings.encryption, "encryption at rest (key ids only)");
        if let Some(Err(unsafe_writes)) = fns.store.write_safety().await {
            // Not fatal (it may be fixed live), but /readyz says not ready.
            tracing::error!(problem = %unsafe_writes, "Redis may lose or refuse jobs");
        }
        let shutdown = CancellationToken::new();
        let metrics = crate::metrics::install(settings.shards);
        crate::metrics::visibility_timeout(settings.visibility_timeout.as_secs_f64());
        let mut tasks = vec![tokio::spawn(crate::metrics::sampler::run(
            fns.store.clone(),
            settings.visibility_timeout,
            shutdown.clone(),
        ))];
        let mut port = 0;
        let mut metrics_port = 0;
        let mut reloadable_keys = None;
        if role != Role::Worker {
            let listener = tokio::net::TcpListener::bind((settings.host.as_str(), settings.port))
                .await
                .with_context(|| {
                    format!(
                        "cannot listen on {}:{} (HOST/PORT)",
                        settings.host, settings.port
                    )
                })?;
            port = listener.local_addr()?.port();
            let state = AppState::new(fns.clone(), &settings, metrics.clone(), shutdown.clone());
            tracing::info!(addr = %listener.local_addr()?, "http listening");
            if settings.access.allowed_hosts == crate::config::AllowedHosts::Any {
                tracing::info!(
                    "answering every Host name (HOST is all interfaces without ALLOWED_HOSTS, \
                     or ALLOWED_HOSTS=*): list the names clients use in ALLOWED_HOSTS unless \
                     the proxy in front forwards only those"
                );
            }
            let gate = Arc::new(api::Gate::new(&settings.access));
            reloadable_keys = settings.access.keys_file.clone().map(|f| (gate.clone(), f));
            let routes = api::routes(state, &settings.access, gate);
            let (stop, header_timeout) = (shutdown.clone(), settings.header_timeout);
            tasks.push(tokio::spawn(api::server::serve(
                listener,
                routes,
                header_timeout,
                stop,
                Duration::from_secs(10),
            )));
        }
        tasks.push(api::key_reload::spawn(
            hangups,
            reloadable_keys,
            shutdown.clone(),
        ));
        let worker = (role != Role::Api)
            .then(|| Worker::new(fns.clone(), analyzer, worker_config(&settings)));
        if role == Role::Worker && settings.metrics_port != 0 {
            let (bound, task) = crate::metrics::server::start(
                &settings.host,
                settings.metrics_port,
                metrics,
                shutdown.clone(),
            )
            .await?;
            metrics_port = bound;
            tasks.push(task);
        }
        if let Some(w) = &worker {
            tasks.push(tokio::spawn(w.clone().run(shutdown.clone())));
        }
        Ok(App {
            port,
            metrics_port,
            fns,
            worker,
            shutdown,
            tasks,
            embedded,
        })
    }

    /// The token that stops the app; cancel it to shut down gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Runs until SIGINT/SIGTERM (or the token), then stops reading work,
    /// finishes in-flight attempts and returns.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let token = self.shutdown.clone();
        tokio::select! {
            _ = token.cancelled() => {}
            _ = termination() => tracing::info!("shutdown requested; finishing in-flight work"),
        }
        self.stop().await;
        Ok(())
    }

    /// Graceful stop: cancel, wait for the server and workers, stop the
    /// embedded Redis last.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
        if let Some(redis) = self.embedded {
            redis.shutdown().await;
        }
    }
}

async fn redis_target(
    settings: &Settings,
    role: Role,
) -> anyhow::Result<(Target, Option<EmbeddedRedis>)> {
    if let Some(target) = settings.redis_target() {
        return Ok((target, None));
    }
    if role != Role::Serve {
        return Ok((default_target(settings).await, None));
    }
    match embedded::resolve(std::path::Path::new(&settings.data_dir)).await? {
        Resolved::Existing(url) => Ok((Target::Single(url), None)),
        Resolved::Started(redis) => Ok((Target::Single(redis.url.clone()), Some(redis))),
    }
}

/// Applies migrations, waiting up to 30 s for Redis to come up.
pub async fn migrate_with_patience(fns: &Functions) -> anyhow::Result<migrate::MigrateReport> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match migrate::migrate(&fns.store).await {
            Err(e) if let Some(hint) = fatal_hint(&e.to_string()) => {
                return Err(anyhow::Error::new(e).context(hint));
            }
            Err(e) if e.is_unavailable() && tokio::time::Instant::now() < deadline => {
                tracing::warn!(error = %e, "waiting for redis");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => return other.context("migration failed"),
        }
    }
}

/// Errors waiting cannot fix, explained: a TLS certificate the client
/// refuses (or a server refusing ours), a Redis user without a permission.
fn fatal_hint(error: &str) -> Option<&'static str> {
    let denied = error.to_ascii_lowercase().contains("noperm");
    let tls = [
        "invalid peer certificate",
        "not valid for name",
        "received fatal alert",
        "peer is incompatible",
        "corrupt message",
    ];
    if tls.iter().any(|t| error.contains(t)) {
        return Some(
            "TLS handshake with Redis failed: check that the host name in REDIS_URL \
             (or REDIS_CLUSTER_NODES) is one the server's certificate names, that \
             REDIS_CA_CERT is the CA that signed it, and REDIS_CLIENT_CERT/REDIS_CLIENT_KEY \
             if the server asks for a client certificate",
        );
    }
    let lower = error.to_ascii_lowercase();
    if lower.contains("wrongpass")
        || lower.contains("authentication failed")
        || lower.contains("noauth")
    {
        return Some(
            "Redis refused the credentials: check the user and password in REDIS_URL \
             (or REDIS_CLUSTER_NODES) and that the user is enabled (`faultline acl`)",
        );
    }
    if error.contains("No connections found") {
        // The cluster client reports failed handshakes (credentials, TLS) so.
        return Some(
            "no Redis Cluster node accepted a connection: check the addresses, the \
             user:password and rediss:// of REDIS_CLUSTER_NODES (and REDIS_CA_CERT)",
        );
    }
    if denied && error.contains("function") {
        return Some(
            "this Redis user may not load the Lua library: run `faultline migrate` as the \
             admin Redis user first (see `faultline acl` and SECURITY.md)",
        );
    }
    if denied {
        return Some(
            "the Redis user lacks a permission Faultline needs: apply `faultline acl` \
             (see SECURITY.md)",
        );
    }
    None
}

async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
