//! FL-DOC-001: No security section.

use super::topic::{Topic, check_topic};
use crate::analysis::markdown::MdDoc;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No security section.
///
/// ## What it checks
///
/// A design document (three or more headings, not an ADR) with no heading about security and fewer than
/// two distinct security terms in its text.
///
/// ## Why it matters
///
/// A design that never discusses who may call it, how credentials are kept and what an
/// attacker could do ships with those questions answered by accident.
///
/// ## Example
///
/// ```markdown
/// # Payments v2
/// ## Overview
/// ## API
/// ## Rollout
/// ```
///
/// ## Fix
///
/// Add a Security section: authentication and authorisation, secrets handling, data
/// protection in transit and at rest, and the main threats with their mitigations.
pub struct NoSecuritySection;

static META: RuleMeta = RuleMeta {
    id: "FL-DOC-001",
    title: "No security section",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "A design that never discusses who may call it, how credentials are kept and what an attacker could do ships with those questions answered by accident.",
    remediation: "Add a Security section: authentication and authorisation, secrets handling, data protection in transit and at rest, and the main threats with their mitigations.",
};

impl Rule<MdDoc> for NoSecuritySection {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &MdDoc, sink: &mut Sink) {
        check_topic(
            doc,
            &META,
            &Topic {
                name: "security",
                headings: &[
                    "security",
                    "threat model",
                    "threat modeling",
                    "authentication",
                    "authorization",
                    "access control",
                    "privacy",
                ],
                terms: &[
                    "threat model*",
                    "authentication",
                    "authorization",
                    "authn",
                    "authz",
                    "oauth*",
                    "oidc",
                    "jwt",
                    "rbac",
                    "access control",
                    "encrypt*",
                    "mtls",
                    "tls",
                    "secrets manage*",
                    "least privilege",
                ],
            },
            sink,
        );
    }
}
