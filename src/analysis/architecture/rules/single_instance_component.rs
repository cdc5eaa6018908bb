//! FL-ARC-002: Component runs as a single instance.

use super::support::at;
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Component runs as a single instance.
///
/// ## What it checks
///
/// Components the document explicitly runs as one instance (`single instance`, `1 replica`,
/// `replicas: 1`).
///
/// ## Why it matters
///
/// A single instance fails with its host and makes every deploy an outage; nothing takes
/// over while it restarts.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   A[Orders service, single instance] --> B[(DB)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Run at least two instances behind a load balancer (or a primary with a standby for
/// stateful components), spread across failure zones.
pub struct SingleInstanceComponent;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-002",
    title: "Component runs as a single instance",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "A single instance fails with its host and makes every deploy an outage; nothing takes over while it restarts.",
    remediation: "Run at least two instances behind a load balancer (or a primary with a standby for stateful components), spread across failure zones.",
};

impl Rule<ArchModel> for SingleInstanceComponent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let own = || {
            doc.components
                .iter()
                .filter(|c| !matches!(c.kind, ComponentKind::Client | ComponentKind::External))
        };
        // Judged only where the document states an instance count.
        sink.examined(&META, u32::from(own().any(|c| c.replicas.is_some())));
        for c in own() {
            if c.replicas == Some(1) {
                sink.report(
                    &META,
                    at(c),
                    format!("{} runs as a single instance", c.name),
                );
            }
        }
    }
}
