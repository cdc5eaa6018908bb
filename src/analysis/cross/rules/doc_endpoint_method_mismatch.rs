//! FL-XA-002: Documented method not in the spec.

use crate::analysis::cross::{CrossInput, doc_endpoints, path_matches};
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Documented method not in the spec.
///
/// ## What it checks
///
/// An endpoint the document names whose path exists in the spec, but not with that HTTP
/// method.
///
/// ## Why it matters
///
/// A method mismatch (the doc says PUT, the spec PATCH) means one side has the wrong
/// semantics: partial versus full updates, or an operation nobody implemented.
///
/// ## Example
///
/// ```text
/// Updates go through `PUT /orders/{id}` (spec declares PATCH only).
/// ```
///
/// ## Fix
///
/// Align the document and the spec on the method (and its semantics).
pub struct DocEndpointMethodMismatch;

static META: RuleMeta = RuleMeta {
    id: "FL-XA-002",
    title: "Documented method not in the spec",
    category: Category::Maintainability,
    severity: Severity::Medium,
    confidence: 0.7,
    rationale: "A method mismatch (the doc says PUT, the spec PATCH) means one side has the wrong semantics: partial versus full updates, or an operation nobody implemented.",
    remediation: "Align the document and the spec on the method (and its semantics).",
};

impl Rule<CrossInput<'_>> for DocEndpointMethodMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &CrossInput<'_>, sink: &mut Sink) {
        // Counted per documented endpoint whose path the spec has: only
        // those have a method to compare (a missing path is FL-XA-001's).
        sink.examined(&META, 0);
        if doc.endpoints.is_empty() {
            return;
        }
        for e in doc_endpoints(doc.doc) {
            let same_path: Vec<&str> = doc
                .endpoints
                .iter()
                .filter(|(_, p)| path_matches(&e.path, p))
                .map(|(m, _)| m.as_str())
                .collect();
            if same_path.is_empty() {
                continue;
            }
            sink.examined(&META, 1);
            if !same_path.iter().any(|m| m.eq_ignore_ascii_case(&e.method)) {
                let loc = Location {
                    line: Some(e.line),
                    pointer: Some(format!("{} {}", e.method, e.path)),
                };
                sink.report(
                    &META,
                    loc,
                    format!(
                        "{} {}: the spec has only {}",
                        e.method,
                        e.path,
                        same_path.join(", ")
                    ),
                );
            }
        }
    }
}
