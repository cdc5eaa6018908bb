//! Settings from the environment: the seed's variable names and defaults
//! (DESIGN.md §3) plus Faultline's own, read and validated in one place.
//! A bad value stops the process with a message naming the variable.

use std::sync::Arc;
use std::time::Duration;

use crate::analysis::synth::{AiConfig, AiProvider};
use crate::engine::crypto::{Key, Keyring};
use crate::store::{Target, TlsFiles, redact};

/// Everything the service reads from its environment.
#[derive(Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    /// `None` when `REDIS_URL` is unset: `serve` then looks for a local Redis
    /// or starts a private one.
    pub redis_url: Option<String>,
    /// Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES`); when set, the
    /// process runs in cluster mode and `REDIS_URL` is ignored.
    pub redis_cluster_nodes: Vec<String>,
    /// Private CA and client certificate for `rediss://` (PEM file contents).
    pub redis_tls: TlsFiles,
    pub job_key_prefix: String,
    pub cache_key_prefix: String,
    /// Prefix of Faultline's own keys (streams, indexes, artifacts).
    pub key_namespace: String,
    pub job_expiration: u64,
    pub cache_expiration: u64,
    /// How long a job's event log outlives its last event (≥ job_expiration,
    /// so replay works after the snapshot has expired).
    pub event_retention: u64,
    pub max_content_size: usize,
    /// Most findings a report lists (`MAX_FINDINGS`); the score counts all.
    pub max_findings: usize,
    /// Open `GET /jobs/{id}/events/stream` connections allowed at once (each
    /// holds a Redis connection of its own).
    pub max_event_streams: usize,
    /// Of those, how many one client (API key, else IP address) may hold.
    pub max_event_streams_per_client: usize,
    /// A request's head (request line and headers) must arrive within this.
    pub header_timeout: Duration,
    /// A request's body must arrive within this once its head has.
    pub body_timeout: Duration,
    pub log_level: String,
    pub log_format: LogFormat,
    pub shards: u16,
    pub worker_concurrency: usize,
    pub read_batch: usize,
    pub max_attempts: u32,
    pub retry_backoff: Duration,
    pub retry_backoff_max: Duration,
    /// How long one analysis may run before its job fails (not retried).
    pub analysis_timeout: Duration,
    pub visibility_timeout: Duration,
    /// A progress hint is sent at once if the attempt has run this long;
    /// earlier hints ride with the next call (fewer round trips, same log).
    pub progress_flush: Duration,
    pub redis_timeout: Duration,
    /// Port of `/metrics` for a standalone worker (0: not served).
    pub metrics_port: u16,
    /// Replicas a submission waits for (`WAIT`) before it is acknowledged; 0
    /// answers as soon as the master has it (asynchronous replication).
    pub submit_wait_replicas: u32,
    pub submit_wait_timeout: Duration,
    pub data_dir: String,
    /// The optional LLM synthesis (deterministic unless configured).
    pub ai: AiConfig,
    /// HTTP access: API keys, rate limits, CORS.
    pub access: Access,
    /// Encryption at rest (`FAULTLINE_ENCRYPTION_KEY`, `…_OLD_KEYS`).
    pub encryption: Arc<Keyring>,
}

// Shown without secrets: Redis addresses with their password masked, no
// AI key, no API key hashes.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("redis", &self.redis_target().map(|t| t.to_string()))
            .field("redis_tls", &self.redis_tls)
            .field("shards", &self.shards)
            .field("access", &self.access)
            .field("ai", &self.ai)
            .field("encryption", &self.encryption)
            .finish_non_exhaustive()
    }
}

/// Who may call the API and how often.
#[derive(Clone, Default)]
pub struct Access {
    /// SHA-256 of each accepted API key; empty means no key is required.
    pub key_hashes: Vec<[u8; 32]>,
    /// The file the keys are read from again (on SIGHUP or a change).
    pub keys_file: Option<KeysFile>,
    /// Reads need a key too (only when keys are configured).
    pub auth_reads: bool,
    /// Requests per second per key (or per IP without one); 0 disables.
    pub rate_per_second: u32,
    pub rate_burst: u32,
    /// Origins allowed by CORS; empty means same-origin only.
    pub cors_origins: Vec<String>,
    /// The `Host` names the HTTP server answers (DNS rebinding).
    pub allowed_hosts: AllowedHosts,
}

/// Which `Host` headers the HTTP server answers: a web page that rebinds
/// its own DNS name to Faultline's address reaches it as a same-origin
/// page, with that name in `Host`. An IP address in `Host` cannot be such a
/// page (its origin is the address itself), nor can `localhost` (browsers
/// resolve it to loopback themselves), so those are always answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHosts {
    /// Every name: `ALLOWED_HOSTS=*`, or `HOST` is all interfaces (`0.0.0.0`,
    /// `::`: behind a proxy) and `ALLOWED_HOSTS` is unset.
    Any,
    /// IP addresses, `localhost`, and these names (lowercase; one with a
    /// leading dot stands for that domain and all its subdomains).
    Names(Vec<String>),
}

