//! FL-DOC-010: No failure modes analysis.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No failure modes analysis.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about failure modes and fewer
/// than two distinct failure modes terms in its text.
///
/// ## Why it matters
///
/// A design that only describes the happy path leaves dependency outages, partial failures
/// and overload to be discovered in production.
///
/// ## Example
///
/// ```markdown
/// # Recommendation service
/// ## Overview
/// ## Design
/// ## API
/// ```
///
/// ## Fix
///
/// Add a Failure modes section: for each dependency and component, what happens when it is
/// slow or down, how the system degrades, and how it recovers.
pub struct NoFailureModesSection;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-010",
    title: "No failure modes analysis",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "A design that only describes the happy path leaves dependency outages, partial failures and overload to be discovered in production.",
    remediation: "Add a Failure modes section: for each dependency and component, what happens when it is slow or down, how the system degrades, and how it recovers.",
};

impl Rule<MdDoc> for NoFailureModesSection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "failure modes",
                headings: &[
                    "failure modes",
                    "failure mode",
                    "failure scenarios",
                    "failures",
                    "fault tolerance",
                    "resilience",
                    "disaster recovery",
                    "risks",
                    "degradation",
                ],
                terms: &[
                    "failure mode*",
                    "failure scenario*",
                    "what happens if",
                    "fault toleran*",
                    "degrad*",
                    "failover",
                    "disaster recovery",
                    "circuit breaker*",
                    "retry",
                    "retries",
                    "timeout*",
                    "fallback*",
                ],
            },
            sink,
        );
    }
}
