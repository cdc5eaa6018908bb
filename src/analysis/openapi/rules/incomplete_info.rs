//! FL-OAS-058: API info incomplete.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// `info` lacks a description, contact or license.
///
/// ## What it checks
/// `info.description`, `info.contact` and `info.license`; one finding lists what is missing.
///
/// ## Why it matters
/// Consumers cannot tell what the API is for, whom to contact when it breaks, or whether they
/// may use it.
///
/// ## Example
///
/// ```yaml
/// info: {title: Orders, version: 1.0.0}
/// ```
///
/// ## Fix
/// Add a description, a contact (team, email or URL) and a license.
pub struct IncompleteInfo;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-058",
    title: "API info incomplete",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "Consumers cannot tell what the API is for, whom to contact when it breaks, or whether they may use it.",
    remediation: "Add a description, a contact (team, email or URL) and a license.",
};

impl Rule<Spec> for IncompleteInfo {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut missing = Vec::new();
        if spec
            .info
            .description
            .as_deref()
            .is_none_or(|d| d.trim().is_empty())
        {
            missing.push("description");
        }
        if !spec.info.has_contact {
            missing.push("contact");
        }
        if !spec.info.has_license {
            missing.push("license");
        }
        if !missing.is_empty() {
            let loc = if spec.info.loc.pointer.is_empty() {
                spec.root_loc()
            } else {
                spec.info.loc.clone()
            };
            sink.report(
                &META,
                loc.location(),
                format!("info lacks {}", missing.join(", ")),
            );
        }
    }
}
