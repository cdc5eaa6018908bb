//! Generated artifacts stay true: the committed OpenAPI spec is the one the
//! server serves, the Grafana dashboards only use metrics that exist, the
//! README lists every metric, and the README's key table is `keys::table()`.

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
        faultline::api::spec_yaml().trim_end(),
        "regenerate with `cargo run -- openapi --yaml > openapi/openapi.yaml`"
    );
}

#[tokio::test]
async fn every_metric_the_dashboards_query_is_exported_and_in_the_readme() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    // Every series is registered at start, except HTTP's (labelled by the
    // requests themselves): one request creates them.
    assert_eq!(app.get("/healthz").await.0, 200);
    let (_, metrics) = app.get_text("/metrics").await;

    for file in ["overview", "worker-redis"] {
        let path = format!("{ROOT}/grafana/dashboards/{file}.json");
        let dashboard = std::fs::read_to_string(&path).unwrap();
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
                "{name} is queried by {path} but not exported"
            );
        }
    }
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    for line in metrics.lines() {
        if let Some(help) = line.strip_prefix("# HELP ") {
            let name = help.split(' ').next().unwrap();
            assert!(
                readme.contains(&format!("| `{name}`")),
                "README.md's metrics table lacks {name}"
            );
        }
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
