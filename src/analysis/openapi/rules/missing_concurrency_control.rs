//! FL-OAS-042: Update without optimistic concurrency control.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// PUT/PATCH accepts no `If-Match` and documents no 412/428.
///
/// ## What it checks
/// PUT and PATCH operations with no `If-Match` header parameter and no `412` or `428` response.
///
/// ## Why it matters
/// Two clients editing the same resource overwrite each other silently (lost update).
///
/// ## Example
///
/// ```yaml
/// put:
///   parameters: [{name: id, in: path}]
/// ```
///
/// ## Fix
/// Return an `ETag`, accept `If-Match`, and answer `412 Precondition Failed` on mismatch.
pub struct MissingConcurrencyControl;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-042",
    title: "Update without optimistic concurrency control",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "Two clients editing the same resource overwrite each other silently (lost update).",
    remediation: "Return an `ETag`, accept `If-Match`, and answer `412 Precondition Failed` on mismatch.",
};

impl Rule<Spec> for MissingConcurrencyControl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let updates: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| matches!(o.method, Method::Put | Method::Patch))
            .collect();
        sink.examined(&META, n(updates.len()));
        for op in updates {
            if !op.has_header_param("If-Match") && !op.has_status(|s| s == "412" || s == "428") {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} can lose concurrent updates", op.label()),
                );
            }
        }
    }
}
