//! FL-OAS-028: 429 or 503 response without Retry-After.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A throttling or unavailability response does not tell clients when to come back.
///
/// ## What it checks
/// `429` and `503` responses that do not declare a `Retry-After` header.
///
/// ## Why it matters
/// Without Retry-After, clients retry on their own schedule (often immediately), turning a
/// brief overload into a retry storm.
///
/// ## Example
///
/// ```yaml
/// '429': {description: Too many requests}
/// ```
///
/// ## Fix
/// Declare `Retry-After` (seconds or HTTP date) on every 429 and 503 response and send it.
pub struct MissingRetryAfter;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-028",
    title: "429 or 503 response without Retry-After",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Without Retry-After, clients retry on their own schedule (often immediately), turning a brief overload into a retry storm.",
    remediation: "Declare `Retry-After` (seconds or HTTP date) on every 429 and 503 response and send it.",
};

impl Rule<Spec> for MissingRetryAfter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut examined = 0;
        for op in &spec.operations {
            for r in op
                .responses
                .iter()
                .filter(|r| r.status == "429" || r.status == "503")
            {
                examined += 1;
                if !r
                    .headers
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case("retry-after"))
                {
                    sink.report(
                        &META,
                        r.loc.location(),
                        format!("{} of {} lacks Retry-After", r.status, op.label()),
                    );
                }
            }
        }
        sink.examined(&META, n(examined));
    }
}
