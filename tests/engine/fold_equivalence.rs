//! Replay equals state: the Lua fold (in a real Redis) and the Rust fold
//! agree on every event sequence, valid or not: same snapshots, same
//! refusals at the same position.

use faultline::engine::events::EventSource;
use faultline::engine::fold::{fold, fold_all};
use faultline::engine::{Event, EventType, Snapshot};
use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestRedis;

const JOB: &str = "01JTESTJOB0000000000000000";

/// One generated step: which event, and whether its attempt is the one the
/// current state expects (most of the time) or an arbitrary one.
#[derive(Debug, Clone)]
struct Step {
    kind: usize,
    right_attempt: bool,
    wild_attempt: u32,
    worker: &'static str,
    text: String,
    empty_result: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        0usize..10,
        prop::bool::weighted(0.8),
        0u32..5,
        prop::sample::select(vec!["w1", "w2", ""]),
        "[a-z \"\\\\]{0,12}",
        any::<bool>(),
    )
        .prop_map(
            |(kind, right_attempt, wild_attempt, worker, text, empty_result)| Step {
                kind,
                right_attempt,
                wild_attempt,
                worker,
                text,
                empty_result,
            },
        )
}

/// Turns steps into events, tracking state with the Rust fold so most
/// attempts are plausible and sequences go deep.
fn events(steps: &[Step], start_with_birth: bool) -> Vec<Event> {
    let mut state: Option<Snapshot> = None;
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let mut kind = EventType::ALL[s.kind];
        if i == 0 && start_with_birth {
            kind = if s.kind % 4 == 0 {
                EventType::CacheHit
            } else {
                EventType::Queued
            };
        }
        let current = state.as_ref().map_or(0, |st| st.attempt);
        let attempt = match (s.right_attempt, kind) {
            (true, EventType::Started) => current + 1,
            (true, _) => current,
            (false, _) => s.wild_attempt,
        };
        let result = if s.empty_result {
            json!({"production_readiness_score": 100, "findings": [], "charts": [], "suggested_next_steps": [], "ratio": 0.12345678901234567})
        } else {
            json!({"production_readiness_score": 7, "findings": [{"title": s.text, "confidence": 0.9}], "nested": {"empty": {}}})
        };
        let (data, with_result) = match kind {
            EventType::Queued | EventType::CacheHit => (
                json!({"content_hash": "ab12", "content_type": "openapi-yaml", "metadata": if s.empty_result { json!({}) } else { json!({"repo": s.text}) }}),
                kind == EventType::CacheHit,
            ),
            EventType::Progress => (
                json!({"hint": s.text, "observed_at": 1_700_000_000_000i64}),
                false,
            ),
            EventType::RetryScheduled | EventType::DeadLettered | EventType::Failed => {
                (json!({"error": s.text, "delay_ms": 5}), false)
            }
            EventType::Started => (json!({"reclaimed": false}), false),
            EventType::Completed => (json!({}), true),
            EventType::Cancelled => (json!({"reason": s.text}), false),
            EventType::Feedback => (json!({"is_useful": true, "comment": s.text}), false),
        };
        // A cache hit holds its result, or (every other one) names the
        // `completed` event that holds it.
        let by_reference = kind == EventType::CacheHit && s.wild_attempt % 2 == 0;
        let with_result = with_result && !by_reference;
        let ev = Event {
            seq: i as u64 + 1,
            kind,
            ts: 1_795_000_000_000 + i as i64 * 7,
            attempt,
            worker: s.worker.to_string(),
            data,
            result: with_result.then(|| result.to_string()),
            markdown: with_result.then(|| format!("# Report\n\n{}", s.text)),
            stream_id: None,
            source: by_reference.then(|| EventSource {
                job_id: "01KB0000000000000000000000".to_string(),
                stream_id: format!("1795000000000-{i}"),
            }),
        };
        if let Ok(next) = fold(state.clone(), &ev, JOB) {
            state = Some(next);
        }
        out.push(ev);
    }
    out
}

fn lua_fold(
    conn: &mut redis::Connection,
    events: &[Event],
) -> (usize, Option<Value>, Option<String>) {
    let (n, snap, refusal): (usize, String, String) = redis::cmd("FCALL_RO")
        .arg("fl_fold")
        .arg(0)
        .arg(JOB)
        .arg(serde_json::to_string(events).unwrap())
        .query(conn)
        .expect("fl_fold answers");
    let snap =
        (!snap.is_empty()).then(|| serde_json::from_str(&snap).expect("the Lua snapshot is JSON"));
    (n, snap, (!refusal.is_empty()).then_some(refusal))
}

fn rust_fold(events: &[Event]) -> (usize, Option<Value>, Option<String>) {
    let (state, refusal) = fold_all(JOB, events);
    let n = refusal.as_ref().map_or(events.len(), |(i, _)| *i);
    (
        n,
        state.map(|s| s.to_value()),
        refusal.map(|(_, r)| r.to_string()),
    )
}

fn loaded_redis() -> (TestRedis, redis::Connection) {
    let redis = TestRedis::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg(faultline::engine::library::source())
        .query::<String>(&mut conn)
        .unwrap();
    (redis, conn)
}

#[test]
fn the_lua_and_rust_folds_agree_on_random_event_sequences() {
    let (_redis, conn) = loaded_redis();
    let conn = std::cell::RefCell::new(conn);
    let config = ProptestConfig {
        cases: 400,
        ..ProptestConfig::default()
    };
    proptest!(config, |(steps in prop::collection::vec(step(), 0..14), birth in prop::bool::weighted(0.9))| {
        let events = events(&steps, birth);
        let lua = lua_fold(&mut conn.borrow_mut(), &events);
        let rust = rust_fold(&events);
        prop_assert_eq!(lua, rust);
    });
}

#[test]
fn a_result_keeps_its_empty_arrays_and_full_precision_through_the_lua_fold() {
    let (_redis, mut conn) = loaded_redis();
    let steps = vec![Step {
        kind: 0,
        right_attempt: true,
        wild_attempt: 1, // odd: the hit holds its result
        worker: "w",
        text: String::new(),
        empty_result: true,
    }];
    let events = events(&steps, true); // step kind 0 → cache_hit
    let (_, snap, refusal) = lua_fold(&mut conn, &events);
    assert_eq!(refusal, None);
    let result = &snap.unwrap()["result"];
    assert_eq!(result["findings"], json!([]));
    assert_eq!(result["ratio"], json!(0.12345678901234567));
}
