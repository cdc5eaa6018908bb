//! The fuzz targets' properties (fuzz/, run by scripts/fuzz.sh) as proptests
//! in the normal suite, with modest case counts: the analyser answers any
//! text, JSON-ish or YAML-ish input with a report or an invalid-input error,
//! never a panic, and leaves no detected secret in the report; decoding any
//! `POST /artifacts/analyze` body gives a request or a clear error.

use faultline::analysis::engine::Engine;
use faultline::analysis::secrets::{mask, scan};
use faultline::analysis::{
    AnalysisError, AnalysisRequest, Analyzer, ArtifactKind, Metadata, Report,
};
use faultline::api::models::AnalyzeRequest;
use poem_openapi::types::ParseFromJSON;
use proptest::prelude::*;
use serde_json::{Value, json};

const KINDS: [ArtifactKind; 5] = [
    ArtifactKind::Auto,
    ArtifactKind::OpenapiJson,
    ArtifactKind::OpenapiYaml,
    ArtifactKind::Architecture,
    ArtifactKind::Markdown,
];

/// Runs the analyser and checks what every answer must satisfy.
fn check(content: &str, kind: ArtifactKind) -> Result<(), TestCaseError> {
    let request = AnalysisRequest {
        content,
        kind,
        metadata: &Metadata::default(),
    };
    match Engine::default().analyze(&request, &mut |_| {}) {
        Ok(report) => no_secret_left(content, &report),
        Err(AnalysisError::InvalidInput(m)) => {
            prop_assert!(!m.is_empty());
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!("not an input error: {e}"))),
    }
}

fn no_secret_left(content: &str, report: &Report) -> Result<(), TestCaseError> {
    let texts: Vec<&str> = report
        .result
        .findings
        .iter()
        .map(|f| f.description.as_str())
        .chain([report.markdown.as_str(), report.result.summary.as_str()])
        .collect();
    for hit in scan(content) {
        let value = hit.value(content);
        if mask(value).contains(value) {
            continue;
        }
        prop_assert!(
            texts.iter().all(|t| !t.contains(value)),
            "{value} left in the report"
        );
    }
    Ok(())
}

/// Words that steer generated JSON/YAML into the parsers' deeper paths.
const WORDS: &[&str] = &[
    "openapi",
    "swagger",
    "3.0.3",
    "3.1.0",
    "2.0",
    "info",
    "title",
    "version",
    "paths",
    "/pets",
    "/pets/{id}",
    "get",
    "post",
    "delete",
    "responses",
    "200",
    "default",
    "description",
    "parameters",
    "in",
    "path",
    "query",
    "header",
    "name",
    "required",
    "schema",
    "$ref",
    "#/components/schemas/A",
    "components",
    "schemas",
    "A",
    "type",
    "object",
    "array",
    "items",
    "properties",
    "string",
    "security",
    "securitySchemes",
    "servers",
    "url",
    "http://x",
    "example",
    "examples",
    "password",
    "token",
    "api_key",
    "hunter22x",
    "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf1234",
    "requestBody",
    "content",
    "application/json",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(WORDS).prop_map(|w| json!(w)),
        "[a-z0-9 /{}$#._:-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(WORDS).prop_map(str::to_string),
            "[a-z/{}$]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A JSON value, half the time as the `paths` of an OpenAPI document.
fn spec_like() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_value(),
        json_value().prop_map(|paths| json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
        })),
    ]
}

const YAML_BITS: &[&str] = &[
    "openapi: 3.0.3\n",
    "swagger: '2.0'\n",
    "info: {title: t, version: '1'}\n",
    "paths:\n",
    "  /a/{id}:\n",
    "    get:\n",
    "      responses:\n",
    "        '200': {description: ok}\n",
    "      parameters: [{name: id, in: path}]\n",
    "components:\n  schemas:\n    A: {type: object}\n",
    "$ref: '#/components/schemas/A'\n",
    "- ",
    "&a ",
    "*a ",
    "{",
    "}",
    "[",
    "]",
    ": ",
    ", ",
    "\n",
    "  ",
    "'",
    "\"",
    "# c\n",
    "|\n",
    ">-\n",
    "!!str ",
    "? ",
    "---\n",
    "...\n",
    "password: hunter22x\n",
    "token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl\n",
    "\t",
    "ü",
];

/// The `content_type` names the API accepts.
const KIND_NAMES: [&str; 5] = [
    "auto",
    "openapi-json",
    "openapi-yaml",
    "architecture",
    "markdown",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_gives_a_report_or_an_invalid_input_error(
        text in "(?s).{0,300}",
        kind in prop::sample::select(KINDS.to_vec()),
    ) {
        check(&text, kind)?;
    }

    #[test]
    fn json_ish_input_gives_a_report_or_an_invalid_input_error(
        value in spec_like(),
        kind in prop::sample::select(vec![ArtifactKind::OpenapiJson, ArtifactKind::Auto]),
    ) {
        check(&value.to_string(), kind)?;
    }

    #[test]
    fn yaml_ish_input_gives_a_report_or_an_invalid_input_error(
        parts in prop::collection::vec(prop::sample::select(YAML_BITS), 0..60),
        kind in prop::sample::select(vec![ArtifactKind::OpenapiYaml, ArtifactKind::Auto]),
    ) {
        check(&parts.concat(), kind)?;
    }

    #[test]
    fn any_request_body_decodes_to_a_request_or_a_clear_error(
        content in prop_oneof![json_value(), "(?s).{0,40}".prop_map(Value::String)],
        content_type in prop_oneof![json_value(), prop::sample::select(vec![json!("markdown"), json!("auto"), json!("openapi-yaml")])],
        metadata in json_value(),
        camel in any::<bool>(),
    ) {
        let type_key = if camel { "contentType" } else { "content_type" };
        let body = json!({"content": content, type_key: content_type, "metadata": metadata});
        for value in [body, metadata.clone()] {
            match AnalyzeRequest::parse_from_json(Some(value)) {
                Ok(req) => {
                    let name = req.content_type.as_deref().or(req.content_type_camel.as_deref()).unwrap_or("auto");
                    // One of the five names gives its kind, anything else
                    // none (which the API answers with 422
                    // UNKNOWN_CONTENT_TYPE: tests/engine/api_errors.rs).
                    match ArtifactKind::parse(name) {
                        Some(kind) => prop_assert_eq!(kind.as_str(), name),
                        None => prop_assert!(!KIND_NAMES.contains(&name), "{name:?} refused"),
                    }
                }
                Err(e) => prop_assert!(!e.message().is_empty()),
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_break_request_decoding(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes)
            && let Err(e) = AnalyzeRequest::parse_from_json(Some(value))
        {
            prop_assert!(!e.message().is_empty());
        }
    }
}
