//! Redis restarts: every acknowledged job still reaches a terminal state, the
//! API answers 503 with Retry-After while Redis is down, and the service
//! reconnects by itself.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use faultline::engine::JobStatus;
use faultline::startup::Role;
use tokio::sync::Mutex;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_restart_mid_run_loses_no_acknowledged_job() {
    let redis = Arc::new(Mutex::new(TestRedis::start()));
    let (slow, calls) = counting(Duration::from_millis(150));
    let app = spawn_app(
        &*redis.lock().await,
        Role::Serve,
        slow,
        &[("WORKER_CONCURRENCY", "4")],
    )
    .await;
    let mut jobs = Vec::new();
    for n in 0..24 {
        jobs.push(app.submit_spec(300 + n).await);
    }
    while calls.load(Ordering::SeqCst) < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let r = redis.clone();
    tokio::task::spawn_blocking(move || r.blocking_lock().stop())
        .await
        .unwrap();
    let asked = Instant::now();
    let resp = app
        .http
        .get(format!("{}/jobs/{}", app.base, jobs[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503, "Redis down answers 503");
    assert!(resp.headers().contains_key("retry-after"));
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "503 comes quickly: {:?}",
        asked.elapsed()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = redis.clone();
    tokio::task::spawn_blocking(move || r.blocking_lock().start_again())
        .await
        .unwrap();

    for job in &jobs {
        let snap = app.wait_terminal(job, Duration::from_secs(90)).await;
        assert_eq!(snap.status, JobStatus::Completed, "{job}");
    }
    // The API reconnected by itself: a new submission goes through.
    let body = app.submit(&spec(999), "openapi-yaml").await;
    app.wait_terminal(body["job_id"].as_str().unwrap(), Duration::from_secs(30))
        .await;
}

#[tokio::test]
async fn the_embedded_redis_starts_with_aof_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let redis = faultline::store::embedded::start(dir.path())
        .await
        .expect("redis-server starts");
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let aof: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("appendonly")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(aof[1], "yes");
    let node: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("stream-node-max-bytes")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(node[1], "1024", "the recommended stream node size");
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query_async(&mut conn)
        .await
        .unwrap();
    let url = redis.url.clone();
    redis.shutdown().await;
    assert!(
        redis::Client::open(url)
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .is_err(),
        "stopped"
    );
    assert!(
        dir.path().join("appendonlydir").is_dir(),
        "AOF files are kept in the data dir"
    );
}

/// A Redis that stops taking writes (full under `noeviction`, evicting, or
/// turned into a replica behind the same address): requests get 503s that
/// say why, /readyz names the problem, and everything recovers without a
/// restart once Redis does.
#[tokio::test]
async fn a_redis_that_cannot_keep_writes_is_not_ready_and_recovers_by_itself() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let mut n = 400;
    let mut submit = async || {
        n += 1;
        let body = serde_json::json!({"content": spec(n), "content_type": "openapi-yaml"});
        app.post_json("/artifacts/analyze", &body).await
    };
    let readyz = async || {
        let (status, body) = app.get("/readyz").await;
        (status, body.to_string())
    };
    // A readiness answer is reused for a second, so a change shows within
    // two; the deadline leaves room for a busy machine (the reuse is
    // `api_security`'s test of 200 probes).
    let readyz_shows = async |want: u16, needle: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (status, body) = readyz().await;
            if status == want && body.contains(needle) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "not {want} with {needle:?} within 20 s: {status} {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(readyz().await.0, 200);
    let config = |name: &str, value: &str| {
        redis.query(&["CONFIG", "SET", name, value]).unwrap();
    };

    // Full under noeviction: refused, and said so.
    config("maxmemory", "1");
    let (status, problem) = submit().await;
    assert_eq!(status, 503, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("full"),
        "{problem}"
    );
    readyz_shows(503, "out of memory").await;
    config("maxmemory", "0");
    assert_eq!(submit().await.0, 200);
    readyz_shows(200, "").await;

    // A policy that would evict jobs silently.
    config("maxmemory", "1gb");
    config("maxmemory-policy", "allkeys-lru");
    readyz_shows(503, "noeviction").await;
    config("maxmemory-policy", "noeviction");
    config("maxmemory", "0");
    readyz_shows(200, "").await;

    // A failover behind the same address: the server became a replica.
    let primary = TestRedis::start();
    let fns = faultline::startup::connect(&settings(&primary, &[]))
        .await
        .unwrap();
    faultline::engine::migrate::migrate(&fns.store)
        .await
        .unwrap();
    redis
        .query(&["REPLICAOF", "127.0.0.1", &primary.port.to_string()])
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let info: String =
            redis::from_redis_value(redis.query(&["INFO", "replication"]).unwrap()).unwrap();
        if info.contains("master_link_status:up") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the replica never synced"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, problem) = submit().await;
    assert_eq!(status, 503, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("failing over"),
        "{problem}"
    );
    // (A probe may first meet the connection being re-dialled, or the
    // answer of a second ago.)
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = readyz().await;
        if status == 503 && body.contains("replica") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Promoted again: the same service takes submissions.
    redis.query(&["REPLICAOF", "NO", "ONE"]).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while submit().await.0 != 200 {
        assert!(std::time::Instant::now() < deadline, "never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    readyz_shows(200, "").await;
}

/// At maxmemory, Redis may refuse the artifact written beside a submission
/// (its own bytes push memory over the limit) and still run the call after
/// it: the job must not be queued without its artifact (it was, and was
/// dead-lettered at once), and the client gets 503, not 500.
#[tokio::test]
async fn a_large_artifact_redis_had_no_room_for_queues_nothing() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let used = |redis: &TestRedis| -> u64 {
        let info: String =
            redis::from_redis_value(redis.query(&["INFO", "memory"]).unwrap()).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("used_memory")
    };
    // (calls, rejected calls) of a command so far.
    let stats = |redis: &TestRedis, command: &str| -> (u64, u64) {
        let info: String =
            redis::from_redis_value(redis.query(&["INFO", "commandstats"]).unwrap()).unwrap();
        let prefix = format!("cmdstat_{command}:");
        let Some(line) = info.lines().find_map(|l| l.strip_prefix(prefix.as_str())) else {
            return (0, 0);
        };
        let field = |name: &str| -> u64 {
            line.split(',')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        (field("calls"), field("rejected_calls"))
    };
    // Attempts in which Redis refused the artifact and ran the call after it.
    let mut refused_then_run = 0;
    for attempt in 0..3 {
        // Room for a small call, not for a 60 KB argument. Each artifact is
        // twice the last: Redis keeps a connection's grown read buffer a
        // while, and an argument that fits in it needs no new memory.
        let size = 60_000 << attempt;
        let content = format!("{}\n{}", spec(500 + attempt), "#".repeat(size));
        let limit = used(&redis) + 30_000;
        redis
            .query(&["CONFIG", "SET", "maxmemory", &limit.to_string()])
            .unwrap();
        let body = serde_json::json!({"content": content, "content_type": "openapi-yaml"});
        let (set, exists) = (stats(&redis, "set"), stats(&redis, "exists"));
        let (status, problem) = app.post_json("/artifacts/analyze", &body).await;
        redis.query(&["CONFIG", "SET", "maxmemory", "0"]).unwrap();
        // `fl_submit_many` runs EXISTS (the cache entry's) whenever it runs.
        if stats(&redis, "set").1 > set.1 && stats(&redis, "exists").0 > exists.0 {
            refused_then_run += 1;
        }
        assert_eq!(status, 503, "attempt {attempt}: {problem}");
        assert_eq!(problem["code"], "REDIS_UNAVAILABLE", "{problem}");
    }
    assert!(
        refused_then_run > 0,
        "no attempt had its artifact refused and the call run: the case was not exercised"
    );
    let (_, listed) = app.get("/jobs").await;
    assert_eq!(listed["total"], 0, "no job without its artifact: {listed}");
    // With room again, the same content is queued.
    let content = format!("{}\n{}", spec(500), "#".repeat(60_000));
    let body = serde_json::json!({"content": content, "content_type": "openapi-yaml"});
    let (status, job) = app.post_json("/artifacts/analyze", &body).await;
    assert_eq!(
        (status, job["status"].as_str()),
        (200, Some("queued")),
        "{job}"
    );
}

/// Takes that time out while Redis stalls still run when it resumes, and
/// start entries this worker never hears about. They are started again as
/// soon as Redis answers, not after the visibility timeout (a minute here).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn entries_a_stalled_take_started_run_as_soon_as_redis_answers() {
    let redis = TestRedis::start();
    let overrides = [
        ("REDIS_TIMEOUT_MS", "200"),
        ("VISIBILITY_TIMEOUT_MS", "60000"),
        ("SHARDS", "2"),
    ];
    let (quick, _) = counting(Duration::from_millis(20));
    let app = Arc::new(spawn_app(&redis, Role::Serve, quick, &overrides).await);
    let submitter = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..120 {
                let body =
                    serde_json::json!({"content": spec(700 + n), "content_type": "openapi-yaml"});
                let (status, view) = app.post_json("/artifacts/analyze", &body).await;
                if status == 200 {
                    acknowledged.push(view["job_id"].as_str().unwrap().to_string());
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            acknowledged
        })
    };
    // Stalls while work keeps arriving: replies time out, the calls run later.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        redis.query(&["CLIENT", "PAUSE", "1200", "WRITE"]).unwrap();
        tokio::time::sleep(Duration::from_millis(1300)).await;
    }
    let acknowledged = submitter.await.unwrap();
    assert!(!acknowledged.is_empty());
    for job in &acknowledged {
        let snap = app.wait_terminal(job, Duration::from_secs(20)).await;
        assert_eq!(snap.status, JobStatus::Completed, "{job}");
    }
}

