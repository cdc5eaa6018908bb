//! The Redis under test: a private throw-away `redis-server`, or the one given
//! with `--redis-url`, and the harness's own admin connection to it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use redis::aio::MultiplexedConnection;

use crate::opts::Opts;

/// A throw-away `redis-server`: loopback, free port, no AOF, no RDB, in a
/// temp dir; killed on drop.
pub struct PrivateRedis {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl PrivateRedis {
    fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = faultline::store::embedded::free_port()?;
        let bin =
            std::env::var("FAULTLINE_BENCH_REDIS_BIN").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(faultline::store::embedded::RECOMMENDED_ARGS)
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| {
                format!("cannot run {bin} (install it: apt-get install redis-server)")
            })?;
        let url = format!("redis://127.0.0.1:{port}/0");
        let redis = PrivateRedis {
            child,
            url,
            _dir: dir,
        };
        redis.wait_ready(port)?;
        Ok(redis)
    }

    /// Polls PING for up to 10 s.
    fn wait_ready(&self, port: u16) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(client) = redis::Client::open(self.url.as_str())
                && let Ok(mut c) = client.get_connection()
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("redis-server did not answer on port {port} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Redis the bench runs against.
pub struct Target {
    /// `Some` when the bench started (and will stop) its own redis-server.
    pub private: Option<PrivateRedis>,
    pub url: String,
    pub admin: MultiplexedConnection,
    pub version: String,
}

impl Target {
    /// Redis: ours (flushed) or the given one (left as it is).
    pub async fn open(opts: &Opts) -> anyhow::Result<Self> {
        let private = match &opts.redis_url {
            Some(_) => None,
            None => Some(PrivateRedis::start()?),
        };
        let url = opts
            .redis_url
            .clone()
            .unwrap_or_else(|| private.as_ref().expect("started").url.clone());
        let mut admin = connect_admin(&url).await?;
        if private.is_some() {
            redis::cmd("FLUSHALL").query_async::<()>(&mut admin).await?;
        } else {
            eprintln!(
                "note: using {url} as given (not flushed); other clients' commands would count too"
            );
        }
        let version = redis_version(&mut admin).await?;
        Ok(Target {
            private,
            url,
            admin,
            version,
        })
    }
}

async fn connect_admin(url: &str) -> anyhow::Result<MultiplexedConnection> {
    let client = redis::Client::open(url).context("bad redis url")?;
    let admin = client
        .get_multiplexed_async_connection_with_config(
            // redis-rs answers time out after 500 ms by default; SLOWLOG GET
            // and the verification pipelines can take longer.
            &redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(Duration::from_secs(120))),
        )
        .await?;
    Ok(admin)
}

async fn redis_version(admin: &mut MultiplexedConnection) -> anyhow::Result<String> {
    let text: String = redis::cmd("INFO").arg("server").query_async(admin).await?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap_or("?")
        .trim()
        .to_string())
}
