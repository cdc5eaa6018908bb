//! FL-OAS-067: No request size limit documented.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Operations accept request bodies but none documents `413 Content Too Large`.
///
/// ## What it checks
/// The document has operations with request bodies and no `413` response anywhere (checked once
/// for the whole API; uploads are checked per operation by FL-OAS-037).
///
/// ## Why it matters
/// Every server and proxy enforces a body size limit; if the API does not publish it, clients
/// find it by failing in production with an error they cannot interpret.
///
/// ## Example
///
/// ```yaml
/// post:\n  requestBody: ...\n  responses: {'201': ...}   # no 413 anywhere
/// ```
///
/// ## Fix
/// Decide the maximum request size, enforce it at the edge, and document `413` (with the limit
/// in its description).
pub struct MissingPayloadTooLarge;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-067",
    title: "No request size limit documented",
    category: Category::Performance,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "Every server and proxy enforces a body size limit; if the API does not publish it, clients find it by failing in production with an error they cannot interpret.",
    remediation: "Decide the maximum request size, enforce it at the edge, and document `413` (with the limit in its description).",
};

impl Rule<Spec> for MissingPayloadTooLarge {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let bodies: Vec<_> = spec
            .operations
            .iter()
            .filter_map(|o| o.request_body.as_ref())
            .collect();
        let Some(first) = bodies.first() else { return };
        if !spec.operations.iter().any(|o| o.has_status(|s| s == "413")) {
            let detail = match bodies.len() {
                1 => "1 operation takes a body and does not document 413".to_string(),
                n => format!("{n} operations take a body and none documents 413"),
            };
            sink.report(&META, first.loc.location(), detail);
        }
    }
}
