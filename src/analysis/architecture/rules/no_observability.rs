//! FL-ARC-005: No observability.

use super::support::{OBSERVABILITY, doc_at, server_side};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No observability.
///
/// ## What it checks
///
/// An architecture with two or more server-side components and no monitoring component and
/// no mention of metrics, logs, tracing, monitoring or alerting.
///
/// ## Why it matters
///
/// A system you cannot see into is debugged in production by guesswork; outages last as
/// long as it takes to find out what is happening.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   API --> Worker
///   Worker --> DB[(MySQL)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Add the observability stack: metrics (Prometheus, CloudWatch), centralised logs,
/// distributed tracing (OpenTelemetry) and the dashboards and alerts on top.
pub struct NoObservability;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-005",
    title: "No observability",
    category: Category::Operability,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "A system you cannot see into is debugged in production by guesswork; outages last as long as it takes to find out what is happening.",
    remediation: "Add the observability stack: metrics (Prometheus, CloudWatch), centralised logs, distributed tracing (OpenTelemetry) and the dashboards and alerts on top.",
};

impl Rule<ArchModel> for NoObservability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // One component alone gives too little to say what should be watched.
        let judged = server_side(doc) >= 2;
        sink.examined(&META, u32::from(judged));
        if judged
            && !doc.has_kind(ComponentKind::Observability)
            && doc.doc.mentions(OBSERVABILITY).is_none()
        {
            sink.report(
                &META,
                doc_at(doc),
                "No metrics, logging, tracing or monitoring described",
            );
        }
    }
}
