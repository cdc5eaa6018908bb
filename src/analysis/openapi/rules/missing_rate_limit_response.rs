//! FL-OAS-026: No 429 Too Many Requests response.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::{Method, Operation, Spec};
use crate::analysis::openapi::query::{PROBE_SEGMENTS, n, squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation does not document how it behaves when rate limited.
///
/// ## What it checks
/// Operations without a `429` response. Health, liveness and readiness probes (a GET on
/// `/healthz`, `/readyz`, `/ping`...) are left out: the platform calls them, unthrottled.
///
/// ## Why it matters
/// Every production API is rate limited somewhere (gateway, WAF, upstream); clients that do not
/// expect 429 treat it as a failure and retry immediately, amplifying the overload.
///
/// ## Example
///
/// ```yaml
/// responses:
///   '200': ...   # no 429
/// ```
///
/// ## Fix
/// Document `429` with a `Retry-After` header (and RateLimit headers) on every operation, or
/// via a shared response component.
pub struct MissingRateLimitResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-026",
    title: "No 429 Too Many Requests response",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Every production API is rate limited somewhere (gateway, WAF, upstream); clients that do not expect 429 treat it as a failure and retry immediately, amplifying the overload.",
    remediation: "Document `429` with a `Retry-After` header (and RateLimit headers) on every operation, or via a shared response component.",
};

impl Rule<Spec> for MissingRateLimitResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        // A probe is called by the platform, which is not rate limited.
        let judged: Vec<_> = spec.operations.iter().filter(|o| !is_probe(o)).collect();
        sink.examined(&META, n(judged.len()));
        for op in judged.into_iter().filter(|o| !o.has_status(|s| s == "429")) {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} has no 429 response", op.label()),
            );
        }
    }
}

/// A health, liveness or readiness probe: a GET whose last static path
/// segment says so (`/healthz`, `/v1/health`, `/ping`).
fn is_probe(op: &Operation) -> bool {
    op.method == Method::Get
        && static_segments(&op.path)
            .last()
            .is_some_and(|s| PROBE_SEGMENTS.contains(&squash(s).as_str()))
}
