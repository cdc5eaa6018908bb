//! The least-privilege ACL of `faultline acl`: the service runs its whole
//! main flow as the `faultline` user, `migrate` and the debugging commands
//! need the `faultline-admin` user, and anything else is refused (NOPERM).
//! A command added to the code but not to `src/store/acl.rs` fails here.

use std::time::Duration;

use faultline::engine::JobId;
use faultline::startup::{self, Role};
use faultline::store::acl::{self, AclRole};
use redis::Value;
use serde_json::json;

use crate::helpers::*;

const SERVICE_PW: &str = "service-password-for-tests";
const ADMIN_PW: &str = "admin-password-for-tests";

/// Creates both users on every node, as an operator would from `faultline acl`.
fn create_users(redis: &TestRedis) {
    let keys = startup::keys(&settings(redis, &[]));
    for (user, role, password) in [
        ("faultline", AclRole::Service, SERVICE_PW),
        ("faultline-admin", AclRole::Admin, ADMIN_PW),
    ] {
        let mut args = vec![
            "ACL".to_string(),
            "SETUSER".into(),
            user.into(),
            "reset".into(),
            "on".into(),
            format!(">{password}"),
        ];
        args.extend(acl::rules(&keys, role));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for port in nodes(redis) {
            redis.query_node(port, &args).expect("ACL SETUSER");
        }
    }
}

fn nodes(redis: &TestRedis) -> Vec<u16> {
    if redis.is_cluster() {
        let seeds = redis.seeds().unwrap();
        seeds
            .split(',')
            .map(|s| s.rsplit(':').next().unwrap().parse().unwrap())
            .collect()
    } else {
        vec![redis.port]
    }
}

/// REDIS_URL (and REDIS_CLUSTER_NODES) carrying `user`'s credentials.
fn as_user(redis: &TestRedis, user: &str, password: &str) -> Vec<(&'static str, String)> {
    let with = |url: &str| url.replacen("redis://", &format!("redis://{user}:{password}@"), 1);
    let mut vars = vec![("REDIS_URL", with(&redis.url()))];
    if let Some(seeds) = redis.seeds() {
        let nodes: Vec<String> = seeds.split(',').map(with).collect();
        vars.push(("REDIS_CLUSTER_NODES", nodes.join(",")));
    }
    vars
}

fn overrides<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// One command on `port` as `user`.
fn query_as(port: u16, user: &str, password: &str, args: &[&str]) -> redis::RedisResult<Value> {
    let client = redis::Client::open(format!("redis://{user}:{password}@127.0.0.1:{port}/0"))?;
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(&mut client.get_connection()?)
}

/// ACL LOG entries of `user` on every node, as "reason object" strings.
fn denials(redis: &TestRedis, user: &str) -> Vec<String> {
    let mut out = Vec::new();
    for port in nodes(redis) {
        let Value::Array(entries) = redis.query_node(port, &["ACL", "LOG"]).unwrap() else {
            panic!("ACL LOG is an array")
        };
        for entry in entries {
            let fields: Vec<(String, String)> = match entry {
                Value::Map(pairs) => pairs
                    .into_iter()
                    .filter_map(|(k, v)| {
                        Some((
                            redis::from_redis_value(k).ok()?,
                            redis::from_redis_value(v).ok()?,
                        ))
                    })
                    .collect(),
                Value::Array(items) => items
                    .chunks(2)
                    .filter_map(|kv| {
                        Some((
                            redis::from_redis_value(kv[0].clone()).ok()?,
                            redis::from_redis_value(kv[1].clone()).ok()?,
                        ))
                    })
                    .collect(),
                other => panic!("{other:?}"),
            };
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            // redis-rs sends CLIENT SETINFO on connect and ignores the answer.
            if get("username") == user && get("object") != "client|setinfo" {
                out.push(format!("{} {}", get("reason"), get("object")));
            }
        }
    }
    out
}

fn is_noperm(result: redis::RedisResult<Value>) -> bool {
    matches!(result, Err(e) if e.to_string().to_ascii_lowercase().contains("noperm"))
}