/// A failover behind a fixed address (a DNS name, a proxy): the service's
/// connection still reaches the old master, now a replica answering
/// READONLY. It re-dials the address and reaches the new master, with no
/// restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_failover_behind_one_address_the_service_reaches_the_new_master() {
    let old = TestRedis::start();
    let new = TestRedis::start();
    // The fixed address: a proxy that sends each new connection to the
    // current master's port.
    let target = Arc::new(std::sync::atomic::AtomicU16::new(old.port));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let to = target.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let port = to.load(Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut server) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    let url = format!("redis://{address}/0");
    let app = spawn_app(&old, Role::Api, real_engine(), &[("REDIS_URL", &url)]).await;
    assert_eq!(
        app.submit(&spec(900), "openapi-yaml").await["status"],
        "queued"
    );

    // Fail over: the replica becomes the master, the old master its replica,
    // and the address now leads to the new one.
    new.query(&["REPLICAOF", "127.0.0.1", &old.port.to_string()])
        .unwrap();
    let synced = |redis: &TestRedis| {
        let info: String =
            redis::from_redis_value(redis.query(&["INFO", "replication"]).unwrap()).unwrap();
        info.contains("master_link_status:up")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !synced(&new) {
        assert!(Instant::now() < deadline, "the replica never synced");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    new.query(&["REPLICAOF", "NO", "ONE"]).unwrap();
    old.query(&["REPLICAOF", "127.0.0.1", &new.port.to_string()])
        .unwrap();
    target.store(new.port, Ordering::SeqCst);

    let deadline = Instant::now() + Duration::from_secs(15);
    let mut n = 901;
    loop {
        let body = serde_json::json!({"content": spec(n), "content_type": "openapi-yaml"});
        let (status, _) = app.post_json("/artifacts/analyze", &body).await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(Instant::now() < deadline, "still talking to the old master");
        n += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/readyz").await.0, 200);
}

/// A stop while Redis stalls ends the process in seconds. The upkeep loop
/// and the queue sampler each made one call per shard, REDIS_TIMEOUT_MS
/// apiece, before they looked at the stop again: an idle `serve` took 25 to
/// 70 s to exit, past Kubernetes' 30 s grace period.
#[tokio::test]
async fn a_stop_while_redis_stalls_ends_the_process_in_seconds() {
    let redis = TestRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.log");
    let mut serve = spawn_binary(&redis, "serve", &[("SHARDS", "16")], &log);
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http.get(format!("{}/readyz", serve.base)).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let info: String = redis::from_redis_value(redis.query(&["INFO", "server"]).unwrap()).unwrap();
    let redis_pid: i32 = info
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("process_id");
    let signal = |pid: i32, sig: i32| {
        // SAFETY: kill(2) with a live child's pid and a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill -{sig} {pid}");
    };
    signal(redis_pid, libc::SIGSTOP);
    // Long enough for every loop to be waiting on a call.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let began = Instant::now();
    signal(i32::try_from(serve.child.id()).unwrap(), libc::SIGTERM);
    let status = loop {
        if let Some(status) = serve.child.try_wait().unwrap() {
            break Some(status);
        }
        if began.elapsed() > Duration::from_secs(60) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = began.elapsed();
    signal(redis_pid, libc::SIGCONT);
    let status = status.expect("still running a minute after SIGTERM");
    assert!(status.success(), "{status}");
    assert!(
        took < Duration::from_secs(10),
        "exited {took:?} after SIGTERM: {}",
        std::fs::read_to_string(&log).unwrap()
    );
}
