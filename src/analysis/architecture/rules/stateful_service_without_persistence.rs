//! FL-ARC-013: Stateful service without persistence.

use super::support::at;
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::markdown::text::has_any;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Stateful service without persistence.
///
/// ## What it checks
///
/// A service described as stateful, in-memory or holding sessions/local files that has no
/// edge to a database, cache or storage.
///
/// ## Why it matters
///
/// State kept only in a process is lost on every restart, deploy or crash, and pins users
/// to one instance so the service cannot scale out.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Client --> S[Session service, in-memory]
/// ```
/// ~~~
///
/// ## Fix
///
/// Move the state to a durable store (database, Redis with persistence, object storage) or
/// make the service stateless.
pub struct StatefulServiceWithoutPersistence;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-013",
    title: "Stateful service without persistence",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "State kept only in a process is lost on every restart, deploy or crash, and pins users to one instance so the service cannot scale out.",
    remediation: "Move the state to a durable store (database, Redis with persistence, object storage) or make the service stateless.",
};

impl Rule<ArchModel> for StatefulServiceWithoutPersistence {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        const STATEFUL: &[&str] = &[
            "in-memory",
            "in memory",
            "stateful",
            "session*",
            "local disk",
            "local file*",
            "sqlite",
        ];
        let stateful = || {
            doc.of_kind(ComponentKind::Service)
                .filter(|(_, c)| has_any(&c.notes, STATEFUL))
        };
        // Judged only where a service is described as keeping state.
        sink.examined(&META, u32::from(stateful().next().is_some()));
        for (i, c) in stateful() {
            let persisted = doc.edges_from(i).any(|e| {
                let k = doc.components[e.to].kind;
                k.is_datastore() || k == ComponentKind::Cache
            });
            if !persisted {
                sink.report(
                    &META,
                    at(c),
                    format!("{} keeps state but writes to no data store", c.name),
                );
            }
        }
    }
}
