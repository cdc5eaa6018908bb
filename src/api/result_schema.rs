//! The seed's result shape (DESIGN.md §3) as the spec declares it, so that
//! generated clients get typed models and Schemathesis checks every result
//! against it. The body itself is sent as the analyser wrote it: these
//! types only lend their schemas to [`ResultJson`], which wraps the JSON
//! value. Fields beyond the seed's are allowed (`additionalProperties`).

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object};
use serde_json::Value;

/// An analysis result: `{production_readiness_score, summary, findings,
/// charts, suggested_next_steps, ...}`.
#[derive(Object)]
#[oai(rename = "AnalysisResult")]
#[allow(dead_code)] // a schema only: see the module comment
struct AnalysisResultSchema {
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    production_readiness_score: u8,
    summary: String,
    findings: Vec<FindingSchema>,
    charts: Vec<ChartSchema>,
    suggested_next_steps: Vec<String>,
    /// The kind analysed, after `auto` detection: `openapi-json`,
    /// `openapi-yaml`, `architecture` or `markdown`.
    artifact_type: Option<String>,
    /// What was analysed, in counts: for OpenAPI `openapi_version`,
    /// `paths`, `operations`, `schemas`, `lines`; for an architecture its
    /// components, edges and diagrams; for Markdown its sections, tables,
    /// code blocks, markers and lines.
    artifact: Option<Value>,
    /// How the score came about: `band`, per-category `score`, `weight`,
    /// `rules_applicable` and `rules_failing`, the `caps` applied and the
    /// score before them.
    score_breakdown: Option<Value>,
    /// `suggested_next_steps` with their reasons: `rank`, `action`,
    /// `severity`, `risk_reduction` and the `finding_ids` each step resolves.
    next_steps: Option<Vec<Value>>,
    /// Checks with a denominator: `label`, `applicable`, `covered`.
    coverage: Option<Vec<Value>>,
    /// How the summary and next steps were written: `engine`
    /// (`deterministic` or `llm`), `provider` and `model` when a model was
    /// asked, `attempts`, and a `note` when its answer was not used.
    synthesis: Option<Value>,
    /// Findings before the cap on how many a result lists, when it cut some.
    findings_total: Option<u32>,
    /// How many findings the cap left out.
    findings_omitted: Option<u32>,
    /// Why parts of the analysis were skipped (time or size budgets hit).
    notes: Option<Vec<String>>,
    /// What a companion OpenAPI spec (`metadata.spec`) was compared with.
    cross_artifact: Option<Value>,
}

/// One finding.
#[derive(Object)]
#[oai(rename = "Finding")]
#[allow(dead_code)]
struct FindingSchema {
    title: String,
    description: String,
    category: String,
    severity: SeverityName,
    rationale: String,
    remediation: String,
    /// Stable rule id, e.g. `FL-OAS-012`.
    rule_id: Option<String>,
    /// How sure the rule is that this is a real problem, 0 to 1.
    #[oai(validator(minimum(value = "0"), maximum(value = "1")))]
    confidence: Option<f64>,
    /// Where it fired (the first place, when one rule fired on many).
    location: Option<LocationSchema>,
    /// Further places it fired (capped).
    more_locations: Option<Vec<LocationSchema>>,
    /// How many places it fired on.
    occurrences: Option<u32>,
}

/// Where in the artifact a finding fired.
#[derive(Object)]
#[oai(rename = "Location")]
#[allow(dead_code)]
struct LocationSchema {
    /// 1-based line.
    line: Option<u32>,
    /// An RFC 6901 JSON pointer into an OpenAPI document, or a heading path
    /// or component name in a text artifact.
    pointer: Option<String>,
}

#[derive(Enum)]
#[oai(rename = "Severity")]
#[allow(dead_code)]
enum SeverityName {
    #[oai(rename = "Critical")]
    Critical,
    #[oai(rename = "High")]
    High,
    #[oai(rename = "Medium")]
    Medium,
    #[oai(rename = "Low")]
    Low,
    #[oai(rename = "Info")]
    Info,
}

/// A chart derived from the findings.
#[derive(Object)]
#[oai(rename = "Chart")]
#[allow(dead_code)]
struct ChartSchema {
    title: String,
    #[oai(rename = "type")]
    kind: ChartKind,
    description: String,
    data: Vec<ChartDatumSchema>,
}

#[derive(Enum)]
#[oai(rename = "ChartType")]
#[allow(dead_code)]
enum ChartKind {
    #[oai(rename = "line")]
    Line,
    #[oai(rename = "bar")]
    Bar,
    #[oai(rename = "pie")]
    Pie,
}

#[derive(Object)]
#[oai(rename = "ChartDatum")]
#[allow(dead_code)]
struct ChartDatumSchema {
    label: String,
    value: f64,
}

/// An analysis result as JSON, declared as `AnalysisResult`.
#[derive(Debug, Clone)]
pub struct ResultJson(pub Value);

impl Type for ResultJson {
    const IS_REQUIRED: bool = true;
    type RawValueType = Value;
    type RawElementValueType = Value;

    fn name() -> Cow<'static, str> {
        AnalysisResultSchema::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        AnalysisResultSchema::schema_ref()
    }

    fn register(registry: &mut Registry) {
        AnalysisResultSchema::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Value> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl ToJSON for ResultJson {
    fn to_json(&self) -> Option<Value> {
        Some(self.0.clone())
    }
}

impl ParseFromJSON for ResultJson {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        Ok(ResultJson(value.unwrap_or_default()))
    }
}

/// `GET /artifacts/{content_hash}`: a cache entry.
#[derive(Debug, Clone, Object)]
pub struct CachedResult {
    pub result: ResultJson,
    pub markdown: String,
}