impl Default for AllowedHosts {
    fn default() -> Self {
        AllowedHosts::Names(Vec::new())
    }
}

impl AllowedHosts {
    /// Whether a request whose `Host` header is `host` (with or without a
    /// port) is answered.
    pub fn allows(&self, host: &str) -> bool {
        let names = match self {
            AllowedHosts::Any => return true,
            AllowedHosts::Names(names) => names,
        };
        let Some(name) = host_name(host) else {
            return false;
        };
        if name == "localhost" || name.parse::<std::net::IpAddr>().is_ok() {
            return true;
        }
        names.iter().any(|allowed| match allowed.strip_prefix('.') {
            Some(domain) => {
                name == domain
                    || name
                        .strip_suffix(domain)
                        .is_some_and(|sub| sub.ends_with('.'))
            }
            None => name == *allowed,
        })
    }
}

/// The name part of a `Host` header (`name`, `name:port`, `[v6]:port`),
/// lowercase, without a final dot; None when it is not a plausible name.
fn host_name(host: &str) -> Option<String> {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        v6
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return None,
            None => host,
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let plausible = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b));
    plausible.then_some(name)
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `ALLOWED_HOSTS`: a comma list of host names (`.example.com` for a domain
/// and its subdomains), or `*`. Unset: the `HOST` name when it is one, or
/// any name when `HOST` is all interfaces (a proxy in front decides).
fn allowed_hosts(env: &Env<'_>) -> Result<AllowedHosts, ConfigError> {
    let host = env.string("HOST", "127.0.0.1");
    let Some(raw) = env.get("ALLOWED_HOSTS").filter(|v| !v.trim().is_empty()) else {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        return Ok(match bare.parse::<std::net::IpAddr>() {
            Ok(ip) if ip.is_unspecified() => AllowedHosts::Any,
            Ok(_) => AllowedHosts::Names(Vec::new()),
            Err(_) => AllowedHosts::Names(host_name(&host).into_iter().collect()),
        });
    };
    let mut names = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if entry == "*" {
            return Ok(AllowedHosts::Any);
        }
        let name = entry.strip_prefix('.').unwrap_or(entry);
        let valid = !name.starts_with('.')
            && !name.contains(':')
            && host_name(name).is_some_and(|n| n == name.to_ascii_lowercase());
        if !valid {
            return Err(env.invalid(
                "ALLOWED_HOSTS",
                &raw,
                &format!(
                    "{entry:?} is not a host name: list names without scheme, port or path \
                     (e.g. faultline.example.com,.internal.example), or * for any"
                ),
            ));
        }
        names.push(entry.to_ascii_lowercase());
    }
    if let Some(name) = host_name(&host).filter(|n| n.parse::<std::net::IpAddr>().is_err()) {
        names.push(name);
    }
    Ok(AllowedHosts::Names(names))
}

// Never print the key hashes.
impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Access")
            .field("keys", &self.key_hashes.len())
            .field("auth_reads", &self.auth_reads)
            .field("rate_per_second", &self.rate_per_second)
            .field("rate_burst", &self.rate_burst)
            .field("cors_origins", &self.cors_origins)
            .field("allowed_hosts", &self.allowed_hosts)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A variable that is set but unusable.
