//! FL-ARC-014: No health checks.

use super::support::{HEALTH, doc_at, services};
use crate::analysis::architecture::ArchModel;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No health checks.
///
/// ## What it checks
///
/// Two or more services and no mention of health checks, readiness or liveness probes, or
/// heartbeats.
///
/// ## Why it matters
///
/// Without health checks, load balancers and orchestrators keep sending traffic to dead or
/// still-starting instances, and failed instances are never replaced.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   LB[Load balancer] --> A[Orders service]
///   LB --> B[Orders service 2]
/// ```
/// ~~~
///
/// ## Fix
///
/// Give every service liveness and readiness endpoints, wire them into the load balancer
/// and orchestrator, and check dependencies in readiness only.
pub struct NoHealthChecks;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-014",
    title: "No health checks",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Without health checks, load balancers and orchestrators keep sending traffic to dead or still-starting instances, and failed instances are never replaced.",
    remediation: "Give every service liveness and readiness endpoints, wire them into the load balancer and orchestrator, and check dependencies in readiness only.",
};

impl Rule<ArchModel> for NoHealthChecks {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let services = services(doc);
        // Judged only where several services depend on each other.
        sink.examined(&META, u32::from(services >= 2));
        if services >= 2 && doc.doc.mentions(HEALTH).is_none() {
            sink.report(
                &META,
                doc_at(doc),
                format!("{services} services and no health checks described"),
            );
        }
    }
}
