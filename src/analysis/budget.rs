//! The time an analysis may take. The worker sets a deadline on the thread
//! that runs the analyser; the rule loop checks it between rules and stops,
//! so a job that exceeds its limit fails with a clear error instead of
//! holding its worker. (A thread-local, so the analyser's signature and the
//! offline CLI, which has no limit, stay as they are.) The worker can also
//! call an analysis off early, when its attempt was taken over or its job
//! cancelled: nobody wants that outcome any more.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

thread_local! {
    static DEADLINE: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
    static CALLED_OFF: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Runs `f` with a time limit on this thread's analysis.
pub fn with_limit<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let previous = DEADLINE.replace(Some((Instant::now() + limit, limit)));
    let out = f();
    DEADLINE.set(previous);
    out
}

/// Runs `f` with a time limit that also ends once `called_off` is set.
pub fn with_limit_until<T>(
    limit: Duration,
    called_off: Arc<AtomicBool>,
    f: impl FnOnce() -> T,
) -> T {
    let previous = CALLED_OFF.replace(Some(called_off));
    let out = with_limit(limit, f);
    CALLED_OFF.set(previous);
    out
}

/// The limit, once its deadline has passed or the analysis was called off
/// (its outcome is then discarded, so the error it makes is never seen).
pub fn exceeded() -> Option<Duration> {
    let (deadline, limit) = DEADLINE.get()?;
    let called_off =
        CALLED_OFF.with_borrow(|c| c.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)));
    (called_off || Instant::now() >= deadline).then_some(limit)
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

    #[test]
    fn calling_an_analysis_off_ends_its_time() {
        let off = Arc::new(AtomicBool::new(false));
        let limit = Duration::from_secs(60);
        with_limit_until(limit, off.clone(), || {
            assert_eq!(exceeded(), None);
            off.store(true, Ordering::Relaxed);
            assert_eq!(exceeded(), Some(limit));
        });
        assert_eq!(exceeded(), None);
        with_limit(limit, || assert_eq!(exceeded(), None));
    }
}
