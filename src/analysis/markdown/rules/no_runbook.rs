//! FL-DOC-009: No runbook or operational playbook.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No runbook or operational playbook.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about runbooks and fewer than
/// two distinct runbooks terms in its text.
///
/// ## Why it matters
///
/// When the pager fires at night the on-call engineer needs written steps, not the design
/// author's memory.
///
/// ## Example
///
/// ```markdown
/// # Queue consumer
/// ## Overview
/// ## Design
/// ## Deployment
/// ```
///
/// ## Fix
///
/// Link or add runbooks: how to diagnose the common alerts, restart or fail over
/// components, and whom to escalate to.
pub struct NoRunbook;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-009",
    title: "No runbook or operational playbook",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "When the pager fires at night the on-call engineer needs written steps, not the design author's memory.",
    remediation: "Link or add runbooks: how to diagnose the common alerts, restart or fail over components, and whom to escalate to.",
};

impl Rule<MdDoc> for NoRunbook {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "runbooks",
                headings: &[
                    "runbook",
                    "runbooks",
                    "playbook",
                    "operations",
                    "operational readiness",
                    "on-call",
                    "incident response",
                    "support",
                ],
                terms: &[
                    "runbook*",
                    "playbook*",
                    "on-call",
                    "oncall",
                    "incident response",
                    "escalation",
                    "standard operating procedure*",
                    "sop",
                ],
            },
            sink,
        );
    }
}
