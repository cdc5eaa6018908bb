//! The model call: OpenAI-compatible chat completions over a blocking HTTP
//! client (analysis runs on a blocking thread), with a per-attempt timeout
//! and bounded retries. Transport failures, 429 and 5xx answers and answers
//! the guard rejects are retried; other 4xx answers are not (a bad key or
//! model name will not fix itself).

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::{AiConfig, SynthInput, deterministic, guard};
use crate::analysis::next_steps::NextStep;

/// Largest response body read.
const MAX_RESPONSE: u64 = 4 * 1024 * 1024;

/// Why the model's answer was not used, after how many requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub reason: String,
    pub attempts: u32,
}

struct CallError {
    reason: String,
    retryable: bool,
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
}

/// Asks the model; returns the validated summary, steps and request count.
pub fn synthesize(
    cfg: &AiConfig,
    input: &SynthInput<'_>,
) -> Result<(String, Vec<NextStep>, u32), Failure> {
    let fail = |reason: String, attempts| Failure { reason, attempts };
    let endpoint = cfg
        .endpoint()
        .ok_or_else(|| fail("no provider configured".into(), 0))?;
    let key_needed = cfg.provider.and_then(|p| p.key_variable());
    if let (Some(var), None) = (key_needed, &cfg.api_key) {
        return Err(fail(format!("no API key: {var} is not set"), 0));
    }
    let draft = deterministic::synthesize(input).summary;
    let (system, user) = guard::messages(input, &draft);
    let body = json!({
        "model": cfg.model_name(),
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        "temperature": cfg.temperature,
        "max_tokens": cfg.max_tokens,
        "response_format": {"type": "json_object"},
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(cfg.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut last = String::new();
    for attempt in 0..=cfg.retries {
        if attempt > 0 {
            std::thread::sleep(backoff(attempt));
        }
        match call(&agent, &endpoint, cfg.api_key.as_deref(), &body) {
            Ok(content) => match guard::validate(&content, input) {
                Ok((summary, steps)) => return Ok((summary, steps, attempt + 1)),
                Err(reason) => last = reason,
            },
            Err(e) if e.retryable => last = e.reason,
            Err(e) => return Err(fail(e.reason, attempt + 1)),
        }
    }
    Err(fail(last, cfg.retries + 1))
}

/// 250 ms, 500 ms, 1 s, then 2 s at most.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.saturating_sub(1).min(3))
}

/// One request; the message content on success.
fn call(
    agent: &ureq::Agent,
    endpoint: &str,
    key: Option<&str>,
    body: &serde_json::Value,
) -> Result<String, CallError> {
    let retry = |reason: String| CallError {
        reason,
        retryable: true,
    };
    let mut request = agent
        .post(endpoint)
        .header("Content-Type", "application/json");
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let mut response = request
        .send(body.to_string())
        .map_err(|e| retry(format!("request failed: {e}")))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_string()
        .map_err(|e| retry(format!("reading the answer failed: {e}")))?;
    if status == 429 || status >= 500 {
        return Err(retry(format!("the provider answered HTTP {status}")));
    }
    if !(200..300).contains(&status) {
        return Err(CallError {
            reason: format!("the provider answered HTTP {status}"),
            retryable: false,
        });
    }
    let parsed: ChatResponse = serde_json::from_str(&text)
        .map_err(|e| retry(format!("the answer is not a chat completion: {e}")))?;
    parsed
        .choices
        .into_iter()
        .next()
        .and_then(|c| c.message.content)
        .ok_or_else(|| retry("the answer has no message content".into()))
}
