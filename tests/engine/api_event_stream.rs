//! `GET /jobs/{id}/events/stream`: history then live events over SSE,
//! closing after the terminal event, resumable with `Last-Event-ID`.

use std::time::Duration;

use faultline::startup::Role;
use serde_json::Value;

use crate::helpers::*;

/// One SSE message.
#[derive(Debug, Clone)]
struct Message {
    id: String,
    event: String,
    data: Value,
}

/// Reads the whole stream (the server closes it) into messages.
async fn read_stream(app: &TestApp, job: &str, last_event_id: Option<&str>) -> Vec<Message> {
    let mut req = app
        .http
        .get(format!("{}/jobs/{job}/events/stream", app.base));
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id);
    }
    let mut resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = resp.chunk().await.unwrap() {
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the stream closes after the terminal event");
    text.split("\n\n").filter_map(parse_message).collect()
}

fn parse_message(block: &str) -> Option<Message> {
    let field = |name: &str| {
        block
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(|v| v.trim_start().to_string())
    };
    Some(Message {
        id: field("id")?,
        event: field("event")?,
        data: serde_json::from_str(&field("data")?).unwrap(),
    })
}

#[tokio::test]
async fn the_stream_sends_history_then_live_events_until_the_terminal_one() {
    let redis = TestRedis::start();
    let (slow, _) = counting(Duration::from_millis(400));
    let app = spawn_app(&redis, Role::Serve, slow, &[]).await;
    let job = app.submit_spec(21).await;
    // Opened right after the submission: the queued event is history, the
    // rest arrive live.
    let messages = read_stream(&app, &job, None).await;
    let types: Vec<&str> = messages.iter().map(|m| m.event.as_str()).collect();
    assert_eq!(types.first(), Some(&"queued"));
    assert_eq!(types.last(), Some(&"completed"));
    assert!(types.contains(&"started"));
    // Exactly the log, in order, each message its event's JSON.
    let log = app.events(&job).await;
    assert_eq!(messages.len(), log.len());
    for (m, e) in messages.iter().zip(&log) {
        assert_eq!(Some(&m.id), e.stream_id.as_ref());
        assert_eq!(m.data["id"], m.id.as_str());
        assert_eq!(m.data["type"], m.event.as_str());
        assert_eq!(m.data["seq"], e.seq);
    }

    // Resuming after the second event sends the rest only.
    let resumed = read_stream(&app, &job, Some(&messages[1].id)).await;
    let ids: Vec<&String> = resumed.iter().map(|m| &m.id).collect();
    let expected: Vec<&String> = messages[2..].iter().map(|m| &m.id).collect();
    assert_eq!(ids, expected);
    // Resuming after the terminal event answers 204 No Content, which stops
    // an EventSource (an empty 200 made it reconnect every few seconds).
    let last = &messages.last().unwrap().id;
    let resp = app
        .http
        .get(format!("{}/jobs/{job}/events/stream", app.base))
        .header("Last-Event-ID", last.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_cache_hits_stream_is_its_cache_hit_event_then_204() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Serve, real_engine(), &[]).await;
    let first = app.submit_spec(22).await;
    app.wait_terminal(&first, Duration::from_secs(20)).await;
    let hit = app.submit_spec(22).await;
    assert_ne!(hit, first);
    let messages = read_stream(&app, &hit, None).await;
    let types: Vec<&str> = messages.iter().map(|m| m.event.as_str()).collect();
    assert_eq!(types, ["cache_hit"]);
    let resp = app
        .http
        .get(format!("{}/jobs/{hit}/events/stream", app.base))
        .header("Last-Event-ID", messages[0].id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

#[tokio::test]
async fn the_stream_ends_with_a_cancellation_and_rejects_bad_requests() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(22).await;
    let follow = read_stream(&app, &job, None);
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let resp = app
            .http
            .delete(format!("{}/jobs/{job}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    };
    let (messages, ()) = tokio::join!(follow, cancel);
    let types: Vec<&str> = messages.iter().map(|m| m.event.as_str()).collect();
    assert_eq!(types, ["queued", "cancelled"]);

    let unknown = faultline::engine::JobId::generate(2);
    let (status, problem) = app.get(&format!("/jobs/{unknown}/events/stream")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("JOB_NOT_FOUND"))
    );
    let resp = app
        .http
        .get(format!("{}/jobs/{job}/events/stream", app.base))
        .header("Last-Event-ID", "not-an-id")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn the_stream_closes_at_the_terminal_event_even_with_feedback_after_it() {
    let redis = TestRedis::start();
    let app = spawn_app(&redis, Role::Api, real_engine(), &[]).await;
    let job = app.submit_spec(23).await;
    app.fns
        .cancel(job.parse().unwrap(), "user asked")
        .await
        .unwrap();
    for useful in [true, false] {
        let (status, body) = app
            .post_json(
                "/feedback",
                &serde_json::json!({"job_id": job, "is_useful": useful}),
            )
            .await;
        assert_eq!(status, 202, "{body}");
    }
    let messages = read_stream(&app, &job, None).await;
    let types: Vec<&str> = messages.iter().map(|m| m.event.as_str()).collect();
    assert_eq!(types, ["queued", "cancelled"]);
}

#[tokio::test]
async fn open_streams_are_bounded() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_EVENT_STREAMS", "1")],
    )
    .await;
    let job = app.submit_spec(23).await;
    let url = format!("{}/jobs/{job}/events/stream", app.base);
    let first = app.http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = app.http.get(&url).send().await.unwrap();
    assert_eq!(second.status(), 503);
    assert!(second.headers().contains_key("retry-after"));
    // The slot comes back once the first stream ends (here: with the job).
    let cancel = app.http.delete(format!("{}/jobs/{job}", app.base)).send();
    assert_eq!(cancel.await.unwrap().status(), 202);
    drop(first);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let again = app.http.get(&url).send().await.unwrap();
        if again.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
