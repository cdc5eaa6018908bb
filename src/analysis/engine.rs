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

use serde_json::{Map, Value, json};

use super::charts::{self, ChartInputs, CoverageRow};
use super::detect::Normalized;
use super::model::{AnalysisResult, ArtifactKind, Finding, Report};
use super::next_steps;
use super::report::{self, ReportInput};
use super::request::{AnalysisError, AnalysisRequest, Analyzer, Limits, Stage};
use super::rule::{Rule, Sink};
use super::score::{self, RuleOutcome};
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
        })??;
        progress(Stage::RunningHeuristics);
        let mut run = RuleRun::default();
        doc.run_rules(&mut run);
        let facts = doc.facts();
        progress(Stage::Synthesizing);
        Ok(assemble(doc.kind(), run, &facts, &self.ai))
    }
}

/// What running rules produced: findings, per-rule outcomes for the score,
/// and internal notes.
#[derive(Debug, Default)]
pub struct RuleRun {
    pub findings: Vec<Finding>,
    pub outcomes: Vec<RuleOutcome>,
    pub notes: Vec<String>,
}

impl RuleRun {
    /// Runs every rule over `doc`, each with its own [`Sink`] behind
    /// `catch_unwind`: a panicking rule's partial output is discarded and a
    /// note says so.
    pub fn run<D: ?Sized>(&mut self, rules: &[Box<dyn Rule<D>>], doc: &D) {
        for rule in rules {
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
            self.outcomes.push(RuleOutcome {
                meta,
                examined,
                failing: own.map_or(0, |f| f.occurrences),
                confidence: own.map_or(meta.confidence, |f| f.confidence),
            });
            self.findings.extend(findings);
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
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
pub fn assemble(
    kind: ArtifactKind,
    mut run: RuleRun,
    facts: &ArtifactFacts,
    ai: &AiConfig,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::{Category, Location, Severity};
    use crate::analysis::request::Metadata;
    use crate::analysis::rule::RuleMeta;

    macro_rules! meta {
        ($id:literal, $sev:expr) => {
            &RuleMeta {
                id: $id,
                title: $id,
                category: Category::Reliability,
                severity: $sev,
                confidence: 0.8,
                rationale: "Because.",
                remediation: "Fix it.",
            }
        };
    }

    /// Fires on every line containing "bad", examining every line.
    struct FiresOnBad;
    impl Rule<str> for FiresOnBad {
        fn meta(&self) -> &'static RuleMeta {
            meta!("FL-T-002", Severity::Medium)
        }
        fn check(&self, doc: &str, sink: &mut Sink) {
            sink.examined(self.meta(), doc.lines().count() as u32);
            for (i, _) in doc.lines().enumerate().filter(|(_, l)| l.contains("bad")) {
                sink.report(
                    self.meta(),
                    Location {
                        line: Some(i as u32 + 1),
                        pointer: None,
                    },
                    "bad line",
                );
            }
        }
    }

    struct Panics;
    impl Rule<str> for Panics {
        fn meta(&self) -> &'static RuleMeta {
            meta!("FL-T-003", Severity::Critical)
        }
        fn check(&self, _: &str, sink: &mut Sink) {
            sink.report(self.meta(), Location::default(), "partial");
            panic!("index out of bounds");
        }
    }

    struct AlwaysHigh;
    impl Rule<str> for AlwaysHigh {
        fn meta(&self) -> &'static RuleMeta {
            meta!("FL-T-001", Severity::High)
        }
        fn check(&self, _: &str, sink: &mut Sink) {
            sink.report(self.meta(), Location::default(), "whole");
        }
    }

    fn fake_run() -> RuleRun {
        let rules: Vec<Box<dyn Rule<str>>> =
            vec![Box::new(FiresOnBad), Box::new(Panics), Box::new(AlwaysHigh)];
        let mut run = RuleRun::default();
        run.run(&rules, "ok\nbad\nok\nbad");
        run
    }

    #[test]
    fn a_panicking_rule_becomes_a_note_and_is_left_out() {
        let run = fake_run();
        assert_eq!(run.outcomes.len(), 2);
        assert!(run.findings.iter().all(|f| f.rule_id != "FL-T-003"));
        assert!(run.notes[0].starts_with("Rule FL-T-003 failed internally (index out of bounds)"));
        let report = assemble(
            ArtifactKind::Markdown,
            run,
            &ArtifactFacts::default(),
            &AiConfig::default(),
        );
        assert!(report.markdown.contains("FL-T-003 failed internally"));
        assert!(report.result.extra.contains_key("notes"));
    }

