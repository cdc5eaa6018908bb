//! FL-DOC-002: No scaling section.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No scaling section.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about scaling and fewer than
/// two distinct scaling terms in its text.
///
/// ## Why it matters
///
/// Without a stated scaling approach nobody knows which component saturates first or what
/// happens at ten times today's load.
///
/// ## Example
///
/// ```markdown
/// # Search service
/// ## Overview
/// ## Data model
/// ## API
/// ```
///
/// ## Fix
///
/// Add a Scaling section: expected load, the bottleneck component, how each tier scales
/// (horizontal, partitioning, caching) and the load test that backs it.
pub struct NoScalingSection;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-002",
    title: "No scaling section",
    category: Category::Performance,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Without a stated scaling approach nobody knows which component saturates first or what happens at ten times today's load.",
    remediation: "Add a Scaling section: expected load, the bottleneck component, how each tier scales (horizontal, partitioning, caching) and the load test that backs it.",
};

impl Rule<MdDoc> for NoScalingSection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "scaling",
                headings: &["scaling", "scalability", "scale", "performance", "load"],
                terms: &[
                    "horizontal scal*",
                    "autoscal*",
                    "scale out",
                    "scale up",
                    "scalab*",
                    "throughput",
                    "load test*",
                    "partition*",
                    "shard*",
                    "replica",
                ],
            },
            sink,
        );
    }
}
