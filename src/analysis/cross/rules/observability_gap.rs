//! FL-XA-006: No observability in the design and no health endpoint in the spec.

use crate::analysis::architecture::rules::support::OBSERVABILITY;
use crate::analysis::cross::CrossInput;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No observability in the design and no health endpoint in the spec.
///
/// ## What it checks
///
/// The document describes no monitoring, metrics or logging, and the spec has no health,
/// readiness or status endpoint.
///
/// ## Why it matters
///
/// With neither designed telemetry nor a health endpoint, nothing can tell whether the
/// deployed API is up except its users.
///
/// ## Example
///
/// ```text
/// A design with no monitoring section, and a spec without `/health`.
/// ```
///
/// ## Fix
///
/// Expose a health/readiness endpoint in the spec and describe the metrics, logs and alerts
/// in the design.
pub struct ObservabilityGap;

static META: RuleMeta = RuleMeta {
    id: "FL-XA-006",
    title: "No observability in the design and no health endpoint in the spec",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "With neither designed telemetry nor a health endpoint, nothing can tell whether the deployed API is up except its users.",
    remediation: "Expose a health/readiness endpoint in the spec and describe the metrics, logs and alerts in the design.",
};

impl Rule<CrossInput<'_>> for ObservabilityGap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &CrossInput<'_>, sink: &mut Sink) {
        // Without spec operations there is nothing to compare: not
        // applicable. Otherwise the pair is judged as a whole.
        sink.examined(&META, u32::from(!doc.endpoints.is_empty()));
        if doc.endpoints.is_empty() || doc.doc.mentions(OBSERVABILITY).is_some() {
            return;
        }
        let health = doc.endpoints.iter().any(|(_, p)| {
            let p = p.to_ascii_lowercase();
            ["health", "ready", "live", "status", "ping"]
                .iter()
                .any(|w| p.contains(w))
        });
        if !health {
            let line = doc.doc.sections.first().map_or(1, |s| s.line);
            sink.report(
                &META,
                Location {
                    line: Some(line),
                    pointer: Some("document".into()),
                },
                "No observability in the document and no health endpoint in the spec",
            );
        }
    }
}
