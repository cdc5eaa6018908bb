//! FL-OAS-036: Timeout behaviour undocumented.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::model::TextKind;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Nothing in the API says what happens when a request takes too long.
///
/// ## What it checks
/// The document has operations, no `408` or `504` response anywhere, and no description
/// mentioning a timeout.
///
/// ## Why it matters
/// Clients pick their own timeouts and retry policies blind; mismatched timeouts between
/// client, gateway and server cause duplicate work and cascading failures.
///
/// ## Example
///
/// ```yaml
/// paths:
///   /reports: {post: {responses: {'200': ...}}}
/// ```
///
/// ## Fix
/// Document the server-side timeout (in descriptions or an `x-timeout` extension) and the
/// `504`/`408` responses clients will see.
pub struct UndocumentedTimeouts;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-036",
    title: "Timeout behaviour undocumented",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.4,
    rationale: "Clients pick their own timeouts and retry policies blind; mismatched timeouts between client, gateway and server cause duplicate work and cascading failures.",
    remediation: "Document the server-side timeout (in descriptions or an `x-timeout` extension) and the `504`/`408` responses clients will see.",
};

impl Rule<Spec> for UndocumentedTimeouts {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        if spec.operations.is_empty() {
            return;
        }
        let status = spec
            .operations
            .iter()
            .any(|o| o.has_status(|s| s == "408" || s == "504"));
        let ext = spec
            .operations
            .iter()
            .any(|o| o.extensions.iter().any(|e| e.contains("timeout")));
        let text = spec.texts.iter().any(|t| {
            t.kind == TextKind::Description && {
                let l = t.text.to_ascii_lowercase();
                l.contains("timeout") || l.contains("time out") || l.contains("timed out")
            }
        });
        if !(status || ext || text) {
            sink.report(
                &META,
                spec.paths_loc.location(),
                "no timeout behaviour documented",
            );
        }
    }
}
