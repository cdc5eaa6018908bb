//! FL-ARC-003: No horizontal scaling described.

use super::support::{SCALING, doc_at, services};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No horizontal scaling described.
///
/// ## What it checks
///
/// Two or more services, no load balancer and no mention of replicas, instances,
/// autoscaling, clusters or orchestration.
///
/// ## Why it matters
///
/// If the design never says how services scale out, the first traffic peak finds out,
/// usually by timing out.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Web --> Orders[Orders service]
///   Orders --> Billing[Billing service]
/// ```
/// ~~~
///
/// ## Fix
///
/// State how each service scales: number of replicas, the autoscaling signal, and the load
/// balancer in front.
pub struct NoHorizontalScaling;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-003",
    title: "No horizontal scaling described",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "If the design never says how services scale out, the first traffic peak finds out, usually by timing out.",
    remediation: "State how each service scales: number of replicas, the autoscaling signal, and the load balancer in front.",
};

impl Rule<ArchModel> for NoHorizontalScaling {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let services = services(doc);
        // Judged only where there are several services to scale.
        sink.examined(&META, u32::from(services >= 2));
        if services >= 2
            && !doc.has_kind(ComponentKind::LoadBalancer)
            && doc.doc.mentions(SCALING).is_none()
        {
            sink.report(
                &META,
                doc_at(doc),
                format!("{services} services and no scaling approach"),
            );
        }
    }
}