#[derive(Debug, thiserror::Error)]
#[error("invalid {name}={value:?}: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let job_expiration = env.seconds("JOB_EXPIRATION", 3600, "above 0", |v| *v > 0)?;
        let settings = Settings {
            host: env.string("HOST", "127.0.0.1"),
            port: env.parse("PORT", 8080u16, "a number", |_| true)?,
            redis_url: env.get("REDIS_URL").filter(|v| !v.is_empty()),
            redis_cluster_nodes: cluster_nodes(&env)?,
            redis_tls: redis_tls(&env)?,
            job_key_prefix: env.string("JOB_KEY_PREFIX", "job:"),
            cache_key_prefix: env.string("CACHE_KEY_PREFIX", "cache:"),
            key_namespace: env.string("FAULTLINE_KEY_NAMESPACE", "fl:"),
            job_expiration,
            cache_expiration: env.seconds("CACHE_EXPIRATION", 86_400, "above 0", |v| *v > 0)?,
            event_retention: env.seconds(
                "EVENT_RETENTION",
                job_expiration.max(86_400),
                &format!(
                    "at least JOB_EXPIRATION ({job_expiration}): a job's log outlives its snapshot"
                ),
                |v| *v >= job_expiration,
            )?,
            max_content_size: env.parse("MAX_CONTENT_SIZE", 500_000usize, "above 0", |v| *v > 0)?,
            max_event_streams: env.parse("MAX_EVENT_STREAMS", 256usize, "above 0", |v| *v > 0)?,
            max_event_streams_per_client: env.parse(
                "MAX_EVENT_STREAMS_PER_CLIENT",
                16usize,
                "above 0",
                |v| *v > 0,
            )?,
            header_timeout: env.millis("HTTP_HEADER_TIMEOUT_MS", 10_000, "above 0", |v| *v > 0)?,
            body_timeout: env.millis("HTTP_BODY_TIMEOUT_MS", 30_000, "above 0", |v| *v > 0)?,
            max_findings: env.parse(
                "MAX_FINDINGS",
                crate::analysis::DEFAULT_MAX_FINDINGS,
                "above 0",
                |v| *v > 0,
            )?,
            log_level: log_level(&env)?,
            log_format: match env.string("LOG_FORMAT", "text").as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                other => return Err(env.invalid("LOG_FORMAT", other, "expected text or json")),
            },
            shards: env.parse("SHARDS", 16u16, "from 1 to 1024", |v| {
                (1..=1024).contains(v)
            })?,
            worker_concurrency: env.parse("WORKER_CONCURRENCY", 8usize, "above 0", |v| *v > 0)?,
            read_batch: env.parse("WORKER_BATCH", 32usize, "above 0", |v| *v > 0)?,
            max_attempts: env.parse("MAX_ATTEMPTS", 3u32, "above 0", |v| *v > 0)?,
            retry_backoff: env.millis("RETRY_BACKOFF_MS", 1000, "a number", |_| true)?,
            retry_backoff_max: env.millis("RETRY_BACKOFF_MAX_MS", 60_000, "a number", |_| true)?,
            analysis_timeout: env.millis("ANALYSIS_TIMEOUT_MS", 120_000, "above 0", |v| *v > 0)?,
            visibility_timeout: env.millis(
                "VISIBILITY_TIMEOUT_MS",
                60_000,
                "at least 100",
                |v| *v >= 100,
            )?,
            progress_flush: env.millis("PROGRESS_FLUSH_MS", 250, "a number", |_| true)?,
            redis_timeout: env.millis("REDIS_TIMEOUT_MS", 2000, "above 0", |v| *v > 0)?,
            metrics_port: env.parse("METRICS_PORT", 9464u16, "a number", |_| true)?,
            submit_wait_replicas: env
                .parse("SUBMIT_WAIT_REPLICAS", 0u32, "from 0 to 16", |v| *v <= 16)?,
            submit_wait_timeout: env
                .millis("SUBMIT_WAIT_TIMEOUT_MS", 500, "above 0", |v| *v > 0)?,
            data_dir: env.string("FAULTLINE_DATA_DIR", ".faultline"),
            ai: ai_config(&env)?,
            access: access(&env)?,
            encryption: Arc::new(encryption(&env)?),
        };
        Ok(settings)
    }
}

impl Settings {
    /// The configured Redis: the cluster when `REDIS_CLUSTER_NODES` is set
    /// (it takes precedence), else `REDIS_URL`; `None` when neither is.
    pub fn redis_target(&self) -> Option<Target> {
        if !self.redis_cluster_nodes.is_empty() {
            return Some(Target::Cluster(self.redis_cluster_nodes.clone()));
        }
        self.redis_url.clone().map(Target::Single)
    }

    /// `redis_target`, or the seed's default `redis://localhost:6379/0`.
    pub fn redis_target_or_default(&self) -> Target {
        self.redis_target()
            .unwrap_or_else(|| Target::Single("redis://localhost:6379/0".into()))
    }
}

/// `REDIS_CLUSTER_NODES`: comma-separated `redis://host:port` seeds.
fn cluster_nodes(env: &Env<'_>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = env.get("REDIS_CLUSTER_NODES") else {
        return Ok(Vec::new());
    };
    let nodes: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect();
    for (i, node) in nodes.iter().enumerate() {
        let url = redis::parse_redis_url(node).filter(|u| {
            matches!(u.scheme(), "redis" | "rediss") && u.port_or_known_default().is_some()
        });
        if url.is_none() {
            // Any node may carry a password: each is shown masked.
            let shown: Vec<String> = nodes.iter().map(|n| redact(n)).collect();
            return Err(env.invalid(
                "REDIS_CLUSTER_NODES",
                &shown.join(","),
                &format!(
                    "node {} of {} ({}) is not a redis://host:port URL",
                    i + 1,
                    nodes.len(),
                    redact(node)
                ),
            ));
        }
    }
    Ok(nodes)
}

/// `REDIS_CA_CERT` (a private CA to trust for `rediss://`) and, for mutual
/// TLS, `REDIS_CLIENT_CERT` with `REDIS_CLIENT_KEY`: PEM files, read now so
/// a missing or empty one stops the process naming its variable.
fn redis_tls(env: &Env<'_>) -> Result<TlsFiles, ConfigError> {
    let read = |name: &'static str| -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(path) = env.get(name).filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        match std::fs::read(&path) {
            Ok(bytes) if bytes.windows(11).any(|w| w == b"-----BEGIN ") => Ok(Some(bytes)),
            Ok(_) => Err(env.invalid(name, &path, "not a PEM file")),
            Err(e) => Err(env.invalid(name, &path, &format!("cannot read: {e}"))),
        }
    };
    let ca_cert = read("REDIS_CA_CERT")?;
    let client_cert_and_key = match (read("REDIS_CLIENT_CERT")?, read("REDIS_CLIENT_KEY")?) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(env.invalid("REDIS_CLIENT_KEY", "", "REDIS_CLIENT_CERT needs its key"));
        }
        (None, Some(_)) => {
            return Err(env.invalid(
                "REDIS_CLIENT_CERT",
                "",
                "REDIS_CLIENT_KEY needs its certificate",
            ));
        }
    };
    Ok(TlsFiles {
        ca_cert,
        client_cert_and_key,
    })
}

