//! FL-OAS-045: Request body on GET, HEAD or DELETE.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A GET/HEAD/DELETE operation defines a request body.
///
/// ## What it checks
/// GET, HEAD and DELETE operations with a `requestBody` (2.0: a body or formData parameter).
///
/// ## Why it matters
/// These methods have no defined body semantics; proxies, caches and client libraries drop or
/// reject the body, so the call behaves differently in production.
///
/// ## Example
///
/// ```yaml
/// delete:
///   requestBody: ...
/// ```
///
/// ## Fix
/// Move the data to query/path parameters, or use POST for a query with a body.
pub struct RequestBodyOnGetOrDelete;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-045",
    title: "Request body on GET, HEAD or DELETE",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "These methods have no defined body semantics; proxies, caches and client libraries drop or reject the body, so the call behaves differently in production.",
    remediation: "Move the data to query/path parameters, or use POST for a query with a body.",
};

impl Rule<Spec> for RequestBodyOnGetOrDelete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for op in spec
            .operations
            .iter()
            .filter(|o| matches!(o.method, Method::Get | Method::Head | Method::Delete))
        {
            sink.examined(&META, 1);
            if let Some(body) = &op.request_body {
                sink.report(
                    &META,
                    body.loc.location(),
                    format!("{} has a request body", op.label()),
                );
            }
        }
    }
}
