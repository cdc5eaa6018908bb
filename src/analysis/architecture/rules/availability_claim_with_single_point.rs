//! FL-ARC-020: Availability claim with a single point of failure.

use super::support::{AVAILABILITY_CLAIM, REPLICATION, server_side};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Availability claim with a single point of failure.
///
/// ## What it checks
///
/// The document claims high availability (99.9%, 'highly available', 'fault tolerant',
/// 'zero downtime') while a database has no replica or a component runs as a single
/// instance.
///
/// ## Why it matters
///
/// An availability target is only as good as its weakest single instance: the claim will be
/// used to plan around the system and it does not hold.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   API --> DB[(PostgreSQL)]
/// ```
/// The platform is highly available.
/// ~~~
///
/// ## Fix
///
/// Remove the single points of failure (replicas, failover, multiple instances) or restate
/// the availability target honestly.
pub struct AvailabilityClaimWithSinglePoint;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-020",
    title: "Availability claim with a single point of failure",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.6,
    rationale: "An availability target is only as good as its weakest single instance: the claim will be used to plan around the system and it does not hold.",
    remediation: "Remove the single points of failure (replicas, failover, multiple instances) or restate the availability target honestly.",
};

impl Rule<ArchModel> for AvailabilityClaimWithSinglePoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Judged only when availability is claimed for a system with parts.
        let claim = doc.doc.mentions(AVAILABILITY_CLAIM);
        let judged = claim.is_some() && server_side(doc) > 0;
        sink.examined(&META, u32::from(judged));
        let Some(claim) = claim.filter(|_| judged) else {
            return;
        };
        // Replication described anywhere covers the databases (as in FL-ARC-001).
        let replication = doc.doc.mentions(REPLICATION).is_some();
        let single = doc.components.iter().find(|c| {
            (c.kind == ComponentKind::Database && !c.replicated && !replication)
                || (c.replicas == Some(1) && c.kind != ComponentKind::Client)
        });
        if let Some(c) = single {
            let loc = Location {
                line: Some(claim),
                pointer: Some(c.name.clone()),
            };
            sink.report(
                &META,
                loc,
                format!(
                    "Availability claimed on line {claim} but {} is a single point of failure",
                    c.name
                ),
            );
        }
    }
}
