//! Running a family's rules: each rule gets its own [`Sink`] and runs
//! behind `catch_unwind`, so a panicking rule becomes a note instead of an
//! aborted analysis.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::analysis::model::Finding;
use crate::analysis::rule::{Rule, Sink};
use crate::analysis::score::RuleOutcome;

/// What running rules produced: findings, per-rule outcomes for the score,
/// and internal notes.
#[derive(Debug, Default)]
pub struct RuleRun {
    pub findings: Vec<Finding>,
    pub outcomes: Vec<RuleOutcome>,
    pub notes: Vec<String>,
    /// Set when the time limit stopped the run before every rule ran.
    pub timed_out: Option<std::time::Duration>,
}

impl RuleRun {
    /// Runs every rule over `doc`, each with its own [`Sink`] behind
    /// `catch_unwind`: a panicking rule's partial output is discarded and a
    /// note says so.
    pub fn run<D: ?Sized>(&mut self, rules: &[Box<dyn Rule<D>>], doc: &D) {
        for rule in rules {
            if let Some(limit) = crate::analysis::budget::exceeded() {
                self.timed_out = Some(limit);
                return;
            }
            let meta = rule.meta();
            let mut sink = Sink::new();
            // The sink is dropped on panic and `doc` is only read, so no broken
            // state can be observed after an unwind.
            let outcome = catch_unwind(AssertUnwindSafe(|| rule.check(doc, &mut sink)));
            if let Err(payload) = outcome {
                self.notes.push(format!(
                    "Rule {} failed internally ({}) and was skipped; it does not count in the score.",
                    meta.id,
                    panic_message(payload.as_ref())
                ));
                continue;
            }
            let examined = sink
                .examined_counts()
                .find(|(id, _)| *id == meta.id)
                .map(|(_, n)| n);
            let findings = sink.into_findings();
            let own = findings.iter().find(|f| f.rule_id == meta.id);
            // A rule may report each occurrence as its own finding.
            let failing = findings
                .iter()
                .filter(|f| f.rule_id == meta.id)
                .map(|f| f.occurrences)
                .sum();
            self.outcomes.push(RuleOutcome {
                meta,
                examined,
                failing,
                confidence: own.map_or(meta.confidence, |f| f.confidence),
            });
            self.findings.extend(findings);
        }
    }
}

impl RuleRun {
    /// Counts the rules run since outcome `from` as not applicable where
    /// they found nothing: on an artifact too thin to assess (FL-OAS-068) a
    /// clean result vouches for nothing and must not raise the score, while
    /// what a rule finds still counts (as `judged` does for thin documents).
    pub fn clean_vouches_for_nothing(&mut self, from: usize) {
        for outcome in self.outcomes.iter_mut().skip(from) {
            if outcome.failing == 0 {
                outcome.examined = Some(0);
            }
        }
    }
}

pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}
