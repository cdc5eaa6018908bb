//! FL-OAS-041: Item operation without 404.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{last_segment_is_param, n};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// GET/PUT/PATCH/DELETE on `/{id}` does not document 404.
///
/// ## What it checks
/// GET, PUT, PATCH and DELETE operations on item paths (the last segment holds a template
/// parameter: `/orders/{id}`, `/Calls/{Sid}.json`) without a `404` or `4XX` response.
///
/// ## Why it matters
/// Missing items are a normal outcome; undocumented, clients treat 404 as a crash or retry it.
///
/// ## Example
///
/// ```yaml
/// /orders/{id}:
///   get: {responses: {'200': ...}}
/// ```
///
/// ## Fix
/// Document `404` with the error schema.
pub struct MissingNotFoundResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-041",
    title: "Item operation without 404",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Missing items are a normal outcome; undocumented, clients treat 404 as a crash or retry it.",
    remediation: "Document `404` with the error schema.",
};

impl Rule<Spec> for MissingNotFoundResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let items: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| {
                matches!(
                    o.method,
                    Method::Get | Method::Put | Method::Patch | Method::Delete
                ) && last_segment_is_param(&o.path)
            })
            .collect();
        sink.examined(&META, n(items.len()));
        for op in items
            .into_iter()
            .filter(|o| !o.has_status(|s| s == "404" || s == "4XX"))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} has no 404", op.label()),
            );
        }
    }
}
