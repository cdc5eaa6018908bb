//! FL-DOC-008: No capacity estimate.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No capacity estimate.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about capacity and fewer than
/// two distinct capacity terms in its text.
///
/// ## Why it matters
///
/// Without numbers (requests per second, data growth, peak factors) nobody can check that
/// the chosen instances, partitions and quotas will hold.
///
/// ## Example
///
/// ```markdown
/// # Image thumbnails
/// ## Overview
/// ## Design
/// ## API
/// ```
///
/// ## Fix
///
/// Add a Capacity section with expected and peak request rates, payload and storage growth,
/// and the resulting sizing with headroom.
pub struct NoCapacityEstimate;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-008",
    title: "No capacity estimate",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Without numbers (requests per second, data growth, peak factors) nobody can check that the chosen instances, partitions and quotas will hold.",
    remediation: "Add a Capacity section with expected and peak request rates, payload and storage growth, and the resulting sizing with headroom.",
};

impl Rule<MdDoc> for NoCapacityEstimate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "capacity",
                headings: &[
                    "capacity",
                    "capacity planning",
                    "sizing",
                    "estimates",
                    "back of the envelope",
                    "load estimates",
                ],
                terms: &[
                    "capacity",
                    "sizing",
                    "rps",
                    "qps",
                    "requests per second",
                    "requests/s",
                    "req/s",
                    "tps",
                    "storage growth",
                    "peak load",
                    "back-of-the-envelope",
                    "gb/day",
                    "tb",
                ],
            },
            sink,
        );
    }
}
