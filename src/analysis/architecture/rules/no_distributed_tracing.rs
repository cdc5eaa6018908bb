//! FL-ARC-006: Several services and no distributed tracing.

use super::support::{OBSERVABILITY, TRACING, doc_at, services};
use crate::analysis::architecture::{ArchModel, ComponentKind, Mode};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Several services and no distributed tracing.
///
/// ## What it checks
///
/// Three or more services that call each other, observability described, but no tracing,
/// trace ids or correlation ids.
///
/// ## Why it matters
///
/// Metrics say that a request was slow, not which of five services made it slow; without
/// trace context, cross-service incidents take hours to localise.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   A[Orders service] --> B[Billing service]
///   B --> C[Ledger service]
///   P[Prometheus] --> A
/// ```
/// ~~~
///
/// ## Fix
///
/// Propagate W3C trace context (OpenTelemetry) through every hop and export traces to a
/// backend (Jaeger, Tempo, X-Ray).
pub struct NoDistributedTracing;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-006",
    title: "Several services and no distributed tracing",
    category: Category::Operability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Metrics say that a request was slow, not which of five services made it slow; without trace context, cross-service incidents take hours to localise.",
    remediation: "Propagate W3C trace context (OpenTelemetry) through every hop and export traces to a backend (Jaeger, Tempo, X-Ray).",
};

impl Rule<ArchModel> for NoDistributedTracing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let services = services(doc);
        let observed =
            doc.has_kind(ComponentKind::Observability) || doc.doc.mentions(OBSERVABILITY).is_some();
        let calls = doc.edges.iter().filter(|e| e.mode == Mode::Sync).count();
        // Tracing matters only across several services that call each other
        // in a system that is observed at all (else FL-ARC-005 fires).
        let judged = services >= 3 && calls >= 2 && observed;
        sink.examined(&META, u32::from(judged));
        if judged && doc.doc.mentions(TRACING).is_none() {
            sink.report(
                &META,
                doc_at(doc),
                format!("{services} services and no tracing or correlation ids"),
            );
        }
    }
}
