//! Keeps the API keys of `FAULTLINE_API_KEYS_FILE` current without a
//! restart: the file is read again on SIGHUP (`kill -HUP <pid>`), and when
//! a check (every [`CHECK_EVERY`]) finds it changed and the check before
//! found it the same (so a file being written is not read half-done; a
//! Kubernetes Secret volume swaps it whole anyway). A file that cannot be
//! read, has a bad entry or would leave no key at all changes nothing: the
//! keys in force stay, the reason is logged at error, and
//! `faultline_api_keys_last_reload_successful` drops to 0 until a reload
//! applies.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Gate;
use crate::config::KeysFile;

/// How often the keys file is checked for a change.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// Replaces `gate`'s keys with those of `text`, the file's content (or why
/// it could not be read); returns the metric's outcome.
fn apply(gate: &Gate, file: &KeysFile, text: &Result<String, String>) -> &'static str {
    let path = file.path.display();
    let keys = text
        .as_ref()
        .map_err(String::clone)
        .and_then(|t| file.keys_in(t));
    let outcome = match keys.map(|keys| gate.replace_keys(keys)) {
        Ok(Ok(count)) => {
            tracing::info!(file = %path, keys = count, "API keys reloaded");
            "applied"
        }
        Err(reason) => not_reloaded(&path, &reason, "invalid"),
        Ok(Err(reason)) => not_reloaded(&path, reason, "refused"),
    };
    crate::metrics::api_key_reload(outcome);
    outcome
}

fn not_reloaded(
    path: &impl std::fmt::Display,
    reason: &str,
    outcome: &'static str,
) -> &'static str {
    tracing::error!(file = %path, %reason, "API keys not reloaded: the keys in force stay");
    outcome
}

/// The file's content, read off the async threads (a stalled network mount
/// must not hold one of them).
async fn read(path: PathBuf) -> Result<String, String> {
    tokio::task::spawn_blocking(move || std::fs::read_to_string(&path))
        .await
        .map_err(|e| format!("cannot read: {e}"))?
        .map_err(|e| format!("cannot read: {e}"))
}

/// What a check compares: the content's hash, or why it could not be read.
fn fingerprint(text: &Result<String, String>) -> Result<[u8; 32], String> {
    text.as_ref()
        .map(|t| Sha256::digest(t.as_bytes()).into())
        .map_err(String::clone)
}

/// SIGHUPs caught from the moment [`listen`] returns; SIGHUP's default
/// action would end the process.
pub struct Hangups {
    #[cfg(unix)]
    signals: tokio::signal::unix::Signal,
}

/// Catches SIGHUP from now on. Every role does, first thing, so `pkill -HUP
/// faultline` never ends a process, a worker's in-flight jobs with it.
pub fn listen() -> std::io::Result<Hangups> {
    Ok(Hangups {
        #[cfg(unix)]
        signals: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?,
    })
}

impl Hangups {
    /// The next SIGHUP; false when no more can come.
    async fn recv(&mut self) -> bool {
        #[cfg(unix)]
        return self.signals.recv().await.is_some();
        #[cfg(not(unix))]
        std::future::pending().await
    }
}

/// Until `stop`: keeps `keys` (the API's gate and its file) current, or,
/// without a keys file, logs each SIGHUP as having nothing to reload.
pub fn spawn(
    mut hangups: Hangups,
    keys: Option<(Arc<Gate>, KeysFile)>,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some((gate, file)) = keys else {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    more = hangups.recv() => if !more { return },
                }
                tracing::info!(
                    "SIGHUP: nothing to reload (FAULTLINE_API_KEYS_FILE is read again by serve and api)"
                );
            }
        };
        // What the gate holds, and what the last check found.
        let mut applied: Result<[u8; 32], String> = Ok(file.loaded);
        let mut last = applied.clone();
        let mut checks = tokio::time::interval(CHECK_EVERY);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let asked = tokio::select! {
                _ = stop.cancelled() => return,
                more = hangups.recv() => if more { true } else { return },
                _ = checks.tick() => false,
            };
            let text = read(file.path.clone()).await;
            let now = fingerprint(&text);
            if asked || (now != applied && now == last) {
                apply(&gate, &file, &text);
                applied = now.clone();
            }
            last = now;
        }
    })
}
