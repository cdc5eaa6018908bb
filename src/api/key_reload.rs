//! SIGHUP reads `FAULTLINE_API_KEYS_FILE` again, so a key is added or revoked
//! without a restart (`kill -HUP <pid>`). A file that cannot be read, has a
//! bad entry or holds no key changes nothing: the keys in force stay, and
//! the reason is logged at error and counted in
//! `faultline_api_key_reloads_total`.

use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Gate;
use crate::config::KeysFile;

/// Replaces `gate`'s keys with the file's; returns the metric's outcome.
pub fn reload(gate: &Gate, file: &KeysFile) -> &'static str {
    let path = file.path.display();
    let outcome = match file.read().map(|keys| gate.replace_keys(keys)) {
        Ok(Ok(count)) => {
            tracing::info!(file = %path, keys = count, "API keys reloaded");
            "applied"
        }
        Err(reason) => {
            tracing::error!(file = %path, %reason, "API keys not reloaded: the keys in force stay");
            "invalid"
        }
        Ok(Err(reason)) => {
            tracing::error!(file = %path, %reason, "API keys not reloaded: the keys in force stay");
            "refused"
        }
    };
    crate::metrics::api_key_reload(outcome);
    outcome
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

/// Answers each SIGHUP until `stop`: reloads `keys` (the API's gate and its
/// file) when there are some, else logs that there is nothing to reload.
pub fn spawn(
    mut hangups: Hangups,
    keys: Option<(Arc<Gate>, KeysFile)>,
    stop: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                more = hangups.recv() => if !more { return },
            }
            match &keys {
                Some((gate, file)) => {
                    reload(gate, file);
                }
                None => tracing::info!(
                    "SIGHUP: nothing to reload (FAULTLINE_API_KEYS_FILE is read again by serve and api)"
                ),
            }
        }
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
