//! Hostile clients at the HTTP door: a request head or body sent too slowly
//! (slowloris) loses its connection, and event streams are capped per
//! client (API key, else IP address) as well as in total; a companion spec
//! obeys the content limit.

use std::time::Duration;

use faultline::startup::Role;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Everything the server sends until it closes the connection.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = stream.read_to_end(&mut received);
    match tokio::time::timeout(Duration::from_secs(20), read).await {
        Ok(_) => String::from_utf8_lossy(&received).into_owned(),
        Err(_) => panic!("the server kept a slow client's connection open"),
    }
}

#[tokio::test]
async fn a_slow_request_head_or_body_loses_its_connection() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[
            ("HTTP_HEADER_TIMEOUT_MS", "300"),
            ("HTTP_BODY_TIMEOUT_MS", "300"),
        ],
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();

    // Half a request head, then silence: closed without an answer.
    let mut half = TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    assert_eq!(read_until_closed(&mut half).await, "");

    // Connected, nothing sent: closed too.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    assert_eq!(read_until_closed(&mut silent).await, "");

    // A whole head with a body that stops short: 408 problem+json, closed.
    let mut slow_body = TcpStream::connect(&addr).await.unwrap();
    slow_body
        .write_all(
            b"POST /artifacts/analyze HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"content\": \"",
        )
        .await
        .unwrap();
    let answer = read_until_closed(&mut slow_body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("\"code\":\"REQUEST_TIMEOUT\""), "{answer}");

    // A prompt client is served as usual, on the same server.
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn event_streams_are_capped_per_client_and_in_total() {
    let redis = TestRedis::start();
    let keys = [
        "first-client-key-0001",
        "second-client-key-002",
        "third-client-key-0003",
    ];
    let app = spawn_app(
        &redis,
        Role::Api, // no worker: the job stays queued and its streams open
        real_engine(),
        &[
            ("MAX_EVENT_STREAMS", "3"),
            ("MAX_EVENT_STREAMS_PER_CLIENT", "1"),
            ("FAULTLINE_API_KEYS", &keys.join(",")),
        ],
    )
    .await;
    let resp = app
        .http
        .post(format!("{}/artifacts/analyze", app.base))
        .bearer_auth(keys[0])
        .json(&serde_json::json!({"content": spec(61), "content_type": "openapi-yaml"}))
        .send()
        .await
        .unwrap();
    let job = resp.json::<Value>().await.unwrap()["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{}/jobs/{job}/events/stream", app.base);
    let open = |key: Option<&str>| {
        let mut req = app.http.get(&url);
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        req.send()
    };

    // Without a key the client is its address; with one, its key.
    let by_ip = open(None).await.unwrap();
    assert_eq!(by_ip.status(), 200);
    let refused = open(None).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "TOO_MANY_STREAMS_PER_CLIENT");
    let by_key = open(Some(keys[0])).await.unwrap();
    assert_eq!(by_key.status(), 200);
    let refused = open(Some(keys[0])).await.unwrap();
    assert_eq!(refused.status(), 429);
    let other_key = open(Some(keys[1])).await.unwrap();
    assert_eq!(other_key.status(), 200);

    // Three open in total: a fourth client finds the server full.
    let full = open(Some(keys[2])).await.unwrap();
    assert_eq!(full.status(), 503);
    let problem: Value = full.json().await.unwrap();
    assert_eq!(problem["code"], "TOO_MANY_STREAMS");

    // A client's slot comes back when its stream closes.
    drop(by_key);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let again = open(Some(keys[0])).await.unwrap();
        if again.status() == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop((by_ip, other_key));
}

/// The companion spec is analysed too: MAX_CONTENT_SIZE holds for it, and
/// a refused submission leaves nothing behind.
#[tokio::test]
async fn a_companion_spec_over_the_content_limit_is_refused() {
    let redis = TestRedis::start();
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_CONTENT_SIZE", "1000")],
    )
    .await;
    let body = serde_json::json!({
        "content": "# Design\n\nShort.\n",
        "content_type": "markdown",
        "metadata": {"spec": "x".repeat(1001)},
    });
    let (status, problem) = app.post_json("/artifacts/analyze", &body).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(problem["code"], "CONTENT_TOO_LARGE");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("metadata.spec"),
        "{problem}"
    );
    let (_, jobs) = app.get("/jobs").await;
    assert_eq!(jobs["total"], 0, "{jobs}");
}

