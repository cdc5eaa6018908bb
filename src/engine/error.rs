//! Engine errors: Redis failures and the named refusals of the Lua functions.

/// What can go wrong talking to the engine.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    /// Redis could not be reached or did not answer in time. Retry later.
    #[error("redis unavailable: {0}")]
    Unavailable(String),
    /// A transition the job's state does not allow (named Lua refusal).
    #[error("{code}: {detail}")]
    Refused { code: String, detail: String },
    /// Redis has a newer `faultline` library than this binary knows.
    #[error(
        "Redis has faultline library version {deployed}, newer than this binary's {known}; \
         upgrade faultline (or run the newer binary's `faultline migrate`) before starting it"
    )]
    NewerLibrary { deployed: u32, known: u32 },
    /// An answer that does not have the documented shape.
    #[error("unexpected reply from redis: {0}")]
    Protocol(String),
    /// Stored data this process cannot decrypt (a key it lacks, or altered).
    #[error(transparent)]
    Undecryptable(#[from] super::crypto::CryptoError),
}

impl EngineError {
    /// The refusal code, e.g. `STALE_ATTEMPT`.
    pub fn code(&self) -> Option<&str> {
        match self {
            EngineError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, EngineError::Unavailable(_))
    }

    /// Redis answered as a replica (or a master without its link): the
    /// connection reaches a server that no longer takes writes.
    pub fn is_wrong_server(&self) -> bool {
        matches!(self, EngineError::Unavailable(m) if m.starts_with(WRONG_SERVER))
    }
}

const WRONG_SERVER: &str = "the Redis server no longer takes writes";

/// The library found no artifact where the caller wrote one beside the
/// call: Redis refused that write (out of memory) and ran the call anyway.
/// Nothing was written; the submission may be sent again.
pub const ARTIFACT_NOT_STORED: &str = "ARTIFACT_NOT_STORED";

fn not_stored(detail: &str) -> EngineError {
    EngineError::Unavailable(format!(
        "Redis did not store the artifact, and the job was not queued (out of memory?): {detail}"
    ))
}

/// The library's refusals: the call conflicts with the job's state (see the
/// `Errors:` lines in `migrations-lua/`). Mapped to `EngineError::Refused`.
pub const REFUSAL_CODES: [&str; 7] = [
    "NO_SUCH_JOB",
    "INVALID_TRANSITION",
    "JOB_TERMINAL",
    "STALE_ATTEMPT",
    "NOT_OWNER",
    "DUPLICATE_JOB",
    "FEEDBACK_LIMIT",
];

impl EngineError {
    /// A refusal a batch function returned as text (`CODE detail`) for one
    /// of its jobs, mapped as the same refusal raised by a single-job call.
    pub fn from_refusal_text(text: &str) -> Self {
        let (code, detail) = text.split_once(' ').unwrap_or((text, ""));
        if code == ARTIFACT_NOT_STORED {
            return not_stored(detail);
        }
        if REFUSAL_CODES.contains(&code) {
            EngineError::Refused {
                code: code.to_string(),
                detail: detail.to_string(),
            }
        } else {
            EngineError::Protocol(text.to_string())
        }
    }
}

