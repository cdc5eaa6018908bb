//! Synthesis against a local chat-completions server started on
//! 127.0.0.1:0: good, garbage, slow and evidence-breaking answers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::*;
use crate::analysis::model::{Category, Location, Severity};
use crate::analysis::next_steps;
use crate::analysis::rule::RuleMeta;
use crate::analysis::score::{self, RuleOutcome};

static HIGH: RuleMeta = RuleMeta {
    id: "FL-T-001",
    title: "Write operation without authentication",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Anyone can change data. Attackers will.",
    remediation: "Declare a security requirement",
};
static LOW: RuleMeta = RuleMeta {
    id: "FL-T-002",
    title: "Operation without description",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "Consumers guess.",
    remediation: "Describe it",
};

fn finding(meta: &RuleMeta, occurrences: u32) -> Finding {
    Finding {
        title: meta.title.into(),
        description: "seen here".into(),
        category: meta.category,
        severity: meta.severity,
        rationale: meta.rationale.into(),
        remediation: meta.remediation.into(),
        rule_id: meta.id.into(),
        confidence: meta.confidence,
        location: Location {
            line: Some(4),
            pointer: Some("/paths/~1pets/post".into()),
        },
        more_locations: vec![],
        occurrences,
    }
}

/// Two findings (one High Security over 3 of 10 operations, one Low), their
/// score and next steps.
pub(crate) fn sample() -> (Vec<Finding>, ScoreBreakdown, Vec<NextStep>) {
    let findings = vec![finding(&HIGH, 3), finding(&LOW, 1)];
    let outcomes = [
        RuleOutcome {
            meta: &HIGH,
            examined: Some(10),
            failing: 3,
            confidence: 0.9,
        },
        RuleOutcome {
            meta: &LOW,
            examined: Some(10),
            failing: 1,
            confidence: 0.9,
        },
    ];
    let breakdown = score::compute(&outcomes, &findings);
    let steps = next_steps::plan(&findings);
    (findings, breakdown, steps)
}

enum Reply {
    Status(u16, String),
    Sleep(Duration),
}

struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

/// Starts a server answering the n-th request (0-based) with `reply(n)`.
fn serve(reply: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    let reply = Arc::new(reply);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (seen, reply) = (Arc::clone(&seen), Arc::clone(&reply));
            std::thread::spawn(move || handle(stream, &seen, &*reply));
        }
    });
    Server { url, requests }
}

