//! Fixture harness for the `FL-XA` rules. A fixture states the spec it is
//! checked against in its first line:
//! `<!-- spec: GET /orders, POST /orders; secured: true -->`.

use super::{CrossInput, doc_endpoints, embedded_spec, rules};
use crate::analysis::architecture;
use crate::analysis::markdown::tests_support::{assert_fixture_pair, fixture};
use crate::analysis::markdown::{self, MdDoc};
use crate::analysis::model::Finding;
use crate::analysis::request::Limits;
use crate::analysis::rule::Sink;

/// (endpoints, secured) from the fixture header.
fn spec_header(text: &str) -> (Vec<(String, String)>, bool) {
    let head = text.lines().next().unwrap_or("");
    let body = head
        .trim()
        .trim_start_matches("<!-- spec:")
        .trim_end_matches("-->");
    let (ops, secured) = body.split_once(';').unwrap_or((body, ""));
    let endpoints = ops
        .split(',')
        .filter_map(|op| op.trim().split_once(' '))
        .map(|(m, p)| (m.to_string(), p.trim().to_string()))
        .collect();
    (endpoints, secured.contains("true"))
}

fn run_all(raw: &str, id: &str) -> Vec<Finding> {
    // The header is test metadata: blank it (keeping line numbers) so its
    // endpoints do not count as mentioned by the document.
    let text = &raw.replacen(raw.lines().next().unwrap_or(""), "", 1);
    let doc = markdown::parse(text, &Limits::default()).expect("parses");
    let arch = architecture::parse(text, &Limits::default()).expect("parses");
    let (endpoints, spec_secured) = spec_header(raw);
    let input = CrossInput {
        doc: &doc,
        arch: Some(&arch),
        endpoints: &endpoints,
        spec_secured,
    };
    let mut sink = Sink::new();
    for rule in rules().iter().filter(|r| r.meta().id == id) {
        rule.check(&input, &mut sink);
    }
    sink.into_findings()
}

#[test]
fn every_cross_rule_fires_on_its_fixture_and_not_on_the_clean_one() {
    let all = rules();
    assert!(all.len() >= 4);
    for rule in &all {
        let id = rule.meta().id;
        let fires = fixture(id, "fires.md");
        let found = run_all(&fires, id);
        let clean = run_all(&fixture(id, "clean.md"), id);
        assert_fixture_pair(id, &fires, &found, &clean);
    }
}

#[test]
fn no_spec_means_no_cross_findings() {
    let doc =
        markdown::parse("# API\n\n`GET /x` and OAuth2 tokens.\n", &Limits::default()).unwrap();
    let input = CrossInput {
        doc: &doc,
        arch: None,
        endpoints: &[],
        spec_secured: false,
    };
    let mut sink = Sink::new();
    for r in rules() {
        r.check(&input, &mut sink);
    }
    assert!(sink.findings().is_empty());
}

#[test]
fn extracts_endpoints_from_prose_tables_and_urls() {
    let text = "GET /users/{id} returns a user.\n\n| POST | /users |\n\n`curl -X DELETE https://api.example.com/v1/users/7?force=1`\n\nGET is a verb.\n";
    let doc: MdDoc = markdown::parse(text, &Limits::default()).unwrap();
    let found: Vec<(String, String, u32)> = doc_endpoints(&doc)
        .into_iter()
        .map(|e| (e.method, e.path, e.line))
        .collect();
    assert_eq!(
        found,
        [
            ("GET".into(), "/users/{id}".into(), 1),
            ("POST".into(), "/users".into(), 3),
            ("DELETE".into(), "/v1/users/7".into(), 5),
        ]
    );
    let with_spec = markdown::parse(
        "```yaml\nopenapi: 3.0.3\npaths: {}\n```\n",
        &Limits::default(),
    )
    .unwrap();
    assert!(embedded_spec(&with_spec).is_some_and(|s| s.starts_with("openapi")));
}