impl From<redis::RedisError> for EngineError {
    fn from(e: redis::RedisError) -> Self {
        if e.code() == Some(ARTIFACT_NOT_STORED) {
            return not_stored(e.detail().unwrap_or_default());
        }
        if let Some(code) = e.code().filter(|c| REFUSAL_CODES.contains(c)) {
            let detail = e.detail().unwrap_or_default().to_string();
            return EngineError::Refused {
                code: code.to_string(),
                detail,
            };
        }
        if e.is_io_error()
            || e.is_timeout()
            || e.is_connection_dropped()
            || e.is_connection_refusal()
            || e.kind() == redis::ErrorKind::Client
        {
            return EngineError::Unavailable(e.to_string());
        }
        // A slot moving between cluster nodes (a pipeline does not follow
        // ASK/MOVED; a script meets a key already moved): retried later.
        if matches!(e.code(), Some("ASK" | "MOVED")) || e.to_string().contains("non local key") {
            return EngineError::Unavailable(format!("a cluster slot is moving: {e}"));
        }
        match e.code() {
            // NOREPLICAS: min-replicas-to-write during a replica link blip;
            // MISCONF: a failing RDB save blocks writes until it succeeds.
            Some("LOADING" | "BUSY" | "TRYAGAIN" | "CLUSTERDOWN" | "NOREPLICAS" | "MISCONF") => {
                EngineError::Unavailable(e.to_string())
            }
            Some(code @ ("MASTERDOWN" | "READONLY")) => EngineError::Unavailable(format!(
                "{WRONG_SERVER} ({code}: a failover behind a fixed address?): {e}"
            )),
            // maxmemory reached under `noeviction`: writes come back once
            // memory is freed, so it is retried like an outage.
            Some("OOM") => {
                EngineError::Unavailable(format!("Redis is out of memory (OOM, maxmemory): {e}"))
            }
            _ => EngineError::Protocol(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EngineError, REFUSAL_CODES};

    /// The library's other errors: it was handed something it cannot read
    /// (metadata that is not JSON, an unknown event type, a malformed log
    /// entry). Only a bug or damaged data does that, so they stay
    /// `EngineError::Protocol` (an internal error, never retried).
    const FAULT_CODES: [&str; 3] = ["BAD_METADATA", "UNKNOWN_EVENT", "MALFORMED_EVENT"];

    #[test]
    fn every_error_code_the_library_raises_is_known_here() {
        let source = crate::engine::library::source();
        let raised: std::collections::BTreeSet<&str> =
            regex::Regex::new(r"'([A-Z]+(?:_[A-Z]+)+)[ ']")
                .unwrap()
                .captures_iter(&source)
                .map(|c| c.get(1).unwrap().as_str())
                .collect();
        assert!(raised.len() >= 8, "found {raised:?}");
        for code in &raised {
            let e = reply(&format!("{code} job=01J"));
            match e {
                EngineError::Refused { .. } => assert!(REFUSAL_CODES.contains(code), "{code}"),
                EngineError::Protocol(_) => {
                    assert!(FAULT_CODES.contains(code), "{code} is not mapped")
                }
                // Nothing was written: sent again once Redis has room.
                EngineError::Unavailable(_) => assert_eq!(*code, super::ARTIFACT_NOT_STORED),
                other => panic!("{code} became {other:?}"),
            }
        }
        assert!(matches!(
            EngineError::from_refusal_text("ARTIFACT_NOT_STORED job=01J x"),
            EngineError::Unavailable(_)
        ));
        for code in REFUSAL_CODES
            .iter()
            .chain(&FAULT_CODES)
            .chain(&[super::ARTIFACT_NOT_STORED])
        {
            assert!(
                raised.contains(code),
                "{code} is no longer raised by the library"
            );
        }
    }

    /// The error a server reply `-<text>` becomes.
    fn reply(text: &str) -> EngineError {
        let value = redis::parse_redis_value(format!("-{text}\r\n").as_bytes()).unwrap();
        let redis::Value::ServerError(e) = value else {
            panic!("not an error reply: {value:?}")
        };
        redis::RedisError::from(e).into()
    }

    #[test]
    fn outages_and_moving_slots_are_retried_and_say_why() {
        for text in [
            "ASK 7 127.0.0.1:7001",
            "MOVED 7 127.0.0.1:7001",
            "TRYAGAIN Multiple keys request during rehashing of slot",
            "OOM command not allowed when used memory > 'maxmemory'.",
            "READONLY You can't write against a read only replica.",
        ] {
            assert!(reply(text).is_unavailable(), "{text}");
        }
        assert!(reply("READONLY You can't write against a read only replica.").is_wrong_server());
        assert!(!reply("OOM command not allowed").is_wrong_server());
        assert!(
            reply("OOM command not allowed")
                .to_string()
                .contains("out of memory")
        );
        assert!(!reply("ERR unknown command").is_unavailable());
    }
}
