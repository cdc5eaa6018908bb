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
