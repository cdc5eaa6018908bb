//! FL-OAS-043: No request or correlation id.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::ParamIn;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No header carries a request/correlation/trace id.
///
/// ## What it checks
/// No header parameter or response header named `X-Request-ID`, `X-Correlation-ID`,
/// `Request-Id`, `traceparent` or similar anywhere in the document.
///
/// ## Why it matters
/// Without an id that travels with the request, a client's failure report cannot be matched to
/// server logs and traces.
///
/// ## Example
///
/// ```yaml
/// paths:
///   /orders: {get: {parameters: []}}
/// ```
///
/// ## Fix
/// Accept and echo `X-Request-ID` (or W3C `traceparent`) and document it on every operation.
pub struct MissingCorrelationId;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-043",
    title: "No request or correlation id",
    category: Category::Operability,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "Without an id that travels with the request, a client's failure report cannot be matched to server logs and traces.",
    remediation: "Accept and echo `X-Request-ID` (or W3C `traceparent`) and document it on every operation.",
};

impl Rule<Spec> for MissingCorrelationId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        const IDS: &[&str] = &[
            "xrequestid",
            "requestid",
            "xcorrelationid",
            "correlationid",
            "traceparent",
            "xtraceid",
            "xamzntraceid",
            "xcloudtracecontext",
        ];
        if spec.operations.is_empty() {
            return;
        }
        let param = spec
            .operations
            .iter()
            .flat_map(|o| o.params_in(ParamIn::Header))
            .any(|p| IDS.contains(&squash(&p.name).as_str()));
        let header = spec
            .operations
            .iter()
            .flat_map(|o| &o.responses)
            .flat_map(|r| &r.headers)
            .any(|h| IDS.contains(&squash(&h.name).as_str()));
        if !param && !header {
            sink.report(
                &META,
                spec.paths_loc.location(),
                "no request/correlation id header",
            );
        }
    }
}
