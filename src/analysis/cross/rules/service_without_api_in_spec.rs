//! FL-XA-005: Gateway-routed service missing from the spec.

use super::stem_of;
use crate::analysis::architecture::ComponentKind;
use crate::analysis::cross::CrossInput;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Gateway-routed service missing from the spec.
///
/// ## What it checks
///
/// Services that the architecture routes client traffic to (an edge from a gateway or
/// client) whose name (e.g. 'Orders service' → `orders`) appears in no spec path.
///
/// ## Why it matters
///
/// A client-facing service with no contract is integrated by reading its code; its API
/// drifts unreviewed and the spec under-states what is exposed.
///
/// ## Example
///
/// ```text
/// ```mermaid\ngraph LR\n  GW[API Gateway] --> I[Invoices service]\n```
/// ```
///
/// ## Fix
///
/// Add the service's operations to the spec (or a spec of its own), or correct the
/// architecture if it is internal.
pub struct ServiceWithoutApiInSpec;

static META: RuleMeta = RuleMeta {
    id: "FL-XA-005",
    title: "Gateway-routed service missing from the spec",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.4,
    rationale: "A client-facing service with no contract is integrated by reading its code; its API drifts unreviewed and the spec under-states what is exposed.",
    remediation: "Add the service's operations to the spec (or a spec of its own), or correct the architecture if it is internal.",
};

impl Rule<CrossInput<'_>> for ServiceWithoutApiInSpec {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &CrossInput<'_>, sink: &mut Sink) {
        // Counted per fronted service with a resource name: without an
        // architecture model or spec operations nothing is compared.
        sink.examined(&META, 0);
        let Some(arch) = doc.arch else { return };
        if doc.endpoints.is_empty() {
            return;
        }
        for (i, c) in arch.of_kind(ComponentKind::Service) {
            let fronted = arch.edges_to(i).any(|e| {
                matches!(
                    arch.components[e.from].kind,
                    ComponentKind::Gateway | ComponentKind::Client
                )
            });
            let Some(stem) = stem_of(&c.name) else {
                continue;
            };
            if !fronted {
                continue;
            }
            sink.examined(&META, 1);
            if !doc
                .endpoints
                .iter()
                .any(|(_, p)| p.to_ascii_lowercase().contains(&stem))
            {
                sink.report(
                    &META,
                    Location {
                        line: Some(c.line),
                        pointer: Some(c.name.clone()),
                    },
                    format!("{} has no paths in the spec", c.name),
                );
            }
        }
    }
}
