//! FL-DOC-003: No deployment section.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No deployment section.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about deployment and fewer
/// than two distinct deployment terms in its text.
///
/// ## Why it matters
///
/// A design that does not say how it reaches production leaves the rollout order, migration
/// steps and environment differences to whoever deploys it first.
///
/// ## Example
///
/// ```markdown
/// # Billing export
/// ## Overview
/// ## Data model
/// ## API
/// ```
///
/// ## Fix
///
/// Add a Deployment section: environments, the rollout strategy (canary, blue/green),
/// database migration order and who approves a release.
pub struct NoDeploymentSection;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-003",
    title: "No deployment section",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "A design that does not say how it reaches production leaves the rollout order, migration steps and environment differences to whoever deploys it first.",
    remediation: "Add a Deployment section: environments, the rollout strategy (canary, blue/green), database migration order and who approves a release.",
};

impl Rule<MdDoc> for NoDeploymentSection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "deployment",
                headings: &[
                    "deployment",
                    "deploy",
                    "rollout",
                    "release",
                    "ci/cd",
                    "delivery",
                    "infrastructure",
                ],
                terms: &[
                    "deploy*",
                    "rollout",
                    "canary",
                    "blue-green",
                    "blue/green",
                    "ci/cd",
                    "pipeline",
                    "kubernetes",
                    "helm",
                    "terraform",
                    "release process",
                ],
            },
            sink,
        );
    }
}
