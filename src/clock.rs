//! Wall-clock time for the process: milliseconds since the epoch, and a
//! once-a-second gate for work an outage would otherwise repeat on every
//! request (logging, re-dialling Redis).

use std::sync::atomic::{AtomicU64, Ordering};

/// Milliseconds since the epoch (0 if the clock is before it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Opens at most once per wall-clock second, whichever caller asks first.
#[derive(Debug, Default)]
pub struct OncePerSecond(AtomicU64);

impl OncePerSecond {
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// True for the first call in each second.
    pub fn ready(&self) -> bool {
        let now = (now_ms() / 1000) as u64;
        self.0.swap(now, Ordering::Relaxed) != now
    }
}

#[cfg(test)]
mod tests {
    use super::OncePerSecond;

    #[test]
    fn the_gate_opens_once_a_second() {
        let gate = OncePerSecond::new();
        assert!(gate.ready());
        assert!(!gate.ready());
    }
}
