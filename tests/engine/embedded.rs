//! The private redis-server `serve` starts without `REDIS_URL`: one server
//! per data dir, whatever happens to the process that started it, and a
//! server with a long AOF to load is waited for.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use faultline::store::embedded;
use serde_json::{Value, json};

use crate::helpers::spec;

/// The live redis-server processes serving `dir` (Redis rewrites its
/// command line, but runs in its `--dir`).
fn servers_of(dir: &Path) -> Vec<u32> {
    let dir = std::fs::canonicalize(dir).unwrap();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        // A zombie has no working directory left.
        let cwd = std::fs::read_link(entry.path().join("cwd"));
        if comm.trim() == "redis-server" && cwd.is_ok_and(|c| c == dir) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// On drop (a failed test too): kills the processes left, every
/// redis-server serving `dir` included.
struct Cleanup<'a> {
    dir: &'a Path,
    children: Vec<Child>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for pid in servers_of(self.dir) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// Keeps anything from answering on localhost:6379 (where `serve` looks
/// first) for the test's duration; `None` when a Redis already answers
/// there, so `serve` would use it and the test cannot run.
fn hold_default_redis_port() -> Option<Option<TcpListener>> {
    if let Ok(listener) = TcpListener::bind("127.0.0.1:6379") {
        // Bound, never accepting: a PING there goes unanswered.
        return Some(Some(listener));
    }
    let answers = redis::Client::open("redis://127.0.0.1:6379/0")
        .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(500)))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
    match answers {
        Ok(_) => None,
        Err(_) => Some(None),
    }
}

/// `faultline serve` on `data_dir` with no `REDIS_URL`; returns the child
/// and its HTTP base URL once it listens (`None` if it exited first, with
/// its stderr).
fn serve(data_dir: &Path) -> Result<(Child, String), String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("serve")
        .env_remove("REDIS_URL")
        .env_remove("REDIS_CLUSTER_NODES")
        .env("FAULTLINE_DATA_DIR", data_dir)
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("SHARDS", "4")
        .env("LOG_LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the faultline binary runs");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("faultline listening on ") {
                let base = rest.split_whitespace().next().unwrap().to_string();
                let _ = tx.send(base);
            }
        }
    });
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            eprintln!("[serve] {line}");
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(base) = rx.recv_timeout(Duration::from_millis(100)) {
            return Ok((child, base));
        }
        if let Ok(Some(status)) = child.try_wait() {
            std::thread::sleep(Duration::from_millis(200));
            return Err(format!("{status}: {}", log.lock().unwrap()));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("faultline serve did not listen within 60 s");
}

/// `serve` on `dir`, held by the returned cleanup (which also stops any
/// redis-server left serving the dir); and its base URL.
fn serve_with_cleanup(dir: &Path) -> (Cleanup<'_>, String) {
    let (child, base) = serve(dir).expect("serve starts");
    let cleanup = Cleanup {
        dir,
        children: vec![child],
    };
    (cleanup, base)
}

