//! FL-XA-001: Documented endpoint missing from the spec.

use crate::analysis::cross::{CrossInput, doc_endpoints, path_matches};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Documented endpoint missing from the spec.
///
/// ## What it checks
///
/// Endpoints the document names (`GET /users/{id}`) whose path matches no path of the
/// submitted spec (parameter names and a base-path prefix are ignored).
///
/// ## Why it matters
///
/// When the design and the contract disagree, clients are built against one and the server
/// against the other; the mismatch surfaces as 404s in integration.
///
/// ## Example
///
/// ```text
/// The client calls `GET /invoices/{id}` (spec has only /orders).
/// ```
///
/// ## Fix
///
/// Add the operation to the spec, or correct the document if the endpoint was renamed or
/// dropped.
pub struct DocEndpointNotInSpec;

static META: RuleMeta = RuleMeta {
    id: "FL-XA-001",
    title: "Documented endpoint missing from the spec",
    category: Category::Maintainability,
    severity: Severity::Medium,
    confidence: 0.7,
    rationale: "When the design and the contract disagree, clients are built against one and the server against the other; the mismatch surfaces as 404s in integration.",
    remediation: "Add the operation to the spec, or correct the document if the endpoint was renamed or dropped.",
};

impl Rule<CrossInput<'_>> for DocEndpointNotInSpec {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &CrossInput<'_>, sink: &mut Sink) {
        // Counted per documented endpoint: with no spec operations or no
        // endpoint in the document there is nothing to compare, and the
        // rule must not count as passing.
        sink.examined(&META, 0);
        if doc.endpoints.is_empty() {
            return;
        }
        for e in doc_endpoints(doc.doc) {
            sink.examined(&META, 1);
            if !doc.endpoints.iter().any(|(_, p)| path_matches(&e.path, p)) {
                let loc = Location {
                    line: Some(e.line),
                    pointer: Some(format!("{} {}", e.method, e.path)),
                };
                sink.report(
                    &META,
                    loc,
                    format!("{} {} is not in the spec", e.method, e.path),
                );
            }
        }
    }
}