fn handle(stream: TcpStream, seen: &Mutex<Vec<String>>, reply: &dyn Fn(usize) -> Reply) {
    let mut reader = BufReader::new(stream);
    let (mut head, mut line) = (String::new(), String::new());
    while reader.read_line(&mut line).unwrap_or(0) > 2 {
        head.push_str(&line);
        line.clear();
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let n = {
        let mut seen = seen.lock().expect("lock");
        seen.push(format!("{head}\n{}", String::from_utf8_lossy(&body)));
        seen.len() - 1
    };
    let mut stream = reader.into_inner();
    let (status, body) = match reply(n) {
        Reply::Status(status, body) => (status, body),
        Reply::Sleep(d) => {
            std::thread::sleep(d);
            return;
        }
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A chat completion whose message content is `content`.
fn completion(content: &str) -> Reply {
    let body = serde_json::json!({"id": "c1", "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]});
    Reply::Status(200, body.to_string())
}

fn config(server: &Server, retries: u32) -> AiConfig {
    AiConfig {
        provider: Some(AiProvider::Openai),
        model: "test-model".into(),
        api_key: Some("sk-test".into()),
        base_url: Some(server.url.clone()),
        timeout: Duration::from_millis(400),
        retries,
        ..AiConfig::default()
    }
}

fn run(cfg: &AiConfig) -> Synthesis {
    let (findings, breakdown, steps) = sample();
    let input = SynthInput {
        kind: ArtifactKind::OpenapiYaml,
        findings: &findings,
        breakdown: &breakdown,
        steps: &steps,
    };
    synthesize(cfg, &input)
}

const GOOD: &str = r#"{"summary":"Unauthenticated writes will be abused first.","next_steps":[{"action":"Require OAuth on POST /pets","finding_ids":["FL-T-001"]}]}"#;

#[test]
fn a_good_answer_replaces_summary_and_steps_and_keeps_the_rest() {
    let server = serve(|_| completion(GOOD));
    let s = run(&config(&server, 0));
    assert_eq!(
        (s.info.engine, s.info.attempts, s.info.note.as_deref()),
        ("llm", 1, None)
    );
    assert_eq!(s.summary, "Unauthenticated writes will be abused first.");
    assert_eq!(s.steps[0].action, "Require OAuth on POST /pets");
    // The Low finding the model did not cite keeps its deterministic step.
    assert_eq!(s.steps[1].finding_ids, vec!["FL-T-002"]);
    assert_eq!(s.steps[1].rank, 2);
    let request = server.requests.lock().expect("lock")[0].clone();
    assert!(
        request
            .to_ascii_lowercase()
            .contains("authorization: bearer sk-test"),
        "{request}"
    );
    assert!(
        request.contains("\"model\":\"test-model\"") && request.contains("FL-T-001"),
        "{request}"
    );
}

#[test]
fn garbage_falls_back_after_the_retries_with_a_note() {
    let server = serve(|_| completion("Sure! Here is your review: it looks fine."));
    let s = run(&config(&server, 1));
    assert_eq!((s.info.engine, s.info.attempts), ("deterministic", 2));
    assert!(
        s.info
            .note
            .as_deref()
            .is_some_and(|n| n.contains("does not match the schema")),
        "{:?}",
        s.info.note
    );
    assert!(s.summary.starts_with("This OpenAPI document scores"));
}

#[test]
fn a_slow_provider_times_out_and_falls_back() {
    let server = serve(|_| Reply::Sleep(Duration::from_secs(3)));
    let started = Instant::now();
    let s = run(&config(&server, 0));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(s.info.engine, "deterministic");
    assert!(
        s.info
            .note
            .as_deref()
            .is_some_and(|n| n.contains("request failed")),
        "{:?}",
        s.info.note
    );
}

#[test]
fn an_answer_dropping_a_high_finding_is_rejected() {
    let drops = r#"{"summary":"Only docs matter.","next_steps":[{"action":"Describe ops","finding_ids":["FL-T-002"]}]}"#;
    let server = serve(move |_| completion(drops));
    let s = run(&config(&server, 0));
    assert_eq!(s.info.engine, "deterministic");
    assert!(
        s.info
            .note
            .as_deref()
            .is_some_and(|n| n.contains("drops High/Critical finding(s) FL-T-001"))
    );
    assert_eq!(s.steps[0].finding_ids, vec!["FL-T-001"]);
}

#[test]
fn an_answer_inventing_a_finding_is_rejected() {
    let invents =
        r#"{"summary":"x","next_steps":[{"action":"a","finding_ids":["FL-T-001","FL-OAS-999"]}]}"#;
    let server = serve(move |_| completion(invents));
    let s = run(&config(&server, 0));
    assert!(
        s.info
            .note
            .as_deref()
            .is_some_and(|n| n.contains("FL-OAS-999 that the analysis did not produce"))
    );
}

#[test]
fn a_server_error_is_retried_and_a_client_error_is_not() {
    let server = serve(|n| {
        if n == 0 {
            Reply::Status(503, "{}".into())
        } else {
            completion(GOOD)
        }
    });
    let s = run(&config(&server, 2));
    assert_eq!((s.info.engine, s.info.attempts), ("llm", 2));
    let server = serve(|_| Reply::Status(401, "{}".into()));
    let s = run(&config(&server, 2));
    assert_eq!((s.info.engine, s.info.attempts), ("deterministic", 1));
    assert!(
        s.info
            .note
            .as_deref()
            .is_some_and(|n| n.contains("HTTP 401"))
    );
}

#[test]
fn fenced_json_is_accepted_and_a_missing_key_skips_the_call() {
    let fenced = format!("```json\n{GOOD}\n```");
    let server = serve(move |_| completion(&fenced));
    assert_eq!(run(&config(&server, 0)).info.engine, "llm");
    let mut cfg = config(&server, 0);
    cfg.api_key = None;
    let s = run(&cfg);
    assert_eq!((s.info.engine, s.info.attempts), ("deterministic", 0));
    assert!(
        s.info
            .note
            .as_deref()
            .is_some_and(|n| n.contains("OPENAI_API_KEY"))
    );
}

proptest::proptest! {
    #[test]
    fn no_model_answer_panics_the_guard(content in "\\PC{0,300}", ids in proptest::collection::vec("FL-T-00[0-3]", 0..4)) {
        let (findings, breakdown, steps) = sample();
        let input = SynthInput { kind: ArtifactKind::OpenapiYaml, findings: &findings, breakdown: &breakdown, steps: &steps };
        let _ = guard::validate(&content, &input);
        let answer = serde_json::json!({"summary": content, "next_steps": [{"action": "a", "finding_ids": ids}]});
        if let Ok((_, published)) = guard::validate(&answer.to_string(), &input) {
            // Whatever passes still cites the High finding and only real ids.
            proptest::prop_assert!(published.iter().any(|s| s.finding_ids.contains(&"FL-T-001".to_string())));
        }
    }
}