/// The seed's AI variables. `DEMO_MODE` (default true) means deterministic.
fn ai_config(env: &Env<'_>) -> Result<AiConfig, ConfigError> {
    let mut ai = AiConfig {
        demo_mode: env.flag("DEMO_MODE", true)?,
        ..AiConfig::default()
    };
    if let Some(name) = env.get("AI_PROVIDER").filter(|v| !v.is_empty()) {
        let provider = AiProvider::parse(&name).ok_or_else(|| {
            env.invalid(
                "AI_PROVIDER",
                &name,
                "expected openai, groq, ollama or google",
            )
        })?;
        ai.api_key = provider.key_variable().and_then(|name| env.get(name));
        if provider == AiProvider::Ollama {
            ai.base_url = env.get("OLLAMA_BASE_URL");
        }
        ai.provider = Some(provider);
    }
    if let Some(model) = env.get("AI_MODEL") {
        ai.model = model;
    }
    ai.max_tokens = env.parse("MAX_AI_TOKENS", ai.max_tokens, "above 0", |v| *v > 0)?;
    ai.temperature = env.parse("AI_TEMPERATURE", ai.temperature, "from 0 to 2", |v| {
        (0.0..=2.0).contains(v)
    })?;
    Ok(ai)
}

/// `FAULTLINE_API_KEYS` (comma list) and `FAULTLINE_API_KEYS_FILE` (one a
/// line, `#` comments) hold keys, or `sha256:<hex>` of keys so the plain
/// key need not be stored at all. Only the hashes are kept.
fn access(env: &Env<'_>) -> Result<Access, ConfigError> {
    let mut listed = Vec::new();
    for entry in env.string("FAULTLINE_API_KEYS", "").split(',') {
        let entry = entry.trim();
        if !entry.is_empty() {
            listed.push(
                key_hash(entry)
                    .ok_or_else(|| env.invalid("FAULTLINE_API_KEYS", "(hidden)", INVALID_KEY))?,
            );
        }
    }
    let mut keys_file = None;
    let mut key_hashes = listed.clone();
    if let Some(path) = env.get("FAULTLINE_API_KEYS_FILE").filter(|p| !p.is_empty()) {
        let invalid = |reason: &str| env.invalid("FAULTLINE_API_KEYS_FILE", &path, reason);
        let text =
            std::fs::read_to_string(&path).map_err(|e| invalid(&format!("cannot read: {e}")))?;
        let file = KeysFile {
            path: path.clone().into(),
            listed,
            loaded: <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()).into(),
        };
        key_hashes = file.keys_in(&text).map_err(|reason| invalid(&reason))?;
        // As a reload refuses to: a file emptied by mistake must not open
        // the API at the next restart.
        if key_hashes.is_empty() {
            return Err(invalid(
                "holds no key (unset FAULTLINE_API_KEYS_FILE to run without keys)",
            ));
        }
        keys_file = Some(file);
    }
    let auth_reads = env.flag("FAULTLINE_AUTH_READS", false)?;
    let rate_per_second = env.parse("RATE_LIMIT_PER_SECOND", 0u32, "a number", |_| true)?;
    let rate_burst = env.parse(
        "RATE_LIMIT_BURST",
        rate_per_second.saturating_mul(2),
        "above 0 while RATE_LIMIT_PER_SECOND is set",
        |v| rate_per_second == 0 || *v > 0,
    )?;
    let cors_origins = env
        .string("CORS_ALLOWED_ORIGINS", "")
        .split(',')
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect();
    Ok(Access {
        key_hashes,
        keys_file,
        auth_reads,
        rate_per_second,
        rate_burst,
        cors_origins,
        allowed_hosts: allowed_hosts(env)?,
    })
}

const INVALID_KEY: &str =
    "a sha256: entry must be 64 hex digits; a plain key at least 16 characters";

/// `FAULTLINE_API_KEYS_FILE`, which `serve` and `api` read again on SIGHUP
/// (`api::key_reload`) so keys are added and revoked without a restart.
#[derive(Clone)]
pub struct KeysFile {
    pub path: std::path::PathBuf,
    /// The hashes of `FAULTLINE_API_KEYS`, accepted beside the file's.
    pub listed: Vec<[u8; 32]>,
    /// The SHA-256 of the content the keys in force were read from.
    pub loaded: [u8; 32],
}

