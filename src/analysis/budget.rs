//! The time an analysis may take. The worker sets a deadline on the thread
//! that runs the analyser; the rule loop checks it between rules and stops,
//! so a job that exceeds its limit fails with a clear error instead of
//! holding its worker. (A thread-local, so the analyser's signature and the
//! offline CLI, which has no limit, stay as they are.)

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    static DEADLINE: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
}

/// Runs `f` with a time limit on this thread's analysis.
pub fn with_limit<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let previous = DEADLINE.replace(Some((Instant::now() + limit, limit)));
    let out = f();
    DEADLINE.set(previous);
    out
}

/// The limit, once its deadline has passed.
pub fn exceeded() -> Option<Duration> {
    DEADLINE
        .get()
        .filter(|(deadline, _)| Instant::now() >= *deadline)
        .map(|(_, limit)| limit)
}

/// The error a job gets when its analysis ran out of time.
pub fn error(limit: Duration) -> super::AnalysisError {
    super::AnalysisError::TimedOut(format!(
        "the analysis exceeded its time limit of {} (ANALYSIS_TIMEOUT_MS)",
        human(limit)
    ))
}

fn human(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_inside_and_is_gone_outside() {
        assert_eq!(exceeded(), None);
        with_limit(Duration::ZERO, || {
            assert_eq!(exceeded(), Some(Duration::ZERO))
        });
        with_limit(Duration::from_secs(60), || assert_eq!(exceeded(), None));
        assert_eq!(exceeded(), None);
    }
}
