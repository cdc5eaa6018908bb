//! Liveness and readiness.

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::models::{Check, Health};
use super::state::AppState;
use crate::engine::{library, migrate};

pub struct HealthApi;

#[derive(ApiResponse)]
enum HealthResponse {
    /// Healthy or ready.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// Not ready: see the failing check.
    #[oai(status = 503)]
    NotReady(Json<Health>),
}

#[OpenApi]
impl HealthApi {
    /// Liveness: the process is up.
    #[oai(
        path = "/healthz",
        operation_id = "healthz",
        method = "get",
        tag = "ApiTags::Health"
    )]
    async fn healthz(&self) -> HealthResponse {
        HealthResponse::Ok(Json(Health {
            status: "ok".into(),
            checks: vec![],
        }))
    }

    /// Readiness: Redis reachable, this binary's library loaded, consumer
    /// groups present, and Redis a master that is neither out of memory nor
    /// evicting (checked on a single Redis, not on a cluster). An answer is
    /// reused for up to a second, so a change shows within that.
    #[oai(
        path = "/readyz",
        operation_id = "readyz",
        method = "get",
        tag = "ApiTags::Health"
    )]
    async fn readyz(&self, state: poem::web::Data<&AppState>) -> HealthResponse {
        let health = state.readiness.get(|| readiness(&state)).await;
        if health.status == "ready" {
            HealthResponse::Ok(Json(health))
        } else {
            HealthResponse::NotReady(Json(health))
        }
    }
}

/// How long one readiness answer is given again. `/readyz` is open to
/// anyone and unthrottled (probes share addresses) and costs a score of
/// Redis commands; reused for a second, a flood of probes costs Redis at
/// most one check a second per process, and a change still shows within
/// that second.
pub const READINESS_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The last readiness answer and when it was taken. Callers that arrive
/// while a check runs wait for it rather than start their own.
#[derive(Default)]
pub struct ReadinessCache(tokio::sync::Mutex<Option<(std::time::Instant, Health)>>);

impl ReadinessCache {
    async fn get<F: Future<Output = Health>>(&self, check: impl FnOnce() -> F) -> Health {
        let mut last = self.0.lock().await;
        if let Some((at, health)) = last.as_ref()
            && at.elapsed() < READINESS_TTL
        {
            return health.clone();
        }
        let health = check().await;
        *last = Some((std::time::Instant::now(), health.clone()));
        health
    }
}

/// The checks behind `/readyz`.
async fn readiness(state: &AppState) -> Health {
    let mut checks = Vec::new();
    let ping = state.fns.store.ping().await;
    checks.push(check(
        "redis",
        ping.as_ref()
            .map(|_| "PONG".to_string())
            .map_err(|e| e.to_string()),
    ));
    if ping.is_ok() {
        let lib = migrate::deployed(&state.fns.store).await;
        checks.push(check("functions", match lib {
            Ok((v, sum)) if v == library::version() && sum == library::checksum() => Ok(format!("faultline library v{v}")),
            Ok((v, _)) => Err(format!("faultline library v{v} loaded, this binary needs v{} (run `faultline migrate`)", library::version())),
            Err(e) => Err(e.to_string()),
        }));
        checks.push(check("consumer_groups", groups_present(state).await));
        if let Some(safety) = state.fns.store.write_safety().await {
            checks.push(check("writes", safety));
        }
    }
    let ready = checks.iter().all(|c| c.ok);
    Health {
        status: if ready { "ready" } else { "not_ready" }.into(),
        checks,
    }
}

fn check(name: &str, outcome: Result<String, String>) -> Check {
    match outcome {
        Ok(detail) => Check {
            name: name.into(),
            ok: true,
            detail,
        },
        Err(detail) => Check {
            name: name.into(),
            ok: false,
            detail,
        },
    }
}

async fn groups_present(state: &AppState) -> Result<String, String> {
    let keys = &state.fns.store.keys;
    let mut conn = state.fns.store.conn.clone();
    for shard in 0..keys.shards() {
        let groups: redis::RedisResult<redis::streams::StreamInfoGroupsReply> = redis::cmd("XINFO")
            .arg("GROUPS")
            .arg(keys.work(shard))
            .query_async(&mut conn)
            .await;
        let missing = match groups {
            Ok(g) => !g.groups.iter().any(|g| g.name == migrate::GROUP),
            // No work stream at all: no group either.
            Err(e) if e.to_string().contains("no such key") => true,
            // Anything else (a cluster down, a slot moving, a timeout) is
            // what it is, not a reason to run migrate.
            Err(e) => return Err(format!("shard {shard}: {e}")),
        };
        if missing {
            return Err(format!(
                "shard {shard} has no `{}` group (run `faultline migrate`)",
                migrate::GROUP
            ));
        }
    }
    Ok(format!("{} shards", keys.shards()))
}
