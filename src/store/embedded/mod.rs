//! The embedded default: with no `REDIS_URL`, `serve` uses a Redis on
//! localhost:6379 if one answers, else starts a private `redis-server` child
//! with AOF on (data under `FAULTLINE_DATA_DIR`) and stops it on exit.
//!
//! Never two servers on one data dir (two would append to the same AOF, and
//! the replay of one's writes would undo the other's):
//!
//! - `faultline.lock` in the dir is locked (`flock`) by the process using
//!   it: a second `serve` on the same dir stops with an error.
//! - `redis.lock` is locked by the `redis-server` itself, which inherits the
//!   locked descriptor (as does an AOF-rewrite child it forks), so the lock
//!   is held exactly while a server may still write to the dir, whatever
//!   became of the process that started it. `redis.json` says where that
//!   server listens.
//! - On Linux the server gets SIGTERM when the process that started it dies,
//!   even by SIGKILL; Redis then flushes its AOF and exits.
//! - A server from an earlier run that still holds `redis.lock` (its parent
//!   died where that signal does not exist, or it is still shutting down) is
//!   asked to SHUTDOWN, so its AOF is complete, and waited for before a new
//!   one starts.
//!
//! A server loading a large AOF is a server coming up, waited for as long as
//! it loads, with its progress logged. It answers `-LOADING` only between
//! loading steps (every 1,024 AOF commands, every
//! `loading-process-events-interval-bytes` of an RDB base) and nothing in
//! between, for seconds on a slow disk or a busy machine: a port that takes
//! connections but leaves them unanswered is such a server, not a dead one.

mod data_dir;
mod spawn;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use data_dir::{ServerState, request_shutdown, stop_earlier_server, take_owner_lock, try_lock};
use spawn::{hand_over_lock_and_die_with_parent, spawn_from_lasting_thread};

/// Settings Faultline recommends for any Redis it uses (README, "Redis
/// settings"): a new stream preallocates `stream-node-max-bytes` (4096 by
/// default) and every job has a stream of its own, about 1 KB of events, so
/// 1024 halves the memory a job costs (6.2 → 3.2 KB measured) at the same
/// CPU. The embedded Redis and the benchmark's private one start with them.
pub const RECOMMENDED_ARGS: [&str; 2] = ["--stream-node-max-bytes", "1024"];

/// Held by the process using the data dir.
pub const OWNER_LOCK: &str = "faultline.lock";
/// Held by the redis-server serving the data dir.
pub const SERVER_LOCK: &str = "redis.lock";
/// Where the server holding `SERVER_LOCK` listens (`{"pid", "port"}`).
pub const SERVER_STATE: &str = "redis.json";

/// How long a server may refuse connections before start gives up on it (it
/// opens its port before it loads the AOF).
const SILENT_LIMIT: Duration = Duration::from_secs(10);
/// How often a loading server's progress is logged.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// How long an earlier server may take to stop after SHUTDOWN.
const EARLIER_SERVER_STOP: Duration = Duration::from_secs(60);

/// A `redis-server` child process; killed when dropped.
pub struct EmbeddedRedis {
    pub url: String,
    /// The server's process id.
    pub pid: u32,
    child: Option<Child>,
    /// The data dir's owner lock, released when this is dropped.
    _owner: File,
}

