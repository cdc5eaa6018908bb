//! Wall-clock time for the process: milliseconds since the epoch, and
//! once-a-second (or once-a-minute) gates for work an outage would
//! otherwise repeat on every request or tick (logging, re-dialling Redis).

use std::sync::atomic::{AtomicU64, Ordering};

/// Milliseconds since the epoch (0 if the clock is before it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Opens at most once per `SECONDS` of wall-clock time (once in each
/// period since the epoch), whichever caller asks first.
#[derive(Debug, Default)]
pub struct OncePer<const SECONDS: u64>(AtomicU64);

/// For what an outage repeats on every request (the 503 log, re-dialling).
pub type OncePerSecond = OncePer<1>;
/// For what a loop repeats every tick while a fault lasts (its log line).
pub type OncePerMinute = OncePer<60>;

impl<const SECONDS: u64> OncePer<SECONDS> {
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// True for the first call in each period.
    pub fn ready(&self) -> bool {
        let now = (now_ms() / 1000) as u64 / SECONDS;
        self.0.swap(now, Ordering::Relaxed) != now
    }
}

#[cfg(test)]
mod tests {
    use super::{OncePerMinute, OncePerSecond};

    #[test]
    fn the_gate_opens_once_a_second() {
        let gate = OncePerSecond::new();
        assert!(gate.ready());
        assert!(!gate.ready());
    }

    #[test]
    fn the_minute_gate_opens_at_once_then_not_again_that_minute() {
        let gate = OncePerMinute::new();
        assert!(gate.ready());
        assert!(!gate.ready());
    }
}
