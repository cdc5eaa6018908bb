//! Reader tests: YAML merge keys follow YAML's rules and cost linear time,
//! repeated keys are refused in both syntaxes, readers stop when the
//! analysis time is up, and OpenAPI is recognised by a root key anywhere in
//! the text but not inside a fenced code block.

use std::time::Duration;

use bumpalo::Bump;

use super::model::Format;
use super::node::{Node, Value};
use super::{json, looks_like_openapi, parse, yaml};
use crate::analysis::budget;
use crate::analysis::request::{AnalysisError, Limits};

fn yaml_tree<'t>(text: &'t str, arena: &'t Bump) -> Result<Node<'t>, AnalysisError> {
    yaml::parse(text, arena, &Limits::default())
}

fn keys<'t>(node: &Node<'t>) -> Vec<&'t str> {
    node.entries().iter().map(|e| e.key).collect()
}

fn invalid_input(result: Result<Node<'_>, AnalysisError>) -> String {
    match result {
        Err(AnalysisError::InvalidInput(msg)) => msg,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn explicit_keys_override_merged_ones_wherever_they_stand() {
    let text = "\
base: &b {security: [], x: 1, y: 1}
more: &m {y: 2, z: 2}
after:
  <<: [*b, *m]
  security: [{key: []}]
before:
  security: [{key: []}]
  <<: *b
";
    let arena = Bump::new();
    let root = yaml_tree(text, &arena).unwrap();
    let after = root.get("after").unwrap();
    // Merged members stand where the `<<` was; the first source wins `y`.
    assert_eq!(keys(after), ["x", "y", "z", "security"]);
    assert_eq!(after.get("security").unwrap().items().len(), 1);
    assert_eq!(after.get("y").unwrap().as_f64(), Some(1.0));
    assert_eq!(after.get("z").unwrap().as_f64(), Some(2.0));
    let before = root.get("before").unwrap();
    assert_eq!(keys(before), ["security", "x", "y"]);
    assert_eq!(before.get("security").unwrap().items().len(), 1);
}

#[test]
fn an_explicit_security_after_a_merge_secures_the_operation() {
    let spec = parse(
        "\
openapi: 3.0.3
info: {title: x, version: '1'}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
x-public: &public
  security: []
  responses: {'200': {description: ok}}
security: [{key: []}]
paths:
  /a:
    post:
      <<: *public
      security: [{key: []}]
",
        Format::Auto,
        &Limits::default(),
    )
    .unwrap();
    assert!(spec.is_secured(&spec.operations[0]));
}

#[test]
fn merging_is_linear_in_the_members_merged() {
    // 10 mappings each merge 50,000 members: a scan of the mapping per
    // merged member (1.25e10 key comparisons) would take minutes. (More would
    // pass the limit of nodes for a document of this size.)
    let members: Vec<String> = (0..50_000).map(|i| format!("k{i}")).collect();
    let mut text = format!("base: &b {{{}}}\n", members.join(", "));
    for i in 0..10 {
        text.push_str(&format!("m{i}: {{<<: *b, k7: 1}}\n"));
    }
    let arena = Bump::new();
    // The analysis clock is the timer: a quadratic merge runs out of it.
    let root = budget::with_limit(Duration::from_secs(20), || yaml_tree(&text, &arena)).unwrap();
    let merged = root.get("m9").unwrap();
    assert_eq!(merged.entries().len(), 50_000);
    assert_eq!(merged.get("k7").unwrap().as_f64(), Some(1.0));
    assert_eq!(merged.get("k8").unwrap().value, Value::Null);
}

#[test]
fn a_key_written_twice_is_refused_with_both_lines() {
    let arena = Bump::new();
    let msg = invalid_input(yaml_tree("a: 1\nb: {c: 1}\na: 2\n", &arena));
    assert!(
        msg.contains("line 3") && msg.contains("duplicate key \"a\" (first at line 1)"),
        "{msg}"
    );
    let msg = invalid_input(json::parse(
        "{\"security\": [],\n \"security\": [{\"k\": []}]}",
        &arena,
        &Limits::default(),
    ));
    assert!(
        msg.contains("invalid JSON at line 2: duplicate key \"security\" (first at line 1)"),
        "{msg}"
    );
    // Many keys (hashed, not compared one by one) and a repeat deep inside.
    let many: Vec<String> = (0..100).map(|i| format!("\"k{i}\": {i}")).collect();
    let text = format!("{{\"x\": {{{}, \"k42\": 0}}}}", many.join(", "));
    let msg = invalid_input(json::parse(&text, &arena, &Limits::default()));
    assert!(msg.contains("duplicate key \"k42\""), "{msg}");
}

#[test]
fn the_same_key_in_different_objects_or_as_yaml_complex_keys_is_no_repeat() {
    let arena = Bump::new();
    json::parse(
        "{\"a\": {\"k\": 1}, \"b\": {\"k\": 1}, \"c\": [{\"k\": 1}, {\"k\": 2}]}",
        &arena,
        &Limits::default(),
    )
    .unwrap();
    // Complex keys read as "" (OpenAPI has none): two are not a repeat.
    let root = yaml_tree("? [a, b]\n: 1\n? [c]\n: 2\nk: 1\n", &arena).unwrap();
    assert_eq!(keys(&root), ["", "", "k"]);
    // A key two merges bring is no repeat either: the first one wins.
    yaml_tree("a: &a {k: 1}\nb: &b {k: 2}\nc: {<<: *a, <<: *b}\n", &arena).unwrap();
}

#[test]
fn the_readers_stop_when_the_analysis_is_out_of_time() {
    let arena = Bump::new();
    let limits = Limits::default();
    for result in [
        budget::with_limit(Duration::ZERO, || yaml::parse("a: 1\n", &arena, &limits)),
        budget::with_limit(Duration::ZERO, || {
            json::parse("{\"a\": 1}", &arena, &limits)
        }),
    ] {
        match result {
            Err(AnalysisError::TimedOut(msg)) => assert!(msg.contains("time limit"), "{msg}"),
            other => panic!("expected TimedOut, got {other:?}"),
        }
    }
    let spec = "openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n";
    budget::with_limit(Duration::from_secs(60), || {
        parse(spec, Format::Auto, &limits)
    })
    .unwrap();
}

#[test]
fn the_openapi_key_is_found_however_far_down_it_is() {
    // PyYAML's sorted keys put `openapi` after `components` and `info`.
    let mut text = String::from("components:\n  schemas:\n");
    for i in 0..6_000 {
        text.push_str(&format!("    S{i}: {{type: string}}\n"));
    }
    text.push_str("info: {title: x, version: '1'}\nopenapi: 3.0.3\npaths: {}\n");
    assert_eq!(looks_like_openapi(&text), Some(Format::Yaml));
}

#[test]
fn a_spec_quoted_in_a_fenced_block_is_not_the_document() {
    let doc = "# Orders design\n\n## API\n\n```yaml\nopenapi: 3.0.3\ninfo: {title: O, version: '1'}\npaths: {}\n```\n\nMore prose.\n";
    assert_eq!(looks_like_openapi(doc), None);
    let tilde = "# Doc\n\n~~~~\nswagger: '2.0'\n~~~ not a close\n~~~~\n";
    assert_eq!(looks_like_openapi(tilde), None);
    // Keys after a closed fence count: a root key outside any block.
    let after = "# Notes\n```\nx\n```\nopenapi: 3.0.3\n";
    assert_eq!(looks_like_openapi(after), Some(Format::Yaml));
    // Indented four spaces or more is no fence (a YAML block scalar line).
    let spec = "x-doc: |\n    ```\nopenapi: 3.0.3\n";
    assert_eq!(looks_like_openapi(spec), Some(Format::Yaml));
}

#[test]
fn a_lone_cr_ends_a_line_in_both_syntaxes_and_crlf_is_one_break() {
    let json = [
        "{",
        "  \"openapi\": \"3.0.3\",",
        "  \"info\": {\"title\": \"T\", \"version\": \"1\"},",
        "  \"paths\": {",
        "",
        "    \"/orders\": {",
        "      \"post\": {\"responses\": {\"200\": {\"description\": \"ok\"}}}",
        "    }",
        "  }",
        "}",
    ];
    let yaml = [
        "openapi: 3.0.3",
        "info: {title: T, version: '1'}",
        "paths:",
        "",
        "  /orders:",
        "",
        "    post: {responses: {'200': {description: ok}}}",
        "",
        "",
        "x-end: true",
    ];
    for ends in ["\n", "\r\n", "\r"] {
        for text in [json.join(ends), yaml.join(ends)] {
            let spec = parse(&text, Format::Auto, &Limits::default()).unwrap();
            assert_eq!(spec.operations[0].loc.line, 7, "{text:?}");
            assert_eq!(spec.line_count, 10, "{text:?}");
        }
    }
}

#[test]
fn a_second_yaml_document_is_noticed_and_an_empty_one_is_not() {
    let first = |text: &str| {
        let arena = Bump::new();
        let (root, next) = yaml::parse_first(text, &arena, &Limits::default()).unwrap();
        (keys(&root).join(","), next)
    };
    assert_eq!(first("a: 1\n"), ("a".into(), None));
    assert_eq!(first("---\na: 1\n...\n"), ("a".into(), None));
    assert_eq!(first("a: 1\n---\n"), ("a".into(), None));
    assert_eq!(
        first("a: 1\n---\n# only a comment\n---\n"),
        ("a".into(), None)
    );
    assert_eq!(first("a: 1\n---\nb: 2\n"), ("a".into(), Some(2)));
    assert_eq!(first("a: 1\n---\n---\n\nb: 2\n"), ("a".into(), Some(3)));
}
