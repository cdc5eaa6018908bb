//! FL-OAS-030: No 5xx or default error response.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{is_server_error, n};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation documents no server-side failure.
///
/// ## What it checks
/// Operations with neither a `5XX`/`500`-`599` response nor a `default` response.
///
/// ## Why it matters
/// Clients generated from the spec have no type for server errors, so they crash or swallow
/// them instead of retrying or reporting.
///
/// ## Example
///
/// ```yaml
/// responses:
///   '200': ...
///   '400': ...
/// ```
///
/// ## Fix
/// Add a `default` (or `5XX`) response using the shared error schema.
pub struct MissingServerErrorResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-030",
    title: "No 5xx or default error response",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Clients generated from the spec have no type for server errors, so they crash or swallow them instead of retrying or reporting.",
    remediation: "Add a `default` (or `5XX`) response using the shared error schema.",
};

impl Rule<Spec> for MissingServerErrorResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.operations.len()));
        for op in spec
            .operations
            .iter()
            .filter(|o| !o.has_status(|s| is_server_error(s) || s == "default"))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} documents no server error", op.label()),
            );
        }
    }
}