async fn job_status(http: &reqwest::Client, base: &str, job: &str) -> String {
    let body: Value = http
        .get(format!("{base}/jobs/{job}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null);
    body["status"].as_str().unwrap_or("").to_string()
}

async fn submit(http: &reqwest::Client, base: &str, n: usize) -> String {
    let body: Value = http
        .post(format!("{base}/artifacts/analyze"))
        .json(&json!({"content": spec(n), "content_type": "openapi-yaml"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["job_id"].as_str().unwrap().to_string()
}

async fn wait_completed(http: &reqwest::Client, base: &str, job: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while job_status(http, base, job).await != "completed" {
        assert!(Instant::now() < deadline, "job {job} did not complete");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn a_killed_serve_leaves_no_second_redis_on_its_data_dir() {
    let Some(_port_6379) = hold_default_redis_port() else {
        eprintln!("SKIPPED: a Redis answers on localhost:6379, so `serve` would use it");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (mut cleanup, base) = serve_with_cleanup(dir.path());
    let earlier = servers_of(dir.path());
    assert_eq!(earlier.len(), 1, "one private redis-server: {earlier:?}");
    let job = submit(&http, &base, 1).await;
    wait_completed(&http, &base, &job).await;

    // A second serve on the same dir while the first runs is refused.
    let refused = serve(dir.path()).expect_err("a second serve on the same dir must not start");
    assert!(refused.contains("is using the data dir"), "{refused}");
    assert_eq!(servers_of(dir.path()), earlier);

    // SIGKILL: no Drop, no graceful stop.
    let mut first = cleanup.children.remove(0);
    first.kill().unwrap();
    first.wait().unwrap();
    let (second, base) = serve(dir.path()).expect("serve starts again on the same dir");
    cleanup.children.push(second);
    let now = servers_of(dir.path());
    assert_eq!(
        now.len(),
        1,
        "exactly one redis-server serves the dir: {now:?}"
    );
    assert_ne!(now, earlier, "the killed serve's redis-server is gone");
    assert_eq!(
        job_status(&http, &base, &job).await,
        "completed",
        "the job written before the kill survives"
    );
    // And the service works on it.
    let job = submit(&http, &base, 2).await;
    wait_completed(&http, &base, &job).await;

    let second = &mut cleanup.children[0];
    sigterm(second);
    assert!(second.wait().unwrap().success());
    assert!(
        servers_of(dir.path()).is_empty(),
        "a graceful stop stops the private redis-server too"
    );
}

/// `faultline replay JOB` with no `REDIS_URL`, on `data_dir`: (success, stdout, stderr).
fn replay_without_redis_url(data_dir: &Path, job: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["replay", job])
        .env_remove("REDIS_URL")
        .env_remove("REDIS_CLUSTER_NODES")
        .env("FAULTLINE_DATA_DIR", data_dir)
        .env("SHARDS", "4")
        .output()
        .expect("the faultline binary runs");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[tokio::test]
async fn the_debugging_commands_find_the_private_redis_of_a_running_serve() {
    let Some(_port_6379) = hold_default_redis_port() else {
        eprintln!("SKIPPED: a Redis answers on localhost:6379, so `serve` would use it");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let (mut cleanup, base) = serve_with_cleanup(dir.path());
    let job = submit(&http, &base, 1).await;
    wait_completed(&http, &base, &job).await;

    let url = embedded::serving(dir.path()).await;
    assert!(url.is_some(), "the running serve's private Redis is found");
    let (ok, out, err) = replay_without_redis_url(dir.path(), &job);
    assert!(ok, "replay finds the job: {out}{err}");
    assert!(out.contains("equals the fold of the log"), "{out}");

    // Once that serve has stopped, the error names the address tried and
    // where an address comes from.
    let serving = &mut cleanup.children[0];
    sigterm(serving);
    assert!(serving.wait().unwrap().success());
    assert_eq!(embedded::serving(dir.path()).await, None);
    let (ok, _, err) = replay_without_redis_url(dir.path(), &job);
    assert!(!ok);
    assert!(
        err.contains("cannot reach Redis at redis://localhost:6379/0") && err.contains("REDIS_URL"),
        "{err}"
    );
}

#[tokio::test]
async fn a_redis_from_an_earlier_run_still_on_the_dir_is_shut_down_cleanly_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::fs::canonicalize(dir.path()).unwrap();
    // A server left over by an earlier run (one whose parent-death signal
    // did not fire): it holds the server lock, as an embedded one does.
    let port = embedded::free_port().unwrap();
    let mut cleanup = Cleanup {
        dir: &path,
        children: Vec::new(),
    };
    let orphan = Command::new("flock")
        .arg(path.join(embedded::SERVER_LOCK))
        .arg("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args([
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ])
        .arg("--dir")
        .arg(&path)
        .stdout(Stdio::null())
        .spawn()
        .expect("flock(1) and redis-server are installed");
    cleanup.children.push(orphan);
    let url = format!("redis://127.0.0.1:{port}/0");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut conn = loop {
        if let Ok(c) = redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
        {
            break c;
        }
        assert!(Instant::now() < deadline, "the earlier server starts");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _: () = redis::cmd("SET")
        .arg("written-before")
        .arg("kept")
        .query_async(&mut conn)
        .await
        .unwrap();
    let earlier = servers_of(&path);
    assert_eq!(earlier.len(), 1);
    std::fs::write(
        path.join(embedded::SERVER_STATE),
        json!({"pid": earlier[0], "port": port}).to_string(),
    )
    .unwrap();

    let redis = embedded::start(&path)
        .await
        .expect("starts after stopping the earlier one");
    assert!(
        cleanup.children[0].try_wait().unwrap().is_some(),
        "the earlier server was stopped before the new one started"
    );
    assert_eq!(servers_of(&path), vec![redis.pid]);
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let kept: Option<String> = redis::cmd("GET")
        .arg("written-before")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("kept"), "its AOF was complete");
    redis.shutdown().await;
    assert!(servers_of(&path).is_empty());
}

/// A server loading its data answers nothing between loading steps: with
/// an RDB base, not before `loading-process-events-interval-bytes` of it.
/// One silent for longer than start's 10 s limit for a server that refuses
/// connections is still waited for (it takes them: it is alive). Start used
/// to give up on it unless a probe happened to land between two steps.
#[tokio::test]
async fn a_redis_silent_while_it_loads_its_aof_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let redis = embedded::start(dir.path()).await.unwrap();
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys = 12_000;
    let _: i64 = redis::cmd("EVAL")
        .arg("for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'k' .. i, i) end return 1")
        .arg(0)
        .arg(keys)
        .query_async(&mut conn)
        .await
        .unwrap();
    // The keys move into the AOF's RDB base.
    let _: () = redis::cmd("BGREWRITEAOF")
        .query_async(&mut conn)
        .await
        .unwrap();
    loop {
        let info: String = redis::cmd("INFO")
            .arg("persistence")
            .query_async(&mut conn)
            .await
            .unwrap();
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    redis.shutdown().await;

    let began = Instant::now();
    // 1 ms per key, and no answer before the whole base is read: 12 s of
    // silence.
    let silent_load = [
        "--key-load-delay",
        "1000",
        "--loading-process-events-interval-bytes",
        "1073741824",
    ];
    let redis = embedded::start_with_args(dir.path(), &silent_load)
        .await
        .expect("a server silent while it loads is waited for, not given up on");
    assert!(
        began.elapsed() > Duration::from_secs(11),
        "the load took {:?}: too short to show anything",
        began.elapsed()
    );
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let size: i64 = redis::cmd("DBSIZE").query_async(&mut conn).await.unwrap();
    assert_eq!(size, keys);
    redis.shutdown().await;
}

/// The private server's data dir and everything it writes there (the AOF
/// holds every artifact) are its owner's only.
#[tokio::test]
async fn the_private_redis_keeps_its_files_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let path = parent.path().join("data");
    let redis = embedded::start(&path).await.unwrap();
    let mut conn = redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("secret")
        .query_async(&mut conn)
        .await
        .unwrap();
    // The AOF files exist (appendonlydir, base and incr files, manifest).
    let _: () = redis::cmd("BGREWRITEAOF")
        .query_async(&mut conn)
        .await
        .unwrap_or(());
    redis.shutdown().await;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o700);
    let aof = path.join("appendonlydir");
    assert!(aof.is_dir());
    assert_eq!(mode(&aof) & 0o077, 0, "appendonlydir {:o}", mode(&aof));
    let mut files = 0;
    for entry in std::fs::read_dir(&aof).unwrap().flatten() {
        let m = mode(&entry.path());
        assert_eq!(m & 0o077, 0, "{} {m:o}", entry.path().display());
        files += 1;
    }
    assert!(files >= 2, "{files} AOF files");
}
