//! FL-OAS-049: Operation without summary or description.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation says nothing about what it does.
///
/// ## What it checks
/// Operations with neither a non-empty `summary` nor a non-empty `description`.
///
/// ## Why it matters
/// Consumers guess semantics from the path; documentation portals show a bare URL.
///
/// ## Example
///
/// ```yaml
/// get:
///   operationId: listOrders
/// ```
///
/// ## Fix
/// Add a one-line `summary` and a `description` covering behaviour, errors and side effects.
pub struct UndocumentedOperation;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-049",
    title: "Operation without summary or description",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "Consumers guess semantics from the path; documentation portals show a bare URL.",
    remediation: "Add a one-line `summary` and a `description` covering behaviour, errors and side effects.",
};

impl Rule<Spec> for UndocumentedOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.operations.len()));
        let blank = |t: &Option<String>| t.as_deref().is_none_or(|s| s.trim().is_empty());
        for op in spec
            .operations
            .iter()
            .filter(|o| blank(&o.summary) && blank(&o.description))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} is undocumented", op.label()),
            );
        }
    }
}
