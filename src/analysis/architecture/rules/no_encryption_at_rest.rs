//! FL-ARC-017: No encryption at rest.

use super::support::{AT_REST, at};
use crate::analysis::architecture::ArchModel;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No encryption at rest.
///
/// ## What it checks
///
/// Databases or storage in the architecture and no mention of encryption at rest, KMS or
/// TDE.
///
/// ## Why it matters
///
/// Disks, snapshots and backups leave your control (decommissioned hardware, shared
/// backups, leaked snapshots); unencrypted personal data there is a reportable breach under
/// most regulations.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   API --> S3[(S3 bucket)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Enable storage and backup encryption with managed keys (KMS), and record who can use the
/// keys.
pub struct NoEncryptionAtRest;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-017",
    title: "No encryption at rest",
    category: Category::Compliance,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "Disks, snapshots and backups leave your control (decommissioned hardware, shared backups, leaked snapshots); unencrypted personal data there is a reportable breach under most regulations.",
    remediation: "Enable storage and backup encryption with managed keys (KMS), and record who can use the keys.",
};

impl Rule<ArchModel> for NoEncryptionAtRest {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let store = doc.components.iter().find(|c| c.kind.is_datastore());
        // No data store, no data at rest: not applicable.
        sink.examined(&META, u32::from(store.is_some()));
        let Some(c) = store else {
            return;
        };
        if doc.doc.mentions(AT_REST).is_none() {
            sink.report(
                &META,
                at(c),
                "Data stores with no encryption at rest described",
            );
        }
    }
}
