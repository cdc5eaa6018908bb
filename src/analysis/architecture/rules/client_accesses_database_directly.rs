//! FL-ARC-019: Client talks to the database directly.

use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Client talks to the database directly.
///
/// ## What it checks
///
/// An edge from a client or frontend straight to a database. (Gateways are left out: network
/// diagrams draw "gateway to database subnet" edges that are not calls.)
///
/// ## Why it matters
///
/// A database reachable from the edge exposes credentials to clients, bypasses the business
/// rules and authorisation in the services, and turns any injection into full data access.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Web[Web app] --> DB[(MongoDB)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Put a service in between that owns the data and enforces authorisation; never ship
/// database credentials to clients.
pub struct ClientAccessesDatabaseDirectly;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-019",
    title: "Client talks to the database directly",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "A database reachable from the edge exposes credentials to clients, bypasses the business rules and authorisation in the services, and turns any injection into full data access.",
    remediation: "Put a service in between that owns the data and enforces authorisation; never ship database credentials to clients.",
};

impl Rule<ArchModel> for ClientAccessesDatabaseDirectly {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Judged only when a client is drawn calling something: without
        // its calls there is nothing to say about what a client reaches.
        let client_calls = doc.edges.iter().any(|e| {
            let (from, to) = (&doc.components[e.from], &doc.components[e.to]);
            from.kind == ComponentKind::Client && from.classified && to.classified
        });
        sink.examined(&META, u32::from(client_calls));
        for e in &doc.edges {
            let (from, to) = (&doc.components[e.from], &doc.components[e.to]);
            if from.kind == ComponentKind::Client
                && from.classified
                && to.classified
                && to.kind == ComponentKind::Database
            {
                let loc = Location {
                    line: Some(e.line),
                    pointer: Some(from.name.clone()),
                };
                sink.report(
                    &META,
                    loc,
                    format!("{} accesses {} directly", from.name, to.name),
                );
            }
        }
    }
}
