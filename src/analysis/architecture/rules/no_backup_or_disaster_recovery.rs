//! FL-ARC-007: No backups or disaster recovery.

use super::support::{BACKUP, at};
use crate::analysis::architecture::{ArchModel, Component};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No backups or disaster recovery.
///
/// ## What it checks
///
/// Databases or storage in the architecture and no mention of backups, snapshots,
/// point-in-time recovery, RPO/RTO or disaster recovery.
///
/// ## Why it matters
///
/// Replication copies mistakes too: a bad migration or a deleted table is only recoverable
/// from a backup, and a region outage only with a DR plan.
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
/// Describe backups (frequency, retention, where they are stored, restore tests) and the
/// disaster-recovery target (RPO, RTO, secondary region).
pub struct NoBackupOrDisasterRecovery;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-007",
    title: "No backups or disaster recovery",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "Replication copies mistakes too: a bad migration or a deleted table is only recoverable from a backup, and a region outage only with a DR plan.",
    remediation: "Describe backups (frequency, retention, where they are stored, restore tests) and the disaster-recovery target (RPO, RTO, secondary region).",
};

impl Rule<ArchModel> for NoBackupOrDisasterRecovery {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let stores: Vec<&Component> = doc
            .components
            .iter()
            .filter(|c| c.kind.is_datastore())
            .collect();
        // No data store, nothing to back up: not applicable.
        sink.examined(&META, u32::try_from(stores.len()).unwrap_or(u32::MAX));
        if let Some(first) = stores.first()
            && doc.doc.mentions(BACKUP).is_none()
        {
            sink.report(
                &META,
                at(first),
                format!("{} data store(s) and no backup or DR plan", stores.len()),
            );
        }
    }
}
