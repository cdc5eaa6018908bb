//! Fixture harness for the `FL-DOC` rules and parser tests.

use super::tests_support::{assert_fixture_pair, fixture};
use super::{MarkerKind, parse, rules};
use crate::analysis::model::Finding;
use crate::analysis::request::{AnalysisError, Limits};
use crate::analysis::rule::{Rule, Sink};

fn run(rule: &dyn Rule<super::MdDoc>, text: &str) -> Vec<Finding> {
    let doc = parse(text, &Limits::default()).expect("fixture parses");
    let mut sink = Sink::new();
    rule.check(&doc, &mut sink);
    sink.into_findings()
}

#[test]
fn every_doc_rule_fires_on_its_fixture_and_not_on_the_clean_one() {
    for rule in rules() {
        let id = rule.meta().id;
        let fires = fixture(id, "fires.md");
        let found = run(rule.as_ref(), &fires);
        let clean = run(rule.as_ref(), &fixture(id, "clean.md"));
        assert_fixture_pair(id, &fires, &found, &clean);
    }
}

#[test]
fn rules_are_sorted_and_unique() {
    let ids: Vec<&str> = rules().iter().map(|r| r.meta().id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted);
    assert!(ids.len() >= 14);
}

#[test]
fn parses_headings_tables_checklists_code_and_markers() {
    let text = "# Title\n\nIntro TODO: fill.\n\n## A\n\n| k | v |\n|---|---|\n| x | 1 |\n\n- [ ] open\n- [x] done\n\n### A.1\n\n```mermaid\ngraph LR\n```\n\n## Open questions\n\n- Which region?\n- ~~Old~~ resolved\n";
    let doc = parse(text, &Limits::default()).unwrap();
    let titles: Vec<&str> = doc.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Title", "A", "A.1", "Open questions"]);
    assert_eq!(doc.sections[1].parent, Some(0));
    assert_eq!(doc.sections[2].parent, Some(1));
    assert_eq!((doc.sections[1].line, doc.sections[1].end_line), (5, 19));
    assert_eq!(doc.section_path(2), "Title > A > A.1");
    assert_eq!(doc.tables[0].header, ["k", "v"]);
    assert_eq!(doc.tables[0].rows, [vec!["x", "1"]]);
    assert_eq!(
        doc.checklist
            .iter()
            .map(|c| (c.checked, c.line))
            .collect::<Vec<_>>(),
        [(false, 11), (true, 12)]
    );
    assert_eq!(
        (
            doc.code_blocks[0].lang.as_str(),
            doc.code_blocks[0].line,
            doc.code_blocks[0].content_line
        ),
        ("mermaid", 16, 17)
    );
    let kinds: Vec<(MarkerKind, u32)> = doc.markers.iter().map(|m| (m.kind, m.line)).collect();
    assert_eq!(
        kinds,
        [(MarkerKind::Todo, 3), (MarkerKind::OpenQuestion, 22)]
    );
}

#[test]
fn hostile_input_is_rejected_cleanly() {
    let small = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        parse("# way too long", &small),
        Err(AnalysisError::InvalidInput(_))
    ));
    assert!(matches!(
        parse("ab\0cd", &Limits::default()),
        Err(AnalysisError::InvalidInput(_))
    ));
    let binary: String = (0..200u8).map(|b| char::from(b % 32)).collect();
    assert!(matches!(
        parse(&binary, &Limits::default()),
        Err(AnalysisError::InvalidInput(_))
    ));
    let deep = ">".repeat(50_000) + " x";
    assert!(parse(&deep, &Limits::default()).is_ok());
    let nested = "- ".repeat(20_000) + "x";
    assert!(parse(&nested, &Limits::default()).is_ok());
}

proptest::proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in "(?s).{0,400}") {
        if let Ok(doc) = parse(&s, &Limits::default()) {
            let mut sink = Sink::new();
            for r in rules() {
                r.check(&doc, &mut sink);
            }
        }
    }
}

#[test]
fn adrs_are_not_judged_on_design_doc_sections() {
    let adr = "# 3. Use Kafka\n\n## Status\n\nAccepted\n\n## Context\n\nWe need events.\n\n## Decision\n\nKafka.\n\n## Consequences\n\nOps work.\n";
    let doc = parse(adr, &Limits::default()).unwrap();
    let mut sink = Sink::new();
    for r in rules() {
        r.check(&doc, &mut sink);
    }
    let ids: Vec<&str> = sink.findings().iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["FL-DOC-015"], "only the ADR-relevant rule fires");
}

/// Ids of the rules that count in the score on `text` (applicable).
fn applicable(rules: &[Box<dyn Rule<super::MdDoc>>], text: &str) -> Vec<&'static str> {
    let doc = parse(text, &Limits::default()).expect("parses");
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(rules, &doc);
    run.outcomes
        .iter()
        .filter(|o| o.applicable().is_some())
        .map(|o| o.meta.id)
        .collect()
}

#[test]
fn a_note_gives_the_design_rules_nothing_to_pass() {
    // Only the rule saying so applies (and fires); no rule passes on it.
    for note in ["hello\n", "# Title\n\nSome text about nothing.\n"] {
        assert_eq!(applicable(&rules(), note), ["FL-DOC-018"], "{note}");
    }
    // What a hygiene rule finds on a note still counts.
    let todo = applicable(&rules(), "TODO: write the design\n");
    assert_eq!(todo, ["FL-DOC-011", "FL-DOC-018"]);
}

