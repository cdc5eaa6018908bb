//! FL-DOC-006: No SLOs or SLIs.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No SLOs or SLIs.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about service level
/// objectives and fewer than two distinct service level objectives terms in its text.
///
/// ## Why it matters
///
/// Without service level objectives there is no agreed definition of 'working', no error
/// budget to spend on releases and no basis for alert thresholds.
///
/// ## Example
///
/// ```markdown
/// # Checkout API
/// ## Overview
/// ## API
/// ## Deployment
/// ```
///
/// ## Fix
///
/// Add SLOs with their SLIs: for example 99.9% of requests succeed and p99 latency under
/// 300 ms over 28 days, with the error-budget policy.
pub struct NoSloDefined;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-006",
    title: "No SLOs or SLIs",
    category: Category::Reliability,
    severity: Severity::Medium,
    confidence: 0.7,
    rationale: "Without service level objectives there is no agreed definition of 'working', no error budget to spend on releases and no basis for alert thresholds.",
    remediation: "Add SLOs with their SLIs: for example 99.9% of requests succeed and p99 latency under 300 ms over 28 days, with the error-budget policy.",
};

impl Rule<MdDoc> for NoSloDefined {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "service level objectives",
                headings: &[
                    "slo",
                    "slos",
                    "sli",
                    "slis",
                    "sla",
                    "service level",
                    "service level objectives",
                    "reliability targets",
                ],
                terms: &[
                    "slo",
                    "sli",
                    "sla",
                    "error budget*",
                    "service level*",
                    "availability target*",
                    "latency target*",
                    "99.9%",
                    "99.95%",
                    "99.99%",
                    "p99",
                    "p95",
                ],
            },
            sink,
        );
    }
}
