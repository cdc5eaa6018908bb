//! The whole analyser on artifacts with planted secrets: every artifact
//! kind finds them, nothing it returns carries one, and the findings cap.

use super::tests::{PEM, PLANTED};
use super::*;
use crate::analysis::engine::Engine;
use crate::analysis::{
    AnalysisError, AnalysisRequest, Analyzer, ArtifactKind, Limits, Metadata, Report, Severity,
};

fn analyze_with(
    content: &str,
    kind: ArtifactKind,
    limits: Limits,
) -> Result<Report, AnalysisError> {
    let request = AnalysisRequest {
        content,
        kind,
        metadata: &Metadata::default(),
    };
    Engine::new(Default::default(), limits).analyze(&request, &mut |_| {})
}

fn analyze(content: &str, kind: ArtifactKind) -> Report {
    analyze_with(content, kind, Limits::default()).expect("analysis")
}

/// Everything a report carries, as one string.
fn everything(report: &Report) -> String {
    format!(
        "{}\n{}",
        serde_json::to_string(&report.result).unwrap(),
        report.markdown
    )
}

fn assert_no_raw_secret(report: &Report) {
    let all = everything(report);
    for (_, _, secret) in PLANTED {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    for line in PEM.lines().filter(|l| !l.contains("-----")) {
        assert!(!all.contains(line), "key material leaked");
    }
}

fn sec_findings(report: &Report) -> usize {
    report
        .result
        .findings
        .iter()
        .filter(|f| f.rule_id.starts_with("FL-SEC-") && f.severity == Severity::High)
        .count()
}

#[test]
fn every_artifact_kind_reports_each_secret_masked() {
    let block: String = PLANTED.iter().map(|(_, l, _)| format!("{l}\n")).collect();
    let markdown = format!("# Payments design\n\n## Config\n\n```\n{block}{PEM}\n```\n");
    let architecture = format!(
        "# Architecture\n\n```mermaid\ngraph LR\n  A[Web] --> B[API]\n  B --> C[(Postgres)]\n```\n\n```yaml\n{block}{PEM}\n```\n"
    );
    let yaml = format!(
        "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths:\n  /a:\n    get:\n      description: |\n{}      responses: {{'200': {{description: ok}}}}\n",
        block
            .lines()
            .chain(PEM.lines())
            .map(|l| format!("        {l}\n"))
            .collect::<String>()
    );
    let json = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1", "description": format!("{block}{PEM}")},
        "paths": {}
    })
    .to_string();
    for (content, kind) in [
        (&markdown, ArtifactKind::Markdown),
        (&architecture, ArtifactKind::Architecture),
        (&yaml, ArtifactKind::OpenapiYaml),
        (&json, ArtifactKind::OpenapiJson),
    ] {
        let report = analyze(content, kind);
        assert_eq!(sec_findings(&report), PLANTED.len() + 1, "{kind:?}");
        assert!(
            report.markdown.contains("-----BEGIN RSA PRIVATE KEY-----"),
            "{kind:?}"
        );
        assert!(report.result.production_readiness_score <= 69, "{kind:?}");
        assert_no_raw_secret(&report);
    }
}

#[test]
fn an_error_message_never_carries_a_secret() {
    // A parser that quotes the text it choked on still cannot leak it.
    let content = "{\"openapi\": \"3.0.3\", \"token\": \"ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234\" ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234";
    let err = analyze_with(content, ArtifactKind::OpenapiJson, Limits::default()).unwrap_err();
    assert!(!err.to_string().contains("ghp_R4nd0m"), "{err}");
    let redactor = SecretScan::of([(None, content)]).redactor();
    let scrubbed =
        redactor.scrub_error(AnalysisError::InvalidInput(format!("bad input: {content}")));
    assert!(!scrubbed.to_string().contains("ghp_R4nd0m"), "{scrubbed}");
}

#[test]
fn the_cap_keeps_the_worst_findings_and_the_score_counts_them_all() {
    let secrets: String = (0..30)
        .map(|i| format!("DB{i}_PASSWORD=Zq8Wm3Rt5Yn{i:02}\n"))
        .collect();
    let doc = format!("# Design\n\nTODO: more\n\n```\n{secrets}```\n");
    let all = analyze(&doc, ArtifactKind::Markdown);
    let total = all.result.findings.len();
    assert!(total > 30, "{total}");
    assert!(!all.result.extra.contains_key("findings_omitted"));
    let capped = analyze_with(
        &doc,
        ArtifactKind::Markdown,
        Limits {
            max_findings: 5,
            ..Limits::default()
        },
    )
    .expect("analysis");
    assert_eq!(capped.result.findings.len(), 5);
    assert!(
        capped
            .result
            .findings
            .iter()
            .all(|f| f.severity == Severity::High)
    );
    assert_eq!(capped.result.extra["findings_total"], total);
    assert_eq!(capped.result.extra["findings_omitted"], total - 5);
    assert_eq!(
        capped.result.production_readiness_score,
        all.result.production_readiness_score
    );
    let note = format!("5 of {total} findings are listed");
    assert!(capped.markdown.contains(&note), "{}", capped.markdown);
    assert!(capped.markdown.contains("### High (5)"));
}
