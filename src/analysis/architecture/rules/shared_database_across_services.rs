//! FL-ARC-018: Database shared by several services.

use super::support::at;
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Database shared by several services.
///
/// ## What it checks
///
/// A database that two or more services write or read directly.
///
/// ## Why it matters
///
/// A shared schema couples the services' deployments and failure domains: one service's
/// migration or runaway query breaks the others, and ownership of the data is unclear.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   A[Orders service] --> DB[(Postgres)]
///   B[Billing service] --> DB
/// ```
/// ~~~
///
/// ## Fix
///
/// Give each service its own schema or database and share data through APIs or events; if
/// sharing is deliberate, name the owning service and the contract.
pub struct SharedDatabaseAcrossServices;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-018",
    title: "Database shared by several services",
    category: Category::Maintainability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "A shared schema couples the services' deployments and failure domains: one service's migration or runaway query breaks the others, and ownership of the data is unclear.",
    remediation: "Give each service its own schema or database and share data through APIs or events; if sharing is deliberate, name the owning service and the contract.",
};

impl Rule<ArchModel> for SharedDatabaseAcrossServices {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let users_of = |i: usize| {
            let mut users: Vec<usize> = doc
                .edges_to(i)
                .filter(|e| {
                    let from = &doc.components[e.from];
                    from.kind == ComponentKind::Service && from.classified
                })
                .map(|e| e.from)
                .collect();
            users.sort_unstable();
            users.dedup();
            users
        };
        // Judged only where a service is drawn using a database: without
        // those edges nobody can tell whether one is shared.
        let used = doc
            .of_kind(ComponentKind::Database)
            .any(|(i, _)| !users_of(i).is_empty());
        sink.examined(&META, u32::from(used));
        for (i, c) in doc.of_kind(ComponentKind::Database) {
            let users = users_of(i);
            if users.len() >= 2 {
                let names: Vec<&str> = users
                    .iter()
                    .map(|&u| doc.components[u].name.as_str())
                    .collect();
                sink.report(
                    &META,
                    at(c),
                    format!("{} is used directly by {}", c.name, names.join(", ")),
                );
            }
        }
    }
}