/// Runs every cross rule the way the pipeline does and returns the ids of
/// the rules that count in the score (applicable), sorted.
fn applicable_ids(input: &CrossInput<'_>) -> Vec<&'static str> {
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(&rules(), input);
    let mut ids: Vec<&str> = run
        .outcomes
        .iter()
        .filter(|o| o.applicable().is_some())
        .map(|o| o.meta.id)
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn cross_rules_with_nothing_to_compare_are_not_applicable() {
    // Names no endpoint, claims no authentication, mentions no service.
    let doc = markdown::parse(
        "# Notes\n\nWe keep orders in Postgres and watch the metrics.\n",
        &Limits::default(),
    )
    .unwrap();
    let spec = [("GET".to_string(), "/orders".to_string())];
    for endpoints in [&spec[..], &[]] {
        let input = CrossInput {
            doc: &doc,
            arch: None,
            endpoints,
            spec_secured: false,
        };
        let applicable = applicable_ids(&input);
        // Only the observability pairing has something to judge, and only
        // when the spec has operations (the doc covers it: a pass).
        let want: &[&str] = if endpoints.is_empty() {
            &[]
        } else {
            &["FL-XA-006"]
        };
        assert_eq!(applicable, want, "endpoints: {endpoints:?}");
    }
}

#[test]
fn a_method_is_compared_only_where_the_spec_has_the_path() {
    let doc = markdown::parse(
        "# API\n\n`GET /orders` lists orders; `POST /refunds` refunds one.\n",
        &Limits::default(),
    )
    .unwrap();
    let spec = [("GET".to_string(), "/orders".to_string())];
    let input = CrossInput {
        doc: &doc,
        arch: None,
        endpoints: &spec,
        spec_secured: true,
    };
    let mut run = crate::analysis::engine::RuleRun::default();
    run.run(&rules(), &input);
    let xa002 = run.outcomes.iter().find(|o| o.meta.id == "FL-XA-002");
    // `/refunds` is not in the spec (FL-XA-001's finding), so only
    // `GET /orders` had a method to compare.
    assert_eq!(xa002.and_then(|o| o.examined), Some(1));
}

/// The result of analysing `doc` alone or with `spec` as its companion.
fn analyse(doc: &str, spec: Option<&str>) -> crate::analysis::AnalysisResult {
    use crate::analysis::model::ArtifactKind;
    use crate::analysis::request::{AnalysisRequest, Analyzer, Metadata};
    let metadata = Metadata {
        spec: spec.map(str::to_string),
        ..Metadata::default()
    };
    let request = AnalysisRequest {
        content: doc,
        kind: ArtifactKind::Markdown,
        metadata: &metadata,
    };
    let engine = crate::analysis::engine::Engine::default();
    engine
        .analyze(&request, &mut |_| {})
        .expect("analyses")
        .result
}

#[test]
fn a_companion_spec_that_only_adds_findings_never_raises_the_score() {
    // A design that claims OAuth2 and names no endpoint, next to an
    // unsecured spec without a health endpoint: the spec can only add the
    // auth and observability findings; every other cross rule has nothing
    // to compare and must not count as passing.
    let doc = "# Orders design\n\n## Context\n\nShoppers place orders.\n\n## Design\n\nUsers sign in with OAuth2 before they order.\n\n## Storage\n\nOrders live in Postgres.\n";
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /orders:\n    get:\n      responses:\n        '200': {description: ok}\n";
    let alone = analyse(doc, None);
    let paired = analyse(doc, Some(spec));
    let ids = |r: &crate::analysis::AnalysisResult| -> Vec<String> {
        r.findings.iter().map(|f| f.rule_id.clone()).collect()
    };
    let added: Vec<String> = ids(&paired)
        .into_iter()
        .filter(|id| !ids(&alone).contains(id))
        .collect();
    assert_eq!(added, ["FL-XA-004", "FL-XA-006"]);
    assert!(
        paired.production_readiness_score <= alone.production_readiness_score,
        "{} > {}",
        paired.production_readiness_score,
        alone.production_readiness_score
    );
    let uncapped =
        |r: &crate::analysis::AnalysisResult| r.extra["score_breakdown"]["uncapped"].as_u64();
    assert!(uncapped(&paired) <= uncapped(&alone));
}
