//! Parser tests: the three versions in both syntaxes normalise to the same
//! model, `$ref` cycles and broken refs are recorded (never fatal), positions
//! are exact, and hostile input is refused with a clear error.

use super::model::{Format, ParamIn, SchemeKind, Version};
use super::{coverage, endpoints, looks_like_openapi, parse};
use crate::analysis::request::{AnalysisError, Limits};

fn ok(text: &str, format: Format) -> super::Spec {
    parse(text, format, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn invalid(text: &str, limits: &Limits) -> String {
    match parse(text, Format::Auto, limits) {
        Err(AnalysisError::InvalidInput(msg)) => msg,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

const SWAGGER_JSON: &str = r##"{
  "swagger": "2.0",
  "info": {"title": "Pets", "version": "1.0"},
  "host": "api.pets.io",
  "basePath": "/v1",
  "schemes": ["https"],
  "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
  "paths": {
    "/pets/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
      "put": {
        "operationId": "updatePet",
        "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}],
        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}
      }
    }
  },
  "definitions": {"Pet": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}}}
}"##;

const OAS30_YAML: &str = "openapi: 3.0.3
info:
  title: Pets
  version: '1.0'
servers:
  - url: https://api.pets.io/v1
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
  schemas:
    Pet:
      type: object
      properties:
        name: {type: string, maxLength: 20}
paths:
  /pets/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    put:
      operationId: updatePet
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
";

/// The same API as 3.1 JSON, with a `type` array and numeric exclusiveMaximum.
const OAS31_JSON: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Pets", "version": "1.0"},
  "servers": [{"url": "https://api.pets.io/v1"}],
  "components": {
    "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    "schemas": {"Pet": {"type": ["object", "null"], "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer", "exclusiveMaximum": 40}}}}
  },
  "paths": {
    "/pets/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "put": {
        "operationId": "updatePet",
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}
      }
    }
  }
}"##;

#[test]
fn swagger_2_openapi_30_and_31_normalise_to_the_same_operations() {
    let specs = [
        ok(SWAGGER_JSON, Format::Json),
        ok(OAS30_YAML, Format::Yaml),
        ok(OAS31_JSON, Format::Auto),
    ];
    let versions: Vec<Version> = specs.iter().map(|s| s.version).collect();
    assert_eq!(
        versions,
        [Version::Swagger2, Version::OpenApi30, Version::OpenApi31]
    );
    for spec in &specs {
        assert_eq!(
            endpoints(spec),
            vec![("PUT".to_string(), "/pets/{id}".to_string())]
        );
        assert_eq!(spec.servers[0].url, "https://api.pets.io/v1");
        assert!(
            matches!(&spec.security_schemes[0].kind, SchemeKind::ApiKey { location, .. } if location == "header")
        );
        let op = &spec.operations[0];
        assert_eq!(op.operation_id.as_deref(), Some("updatePet"));
        assert_eq!(op.parameters.len(), 1);
        assert_eq!(op.parameters[0].location, ParamIn::Path);
        let body = op.request_body.as_ref().expect("request body");
        let pet = spec
            .schema(body.content[0].schema.expect("schema"))
            .expect("pet");
        assert!(pet.has_type("object"), "{pet:?}");
        assert_eq!(pet.properties[0].name, "name");
        assert_eq!(
            spec.schema(pet.properties[0].schema)
                .and_then(|s| s.max_length),
            Some(20.0)
        );
        let success = spec.success_roots(op);
        assert_eq!(
            success.first(),
            body.content[0].schema.as_ref(),
            "the $ref target is shared"
        );
        assert!(spec.unresolved_refs.is_empty());
    }
}

#[test]
fn openapi_31_type_arrays_and_exclusive_maximum_are_understood() {
    let spec = ok(OAS31_JSON, Format::Json);
    let age = spec
        .schemas
        .iter()
        .find(|s| s.loc.pointer.ends_with("/age"))
        .expect("age");
    assert_eq!(age.maximum, Some(40.0));
}

#[test]
fn ref_cycles_terminate_and_broken_refs_are_recorded() {
    let text = "openapi: 3.0.3
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    Node:
      type: object
      properties:
        next: {$ref: '#/components/schemas/Node'}
        other: {$ref: '#/components/schemas/Missing'}
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
";
    let spec = ok(text, Format::Yaml);
    let node = spec
        .schemas
        .iter()
        .position(|s| s.loc.pointer == "/components/schemas/Node")
        .expect("node");
    let next = spec.schemas[node].properties[0].schema;
    assert_eq!(
        next, node,
        "a self reference points back at the same arena entry"
    );
    let reasons: Vec<&str> = spec.unresolved_refs.iter().map(|u| u.reason).collect();
    assert!(reasons.contains(&"target does not exist"), "{reasons:?}");
    assert!(reasons.contains(&"reference cycle"), "{reasons:?}");
    let mut count = 0;
    spec.walk([node], |_, _| count += 1);
    assert!(count >= 2);
}

