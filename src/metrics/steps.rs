//! Per-step timing of one analysis, driven by the analyser's progress
//! callback: a step lasts from its announcement to the next one (or the end).

use std::time::Instant;

use metrics::histogram;

use super::names::STEP;
use crate::analysis::Stage;

#[derive(Default)]
pub struct StepTimer {
    current: Option<(&'static str, Instant)>,
}

impl StepTimer {
    /// Closes the running step and opens `stage`.
    pub fn enter(&mut self, stage: Stage) {
        self.finish();
        let name = match stage {
            Stage::Normalizing => "normalizing",
            Stage::RunningHeuristics => "running_heuristics",
            Stage::Synthesizing => "synthesizing",
        };
        self.current = Some((name, Instant::now()));
    }

    /// Records the running step, if any.
    pub fn finish(&mut self) {
        if let Some((name, began)) = self.current.take() {
            histogram!(STEP, "step" => name).record(began.elapsed().as_secs_f64());
        }
    }
}