/// Bodies held at once are bounded: clients that send large bodies slowly
/// fill the budget, the next body gets a 503 at once (not a wait), and the
/// room comes back when they go.
#[tokio::test]
async fn request_bodies_held_at_once_are_bounded() {
    let redis = TestRedis::start();
    // MAX_CONTENT_SIZE 1000 makes the largest body 71,536 bytes.
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[
            ("MAX_CONTENT_SIZE", "1000"),
            ("HTTP_BODY_TIMEOUT_MS", "30000"),
        ],
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let body = format!(
        "{{\"content\": \"# Orders\\n\\nOrders go to Postgres.\", \"content_type\": \"markdown\"}}{}",
        " ".repeat(70_000)
    );
    let head = format!(
        "POST /artifacts/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut slow = Vec::new();
    for _ in 0..faultline::api::LARGEST_BODIES_AT_ONCE {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(&body.as_bytes()[..100]).await.unwrap();
        slow.push(s);
    }
    let post = || async {
        app.http
            .post(format!("{}/artifacts/analyze", app.base))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap()
    };
    // Once the slow bodies hold the budget, the next one is refused.
    let mut refused = None;
    for _ in 0..100 {
        let resp = post().await;
        if resp.status() == 503 {
            refused = Some(resp);
            break;
        }
        assert_eq!(resp.status(), 200);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused = refused.expect("a body past the budget is refused");
    assert!(refused.headers().contains_key("retry-after"));
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "SERVER_BUSY", "{problem}");
    // Reads need no room, nor a request without a body (a DELETE).
    assert_eq!(app.get("/healthz").await.0, 200);
    let unknown = faultline::engine::JobId::generate(0);
    let cancel = app
        .http
        .delete(format!("{}/jobs/{unknown}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 404);
    drop(slow);
    let mut accepted = false;
    for _ in 0..100 {
        if post().await.status() == 200 {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(accepted, "the room comes back when the slow clients go");
}

/// A client that sends its whole body before it reads the answer (no
/// `Expect: 100-continue`, as Python's urllib and requests do) reads the 413
/// of a body over the limit, declared or chunked, instead of finding its
/// connection reset mid-upload.
#[tokio::test]
async fn a_client_that_sends_a_whole_body_over_the_limit_reads_the_413() {
    let redis = TestRedis::start();
    // A body limit of 6 × 1000 bytes + 64 KiB.
    let app = spawn_app(
        &redis,
        Role::Api,
        real_engine(),
        &[("MAX_CONTENT_SIZE", "1000")],
    )
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let body = vec![b'a'; 8 << 20];
    for chunked in [false, true] {
        let mut conn = TcpStream::connect(&addr).await.unwrap();
        let length = if chunked {
            "Transfer-Encoding: chunked".to_string()
        } else {
            format!("Content-Length: {}", body.len())
        };
        let head = format!(
            "POST /artifacts/analyze HTTP/1.1\r\nHost: localhost\r\n\
             Content-Type: application/json\r\n{length}\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        for piece in body.chunks(64 << 10) {
            if chunked {
                let size = format!("{:x}\r\n", piece.len());
                conn.write_all(size.as_bytes()).await.unwrap();
            }
            conn.write_all(piece)
                .await
                .expect("the whole body is taken");
            if chunked {
                conn.write_all(b"\r\n").await.unwrap();
            }
        }
        if chunked {
            conn.write_all(b"0\r\n\r\n").await.unwrap();
        }
        let answer = read_until_closed(&mut conn).await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "chunked {chunked}: {answer}"
        );
        assert!(
            answer.contains("\"code\":\"CONTENT_TOO_LARGE\""),
            "{answer}"
        );
    }
}
