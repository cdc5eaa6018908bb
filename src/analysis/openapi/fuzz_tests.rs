//! Property tests: no string and no nested JSON/YAML document, however odd,
//! makes the parser or any rule panic.

use proptest::prelude::*;

use super::model::Format;
use super::{coverage, looks_like_openapi, parse};
use crate::analysis::request::Limits;

/// Arbitrary JSON-like trees, rendered as JSON text (also valid YAML flow).
fn tree() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i32>().prop_map(|n| serde_json::json!(n)),
        "[a-z$#/{}~ ]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("openapi".to_string()),
                    Just("paths".to_string()),
                    Just("$ref".to_string()),
                    Just("get".to_string()),
                    Just("responses".to_string()),
                    "[a-z/{}]{1,6}".prop_map(String::from)
                ],
                inner,
                0..6,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,400}") {
        for format in [Format::Json, Format::Yaml, Format::Auto] {
            let _ = parse(&text, format, &Limits::default());
        }
        let _ = looks_like_openapi(&text);
    }

    #[test]
    fn arbitrary_documents_never_panic_and_rules_survive(value in tree(), version in prop_oneof![Just("3.0.3"), Just("3.1.0"), Just("2.0")]) {
        let mut value = value;
        if let serde_json::Value::Object(map) = &mut value {
            let key = if version == "2.0" { "swagger" } else { "openapi" };
            map.insert(key.into(), serde_json::Value::String(version.into()));
        }
        let json = value.to_string();
        let yaml = serde_json::to_string_pretty(&value).unwrap_or_default();
        for (text, format) in [(&json, Format::Json), (&yaml, Format::Yaml)] {
            if let Ok(spec) = parse(text, format, &Limits::default()) {
                let mut sink = crate::analysis::rule::Sink::new();
                for rule in super::rules() {
                    rule.check(&spec, &mut sink);
                }
                let _ = coverage(&spec);
            }
        }
    }
}

/// A small but feature-rich spec that the mutation test below damages.
const SEED: &str = "openapi: 3.1.0
info: {title: T, version: '1'}
servers: [{url: 'http://api.acme.io/v1'}]
security: [{oauth: [read]}]
paths:
  /orders/{id}:
    parameters: [{$ref: '#/components/parameters/Id'}]
    put:
      requestBody: {$ref: '#/components/requestBodies/Order'}
      responses:
        '200': {$ref: '#/components/responses/Order'}
        '429': {description: slow, headers: {Retry-After: {schema: {type: integer}}}}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: integer}}
  requestBodies:
    Order: {content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
  responses:
    Order: {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}}
  schemas:
    Order:
      type: [object, 'null']
      required: [id, lines]
      properties:
        id: {type: string}
        lines: {type: array, items: {$ref: '#/components/schemas/Order'}}
        parent: {allOf: [{$ref: '#/components/schemas/Order'}]}
  securitySchemes:
    oauth: {type: oauth2, flows: {implicit: {authorizationUrl: 'https://a', scopes: {}}}}
";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Cuts, duplicates and splices of a valid spec (which reach far deeper
    /// into normalisation than random text) never panic either.
    #[test]
    fn damaged_specs_never_panic(cut in 0..SEED.len(), len in 0usize..40, insert in "[-:{}\\[\\]&*'#/ a-z0-9\n]{0,12}") {
        let start = (0..=cut).rev().find(|i| SEED.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len..=SEED.len()).find(|i| SEED.is_char_boundary(*i)).unwrap_or(SEED.len());
        let damaged = format!("{}{}{}", &SEED[..start], insert, &SEED[end..]);
        if let Ok(spec) = parse(&damaged, Format::Auto, &Limits::default()) {
            let problems = super::tests::count_problems(&spec);
            prop_assert!(problems.is_empty(), "{problems:?}");
            let _ = coverage(&spec);
        }
    }
}

#[test]
fn the_mutation_seed_is_a_valid_spec_with_cycles_and_refs() {
    let spec = parse(SEED, Format::Yaml, &Limits::default()).expect("seed parses");
    assert_eq!(spec.operations.len(), 1);
    assert!(
        spec.unresolved_refs.is_empty(),
        "{:?}",
        spec.unresolved_refs
    );
    assert!(spec.operations[0].request_body.is_some());
    assert_eq!(super::tests::count_problems(&spec), Vec::<String>::new());
}