/// A spec whose property `p` reaches a schema through `len` `$ref` hops
/// (`p → S1 → … → S{len}`, the last one concrete).
fn ref_chain(len: usize) -> String {
    let mut text = String::from(
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Use:\n      properties:\n        p: {$ref: '#/components/schemas/S1'}\n",
    );
    for i in 1..len {
        text.push_str(&format!(
            "    S{i}: {{$ref: '#/components/schemas/S{}'}}\n",
            i + 1
        ));
    }
    text.push_str(&format!("    S{len}: {{type: string}}\n"));
    text
}

#[test]
fn a_long_ref_chain_is_not_called_a_cycle_and_is_recorded_once_per_ref() {
    let reasons = |len: usize| -> Vec<&'static str> {
        let spec = ok(&ref_chain(len), Format::Yaml);
        let mut r: Vec<&str> = spec.unresolved_refs.iter().map(|u| u.reason).collect();
        r.dedup();
        r
    };
    assert!(reasons(32).is_empty(), "32 hops are followed");
    assert_eq!(
        reasons(33),
        ["reference chain longer than 32 hops (not followed further)"]
    );
    // 20,000 links: each recorded once, without a quadratic search (was
    // 1.9 s in release); generous for a debug build on a busy machine.
    let text = ref_chain(20_000);
    let started = std::time::Instant::now();
    let spec = ok(&text, Format::Yaml);
    let elapsed = started.elapsed();
    let locs: std::collections::HashSet<&str> = spec
        .unresolved_refs
        .iter()
        .map(|u| u.loc.pointer.as_str())
        .collect();
    assert_eq!(locs.len(), spec.unresolved_refs.len());
    assert!(
        spec.unresolved_refs
            .iter()
            .all(|u| u.reason != "reference cycle")
    );
    assert!(elapsed.as_secs() < 10, "{elapsed:?}");
}

#[test]
fn positions_give_key_lines_and_json_pointers() {
    let spec = ok(OAS30_YAML, Format::Yaml);
    let op = &spec.operations[0];
    assert_eq!(
        (op.loc.line, op.loc.pointer.as_str()),
        (19, "/paths/~1pets~1{id}/put")
    );
    assert_eq!(op.parameters[0].loc.line, 18);
    assert_eq!(
        op.parameters[0].loc.pointer,
        "/paths/~1pets~1{id}/parameters/0"
    );
    assert_eq!(
        op.responses[0].loc.pointer,
        "/paths/~1pets~1{id}/put/responses/200"
    );
    assert_eq!(op.responses[0].loc.line, 26);
    let pet = spec
        .schemas
        .iter()
        .find(|s| s.loc.pointer == "/components/schemas/Pet")
        .expect("pet");
    assert_eq!(pet.loc.line, 11);
    let json = ok(SWAGGER_JSON, Format::Json);
    assert_eq!(json.operations[0].loc.line, 11);
    assert_eq!(json.servers[0].loc.pointer, "/schemes");
}

#[test]
fn detection_recognises_both_syntaxes_and_rejects_other_text() {
    assert_eq!(looks_like_openapi(SWAGGER_JSON), Some(Format::Json));
    assert_eq!(looks_like_openapi(OAS30_YAML), Some(Format::Yaml));
    assert_eq!(
        looks_like_openapi("# Design\n\nWe use openapi: maybe."),
        None
    );
    assert_eq!(looks_like_openapi("{\"name\": \"x\"}"), None);
    // A root key needs a version: prose at the start of a line is not a spec.
    let prose = "# Payments\n\nopenapi: the spec lives in api/.\nswagger: retired\n";
    assert_eq!(looks_like_openapi(prose), None);
    for line in [
        "openapi: 3.1.0",
        "\"openapi\": \"3.0.3\"",
        "swagger: '2.0'",
        "openapi:   3.0",
    ] {
        assert_eq!(looks_like_openapi(line), Some(Format::Yaml), "{line}");
    }
    assert!(invalid("title: not an api\n", &Limits::default()).contains("not an OpenAPI document"));
}

