//! FL-DOC-005: No rollback plan.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No rollback plan.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about rollback and fewer than
/// two distinct rollback terms in its text.
///
/// ## Why it matters
///
/// Every change can go wrong in production; without a rehearsed way back a bad release
/// turns into an extended outage.
///
/// ## Example
///
/// ```markdown
/// # Schema migration for orders
/// ## Overview
/// ## Migration steps
/// ## Timeline
/// ```
///
/// ## Fix
///
/// Add a Rollback section: how to revert code and configuration, how schema or data
/// migrations are undone or made backward compatible, and the signal that triggers a
/// rollback.
pub struct NoRollbackPlan;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-005",
    title: "No rollback plan",
    category: Category::Reliability,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "Every change can go wrong in production; without a rehearsed way back a bad release turns into an extended outage.",
    remediation: "Add a Rollback section: how to revert code and configuration, how schema or data migrations are undone or made backward compatible, and the signal that triggers a rollback.",
};

impl Rule<MdDoc> for NoRollbackPlan {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "rollback",
                headings: &[
                    "rollback",
                    "roll back",
                    "backout",
                    "back out",
                    "revert",
                    "rollback plan",
                ],
                terms: &[
                    "rollback",
                    "roll back",
                    "roll-back",
                    "revert*",
                    "backout",
                    "back out",
                    "feature flag*",
                    "kill switch",
                    "downgrade",
                ],
            },
            sink,
        );
    }
}
