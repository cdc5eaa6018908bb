//! Generated artifacts stay true: the committed OpenAPI spec is the one the
//! server serves, the Grafana dashboard only uses metrics that exist, and the
//! README's key table is `keys::table()`.

use std::time::Duration;

use faultline::startup::Role;
use faultline::store::Keys;

use crate::helpers::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[tokio::test]
async fn the_committed_openapi_spec_is_the_served_one() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let (status, served) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{ROOT}/openapi/openapi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        served, committed,
        "regenerate with `cargo run -- openapi > openapi/openapi.json`"
    );
    let yaml = std::fs::read_to_string(format!("{ROOT}/openapi/openapi.yaml")).unwrap();
    assert_eq!(
        yaml.trim_end(),
        faultline::api::service().spec_yaml().trim_end(),
        "regenerate with `cargo run -- openapi --yaml > openapi/openapi.yaml`"
    );
}

#[tokio::test]
async fn every_metric_the_dashboard_queries_is_exported() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(70).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    app.submit(&spec(70), "openapi-yaml").await; // a cache hit
    tokio::time::sleep(Duration::from_millis(700)).await; // one upkeep tick samples the queue gauges
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let dashboard = std::fs::read_to_string(format!("{ROOT}/grafana/faultline.json")).unwrap();
    let mut names: Vec<&str> = dashboard
        .match_indices("faultline_")
        .map(|(i, _)| {
            let rest = &dashboard[i..];
            &rest[..rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len())]
        })
        .collect();
    names.sort();
    names.dedup();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        assert!(
            metrics.lines().any(|l| l.starts_with(name)),
            "{name} is queried by grafana/faultline.json but not exported"
        );
    }
}

#[test]
fn the_readme_key_table_is_the_code() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    for (key, kind, purpose) in Keys::table() {
        let row = format!("| `{key}` | {kind} | {purpose} |");
        assert!(readme.contains(&row), "README.md lacks the key row:\n{row}");
    }
}
