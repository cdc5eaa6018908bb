//! FL-ARC-022: Monitoring without alerting.

use super::support::{ALERTING, at, doc_at};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Monitoring without alerting.
///
/// ## What it checks
///
/// The architecture describes monitoring (metrics, dashboards, a monitoring component) but
/// no alerting, paging or on-call.
///
/// ## Why it matters
///
/// Dashboards are only useful when someone is looking; without alerts the monitoring
/// records the outage for the post-mortem instead of shortening it.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   API --> DB[(MySQL)]
///   Prometheus --> API
///   Grafana --> Prometheus
/// ```
/// ~~~
///
/// ## Fix
///
/// Define alerts on the symptoms users feel (error rate, latency, saturation) with
/// thresholds, and route them to an on-call rotation.
pub struct MonitoringWithoutAlerting;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-022",
    title: "Monitoring without alerting",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Dashboards are only useful when someone is looking; without alerts the monitoring records the outage for the post-mortem instead of shortening it.",
    remediation: "Define alerts on the symptoms users feel (error rate, latency, saturation) with thresholds, and route them to an on-call rotation.",
};

impl Rule<ArchModel> for MonitoringWithoutAlerting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let observed = doc.has_kind(ComponentKind::Observability)
            || doc
                .doc
                .mentions(&["monitor*", "metrics", "dashboard*", "prometheus", "grafana"])
                .is_some();
        // Without monitoring there is nothing to alert on (FL-ARC-005 says so).
        sink.examined(&META, u32::from(observed));
        if observed && doc.doc.mentions(ALERTING).is_none() {
            let loc = doc
                .of_kind(ComponentKind::Observability)
                .next()
                .map_or_else(|| doc_at(doc), |(_, c)| at(c));
            sink.report(
                &META,
                loc,
                "Monitoring is described but nothing alerts anyone",
            );
        }
    }
}
