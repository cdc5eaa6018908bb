//! FL-OAS-044: Batch endpoint without an item limit.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A batch/bulk endpoint accepts any number of items.
///
/// ## What it checks
/// Write operations whose last static path segment contains `batch` or `bulk` whose request
/// body array (top level, or the one array property of a wrapper) has no `maxItems`.
///
/// ## Why it matters
/// One request can carry unlimited work, monopolising workers and database connections; partial
/// failures become impossible to report.
///
/// ## Example
///
/// ```yaml
/// /orders/batch:
///   post: {requestBody: {content: {application/json: {schema: {type: array}}}}}
/// ```
///
/// ## Fix
/// Declare `maxItems` on the batch array and document per-item results (207 or a results
/// array).
pub struct UnboundedBatchEndpoint;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-044",
    title: "Batch endpoint without an item limit",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "One request can carry unlimited work, monopolising workers and database connections; partial failures become impossible to report.",
    remediation: "Declare `maxItems` on the batch array and document per-item results (207 or a results array).",
};

impl Rule<Spec> for UnboundedBatchEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for op in spec.operations.iter().filter(|o| o.method.is_write()) {
            // The last static segment names the action; `/apis/batch/v1/jobs` is an API group, not a batch call.
            let last = static_segments(&op.path)
                .last()
                .map(squash)
                .unwrap_or_default();
            if !(last.contains("batch") || last.contains("bulk")) {
                continue;
            }
            sink.examined(&META, 1);
            let mut unbounded = false;
            for id in spec.body_roots(op) {
                let arrays = std::iter::once(id)
                    .chain(spec.all_properties(id).into_iter().map(|p| p.schema));
                for s in arrays
                    .filter_map(|a| spec.schema(a))
                    .filter(|s| s.has_type("array"))
                {
                    unbounded |= s.max_items.is_none();
                }
            }
            if unbounded {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} takes unlimited items", op.label()),
                );
            }
        }
    }
}
