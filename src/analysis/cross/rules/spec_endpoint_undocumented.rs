//! FL-XA-003: Spec endpoint not covered by the document.

use crate::analysis::cross::{CrossInput, doc_endpoints, path_matches};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Spec endpoint not covered by the document.
///
/// ## What it checks
///
/// Spec operations the document never mentions, when the document does list endpoints (so
/// it means to cover the API).
///
/// ## Why it matters
///
/// An endpoint list that silently omits operations misleads reviewers about the attack
/// surface and the load each component takes.
///
/// ## Example
///
/// ```text
/// The document lists `GET /orders` but the spec also has `DELETE /orders/{id}`.
/// ```
///
/// ## Fix
///
/// Mention every operation in the document's API section, or state that the list is partial
/// and link the spec.
pub struct SpecEndpointUndocumented;

static META: RuleMeta = RuleMeta {
    id: "FL-XA-003",
    title: "Spec endpoint not covered by the document",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "An endpoint list that silently omits operations misleads reviewers about the attack surface and the load each component takes.",
    remediation: "Mention every operation in the document's API section, or state that the list is partial and link the spec.",
};

impl Rule<CrossInput<'_>> for SpecEndpointUndocumented {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &CrossInput<'_>, sink: &mut Sink) {
        // Counted per spec operation, and only when the document lists
        // endpoints at all: a design that names none is not an API
        // reference, so there is nothing to compare.
        sink.examined(&META, 0);
        let mentioned = doc_endpoints(doc.doc);
        if mentioned.is_empty() {
            return;
        }
        let line = mentioned.first().map_or(1, |e| e.line);
        for (method, path) in doc.endpoints {
            sink.examined(&META, 1);
            let covered = mentioned
                .iter()
                .any(|e| e.method.eq_ignore_ascii_case(method) && path_matches(&e.path, path));
            if !covered {
                let loc = Location {
                    line: Some(line),
                    pointer: Some(format!("{method} {path}")),
                };
                sink.report(
                    &META,
                    loc,
                    format!("{method} {path} is in the spec but not in the document"),
                );
            }
        }
    }
}
