//! FL-ARC-009: External dependency without timeout, retry or circuit breaker.

use super::support::{RESILIENCE, at};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// External dependency without timeout, retry or circuit breaker.
///
/// ## What it checks
///
/// External (third-party) components in the architecture while the document never mentions
/// timeouts, retries, backoff, circuit breakers or fallbacks.
///
/// ## Why it matters
///
/// Third-party APIs fail and slow down outside your control; without timeouts and circuit
/// breakers their latency becomes yours and their outage cascades through your threads and
/// connection pools.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Checkout[Checkout service] --> Stripe[Stripe API]
/// ```
/// ~~~
///
/// ## Fix
///
/// Give every outbound call a timeout, bounded retries with backoff and jitter, a circuit
/// breaker, and a fallback or degraded mode.
pub struct ExternalDependencyWithoutResilience;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-009",
    title: "External dependency without timeout, retry or circuit breaker",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Third-party APIs fail and slow down outside your control; without timeouts and circuit breakers their latency becomes yours and their outage cascades through your threads and connection pools.",
    remediation: "Give every outbound call a timeout, bounded retries with backoff and jitter, a circuit breaker, and a fallback or degraded mode.",
};

impl Rule<ArchModel> for ExternalDependencyWithoutResilience {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // Judged only when there is a third party to call.
        let externals = doc.of_kind(ComponentKind::External).count();
        sink.examined(&META, u32::from(externals > 0));
        if doc.doc.mentions(RESILIENCE).is_some() {
            return;
        }
        for (_, c) in doc.of_kind(ComponentKind::External) {
            sink.report(
                &META,
                at(c),
                format!(
                    "{} is called with no timeout, retry or circuit breaker described",
                    c.name
                ),
            );
        }
    }
}
