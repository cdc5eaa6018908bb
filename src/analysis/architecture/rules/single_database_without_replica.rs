//! FL-ARC-001: Database without replica.

use super::support::{REPLICATION, at};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Database without replica.
///
/// ## What it checks
///
/// Database components with no replica, cluster, standby or failover stated next to them,
/// in a document that never talks about replication at all.
///
/// ## Why it matters
///
/// One database instance is a single point of failure for every service that uses it: a
/// host failure, a bad disk or a maintenance restart takes the whole system down, and
/// recovery means restoring from backup.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   API --> DB[(PostgreSQL)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Run the database with a synchronous or asynchronous replica and automatic failover
/// (managed multi-AZ, Patroni, a replica set) and write it in the architecture.
pub struct SingleDatabaseWithoutReplica;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-001",
    title: "Database without replica",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.6,
    rationale: "One database instance is a single point of failure for every service that uses it: a host failure, a bad disk or a maintenance restart takes the whole system down, and recovery means restoring from backup.",
    remediation: "Run the database with a synchronous or asynchronous replica and automatic failover (managed multi-AZ, Patroni, a replica set) and write it in the architecture.",
};

impl Rule<ArchModel> for SingleDatabaseWithoutReplica {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Every database is judged (replication described anywhere covers
        // them all); without one the rule does not apply.
        let databases = doc.of_kind(ComponentKind::Database).count();
        sink.examined(&META, u32::try_from(databases).unwrap_or(u32::MAX));
        if doc.doc.mentions(REPLICATION).is_some() {
            return;
        }
        for (_, c) in doc.of_kind(ComponentKind::Database) {
            if !c.replicated {
                sink.report(
                    &META,
                    at(c),
                    format!("{} has no replica or failover", c.name),
                );
            }
        }
    }
}