impl Drop for EmbeddedRedis {
    fn drop(&mut self) {
        // SIGKILL is safe here: AOF with appendfsync everysec loses at most
        // one second, and graceful paths call `shutdown` first.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl EmbeddedRedis {
    /// Asks the server to save and exit, then waits for it (and kills it
    /// if it has not exited within 10 s).
    pub async fn shutdown(mut self) {
        let _ = request_shutdown(&self.url).await;
        if let Some(child) = self.child.as_mut() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Where Redis should come from when `REDIS_URL` is unset.
pub enum Resolved {
    Existing(String),
    Started(EmbeddedRedis),
}

/// Finds or starts a Redis for `serve`.
pub async fn resolve(data_dir: &Path) -> anyhow::Result<Resolved> {
    const LOCAL: &str = "redis://127.0.0.1:6379/0";
    match probe_local(LOCAL).await {
        Probe::Ready => {
            tracing::info!(
                url = LOCAL,
                "using the Redis already running on localhost:6379"
            );
            if aof_enabled(LOCAL).await == Some(false) {
                tracing::warn!(
                    url = LOCAL,
                    "the Redis on localhost:6379 does not persist with AOF (appendonly no): jobs \
                     acknowledged to clients can be lost if it restarts; turn AOF on there, or stop \
                     it so that `serve` starts its private Redis with AOF, or set REDIS_URL"
                );
            }
            return Ok(Resolved::Existing(LOCAL.to_string()));
        }
        Probe::Loading(progress) => {
            tracing::info!(
                url = LOCAL,
                progress,
                "using the Redis on localhost:6379 (still loading its data)"
            );
            return Ok(Resolved::Existing(LOCAL.to_string()));
        }
        Probe::Busy => tracing::warn!(
            url = LOCAL,
            "something on localhost:6379 took connections but answered nothing for {} s; \
             starting a private redis-server instead (set REDIS_URL to use that one)",
            SILENT_LIMIT.as_secs()
        ),
        Probe::Down => {}
    }
    Ok(Resolved::Started(start(data_dir).await?))
}

/// Probes the Redis at `url`, asking again for up to `SILENT_LIMIT` while it
/// takes connections without answering: a server between two loading steps
/// is the same server a moment later answering `-LOADING`, and whether
/// `serve` uses it must not depend on when the probe lands.
async fn probe_local(url: &str) -> Probe {
    let began = Instant::now();
    let mut told = false;
    loop {
        match probe(url).await {
            Probe::Busy if began.elapsed() < SILENT_LIMIT => {
                if !std::mem::replace(&mut told, true) {
                    tracing::info!(
                        url,
                        "the Redis there takes connections but does not answer yet; asking again"
                    );
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            answer => return answer,
        }
    }
}

/// The private server a `serve` started for `data_dir`, while it serves
/// that dir: where the other commands (`replay`, `worker`, ...) find the data
/// when `REDIS_URL` is unset. Read from `redis.json` and confirmed by asking
/// the server for its dir, so a stale file never points anywhere else.
pub async fn serving(data_dir: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(data_dir).ok()?;
    let state: data_dir::ServerState =
        serde_json::from_slice(&std::fs::read(dir.join(SERVER_STATE)).ok()?).ok()?;
    let url = format!("redis://127.0.0.1:{}/0", state.port);
    data_dir::serves_dir(&url, &dir).await.then_some(url)
}

/// Whether the Redis at `url` has AOF on (`INFO persistence`); `None` when
/// it cannot tell.
async fn aof_enabled(url: &str) -> Option<bool> {
    let client = redis::Client::open(url).ok()?;
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("INFO")
            .arg("persistence")
            .query_async::<String>(&mut conn)
            .await
    };
    let info = tokio::time::timeout(Duration::from_millis(500), attempt)
        .await
        .ok()?
        .ok()?;
    Some(super::info_field(&info, "aof_enabled")? == "1")
}

/// What a Redis answers to PING.
enum Probe {
    Ready,
    /// `-LOADING`: alive, loading its data set; the progress if known.
    Loading(String),
    /// Took the connection but answered nothing in time: alive and busy
    /// (a server loading its data answers only between loading steps).
    Busy,
    Down,
}

async fn probe(url: &str) -> Probe {
    let Ok(client) = redis::Client::open(url) else {
        return Probe::Down;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        match redis::cmd("PING").query_async::<String>(&mut conn).await {
            Ok(_) => Ok(Probe::Ready),
            Err(e) if e.code() == Some("LOADING") => {
                let info: String = redis::cmd("INFO")
                    .arg("persistence")
                    .query_async(&mut conn)
                    .await
                    .unwrap_or_default();
                Ok(Probe::Loading(loading_progress(&info)))
            }
            Err(e) => Err(e),
        }
    };
    match tokio::time::timeout(Duration::from_millis(500), attempt).await {
        Ok(Ok(probe)) => probe,
        Ok(Err(e)) if e.is_timeout() => Probe::Busy,
        Ok(Err(_)) => Probe::Down,
        // Connecting to loopback is immediate or refused: the time went
        // waiting for an answer.
        Err(_) => Probe::Busy,
    }
}

/// "37.5% loaded, about 12 s left" from `INFO persistence` while loading.
fn loading_progress(info: &str) -> String {
    let field = |name: &str| super::info_field(info, name);
    match (field("loading_loaded_perc"), field("loading_eta_seconds")) {
        (Some(perc), Some(eta)) => format!("{perc}% loaded, about {eta} s left"),
        (Some(perc), None) => format!("{perc}% loaded"),
        _ => "progress unknown".to_string(),
    }
}

/// Starts `redis-server` on a free loopback port with AOF under `data_dir`.
pub async fn start(data_dir: &Path) -> anyhow::Result<EmbeddedRedis> {
    start_with_args(data_dir, &[]).await
}

/// `start` with extra `redis-server` arguments (after Faultline's own).
pub async fn start_with_args(data_dir: &Path, extra: &[&str]) -> anyhow::Result<EmbeddedRedis> {
    let binary = find_binary().ok_or_else(|| {
        anyhow::anyhow!(
            "redis-server was not found and REDIS_URL is not set.\n\
             Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, macOS: `brew install redis`) \
             or point REDIS_URL at a Redis 7 server."
        )
    })?;
    create_private_dir(data_dir)?;
    let dir = std::fs::canonicalize(data_dir)?;
    let owner = take_owner_lock(&dir)?;
    let server_lock_path = dir.join(SERVER_LOCK);
    let server_lock = match try_lock(&server_lock_path)? {
        Some(lock) => lock,
        None => stop_earlier_server(&dir, &server_lock_path).await?,
    };
    let port = free_port()?;
    let mut cmd = Command::new(&binary);
    cmd.args([
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
    ])
    .args(["--appendonly", "yes", "--appendfsync", "everysec"])
    .args(["--maxmemory-policy", "noeviction"])
    .args(RECOMMENDED_ARGS)
    .arg("--dir")
    .arg(&dir)
    .args(extra)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    hand_over_lock_and_die_with_parent(&mut cmd, &server_lock);
    let child = spawn_from_lasting_thread(cmd)?;
    // The server holds the lock now (its own copy of the descriptor).
    drop(server_lock);
    let url = format!("redis://127.0.0.1:{port}/0");
    let redis = EmbeddedRedis {
        url,
        pid: child.id(),
        child: Some(child),
        _owner: owner,
    };
    let state = ServerState {
        pid: redis.pid,
        port,
    };
    std::fs::write(dir.join(SERVER_STATE), serde_json::to_vec(&state)?)?;
    wait_until_ready(redis, &binary, &dir, port).await
}

/// Waits while the server comes up: as long as it lives and takes
/// connections (loading its AOF, with progress logged), `SILENT_LIMIT`
/// while it refuses them.
async fn wait_until_ready(
    mut redis: EmbeddedRedis,
    binary: &Path,
    dir: &Path,
    port: u16,
) -> anyhow::Result<EmbeddedRedis> {
    let began = Instant::now();
    let mut heard = Instant::now();
    let mut logged = Instant::now();
    let mut loading = false;
    loop {
        if let Some(child) = redis.child.as_mut()
            && let Some(status) = child.try_wait()?
        {
            redis.child = None;
            anyhow::bail!(
                "redis-server ({}) exited ({status}) before it answered on port {port}; \
                 see its messages above",
                binary.display()
            );
        }
        match probe(&redis.url).await {
            Probe::Ready => {
                tracing::info!(url = %redis.url, dir = %dir.display(), "started a private redis-server with AOF");
                return Ok(redis);
            }
            Probe::Busy => {
                heard = Instant::now();
                if logged.elapsed() >= PROGRESS_EVERY {
                    tracing::info!(
                        dir = %dir.display(),
                        waited_s = began.elapsed().as_secs(),
                        "the private redis-server takes connections but does not answer yet \
                         (probably loading its AOF); waiting"
                    );
                    logged = Instant::now();
                }
            }
            Probe::Loading(progress) => {
                heard = Instant::now();
                if !loading || logged.elapsed() >= PROGRESS_EVERY {
                    tracing::info!(
                        dir = %dir.display(),
                        progress,
                        waited_s = began.elapsed().as_secs(),
                        "the private redis-server is loading its AOF; waiting"
                    );
                    logged = Instant::now();
                }
                loading = true;
            }
            // Once heard loading, still loading while it lives.
            Probe::Down if loading => {}
            Probe::Down if heard.elapsed() >= SILENT_LIMIT => {
                anyhow::bail!(
                    "redis-server ({}) refused connections on port {port} for {} s",
                    binary.display(),
                    SILENT_LIMIT.as_secs()
                );
            }
            Probe::Down => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates the data dir readable by its owner only (0700): the AOF holds
/// every artifact and result. A dir that exists already keeps its mode (it
/// may be one the operator chose and shares); if other users can read it,
/// that is logged with the fix. The server writes its files with umask 077
/// (see `spawn`).
fn create_private_dir(data_dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if !data_dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(data_dir)?;
        }
        let mode = std::fs::metadata(data_dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                dir = %data_dir.display(),
                mode = format!("{:o}", mode & 0o777),
                "the private Redis's data dir (its AOF holds every artifact) is open to other \
                 users: `chmod -R go= {}`",
                data_dir.display()
            );
        }
        Ok(())
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(data_dir)
}

fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

/// A free loopback port (the OS picks; a tiny race is acceptable for a dev default).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::loading_progress;

    #[test]
    fn loading_progress_reads_info_persistence() {
        let info =
            "# Persistence\r\nloading:1\r\nloading_loaded_perc:14.66\r\nloading_eta_seconds:11\r\n";
        assert_eq!(loading_progress(info), "14.66% loaded, about 11 s left");
        assert_eq!(loading_progress(""), "progress unknown");
    }
}