    #[test]
    fn assembly_sorts_findings_and_is_deterministic() {
        let facts = ArtifactFacts::default();
        let a = assemble(
            ArtifactKind::Markdown,
            fake_run(),
            &facts,
            &AiConfig::default(),
        );
        let b = assemble(
            ArtifactKind::Markdown,
            fake_run(),
            &facts,
            &AiConfig::default(),
        );
        assert_eq!(a, b);
        let ids: Vec<&str> = a
            .result
            .findings
            .iter()
            .map(|f| f.rule_id.as_str())
            .collect();
        assert_eq!(ids, ["FL-T-001", "FL-T-002"]);
        assert_eq!(a.result.findings[1].occurrences, 2);
        // Reliability: High 1/1 failing at .8 and Medium 2/4 at .8 → (5·.2 + 2·.6)/7 = 31.4; High caps at 84.
        assert_eq!(a.result.production_readiness_score, 31);
        for key in ["score_breakdown", "next_steps", "synthesis"] {
            assert!(a.result.extra.contains_key(key), "{key}");
        }
        assert_eq!(a.result.suggested_next_steps.len(), 2);
    }

    fn analyze(
        content: &str,
        kind: ArtifactKind,
        metadata: &Metadata,
    ) -> (Result<Report, AnalysisError>, Vec<Stage>) {
        let mut stages = Vec::new();
        let request = AnalysisRequest {
            content,
            kind,
            metadata,
        };
        let result = Engine::default().analyze(&request, &mut |s| stages.push(s));
        (result, stages)
    }

    #[test]
    fn auto_detects_openapi_and_reports_every_stage() {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n";
        let (report, stages) = analyze(spec, ArtifactKind::Auto, &Metadata::default());
        let report = report.expect("analysis");
        assert_eq!(report.result.artifact_type, ArtifactKind::OpenapiYaml);
        assert_eq!(
            stages,
            [
                Stage::Normalizing,
                Stage::RunningHeuristics,
                Stage::Synthesizing
            ]
        );
        assert!(
            report
                .result
                .charts
                .iter()
                .any(|c| c.title == "Endpoint coverage")
        );
    }

    #[test]
    fn text_is_read_as_markdown_and_a_bad_companion_spec_is_a_note() {
        let metadata = Metadata {
            spec: Some("openapi: [".into()),
            ..Metadata::default()
        };
        let (report, _) = analyze(
            "# Design\n\nTODO: everything\n",
            ArtifactKind::Auto,
            &metadata,
        );
        let report = report.expect("analysis");
        assert_eq!(report.result.artifact_type, ArtifactKind::Markdown);
        let notes = report
            .result
            .extra
            .get("notes")
            .map(|n| n.to_string())
            .unwrap_or_default();
        assert!(
            notes.contains("metadata.spec could not be read as OpenAPI"),
            "{notes}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn no_input_panics_the_engine(
            prefix in proptest::sample::select(vec!["", "openapi: 3.0.0\npaths:\n", "{\"swagger\":\"2.0\",", "```mermaid\nflowchart LR\n", "# Design\n"]),
            body in "\\PC{0,400}",
        ) {
            let content = format!("{prefix}{body}");
            let _ = analyze(&content, ArtifactKind::Auto, &Metadata::default());
        }
    }

    const SPEC: &str = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /orders:\n    get:\n      responses:\n        '200': {description: ok}\n";

    fn cross_ids(report: &Report) -> Vec<&str> {
        let ids = report.result.findings.iter().map(|f| f.rule_id.as_str());
        ids.filter(|id| id.starts_with("FL-XA-")).collect()
    }

    #[test]
    fn cross_artifact_rules_run_with_a_metadata_or_embedded_spec() {
        let doc = "# Orders design\n\nClients call `GET /users/{id}` to read a user.\n";
        let metadata = Metadata {
            spec: Some(SPEC.into()),
            ..Metadata::default()
        };
        let (with_meta, _) = analyze(doc, ArtifactKind::Markdown, &metadata);
        assert!(cross_ids(&with_meta.expect("analysis")).contains(&"FL-XA-001"));
        let embedded = format!("{doc}\n```yaml\n{SPEC}```\n");
        let (with_block, _) = analyze(&embedded, ArtifactKind::Markdown, &Metadata::default());
        assert!(cross_ids(&with_block.expect("analysis")).contains(&"FL-XA-001"));
        let (alone, _) = analyze(doc, ArtifactKind::Markdown, &Metadata::default());
        assert!(cross_ids(&alone.expect("analysis")).is_empty());
    }

    #[test]
    fn binary_input_is_invalid_not_a_panic() {
        let (report, _) = analyze(
            "openapi: 3.0.0\n\0\0\0",
            ArtifactKind::Auto,
            &Metadata::default(),
        );
        assert!(matches!(report, Err(AnalysisError::InvalidInput(_))));
    }
}
