//! The embedded default: with no `REDIS_URL`, `serve` uses a Redis on
//! localhost:6379 if one answers, else starts a private `redis-server` child
//! with AOF on (data under `FAULTLINE_DATA_DIR`) and stops it on exit.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// Settings Faultline recommends for any Redis it uses (README, "Redis
/// settings"): a new stream preallocates `stream-node-max-bytes` (4096 by
/// default) and every job has a stream of its own, about 1 KB of events, so
/// 1024 halves the memory a job costs (6.2 → 3.2 KB measured) at the same
/// CPU. The embedded Redis and the benchmark's private one start with them.
pub const RECOMMENDED_ARGS: [&str; 2] = ["--stream-node-max-bytes", "1024"];

/// A `redis-server` child process; killed when dropped.
pub struct EmbeddedRedis {
    pub url: String,
    child: Child,
}

impl Drop for EmbeddedRedis {
    fn drop(&mut self) {
        // SIGKILL is safe here: AOF with appendfsync everysec loses at most
        // one second, and graceful paths call `shutdown` first.
        let _ = self.child.start_kill();
    }
}

impl EmbeddedRedis {
    /// Asks the server to save and exit, then waits for it.
    pub async fn shutdown(mut self) {
        if let Ok(client) = redis::Client::open(self.url.as_str())
            && let Ok(mut conn) = client.get_multiplexed_async_connection().await
        {
            let _: redis::RedisResult<()> = redis::cmd("SHUTDOWN").query_async(&mut conn).await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
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
    if answers(LOCAL).await {
        tracing::info!(
            url = LOCAL,
            "using the Redis already running on localhost:6379"
        );
        return Ok(Resolved::Existing(LOCAL.to_string()));
    }
    Ok(Resolved::Started(start(data_dir).await?))
}

async fn answers(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    matches!(
        tokio::time::timeout(Duration::from_millis(500), attempt).await,
        Ok(Ok(_))
    )
}

/// Starts `redis-server` on a free loopback port with AOF under `data_dir`.
pub async fn start(data_dir: &Path) -> anyhow::Result<EmbeddedRedis> {
    let binary = find_binary().ok_or_else(|| {
        anyhow::anyhow!(
            "redis-server was not found and REDIS_URL is not set.\n\
             Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`, macOS: `brew install redis`) \
             or point REDIS_URL at a Redis 7 server."
        )
    })?;
    std::fs::create_dir_all(data_dir)?;
    let dir = std::fs::canonicalize(data_dir)?;
    let port = free_port()?;
    let child = Command::new(&binary)
        .args([
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
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let url = format!("redis://127.0.0.1:{port}/0");
    for _ in 0..100 {
        if answers(&url).await {
            tracing::info!(%url, dir = %dir.display(), "started a private redis-server with AOF");
            return Ok(EmbeddedRedis { url, child });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!(
        "redis-server ({}) did not answer on port {port} within 5 s",
        binary.display()
    )
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
