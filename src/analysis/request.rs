//! The contract between the analyser and its callers (workers, the CLI):
//! what goes in, the stages it reports, what can go wrong.

use serde::{Deserialize, Serialize};

use super::model::{ArtifactKind, Report};

/// The optional metadata a client sends with an artifact (the seed's fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_tolerance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth: Option<String>,
    /// An OpenAPI document submitted alongside an architecture or design doc,
    /// for the cross-artifact consistency rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
}

/// One analysis to run.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisRequest<'a> {
    pub content: &'a str,
    pub kind: ArtifactKind,
    pub metadata: &'a Metadata,
}

/// Bounds that keep hostile input from exhausting the analyser. The service
/// refuses bodies over `MAX_CONTENT_SIZE` before they get here; these limits
/// also protect the offline CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest artifact accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of objects/arrays (JSON, YAML) accepted.
    pub max_depth: usize,
    /// Most nodes a document may expand to (stops YAML alias bombs).
    pub max_nodes: usize,
    /// Most findings a report lists (`MAX_FINDINGS`); the worst are kept,
    /// the score counts them all.
    pub max_findings: usize,
}

/// `MAX_FINDINGS`'s default.
pub const DEFAULT_MAX_FINDINGS: usize = 200;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 32 * 1024 * 1024,
            max_depth: 256,
            max_nodes: 5_000_000,
            max_findings: DEFAULT_MAX_FINDINGS,
        }
    }
}

/// The stages an analysis goes through; each one is reported as a progress
/// event with the seed's hint text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Normalizing,
    RunningHeuristics,
    Synthesizing,
}

impl Stage {
    /// The seed's progress hints, which existing clients display verbatim.
    pub fn hint(self) -> &'static str {
        match self {
            Stage::Normalizing => "Normalizing artifact...",
            Stage::RunningHeuristics => "Running heuristics...",
            Stage::Synthesizing => "Synthesizing with AI...",
        }
    }
}

/// Why an analysis could not produce a report.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// The artifact itself is unusable (malformed, binary, hostile). Retrying
    /// the same content cannot help.
    #[error("invalid artifact: {0}")]
    InvalidInput(String),
    /// Something outside the artifact failed; a retry may succeed.
    #[error("analysis failed: {0}")]
    Transient(String),
    /// The analysis ran past its time limit; the same content would again.
    #[error("analysis timed out: {0}")]
    TimedOut(String),
}

impl AnalysisError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, AnalysisError::Transient(_))
    }
}

/// What the workers call. Implementations are CPU-bound and synchronous;
/// `progress` is called once per stage as it begins.
pub trait Analyzer: Send + Sync + 'static {
    fn analyze(
        &self,
        request: &AnalysisRequest<'_>,
        progress: &mut dyn FnMut(Stage),
    ) -> Result<Report, AnalysisError>;
}
