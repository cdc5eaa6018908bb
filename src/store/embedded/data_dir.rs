//! One server per data dir: the locks in it, and a server from an earlier
//! run that still serves it, stopped cleanly (see the parent module).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{EARLIER_SERVER_STOP, OWNER_LOCK, SERVER_STATE};

/// Where the server holding `SERVER_LOCK` listens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) struct ServerState {
    pub(super) pid: u32,
    pub(super) port: u16,
}

/// Locks `OWNER_LOCK` for this process, or says who holds it.
pub(super) fn take_owner_lock(dir: &Path) -> anyhow::Result<File> {
    let path = dir.join(OWNER_LOCK);
    let Some(mut lock) = try_lock(&path)? else {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::bail!(
            "another Faultline process (pid {}) is using the data dir {} with its private \
             redis-server; stop it first, or give this one another FAULTLINE_DATA_DIR \
             (or REDIS_URL)",
            holder.trim(),
            dir.display()
        );
    };
    lock.set_len(0)?;
    write!(lock, "{}", std::process::id())?;
    Ok(lock)
}

/// A server from an earlier run still holds `lock_path`: SHUTDOWN (its AOF
/// is then complete), wait for it to exit, and return the lock.
pub(super) async fn stop_earlier_server(dir: &Path, lock_path: &Path) -> anyhow::Result<File> {
    let state: Option<ServerState> = std::fs::read(dir.join(SERVER_STATE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let shown = state.map_or("unknown".to_string(), |s| {
        format!("pid {}, port {}", s.pid, s.port)
    });
    tracing::warn!(
        dir = %dir.display(),
        server = %shown,
        "a redis-server from an earlier run still serves this data dir; stopping it cleanly before starting a new one"
    );
    let mut asked = false;
    if let Some(s) = state {
        let url = format!("redis://127.0.0.1:{}/0", s.port);
        asked = serves_dir(&url, dir).await && request_shutdown(&url).await;
        if !asked {
            asked = terminate_if_ours(s.pid, dir);
        }
    }
    let deadline = Instant::now() + EARLIER_SERVER_STOP;
    loop {
        if let Some(lock) = try_lock(lock_path)? {
            tracing::info!(server = %shown, "the earlier redis-server has stopped");
            return Ok(lock);
        }
        if Instant::now() >= deadline {
            anyhow::bail!(
                "a redis-server from an earlier run ({shown}) still serves the data dir {} \
                 and {}; stop it (redis-cli -p PORT shutdown, or kill PID) and start again",
                dir.display(),
                if asked {
                    "did not stop within 60 s of being asked"
                } else {
                    "could not be reached"
                }
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the Redis at `url` keeps its files in `dir` (so a stale
/// `redis.json` never gets an unrelated server stopped).
pub(super) async fn serves_dir(url: &str, dir: &Path) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("CONFIG")
            .arg("GET")
            .arg("dir")
            .query_async::<Vec<String>>(&mut conn)
            .await
    };
    match tokio::time::timeout(Duration::from_secs(2), attempt).await {
        Ok(Ok(pair)) => pair.get(1).is_some_and(|d| Path::new(d) == dir),
        _ => false,
    }
}

/// Sends SHUTDOWN (which Redis accepts while loading too); true when it was
/// sent (the server closes the connection instead of answering).
pub(super) async fn request_shutdown(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        let reply: redis::RedisResult<()> = redis::cmd("SHUTDOWN").query_async(&mut conn).await;
        match reply {
            // An error reply (not a closed connection): it stays up.
            Err(e) if e.code().is_some() => {
                tracing::warn!(error = %e, "redis-server refused SHUTDOWN");
                Ok::<bool, redis::RedisError>(false)
            }
            _ => Ok(true),
        }
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(5), attempt).await,
        Ok(Ok(true))
    )
}

/// SIGTERM to `pid` if it is a redis-server of `dir` (Linux, where its
/// name and working directory can be read: Redis rewrites its command line
/// but runs in its `--dir`); Redis flushes its AOF on SIGTERM.
fn terminate_if_ours(pid: u32, dir: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        let comm = std::fs::read_to_string(proc.join("comm")).unwrap_or_default();
        let cwd = std::fs::read_link(proc.join("cwd"));
        if pid > 0 && comm.trim() == "redis-server" && cwd.is_ok_and(|c| c == dir) {
            // SAFETY: kill(2) has no memory effects; `pid` is a live
            // redis-server of this data dir (checked just above).
            return unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) } == 0;
        }
        false
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (pid, dir);
        false
    }
}

/// Opens `path` and takes an exclusive `flock` on it without waiting;
/// `None` when another open file holds it.
pub(super) fn try_lock(path: &Path) -> io::Result<Option<File>> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock(2) on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock => Ok(None),
                _ => Err(e),
            };
        }
    }
    Ok(Some(file))
}
