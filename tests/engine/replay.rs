//! Replay equals state, observed from outside: a finished job's log folds to
//! its stored snapshot; a hand-corrupted snapshot is reported field by field;
//! an expired snapshot still leaves the whole story in the log.

use std::time::Duration;

use faultline::replay::{Verdict, replay};
use faultline::startup::Role;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn replay_verifies_the_snapshot_reports_drift_and_survives_expiry() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let job = app.submit_spec(80).await;
    app.wait_terminal(&job, Duration::from_secs(20)).await;
    let id = job.parse().unwrap();

    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::Consistent);
    assert_eq!(r.timeline.len(), 6);
    assert_eq!(
        r.timeline[1].state.as_ref().unwrap().status.as_str(),
        "running"
    );

    let key = app.fns.store.keys.job(id.shard(), &job);
    let mut snap: serde_json::Value =
        serde_json::from_str(&app.fns.snapshot_json(id).await.unwrap().unwrap()).unwrap();
    snap["status"] = json!("failed");
    snap["attempt"] = json!(7);
    redis.query(&["SET", &key, &snap.to_string()]).unwrap();
    let Verdict::Drifted { differences } = replay(&app.fns, id).await.unwrap().verdict else {
        panic!("drift expected")
    };
    let fields: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(fields, ["/attempt", "/status"]);
    assert_eq!(differences[1].stored, json!("failed"));
    assert_eq!(differences[1].folded, json!("completed"));

    redis.query(&["DEL", &key]).unwrap();
    let r = replay(&app.fns, id).await.unwrap();
    assert_eq!(r.verdict, Verdict::SnapshotExpired);
    assert_eq!(
        r.timeline
            .last()
            .unwrap()
            .state
            .as_ref()
            .unwrap()
            .status
            .as_str(),
        "completed"
    );
}