#[tokio::test]
async fn the_service_runs_its_main_flow_as_the_least_privileged_user() {
    let redis = TestRedis::start();
    create_users(&redis);
    let service = as_user(&redis, "faultline", SERVICE_PW);
    let admin = as_user(&redis, "faultline-admin", ADMIN_PW);

    // The service user may not load the library: a first start says to
    // run `faultline migrate` as the admin user.
    let fns = startup::connect(&settings(&redis, &overrides(&service)))
        .await
        .unwrap();
    let err = startup::migrate_with_patience(&fns).await.unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("NoPerm") && text.contains("admin Redis user"),
        "{text}"
    );
    let admin_fns = startup::connect(&settings(&redis, &overrides(&admin)))
        .await
        .unwrap();
    let report = startup::migrate_with_patience(&admin_fns).await.unwrap();
    assert!(report.loaded);
    for port in nodes(&redis) {
        redis.query_node(port, &["ACL", "LOG", "RESET"]).unwrap();
    }

    // API and worker as separate processes, both as the service user.
    let api = spawn_app(&redis, Role::Api, real_engine(), &overrides(&service)).await;
    let done = api.submit_spec(1).await;
    let cancelled = api.submit_spec(2).await;
    let resp = api
        .http
        .delete(format!("{}/jobs/{cancelled}", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202, "{:?}", resp.text().await);
    let mut worker = spawn_app(&redis, Role::Worker, real_engine(), &overrides(&service)).await;
    api.wait_terminal(&done, Duration::from_secs(30)).await;

    let (status, job) = api.get(&format!("/jobs/{done}")).await;
    assert_eq!((status, job["status"].as_str()), (200, Some("completed")));
    let (status, result) = api.get(&format!("/jobs/{done}/result")).await;
    assert_eq!(status, 200, "{result}");
    assert!(result["result"]["production_readiness_score"].is_u64());
    let (status, events) = api.get(&format!("/jobs/{done}/events")).await;
    assert_eq!(status, 200);
    assert!(events["events"].as_array().unwrap().len() >= 3);
    let sse = api
        .http
        .get(format!("{}/jobs/{done}/events/stream", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);
    let text = tokio::time::timeout(Duration::from_secs(30), sse.text())
        .await
        .expect("the stream of a finished job closes")
        .unwrap();
    assert!(text.contains("event: completed"), "{text}");
    let (status, _) = api
        .post_json(
            "/feedback",
            &json!({"job_id": done, "is_useful": true, "comment": "acl"}),
        )
        .await;
    assert_eq!(status, 202);
    let (status, list) = api.get("/jobs?limit=10").await;
    assert_eq!(status, 200);
    assert_eq!(list["jobs"].as_array().unwrap().len(), 2, "{list}");
    let (status, replay) = api.get(&format!("/jobs/{done}/replay")).await;
    assert_eq!(status, 200, "{replay}");
    let (status, ready) = api.get("/readyz").await;
    assert_eq!(status, 200, "{ready}");
    let metrics = reqwest::get(format!("{}/metrics", api.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("faultline_work_lag"));
    // A cache hit is the same flow through another branch of fl_submit.
    let again = api.submit(&spec(1), "openapi-yaml").await;
    assert_eq!(again["status"], "completed");
    worker.stop().await;
    let mut api = api;
    api.stop().await;

    // Nothing the flow did was refused, even where errors are only logged
    // (metrics sampler, reclaim loop).
    assert_eq!(denials(&redis, "faultline"), Vec::<String>::new());

    // The debugging commands read beyond the service's needs: admin only.
    let id: JobId = done.parse().unwrap();
    let service_fns = startup::connect(&settings(&redis, &overrides(&service)))
        .await
        .unwrap();
    let refused = faultline::audit::inspect::inspect(&service_fns, id).await;
    assert!(
        refused.is_err_and(|e| e.to_string().to_ascii_lowercase().contains("noperm")),
        "inspect needs the admin user"
    );
    faultline::audit::inspect::inspect(&admin_fns, id)
        .await
        .expect("inspect as the admin user");

    // Outside the list: commands and keys are refused.
    // ACLs are checked before any cluster redirect: any node answers.
    let port = redis.port;
    for args in [
        &["FLUSHALL"][..],
        &["KEYS", "*"],
        &["CONFIG", "GET", "maxmemory"],
        &["FUNCTION", "FLUSH"],
        &[
            "FUNCTION",
            "LOAD",
            "REPLACE",
            "#!lua name=evil\nredis.register_function('x', function() return 1 end)",
        ],
        &["GET", "someone-else:key"],
        &["SET", "fl:{meta}:migrations", "x"],
        &["SUBSCRIBE", "news"],
        // Scripts would run any Lua as the service user (an endless loop
        // stalls Redis for everyone): only the library's functions run.
        &["SCRIPT", "LOAD", "while true do end"],
        &["EVAL", "while true do end", "0"],
        &["EVAL_RO", "return 1", "0"],
        &["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
    ] {
        assert!(
            is_noperm(query_as(port, "faultline", SERVICE_PW, args)),
            "{args:?} must be refused"
        );
    }
    assert!(is_noperm(query_as(
        port,
        "faultline-admin",
        ADMIN_PW,
        &["FLUSHALL"]
    )));
    assert!(query_as(port, "faultline", "wrong-password", &["PING"]).is_err());
    let wrong = as_user(&redis, "faultline", "wrong-password");
    let fns = startup::connect(&settings(&redis, &overrides(&wrong)))
        .await
        .unwrap();
    let err = startup::migrate_with_patience(&fns).await.unwrap_err();
    let hint = if redis.is_cluster() {
        "no Redis Cluster node accepted a connection"
    } else {
        "Redis refused the credentials"
    };
    assert!(format!("{err:#}").contains(hint), "{err:#}");
    assert!(!format!("{err:#}").contains("wrong-password"), "{err:#}");
}

/// The migration lease is taken and given back without a script (the
/// service user may not run one): eight services starting at once as the
/// service user all get through, leave no lease behind, and are refused
/// nothing.
#[tokio::test]
async fn the_service_user_migrates_concurrently_without_scripts() {
    let redis = TestRedis::start();
    create_users(&redis);
    let admin = as_user(&redis, "faultline-admin", ADMIN_PW);
    let admin_fns = startup::connect(&settings(&redis, &overrides(&admin)))
        .await
        .unwrap();
    assert!(
        faultline::engine::migrate::migrate(&admin_fns.store)
            .await
            .unwrap()
            .loaded
    );
    for port in nodes(&redis) {
        redis.query_node(port, &["ACL", "LOG", "RESET"]).unwrap();
    }

    let service = as_user(&redis, "faultline", SERVICE_PW);
    let settings = settings(&redis, &overrides(&service));
    let runs = (0..8).map(|_| async {
        let fns = startup::connect(&settings).await.unwrap();
        faultline::engine::migrate::migrate(&fns.store).await
    });
    for report in futures::future::join_all(runs).await {
        let report = report.expect("migrate as the service user");
        assert!(!report.loaded);
    }
    let lock = admin_fns.store.keys.migrate_lock();
    let exists: i64 = redis::from_redis_value(redis.query(&["EXISTS", &lock]).unwrap()).unwrap();
    assert_eq!(exists, 0, "every holder released the lease");
    assert_eq!(denials(&redis, "faultline"), Vec::<String>::new());
}
