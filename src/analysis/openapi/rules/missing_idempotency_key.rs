//! FL-OAS-029: POST without idempotency key support.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{n, squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A creating POST cannot be retried safely.
///
/// ## What it checks
/// POST operations (other than search/query/login/token style actions) that declare no
/// `Idempotency-Key` header parameter.
///
/// ## Why it matters
/// Networks time out after the server acted; a client that retries a POST without an
/// idempotency key creates a duplicate order, payment or message.
///
/// ## Example
///
/// ```yaml
/// /payments:
///   post: {parameters: []}
/// ```
///
/// ## Fix
/// Accept an `Idempotency-Key` header (IETF draft), store the first response per key and replay
/// it on retries.
pub struct MissingIdempotencyKey;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-029",
    title: "POST without idempotency key support",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Networks time out after the server acted; a client that retries a POST without an idempotency key creates a duplicate order, payment or message.",
    remediation: "Accept an `Idempotency-Key` header (IETF draft), store the first response per key and replay it on retries.",
};

impl Rule<Spec> for MissingIdempotencyKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let posts: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| o.method == Method::Post && !is_action(&o.path))
            .collect();
        sink.examined(&META, n(posts.len()));
        for op in posts {
            let keyed = op
                .parameters
                .iter()
                .any(|p| squash(&p.name).contains("idempotency"));
            if !keyed {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} has no Idempotency-Key", op.label()),
                );
            }
        }
    }
}

/// POSTs that read or authenticate rather than create.
fn is_action(path: &str) -> bool {
    let last = static_segments(path).last().map(squash).unwrap_or_default();
    [
        "search", "query", "login", "logout", "token", "validate", "verify", "preview", "refresh",
    ]
    .iter()
    .any(|a| last.contains(a))
}
