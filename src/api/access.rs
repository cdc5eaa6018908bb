//! Who may call and how often: optional bearer API keys (kept as SHA-256,
//! compared in constant time, replaceable while serving) and per-client rate
//! limits (governor).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::http::Method;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::problem::ApiError;
use crate::config::Access;

/// Clients tracked before idle ones are forgotten.
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// An API key, sent as `Authorization: Bearer <key>`. Needed for writes when
/// the server has keys (`FAULTLINE_API_KEYS`), and for reads too with
/// `FAULTLINE_AUTH_READS=true`.
// The key itself is checked by the request guard; these types document it.
#[allow(dead_code)]
#[derive(SecurityScheme)]
#[oai(ty = "bearer")]
pub struct ApiKey(Bearer);

/// Documents the key on an operation: required for writes when the server
/// has keys configured (and for reads with `FAULTLINE_AUTH_READS=true`).
/// Checked by the request guard before the body is read, not here.
#[allow(dead_code)]
#[derive(SecurityScheme)]
pub enum Auth {
    Key(ApiKey),
    #[oai(fallback)]
    Anonymous,
}

pub struct Gate {
    key_hashes: ArcSwap<Vec<[u8; 32]>>,
    auth_reads: bool,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl Gate {
    pub fn new(access: &Access) -> Self {
        let limiter = NonZeroU32::new(access.rate_per_second).map(|rate| {
            let burst = NonZeroU32::new(access.rate_burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Gate {
            key_hashes: ArcSwap::from_pointee(access.key_hashes.clone()),
            auth_reads: access.auth_reads,
            limiter,
        }
    }

    /// Accepts `keys` from now on, in place of the keys in force: a reload
    /// of the keys file. An empty set while keys are in force is refused, as
    /// it would open the API to everyone: a file emptied by mistake must not
    /// do that (nor does it at start: `config` refuses such a file).
    pub fn replace_keys(&self, keys: Vec<[u8; 32]>) -> Result<usize, &'static str> {
        if keys.is_empty() && !self.key_hashes.load().is_empty() {
            return Err("no key left, which would stop asking for keys \
                        (to run without keys, unset FAULTLINE_API_KEYS_FILE and restart)");
        }
        let count = keys.len();
        self.key_hashes.store(Arc::new(keys));
        Ok(count)
    }

    /// Reads need a key now (`FAULTLINE_AUTH_READS` with keys in force).
    pub fn reads_locked(&self) -> bool {
        self.auth_reads && !self.key_hashes.load().is_empty()
    }

    /// Checks the caller's key when `method path` needs one. Returns the
    /// caller's identity for rate limiting: a key's hash prefix, else None.
    pub fn authenticate(
        &self,
        method: &Method,
        path: &str,
        authorization: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let key_hashes = self.key_hashes.load();
        if key_hashes.is_empty() {
            return Ok(None);
        }
        let presented = authorization.and_then(bearer_token);
        let known = presented.and_then(|key| find(&key_hashes, key));
        if known.is_some() || !self.requires_key(method, path) {
            return Ok(known);
        }
        Err(ApiError::unauthorized(match presented {
            Some(_) => "the API key is not valid",
            None => "this operation needs an API key: send Authorization: Bearer <key>",
        }))
    }

    /// Takes one request from `client`'s allowance; Err(wait) when spent.
    /// Public paths are not counted: probes and scrapers (often many behind
    /// one address) must not be throttled, nor throttle the API's callers.
    pub fn admit(&self, path: &str, client: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if is_public(path) {
            return Ok(());
        }
        if limiter.len() > MAX_TRACKED_CLIENTS {
            limiter.retain_recent();
        }
        limiter
            .check_key(&client.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    fn requires_key(&self, method: &Method, path: &str) -> bool {
        if is_public(path) || *method == Method::OPTIONS {
            return false;
        }
        let read = *method == Method::GET || *method == Method::HEAD;
        !read || self.auth_reads
    }
}

/// The key's identity if it is one of `key_hashes`. Every stored hash is
/// compared, in constant time, whatever matches.
fn find(key_hashes: &[[u8; 32]], key: &str) -> Option<String> {
    let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let mut found = subtle::Choice::from(0);
    for stored in key_hashes {
        found |= stored.ct_eq(&digest);
    }
    bool::from(found).then(|| format!("key:{}", hex::encode(&digest[..6])))
}

/// A new API key, 32 random bytes as `fl_` and URL-safe base64 (a token
/// every HTTP client sends as is), and the `sha256:<hex>` entry that
/// accepts it.
pub fn new_api_key() -> (String, String) {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    let key = format!(
        "fl_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let entry = format!("sha256:{}", hex::encode(Sha256::digest(key.as_bytes())));
    (key, entry)
}

/// Paths open to anyone, whatever the key settings, and not rate limited:
/// health probes, metrics, the spec and its Swagger UI.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/openapi.json")
        || path == "/docs"
        || path.starts_with("/docs/")
}

/// The token of an `Authorization: Bearer <token>` header. The scheme is
/// case-insensitive (RFC 9110 §11.1), so `bearer` and `BEARER` count too.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_replaced_but_never_by_none() {
        let hash = |k: &str| -> [u8; 32] { Sha256::digest(k.as_bytes()).into() };
        let gate = Gate::new(&Access {
            key_hashes: vec![hash("first-key-0123456789")],
            auth_reads: true,
            ..Access::default()
        });
        let post = |key: &str| {
            gate.authenticate(
                &Method::POST,
                "/artifacts/analyze",
                Some(&format!("Bearer {key}")),
            )
            .is_ok()
        };
        assert!(post("first-key-0123456789") && gate.reads_locked());
        assert_eq!(
            gate.replace_keys(vec![hash("second-key-0123456789")]),
            Ok(1)
        );
        assert!(post("second-key-0123456789") && !post("first-key-0123456789"));
        assert!(
            gate.replace_keys(Vec::new()).is_err(),
            "no keys would open the API"
        );
        assert!(post("second-key-0123456789") && !post("first-key-0123456789"));

        let open = Gate::new(&Access::default());
        assert_eq!(
            open.replace_keys(Vec::new()),
            Ok(0),
            "none in force: nothing opens"
        );
        assert!(!open.reads_locked());
    }

    #[test]
    fn a_new_api_key_is_accepted_through_its_entry_alone() {
        let (key, entry) = new_api_key();
        assert!(key.starts_with("fl_") && key.len() == 46, "{key}");
        assert_ne!(new_api_key().0, key, "random");
        assert!(!entry.contains(&key));
        let settings = crate::config::Settings::from_lookup(|name| {
            (name == "FAULTLINE_API_KEYS").then(|| entry.clone())
        })
        .expect("the entry is a valid FAULTLINE_API_KEYS value");
        let gate = Gate::new(&settings.access);
        let post = |header: &str| {
            gate.authenticate(&Method::POST, "/artifacts/analyze", Some(header))
                .is_ok()
        };
        assert!(post(&format!("Bearer {key}")));
        assert!(!post(&format!("Bearer {entry}")), "the entry is no key");
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for header in ["Bearer k1", "bearer k1", "BEARER  k1", "bEaReR k1 "] {
            assert_eq!(bearer_token(header), Some("k1"), "{header}");
        }
        for header in ["Basic k1", "Bearerk1", "Bearer", "k1"] {
            assert_eq!(bearer_token(header), None, "{header}");
        }
    }
}
