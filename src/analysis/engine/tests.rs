//! The pipeline on fake rule families and on small real artifacts.

use super::*;
use crate::analysis::model::{Category, Location, Severity};
use crate::analysis::request::{DEFAULT_MAX_FINDINGS, Metadata};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

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
        DEFAULT_MAX_FINDINGS,
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
        DEFAULT_MAX_FINDINGS,
    );
    let b = assemble(
        ArtifactKind::Markdown,
        fake_run(),
        &facts,
        &AiConfig::default(),
        DEFAULT_MAX_FINDINGS,
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
fn an_unreachable_model_falls_back_with_a_note() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port());
    let ai = AiConfig {
        provider: Some(synth::AiProvider::Ollama),
        base_url: Some(format!("http://127.0.0.1:{}/v1", port.expect("port"))),
        retries: 0,
        ..AiConfig::default()
    };
    let report = assemble(
        ArtifactKind::Markdown,
        fake_run(),
        &ArtifactFacts::default(),
        &ai,
        DEFAULT_MAX_FINDINGS,
    );
    let synthesis = &report.result.extra["synthesis"];
    assert_eq!(synthesis["engine"], "deterministic");
    assert_eq!(synthesis["provider"], "ollama");
    assert!(
        synthesis["note"]
            .as_str()
            .is_some_and(|n| n.contains("request failed"))
    );
    assert!(report.markdown.contains("AI synthesis not used"));
}

#[test]
fn the_same_artifact_always_gives_the_same_report() {
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'http://x'}]\npaths:\n  /a/{id}:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n      responses: {'200': {description: ok}}\ncomponents:\n  schemas:\n    A: {type: object, properties: {id: {type: string}, password: {type: string}, role: {type: string}}}\n    B: {type: object}\n";
    let run = || {
        analyze(spec, ArtifactKind::Auto, &Metadata::default())
            .0
            .expect("analysis")
    };
    let first = run();
    assert!(first.result.findings.len() > 3);
    for _ in 0..3 {
        assert_eq!(run(), first);
    }
}

#[test]
fn a_mislabelled_openapi_syntax_is_read_from_the_content() {
    let (report, _) = analyze(SPEC, ArtifactKind::OpenapiJson, &Metadata::default());
    assert_eq!(
        report.expect("analysis").result.artifact_type,
        ArtifactKind::OpenapiYaml
    );
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

#[test]
fn a_spec_without_operations_is_not_reported_ready() {
    // `paths: {}` scored 91 "ready": every document-level rule that stayed
    // silent counted as passing (FL-OAS-068).
    let stub = "openapi: 3.0.3\ninfo: {title: Stub, version: 1.0.0}\npaths: {}\n";
    // The real spec after `---` was never read, and nothing said so.
    let two = format!("{stub}---\n{SPEC}");
    for content in [stub.to_string(), two.clone()] {
        let (report, _) = analyze(&content, ArtifactKind::Auto, &Metadata::default());
        let result = report.expect("analysis").result;
        let ids: Vec<&str> = result.findings.iter().map(|f| f.rule_id.as_str()).collect();
        assert!(ids.contains(&"FL-OAS-068"), "{ids:?}");
        assert!(
            result.production_readiness_score < 70,
            "{}: {}",
            result.production_readiness_score,
            result.summary
        );
    }
    let (report, _) = analyze(&two, ArtifactKind::Auto, &Metadata::default());
    let notes = report.expect("analysis").result.extra["notes"].to_string();
    assert!(
        notes.contains("more than one YAML document") && notes.contains("line 4"),
        "{notes}"
    );
    // A spec with operations, or with webhooks only, is assessed as before.
    let (report, _) = analyze(SPEC, ArtifactKind::Auto, &Metadata::default());
    let result = report.expect("analysis").result;
    assert!(result.findings.iter().all(|f| f.rule_id != "FL-OAS-068"));
    assert!(!result.extra.contains_key("notes"));
}
