//! FL-OAS-027: No rate-limit headers documented.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No response anywhere documents RateLimit / X-RateLimit headers.
///
/// ## What it checks
/// The document has operations but no response header named `RateLimit`, `RateLimit-Policy`,
/// `RateLimit-Limit/Remaining/Reset` or `X-RateLimit-*`.
///
/// ## Why it matters
/// Without quota headers clients cannot pace themselves; they discover limits by hitting 429s
/// in production.
///
/// ## Example
///
/// ```yaml
/// responses:
///   '200': {description: ok}   # no RateLimit headers
/// ```
///
/// ## Fix
/// Return `RateLimit`/`RateLimit-Policy` (IETF draft) or `X-RateLimit-Limit/Remaining/Reset`
/// headers and document them.
pub struct MissingRateLimitHeaders;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-027",
    title: "No rate-limit headers documented",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Without quota headers clients cannot pace themselves; they discover limits by hitting 429s in production.",
    remediation: "Return `RateLimit`/`RateLimit-Policy` (IETF draft) or `X-RateLimit-Limit/Remaining/Reset` headers and document them.",
};

impl Rule<Spec> for MissingRateLimitHeaders {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        if spec.operations.is_empty() {
            return;
        }
        let documented = spec
            .operations
            .iter()
            .flat_map(|o| &o.responses)
            .flat_map(|r| &r.headers)
            .any(|h| {
                let s = squash(&h.name);
                s.starts_with("ratelimit") || s.starts_with("xratelimit")
            });
        if !documented {
            sink.report(
                &META,
                spec.paths_loc.location(),
                "no response documents rate-limit headers",
            );
        }
    }
}
