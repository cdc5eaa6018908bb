//! The analysis pipeline behind the [`Analyzer`] trait: normalise (detecting
//! the kind when asked for `auto`) → run every rule of the family, each
//! behind `catch_unwind` → score → charts → next steps → synthesis →
//! Markdown report.
//!
//! A rule that panics becomes a note in the report and is left out of the
//! score; it never aborts an analysis. The same input always gives the same
//! output with the deterministic synthesiser: findings are sorted by
//! severity then rule id, and every map is ordered.

use std::panic::{AssertUnwindSafe, catch_unwind};

pub use run::RuleRun;
use run::panic_message;

mod run;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value, json};

use super::cap;
use super::charts::{self, ChartInputs, CoverageRow};
use super::detect::Normalized;
use super::model::{AnalysisResult, ArtifactKind, Report};
use super::next_steps;
use super::report::{self, ReportInput};
use super::request::{AnalysisError, AnalysisRequest, Analyzer, Limits, Stage};
use super::score;
use super::secrets::{self, SecretScan};
use super::synth::{self, AiConfig, SynthInput};

/// The production analyser. Cheap to build; share one per process.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    ai: AiConfig,
    limits: Limits,
}

impl Engine {
    /// `AiConfig::default()` gives the deterministic, offline synthesiser.
    pub fn new(ai: AiConfig, limits: Limits) -> Self {
        Self { ai, limits }
    }
}

impl Analyzer for Engine {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError> {
        progress(Stage::Normalizing);
        // Secrets are found in the raw texts before anything else, so that
        // everything leaving the analyser, errors included, can be scrubbed.
        let secrets = SecretScan::of(
            std::iter::once((None, request.content)).chain(
                request
                    .metadata
                    .spec
                    .as_deref()
                    .map(|spec| (Some("metadata.spec"), spec)),
            ),
        );
        let redactor = secrets.redactor();
        // A parser bug must not take the worker down either; the same input
        // would fail again, so it is reported as invalid input.
        let doc = catch_unwind(AssertUnwindSafe(|| {
            Normalized::parse(request, &self.limits)
        }))
        .map_err(|p| {
            AnalysisError::InvalidInput(format!(
                "the parser failed on this input ({})",
                panic_message(p.as_ref())
            ))
        })
        .and_then(|parsed| parsed)
        .map_err(|e| redactor.scrub_error(e))?;
        progress(Stage::RunningHeuristics);
        let mut run = RuleRun::default();
        doc.run_rules(&mut run);
        run.run(&secrets::rules(), &secrets);
        // Before synthesis: a model (or the summary) only ever sees masked text.
        redactor.scrub_findings(&mut run.findings);
        if let Some(limit) = run.timed_out {
            return Err(crate::analysis::budget::error(limit));
        }
        let facts = doc.facts();
        progress(Stage::Synthesizing);
        let mut report = assemble(doc.kind(), run, &facts, &self.ai, self.limits.max_findings);
        redactor.scrub_report(&mut report);
        Ok(report)
    }
}

/// Facts about the artifact itself that charts and the result report.
#[derive(Debug, Clone, Default)]
pub struct ArtifactFacts {
    pub coverage: Vec<CoverageRow>,
    pub components: Vec<(String, u32)>,
    /// Extra entries for `AnalysisResult.extra` (e.g. the spec version).
    pub extra: Map<String, Value>,
}

/// Everything after the rules: score, charts, next steps, synthesis, report.
/// Score, charts and next steps count every finding; the result and report
/// list at most `max_findings`, the most severe first.
pub fn assemble(
    kind: ArtifactKind,
    mut run: RuleRun,
    facts: &ArtifactFacts,
    ai: &AiConfig,
    max_findings: usize,
) -> Report {
    run.findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    run.outcomes.sort_by_key(|o| o.meta.id);
    let breakdown = score::compute(&run.outcomes, &run.findings);
    let inputs = ChartInputs {
        coverage: &facts.coverage,
        components: &facts.components,
    };
    let charts = charts::build(&run.findings, &breakdown, &inputs);
    let steps = next_steps::plan(&run.findings);
    let input = SynthInput {
        kind,
        findings: &run.findings,
        breakdown: &breakdown,
        steps: &steps,
    };
    let synthesis = synth::synthesize(ai, &input);
    let omitted = cap::apply(&mut run.findings, max_findings);
    if let Some(o) = &omitted {
        run.notes.push(o.note());
    }
    let markdown = report::render(&ReportInput {
        kind,
        summary: &synthesis.summary,
        findings: &run.findings,
        breakdown: &breakdown,
        steps: &synthesis.steps,
        synthesis: &synthesis.info,
        notes: &run.notes,
    });
    let mut extra = facts.extra.clone();
    extra.insert("score_breakdown".into(), to_value(&breakdown));
    extra.insert("next_steps".into(), to_value(&synthesis.steps));
    extra.insert("synthesis".into(), to_value(&synthesis.info));
    if !facts.coverage.is_empty() {
        extra.insert("coverage".into(), to_value(&facts.coverage));
    }
    if !run.notes.is_empty() {
        extra.insert("notes".into(), json!(run.notes));
    }
    if let Some(o) = &omitted {
        o.record(&mut extra);
    }
    let result = AnalysisResult {
        production_readiness_score: breakdown.score,
        summary: synthesis.summary,
        suggested_next_steps: next_steps::listed(&synthesis.steps),
        findings: run.findings,
        charts,
        artifact_type: kind,
        extra,
    };
    Report { result, markdown }
}

/// Our own types always serialise; `Null` keeps this total anyway.
fn to_value(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
