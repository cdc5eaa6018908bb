//! FL-OAS-038: Operation without a success response.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation documents no 2xx or 3xx response.
///
/// ## What it checks
/// Operations whose responses contain no `2xx`/`3xx` status (nor `2XX`/`3XX`).
///
/// ## Why it matters
/// Generated clients have no return type and treat every answer as an error; the contract for
/// the happy path is missing.
///
/// ## Example
///
/// ```yaml
/// responses:
///   '400': {description: bad}
/// ```
///
/// ## Fix
/// Document the success response with its status code and schema.
pub struct MissingSuccessResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-038",
    title: "Operation without a success response",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Generated clients have no return type and treat every answer as an error; the contract for the happy path is missing.",
    remediation: "Document the success response with its status code and schema.",
};

impl Rule<Spec> for MissingSuccessResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.operations.len()));
        for op in spec
            .operations
            .iter()
            .filter(|o| !o.has_status(|s| s.starts_with('2') || s.starts_with('3')))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} has no success response", op.label()),
            );
        }
    }
}