#[test]
fn an_adr_is_judged_only_by_the_rules_that_fit_it() {
    let adr = "# 3. Use Kafka\n\n## Status\n\nAccepted\n\n## Context\n\nWe need events.\n\n## Decision\n\nKafka.\n\n## Consequences\n\nOps work.\n";
    assert_eq!(
        applicable(&rules(), adr),
        [
            "FL-DOC-011",
            "FL-DOC-012",
            "FL-DOC-015",
            "FL-DOC-016",
            "FL-DOC-018"
        ]
    );
}

#[test]
fn architecture_documents_count_clean_hygiene_results() {
    // The architecture family judges substance by its model, so a clean
    // short document still passes the marker rules there.
    assert_eq!(
        applicable(&super::rules_for_architecture(true), "A calls B.\n"),
        ["FL-DOC-011", "FL-DOC-012"]
    );
}

#[test]
fn a_trivial_document_is_not_reported_ready() {
    use crate::analysis::model::ArtifactKind;
    use crate::analysis::request::{AnalysisRequest, Analyzer, Metadata};
    let request = AnalysisRequest {
        content: "hello\n",
        kind: ArtifactKind::Markdown,
        metadata: &Metadata::default(),
    };
    let engine = crate::analysis::engine::Engine::default();
    let result = engine
        .analyze(&request, &mut |_| {})
        .expect("analyses")
        .result;
    assert_eq!(result.production_readiness_score, 0);
    assert!(
        result.summary.starts_with("No rule could be applied")
            && result
                .summary
                .contains("Not assessable as a design document"),
        "{}",
        result.summary
    );
    let ids: Vec<&str> = result.findings.iter().map(|f| f.rule_id.as_str()).collect();
    assert_eq!(ids, ["FL-DOC-018"]);
}

#[test]
fn a_section_that_only_holds_its_place_does_not_cover_its_topic() {
    let doc = "# Design: Payments service\n\n## Security\n\nTBD\n\n## Scaling\n\nTODO\n\n\
               ## Deployment\n\nN/A\n\n## Monitoring\n\nWe don't have monitoring yet.\n\n\
               ## Rollback\n\nNone.\n\n## Failure modes\n\nNot considered.\n";
    let all = rules();
    let findings: Vec<Finding> = all.iter().flat_map(|r| run(r.as_ref(), doc)).collect();
    let detail = |id: &str| {
        findings
            .iter()
            .find(|f| f.rule_id == id)
            .map(|f| (f.description.clone(), f.location.line))
    };
    // Security, scaling, deployment, monitoring, rollback, failure modes.
    for (id, line) in [
        ("FL-DOC-001", 3),
        ("FL-DOC-002", 7),
        ("FL-DOC-003", 11),
        ("FL-DOC-004", 15),
        ("FL-DOC-005", 19),
        ("FL-DOC-010", 23),
    ] {
        let (text, at) = detail(id).unwrap_or_else(|| panic!("{id} did not fire"));
        assert_eq!(at, Some(line), "{id}: {text}");
        assert!(text.starts_with("The \""), "{id}: {text}");
    }
    assert!(
        detail("FL-DOC-004")
            .is_some_and(|(t, _)| t.contains("holds only \"We don't have monitoring yet.\"")),
        "{:?}",
        detail("FL-DOC-004")
    );
    // The same headings over real text cover their topics.
    let written = doc
        .replace("TBD", "OAuth2 bearer tokens, checked at the gateway.")
        .replace("TODO", "Stateless pods behind an HPA, 2 to 10 replicas.")
        .replace("N/A", "Blue/green on Kubernetes, via Argo CD.")
        .replace(
            "We don't have monitoring yet.",
            "Prometheus metrics and Grafana dashboards.",
        )
        .replace("None.", "Switch traffic back to blue.")
        .replace("Not considered.", "A PSP outage queues payments for retry.");
    let fired: Vec<String> = all
        .iter()
        .flat_map(|r| run(r.as_ref(), &written))
        .map(|f| f.rule_id)
        .collect();
    for id in [
        "FL-DOC-001",
        "FL-DOC-002",
        "FL-DOC-003",
        "FL-DOC-004",
        "FL-DOC-005",
        "FL-DOC-010",
    ] {
        assert!(
            !fired.iter().any(|f| f == id),
            "{id} fired on real sections"
        );
    }
}

#[test]
fn documents_that_are_not_designs_are_not_judged_as_designs() {
    let readme = "# tinyfmt\n\nA small tool that formats TOML files.\n\n## Install\n\n\
                  `cargo install tinyfmt`\n\n## Usage\n\n`tinyfmt file.toml`\n\n## License\n\nMIT\n";
    let recipe = "# Banana bread\n\n## Ingredients\n\nThree ripe bananas, flour, sugar.\n\n\
                  ## Method\n\nMash, stir and bake for an hour.\n\n## Notes\n\nKeeps three days.\n";
    for (doc, says) in [(readme, "project README"), (recipe, "names no software")] {
        // Only the rule saying so applies: no "missing security section".
        assert_eq!(applicable(&rules(), doc), ["FL-DOC-018"], "{doc}");
        let findings: Vec<Finding> = rules().iter().flat_map(|r| run(r.as_ref(), doc)).collect();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].description.contains(says),
            "{}",
            findings[0].description
        );
    }
}
