//! FL-ARC-011: No rate limiting at the edge.

use super::support::{RATE_LIMIT, at};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No rate limiting at the edge.
///
/// ## What it checks
///
/// An architecture with a public entry point (gateway, load balancer, or clients calling
/// in) that never mentions rate limiting, throttling, quotas or a WAF.
///
/// ## Why it matters
///
/// Without limits at the edge, one misbehaving client, a retry storm or a scraper can
/// exhaust the backend for everyone (OWASP API4: unrestricted resource consumption).
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Client --> GW[API Gateway]
///   GW --> Orders[Orders service]
/// ```
/// ~~~
///
/// ## Fix
///
/// Enforce per-client rate limits and quotas at the gateway or load balancer, return 429
/// with Retry-After, and consider a WAF for abusive traffic.
pub struct NoEdgeRateLimiting;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-011",
    title: "No rate limiting at the edge",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Without limits at the edge, one misbehaving client, a retry storm or a scraper can exhaust the backend for everyone (OWASP API4: unrestricted resource consumption).",
    remediation: "Enforce per-client rate limits and quotas at the gateway or load balancer, return 429 with Retry-After, and consider a WAF for abusive traffic.",
};

impl Rule<ArchModel> for NoEdgeRateLimiting {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let entry = doc
            .components
            .iter()
            .find(|c| matches!(c.kind, ComponentKind::Gateway | ComponentKind::LoadBalancer))
            .or_else(|| {
                doc.edges
                    .iter()
                    .find(|e| doc.components[e.from].kind == ComponentKind::Client)
                    .map(|e| &doc.components[e.to])
            });
        // Without an entry point there is no edge to limit.
        sink.examined(&META, u32::from(entry.is_some()));
        if let Some(c) = entry
            && doc.doc.mentions(RATE_LIMIT).is_none()
        {
            sink.report(
                &META,
                at(c),
                format!("Entry point {} has no rate limiting or throttling", c.name),
            );
        }
    }
}
