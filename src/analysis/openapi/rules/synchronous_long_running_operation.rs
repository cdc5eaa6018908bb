//! FL-OAS-034: Long-running operation answered synchronously.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An export/import/report/batch-style POST returns its result directly instead of 202 + status
/// resource.
///
/// ## What it checks
/// POST operations whose last static path segment names long-running work (export, import,
/// report, generate, process, batch, bulk, backup, restore, migrate, sync, reindex, render,
/// convert) and that have no `202` response.
///
/// ## Why it matters
/// Long jobs inside one HTTP request hit gateway and client timeouts (often 30-60 s); the
/// client retries and starts the job twice.
///
/// ## Example
///
/// ```yaml
/// /reports/generate:
///   post: {responses: {'200': ...}}
/// ```
///
/// ## Fix
/// Return `202 Accepted` with a `Location` header pointing at a status resource the client can
/// poll (or a webhook).
pub struct SynchronousLongRunningOperation;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-034",
    title: "Long-running operation answered synchronously",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.4,
    rationale: "Long jobs inside one HTTP request hit gateway and client timeouts (often 30-60 s); the client retries and starts the job twice.",
    remediation: "Return `202 Accepted` with a `Location` header pointing at a status resource the client can poll (or a webhook).",
};

impl Rule<Spec> for SynchronousLongRunningOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        const LONG: &[&str] = &[
            "export", "import", "report", "generate", "process", "batch", "bulk", "backup",
            "restore", "migrate", "sync", "reindex", "render", "convert",
        ];
        for op in spec.operations.iter().filter(|o| o.method == Method::Post) {
            let last = static_segments(&op.path)
                .last()
                .map(squash)
                .unwrap_or_default();
            if !LONG.iter().any(|l| last.starts_with(l)) {
                continue;
            }
            sink.examined(&META, 1);
            if !op.has_status(|s| s == "202") {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} runs synchronously", op.label()),
                );
            }
        }
    }
}
