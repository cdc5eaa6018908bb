//! FL-OAS-040: Error response without a body schema.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{is_error, n};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A 4xx/5xx/default response declares no content schema.
///
/// ## What it checks
/// Error responses (4xx, 5xx, `default`) of non-HEAD operations without any media type carrying
/// a schema.
///
/// ## Why it matters
/// Clients get an undocumented payload exactly when they need to know what went wrong; support
/// tickets replace error handling.
///
/// ## Example
///
/// ```yaml
/// '400': {description: Bad request}
/// ```
///
/// ## Fix
/// Give every error response the shared error schema (problem details).
pub struct ErrorResponseWithoutSchema;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-040",
    title: "Error response without a body schema",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Clients get an undocumented payload exactly when they need to know what went wrong; support tickets replace error handling.",
    remediation: "Give every error response the shared error schema (problem details).",
};

impl Rule<Spec> for ErrorResponseWithoutSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut examined = 0;
        for op in spec.operations.iter().filter(|o| o.method != Method::Head) {
            for r in op.responses.iter().filter(|r| is_error(&r.status)) {
                examined += 1;
                if !r.content.iter().any(|m| m.schema.is_some()) {
                    sink.report(
                        &META,
                        r.loc.location(),
                        format!("{} of {} has no body schema", r.status, op.label()),
                    );
                }
            }
        }
        sink.examined(&META, n(examined));
    }
}