#[test]
fn hostile_input_is_refused_with_a_clear_message() {
    let limits = Limits {
        max_bytes: 10_000,
        max_depth: 32,
        max_nodes: 10_000,
        ..Limits::default()
    };
    assert!(invalid(&"a".repeat(10_001), &limits).contains("over the limit"));
    assert!(invalid("openapi: 3.0.0\0\0\0", &limits).contains("binary"));
    assert!(
        invalid(&format!("{}{}", "[".repeat(100), "]".repeat(100)), &limits).contains("deeper")
    );
    assert!(
        invalid(
            &format!("openapi: 3.0.0\nx: {}{}", "[".repeat(100), "]".repeat(100)),
            &limits
        )
        .contains("deeper")
    );
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
";
    assert!(invalid(bomb, &limits).contains("alias bomb"));
    // Under the default limit of nodes, a few hundred bytes still may not
    // expand to a million of them.
    let seven_levels: String = bomb.lines().take(7).map(|l| format!("{l}\n")).collect();
    assert!(invalid(&seven_levels, &Limits::default()).contains("alias bomb"));
    let mut nested: String = (0..30)
        .map(|i| format!("{}k{i}: &n{i}\n", "  ".repeat(i)))
        .collect();
    nested.push_str(&format!(
        "{}list: [{}x]\n",
        "  ".repeat(30),
        "x, ".repeat(2_000)
    ));
    let msg = invalid(&nested, &limits);
    assert!(
        msg.contains("alias bomb"),
        "anchored ancestors copy a subtree once each: {msg}"
    );
    assert!(
        invalid(
            &format!("{}1{}", "{\"a\":".repeat(100), "}".repeat(100)),
            &limits
        )
        .contains("deeper")
    );
    assert!(invalid("{\"openapi\": ", &limits).contains("line 1"));
    assert!(invalid("   \n  ", &limits).contains("empty"));
}

#[test]
fn documents_at_the_default_depth_limit_fit_a_worker_stack() {
    // Nested schemas right under the depth limit, run on a 2 MiB stack like a worker thread.
    let levels = Limits::default().max_depth / 2 - 8;
    let mut schema = String::from("{\"type\": \"string\"}");
    for _ in 0..levels {
        schema = format!("{{\"type\": \"object\", \"properties\": {{\"a\": {schema}}}}}");
    }
    let text = format!(
        "{{\"openapi\": \"3.0.0\", \"paths\": {{}}, \"components\": {{\"schemas\": {{\"S\": {schema}}}}}}}"
    );
    let run = move || {
        let spec = parse(&text, Format::Json, &Limits::default()).map_err(|e| e.to_string())?;
        let mut sink = crate::analysis::rule::Sink::new();
        super::rules()
            .iter()
            .for_each(|r| r.check(&spec, &mut sink));
        Ok::<usize, String>(spec.schemas.len())
    };
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .expect("thread");
    assert_eq!(handle.join().expect("no stack overflow"), Ok(levels + 1));
}

#[test]
fn coverage_counts_come_from_the_model() {
    let spec = ok(OAS30_YAML, Format::Yaml);
    let cov = coverage(&spec);
    assert_eq!(cov.len(), 4);
    assert!(cov.iter().all(|c| c.covered <= c.applicable));
    assert_eq!(cov[0].applicable, 1);
    assert_eq!(cov[0].covered, 0, "no security requirement is applied");
}

#[test]
fn every_ref_is_located_at_its_own_key_whatever_the_order_of_the_walk() {
    // Refs in sibling, nested and array branches, and a key that needs
    // escaping: the scan reuses the pointer spelled for the previous ref.
    let text = "openapi: 3.0.3
info: {title: T, version: '1'}
paths: {}
components:
  schemas:
    A:
      properties:
        x: {$ref: '#/nope/1'}
        y:
          items: {$ref: '#/nope/2'}
      allOf: [{$ref: '#/nope/3'}, {$ref: '#/nope/4'}]
    'B/~c': {$ref: '#/nope/5'}
";
    let spec = ok(text, Format::Yaml);
    let mut got: Vec<(&str, &str)> = spec
        .unresolved_refs
        .iter()
        .map(|u| (u.target.as_str(), u.loc.pointer.as_str()))
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        vec![
            ("#/nope/1", "/components/schemas/A/properties/x/$ref"),
            ("#/nope/2", "/components/schemas/A/properties/y/items/$ref"),
            ("#/nope/3", "/components/schemas/A/allOf/0/$ref"),
            ("#/nope/4", "/components/schemas/A/allOf/1/$ref"),
            ("#/nope/5", "/components/schemas/B~1~0c/$ref"),
        ]
    );
}
