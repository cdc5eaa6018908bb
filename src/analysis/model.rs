//! The analysis result: the wire shape clients read from `GET /jobs/{id}/result`
//! (DESIGN.md §3) plus the fields Faultline adds (rule ids, confidence, locations).
//!
//! Every type here serialises to JSON exactly as clients see it, so field names
//! are part of the contract: add fields, never rename.

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered from worst to mildest so `sort()` puts the
/// worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::High => "High",
            Severity::Medium => "Medium",
            Severity::Low => "Low",
            Severity::Info => "Info",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Category {
    Security,
    Reliability,
    Performance,
    Operability,
    Maintainability,
    Documentation,
    Compliance,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Security,
        Category::Reliability,
        Category::Performance,
        Category::Operability,
        Category::Maintainability,
        Category::Documentation,
        Category::Compliance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "Security",
            Category::Reliability => "Reliability",
            Category::Performance => "Performance",
            Category::Operability => "Operability",
            Category::Maintainability => "Maintainability",
            Category::Documentation => "Documentation",
            Category::Compliance => "Compliance",
        }
    }
}

/// The kind of artifact, as clients name it in `content_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// Detect from content.
    Auto,
    OpenapiJson,
    OpenapiYaml,
    Architecture,
    Markdown,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Auto => "auto",
            ArtifactKind::OpenapiJson => "openapi-json",
            ArtifactKind::OpenapiYaml => "openapi-yaml",
            ArtifactKind::Architecture => "architecture",
            ArtifactKind::Markdown => "markdown",
        }
    }

    /// Parses the names clients send; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "auto" => ArtifactKind::Auto,
            "openapi-json" => ArtifactKind::OpenapiJson,
            "openapi-yaml" => ArtifactKind::OpenapiYaml,
            "architecture" => ArtifactKind::Architecture,
            "markdown" => ArtifactKind::Markdown,
            _ => return None,
        })
    }
}

/// Where in the artifact a finding fired. `line` is 1-based; `pointer` is an
/// RFC 6901 JSON pointer for structured artifacts (OpenAPI), a heading path or
/// component name for text artifacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

/// One problem found in the artifact. The first six fields are the seed's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub severity: Severity,
    pub rationale: String,
    pub remediation: String,
    /// Stable rule id, e.g. `FL-OAS-012`.
    pub rule_id: String,
    /// 0.0–1.0: how sure the rule is that this is a real problem.
    pub confidence: f64,
    /// Where it fired (first occurrence when aggregated).
    pub location: Location,
    /// Further occurrences when one rule fired on many objects (capped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_locations: Vec<Location>,
    /// How many objects the rule fired on (1 unless aggregated).
    #[serde(default = "one")]
    pub occurrences: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartType {
    Line,
    Bar,
    Pie,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataPoint {
    pub label: String,
    pub value: f64,
}

/// A chart derived only from the findings and the artifact: never invented numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    #[serde(rename = "type")]
    pub chart_type: ChartType,
    pub description: String,
    pub data: Vec<DataPoint>,
}

/// The `result` object of a completed job (DESIGN.md §3). Unknown extra
/// fields are kept in `extra` so a newer analyser's output round-trips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisResult {
    /// 0–100, higher is more ready.
    pub production_readiness_score: u8,
    pub summary: String,
    pub findings: Vec<Finding>,
    pub charts: Vec<Chart>,
    pub suggested_next_steps: Vec<String>,
    /// The artifact kind actually analysed (after `auto` detection).
    pub artifact_type: ArtifactKind,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// What an analysis produces: the result and its Markdown report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub result: AnalysisResult,
    pub markdown: String,
}
