//! FL-DOC-007: No data retention policy.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No data retention policy.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about data retention and
/// fewer than two distinct data retention terms in its text.
///
/// ## Why it matters
///
/// Data kept forever grows cost and legal exposure (GDPR, CCPA); data deleted too early
/// breaks audits. Either way it must be a decision, not a default.
///
/// ## Example
///
/// ```markdown
/// # Event archive
/// ## Overview
/// ## Storage
/// ## API
/// ```
///
/// ## Fix
///
/// State how long each kind of data is kept, how it is deleted or archived, and how user
/// deletion requests are honoured.
pub struct NoDataRetentionPolicy;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-007",
    title: "No data retention policy",
    category: Category::Compliance,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Data kept forever grows cost and legal exposure (GDPR, CCPA); data deleted too early breaks audits. Either way it must be a decision, not a default.",
    remediation: "State how long each kind of data is kept, how it is deleted or archived, and how user deletion requests are honoured.",
};

impl Rule<MdDoc> for NoDataRetentionPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "data retention",
                headings: &[
                    "data retention",
                    "retention",
                    "data lifecycle",
                    "deletion",
                    "privacy",
                    "gdpr",
                    "data governance",
                ],
                terms: &[
                    "retention",
                    "retain*",
                    "ttl",
                    "purge*",
                    "archiv*",
                    "gdpr",
                    "right to be forgotten",
                    "data deletion",
                    "delete after",
                    "lifecycle polic*",
                ],
            },
            sink,
        );
    }
}