impl KeysFile {
    /// Every accepted key's hash with `text` as the file's content. The
    /// reason names the line of a bad entry, never the entry itself.
    pub fn keys_in(&self, text: &str) -> Result<Vec<[u8; 32]>, String> {
        let mut hashes = self.listed.clone();
        for (n, line) in text.lines().enumerate() {
            let entry = line.trim();
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            hashes.push(key_hash(entry).ok_or_else(|| format!("line {}: {INVALID_KEY}", n + 1))?);
        }
        Ok(hashes)
    }
}

/// The SHA-256 of a key entry: `sha256:<hex>` as given, a plain key hashed.
/// `FAULTLINE_ENCRYPTION_KEY` seals new values; it and
/// `FAULTLINE_ENCRYPTION_OLD_KEYS` open stored ones. Key values are never
/// echoed in an error.
fn encryption(env: &Env<'_>) -> Result<Keyring, ConfigError> {
    let set = |name| env.get(name).filter(|v| !v.trim().is_empty());
    let bad = |name, e: crate::engine::crypto::BadKey| env.invalid(name, "***", &e.to_string());
    let current = set("FAULTLINE_ENCRYPTION_KEY")
        .map(|k| Key::parse(&k))
        .transpose()
        .map_err(|e| bad("FAULTLINE_ENCRYPTION_KEY", e))?;
    let old = set("FAULTLINE_ENCRYPTION_OLD_KEYS")
        .map(|k| Key::parse_list(&k))
        .transpose()
        .map_err(|e| bad("FAULTLINE_ENCRYPTION_OLD_KEYS", e))?
        .unwrap_or_default();
    Ok(Keyring::new(current, old))
}

fn key_hash(entry: &str) -> Option<[u8; 32]> {
    use sha2::Digest;
    if let Some(hex_digest) = entry.strip_prefix("sha256:") {
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_digest, &mut out).ok()?;
        return Some(out);
    }
    (entry.len() >= 16).then(|| sha2::Sha256::digest(entry.as_bytes()).into())
}

/// `LOG_LEVEL`: a `tracing` filter, checked now so a typo stops the process
/// instead of silently logging at another level. Each comma-separated part
/// is a level (`trace`, `debug`, `info`, `warn`, `error`, `off`) or a
/// `target=level` (or `[span]…`) directive; a bare word that is no level
/// would be a target filter for everything else off, which is never what a
/// `LOG_LEVEL=verbose` meant, so it is refused (write `target=trace`).
fn log_level(env: &Env<'_>) -> Result<String, ConfigError> {
    let Some(raw) = env.get("LOG_LEVEL").filter(|v| !v.trim().is_empty()) else {
        return Ok("info".to_string());
    };
    const EXPECTED: &str = "expected a level (trace, debug, info, warn, error, off) \
        or a tracing filter such as info,faultline=debug";
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let directive = part.contains('=') || part.contains('[');
        if !directive
            && part
                .parse::<tracing_subscriber::filter::LevelFilter>()
                .is_err()
        {
            return Err(env.invalid("LOG_LEVEL", &raw, EXPECTED));
        }
    }
    match tracing_subscriber::EnvFilter::builder().parse(&raw) {
        Ok(_) => Ok(raw),
        Err(e) => Err(env.invalid("LOG_LEVEL", &raw, &format!("{EXPECTED} ({e})"))),
    }
}

/// The longest duration any setting may ask for: ten years. Seconds become
/// milliseconds in Lua and in Redis (`EXPIRE`, stream trimming) and
/// durations are added to clocks, so an unbounded value would overflow
/// there instead of being refused here.
pub const MAX_DURATION_S: u64 = 10 * 365 * 86_400;

