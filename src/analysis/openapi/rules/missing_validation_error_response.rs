//! FL-OAS-039: Input accepted without a validation error response.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation takes parameters or a body but documents no 400/422.
///
/// ## What it checks
/// Operations with parameters or a request body and no `400`, `422` or `4XX` response.
///
/// ## Why it matters
/// Bad input is the most common error; without a documented 400/422 clients cannot tell their
/// mistake from a server fault, and tend to retry it.
///
/// ## Example
///
/// ```yaml
/// post:
///   requestBody: ...
///   responses: {'201': ...}
/// ```
///
/// ## Fix
/// Document `400` (or `422`) with the error schema and field-level details.
pub struct MissingValidationErrorResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-039",
    title: "Input accepted without a validation error response",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Bad input is the most common error; without a documented 400/422 clients cannot tell their mistake from a server fault, and tend to retry it.",
    remediation: "Document `400` (or `422`) with the error schema and field-level details.",
};

impl Rule<Spec> for MissingValidationErrorResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let inputs: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| !o.parameters.is_empty() || o.request_body.is_some())
            .collect();
        sink.examined(&META, n(inputs.len()));
        for op in inputs
            .into_iter()
            .filter(|o| !o.has_status(|s| matches!(s, "400" | "422" | "4XX" | "4xx")))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} documents no 400/422", op.label()),
            );
        }
    }
}