/// Typed access to the variables, naming the variable in every error.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    fn string(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_string())
    }

    /// A number; `valid` says whether it is allowed, `rule` what is (for
    /// the message, e.g. "from 1 to 1024").
    fn parse<T: std::str::FromStr>(
        &self,
        name: &'static str,
        default: T,
        rule: &str,
        valid: impl Fn(&T) -> bool,
    ) -> Result<T, ConfigError> {
        let Some(raw) = self.get(name) else {
            return Ok(default);
        };
        match raw.trim().parse::<T>() {
            Ok(v) if valid(&v) => Ok(v),
            Ok(_) => Err(self.invalid(name, &raw, &format!("out of range: must be {rule}"))),
            Err(_) => Err(self.invalid(name, &raw, "not a valid number")),
        }
    }

    /// A number of seconds, at most `MAX_DURATION_S`.
    fn seconds(
        &self,
        name: &'static str,
        default: u64,
        rule: &str,
        valid: impl Fn(&u64) -> bool,
    ) -> Result<u64, ConfigError> {
        let v = self.parse(name, default, rule, valid)?;
        if v > MAX_DURATION_S {
            return Err(self.invalid(
                name,
                &v.to_string(),
                &format!("at most {MAX_DURATION_S} seconds (10 years)"),
            ));
        }
        Ok(v)
    }

    /// A number of milliseconds, at most `MAX_DURATION_S` worth.
    fn millis(
        &self,
        name: &'static str,
        default: u64,
        rule: &str,
        valid: impl Fn(&u64) -> bool,
    ) -> Result<Duration, ConfigError> {
        let v = self.parse(name, default, rule, valid)?;
        let max = MAX_DURATION_S * 1000;
        if v > max {
            return Err(self.invalid(
                name,
                &v.to_string(),
                &format!("at most {max} ms (10 years)"),
            ));
        }
        Ok(Duration::from_millis(v))
    }

    /// A boolean: true/false, 1/0, yes/no, on/off (any case); anything else
    /// is refused rather than read as one or the other.
    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        let Some(raw) = self.get(name).filter(|v| !v.trim().is_empty()) else {
            return Ok(default);
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(self.invalid(name, &raw, "expected true/false, 1/0, yes/no or on/off")),
        }
    }

    fn invalid(&self, name: &'static str, value: &str, reason: &str) -> ConfigError {
        ConfigError {
            name,
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_seeds() {
        let s = settings(&[]).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 8080));
        assert_eq!((s.job_expiration, s.cache_expiration), (3600, 86_400));
        assert_eq!(s.max_content_size, 500_000);
        assert_eq!(
            (s.job_key_prefix.as_str(), s.cache_key_prefix.as_str()),
            ("job:", "cache:")
        );
        assert!(s.redis_url.is_none());
        assert_eq!(s.metrics_port, 9464);
        assert_eq!(settings(&[("METRICS_PORT", "0")]).unwrap().metrics_port, 0);
        assert!(s.redis_cluster_nodes.is_empty());
        assert_eq!(s.submit_wait_replicas, 0);
        assert_eq!(s.max_findings, 200);
        assert_eq!(settings(&[("MAX_FINDINGS", "5")]).unwrap().max_findings, 5);
        assert_eq!(
            settings(&[("MAX_FINDINGS", "0")]).unwrap_err().name,
            "MAX_FINDINGS"
        );
    }

    #[test]
    fn cluster_nodes_are_a_comma_list_of_redis_urls() {
        let s = settings(&[(
            "REDIS_CLUSTER_NODES",
            "redis://10.0.0.1:7000, redis://10.0.0.2:7001,",
        )])
        .unwrap();
        assert_eq!(
            s.redis_cluster_nodes,
            vec!["redis://10.0.0.1:7000", "redis://10.0.0.2:7001"]
        );
        let err = settings(&[("REDIS_CLUSTER_NODES", "10.0.0.1:7000")]).unwrap_err();
        assert_eq!(err.name, "REDIS_CLUSTER_NODES");
    }

    #[test]
    fn a_bad_cluster_node_list_is_reported_without_its_passwords() {
        let err = settings(&[(
            "REDIS_CLUSTER_NODES",
            "redis://app:TopSecretPw1@10.0.0.1:6379,http://app:OtherPw2@10.0.0.2:6379",
        )])
        .unwrap_err()
        .to_string();
        assert!(err.contains("REDIS_CLUSTER_NODES"), "{err}");
        assert!(err.contains("node 2 of 2"), "{err}");
        assert!(
            !err.contains("TopSecretPw1") && !err.contains("OtherPw2"),
            "{err}"
        );
    }

    #[test]
    fn api_keys_are_kept_only_as_hashes() {
        use sha2::Digest;
        let plain = "a-long-enough-api-key";
        let digest = hex::encode(sha2::Sha256::digest(b"another-long-key"));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), format!("# ops keys\nsha256:{digest}\n")).unwrap();
        let s = settings(&[
            ("FAULTLINE_API_KEYS", &format!(" {plain} ,")),
            ("FAULTLINE_API_KEYS_FILE", file.path().to_str().unwrap()),
        ])
        .unwrap();
        let want: Vec<[u8; 32]> = vec![
            sha2::Sha256::digest(plain.as_bytes()).into(),
            sha2::Sha256::digest(b"another-long-key").into(),
        ];
        assert_eq!(s.access.key_hashes, want);
        assert!(!format!("{s:?}").contains(plain));
        let with_password = settings(&[("REDIS_URL", "redis://app:pa55word@db:6379/0")]).unwrap();
        assert!(!format!("{with_password:?}").contains("pa55word"));
        let err = settings(&[("FAULTLINE_API_KEYS", "short")]).unwrap_err();
        assert_eq!(err.name, "FAULTLINE_API_KEYS");
        assert!(!err.to_string().contains("short"));
        assert!(settings(&[]).unwrap().access.key_hashes.is_empty());
        assert!(settings(&[]).unwrap().access.cors_origins.is_empty());
    }

    #[test]
    fn allowed_hosts_default_to_the_bind_address_and_refuse_other_names() {
        let hosts = |vars: &[(&str, &str)]| settings(vars).unwrap().access.allowed_hosts;
        // Loopback (the default): addresses and localhost only.
        let local = hosts(&[]);
        assert_eq!(local, AllowedHosts::Names(vec![]));
        for ok in [
            "localhost:8080",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1:8080",
            "[::1]:8080",
            "[::1]",
            "10.1.2.3",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        for refused in [
            "rebind.attacker.example:8080",
            "rebind.attacker.example",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "",
            "x:y:z",
            "[::1]x",
            "bad host",
        ] {
            assert!(!local.allows(refused), "{refused}");
        }
        // A named bind address is answered under that name.
        let named = hosts(&[("HOST", "faultline.lan")]);
        assert!(named.allows("Faultline.LAN:8080") && !named.allows("other.lan"));
        // All interfaces: a proxy in front decides, unless ALLOWED_HOSTS says.
        assert_eq!(hosts(&[("HOST", "0.0.0.0")]), AllowedHosts::Any);
        assert_eq!(hosts(&[("HOST", "::")]), AllowedHosts::Any);
        let listed = hosts(&[
            ("HOST", "0.0.0.0"),
            ("ALLOWED_HOSTS", "faultline.example.com, .internal.example"),
        ]);
        for ok in [
            "faultline.example.com",
            "internal.example:443",
            "a.b.internal.example",
            "127.0.0.1",
        ] {
            assert!(listed.allows(ok), "{ok}");
        }
        for refused in ["example.com", "xinternal.example", "evil.example.com"] {
            assert!(!listed.allows(refused), "{refused}");
        }
        assert_eq!(
            hosts(&[("ALLOWED_HOSTS", "a.example,*")]),
            AllowedHosts::Any
        );
        for bad in [
            "http://a.example",
            "a.example:8080",
            "a.example/x",
            "..a",
            "a b",
        ] {
            let err = settings(&[("ALLOWED_HOSTS", bad)]).unwrap_err();
            assert_eq!(err.name, "ALLOWED_HOSTS", "{bad}");
            assert!(err.reason.contains("not a host name"), "{err}");
        }
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(err.name, "PORT");
        assert!(err.to_string().contains("PORT=\"eighty\""));
        let err = settings(&[("JOB_EXPIRATION", "100"), ("EVENT_RETENTION", "50")]).unwrap_err();
        assert_eq!(err.name, "EVENT_RETENTION");
        // An out-of-range value says what the range is.
        assert!(
            err.to_string().contains("at least JOB_EXPIRATION (100)"),
            "{err}"
        );
        let err = settings(&[("SHARDS", "0")]).unwrap_err();
        assert!(err.to_string().contains("must be from 1 to 1024"), "{err}");
        let err = settings(&[("RATE_LIMIT_PER_SECOND", "5"), ("RATE_LIMIT_BURST", "0")]);
        assert!(err.unwrap_err().to_string().contains("above 0"));
    }

    #[test]
    fn a_bad_key_in_the_keys_file_names_the_file_variable() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "# ops keys\nshort\n").unwrap();
        let err =
            settings(&[("FAULTLINE_API_KEYS_FILE", file.path().to_str().unwrap())]).unwrap_err();
        assert_eq!(err.name, "FAULTLINE_API_KEYS_FILE");
        assert!(err.to_string().contains("line 2: "), "{err}");
        assert!(!err.to_string().contains("short"), "{err}");
    }

    #[test]
    fn reading_the_keys_file_again_keeps_the_listed_keys() {
        use sha2::Digest;
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "first-key-0123456789\n").unwrap();
        let s = settings(&[
            ("FAULTLINE_API_KEYS", "listed-key-0123456789"),
            ("FAULTLINE_API_KEYS_FILE", file.path().to_str().unwrap()),
        ])
        .unwrap();
        let hash = |k: &str| -> [u8; 32] { sha2::Sha256::digest(k.as_bytes()).into() };
        assert_eq!(
            s.access.key_hashes,
            [hash("listed-key-0123456789"), hash("first-key-0123456789")]
        );
        let keys_file = s.access.keys_file.expect("the file is kept for reloads");
        assert_eq!(keys_file.loaded, hash("first-key-0123456789\n"));
        assert_eq!(
            keys_file.keys_in("# rotated\n\n  second-key-0123456789  \n"),
            Ok(vec![
                hash("listed-key-0123456789"),
                hash("second-key-0123456789")
            ])
        );
        let err = keys_file.keys_in("# rotated\nsecond-key-0123456789\nshort\n");
        assert_eq!(err.unwrap_err(), format!("line 3: {INVALID_KEY}"));
    }

    #[test]
    fn a_keys_file_without_any_key_stops_the_process() {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), "# no key yet\n\n").unwrap();
        let path = file.path().to_str().unwrap();
        let err = settings(&[("FAULTLINE_API_KEYS_FILE", path)]).unwrap_err();
        assert_eq!(err.name, "FAULTLINE_API_KEYS_FILE");
        assert!(err.to_string().contains("holds no key"), "{err}");
        let with_listed = settings(&[
            ("FAULTLINE_API_KEYS", "listed-key-0123456789"),
            ("FAULTLINE_API_KEYS_FILE", path),
        ]);
        assert_eq!(with_listed.unwrap().access.key_hashes.len(), 1);
    }

    #[test]
    fn encryption_keys_are_32_bytes_of_base64_and_never_echoed() {
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        assert!(!settings(&[]).unwrap().encryption.is_enabled());
        let s = settings(&[("FAULTLINE_ENCRYPTION_KEY", key)]).unwrap();
        assert!(s.encryption.is_enabled());
        assert!(!format!("{s:?}").contains(key));
        let short = "c2hvcnQta2V5";
        let err = settings(&[("FAULTLINE_ENCRYPTION_KEY", short)]).unwrap_err();
        assert_eq!(err.name, "FAULTLINE_ENCRYPTION_KEY");
        assert!(err.to_string().contains("32"), "{err}");
        assert!(!err.to_string().contains(short));
        let err = settings(&[
            ("FAULTLINE_ENCRYPTION_KEY", key),
            ("FAULTLINE_ENCRYPTION_OLD_KEYS", &format!("{key},{short}")),
        ])
        .unwrap_err();
        assert_eq!(err.name, "FAULTLINE_ENCRYPTION_OLD_KEYS");
        assert!(err.to_string().contains("key 2"), "{err}");
    }

    #[test]
    fn a_bad_log_level_stops_the_process_naming_it() {
        for bad in ["verbose", "loud", "info,faultline=loud", "=debug"] {
            let err = settings(&[("LOG_LEVEL", bad)]).unwrap_err();
            assert_eq!(err.name, "LOG_LEVEL", "{bad}");
        }
        for good in [
            "debug",
            "WARN",
            "info,faultline=debug",
            "off",
            "faultline::api=trace",
        ] {
            assert_eq!(settings(&[("LOG_LEVEL", good)]).unwrap().log_level, good);
        }
        assert_eq!(settings(&[("LOG_LEVEL", "")]).unwrap().log_level, "info");
        assert_eq!(settings(&[]).unwrap().log_level, "info");
    }

    #[test]
    fn booleans_are_parsed_strictly() {
        let demo = |v| settings(&[("DEMO_MODE", v)]).map(|s| s.ai.demo_mode);
        for off in ["false", "0", "no", "off", "OFF", "No", " False "] {
            assert!(!demo(off).unwrap(), "{off}");
        }
        for on in ["true", "1", "yes", "on", "ON", "True"] {
            assert!(demo(on).unwrap(), "{on}");
        }
        assert!(settings(&[]).unwrap().ai.demo_mode, "on by default");
        for bad in ["disabled", "2", "nope", "y"] {
            assert_eq!(demo(bad).unwrap_err().name, "DEMO_MODE", "{bad}");
        }
        let reads = |v| settings(&[("FAULTLINE_AUTH_READS", v)]).map(|s| s.access.auth_reads);
        assert!(reads("on").unwrap());
        assert!(!reads("off").unwrap());
        assert_eq!(reads("always").unwrap_err().name, "FAULTLINE_AUTH_READS");
    }

    #[test]
    fn durations_are_bounded_so_conversions_cannot_overflow() {
        let ten_years = MAX_DURATION_S.to_string();
        let s = settings(&[
            ("JOB_EXPIRATION", &ten_years),
            ("EVENT_RETENTION", &ten_years),
        ])
        .unwrap();
        assert_eq!(s.event_retention, MAX_DURATION_S);
        // The conversions the engine makes (s → ms, clock + duration) hold.
        assert!(s.event_retention.checked_mul(1000).is_some());
        let huge = u64::MAX.to_string();
        let over = (MAX_DURATION_S + 1).to_string();
        for name in ["JOB_EXPIRATION", "CACHE_EXPIRATION", "EVENT_RETENTION"] {
            for value in [&huge, &over] {
                let err = settings(&[(name, value.as_str())]).unwrap_err();
                assert_eq!(err.name, name, "{value}");
            }
        }
        let max_ms = MAX_DURATION_S * 1000;
        for name in [
            "HTTP_HEADER_TIMEOUT_MS",
            "HTTP_BODY_TIMEOUT_MS",
            "RETRY_BACKOFF_MS",
            "RETRY_BACKOFF_MAX_MS",
            "ANALYSIS_TIMEOUT_MS",
            "VISIBILITY_TIMEOUT_MS",
            "PROGRESS_FLUSH_MS",
            "REDIS_TIMEOUT_MS",
            "SUBMIT_WAIT_TIMEOUT_MS",
        ] {
            let err = settings(&[(name, huge.as_str())]).unwrap_err();
            assert_eq!(err.name, name);
            let err = settings(&[(name, &(max_ms + 1).to_string())]).unwrap_err();
            assert_eq!(err.name, name);
            let s = settings(&[(name, &max_ms.to_string())]).unwrap();
            // Adding the longest allowed duration to a clock does not panic.
            let _ = std::time::Instant::now() + s.redis_timeout.max(s.visibility_timeout);
        }
    }
}
