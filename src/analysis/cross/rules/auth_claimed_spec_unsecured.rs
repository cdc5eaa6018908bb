//! FL-XA-004: Document claims authentication, spec is unsecured.

use crate::analysis::architecture::ComponentKind;
use crate::analysis::architecture::rules::support::AUTH;
use crate::analysis::cross::CrossInput;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Document claims authentication, spec is unsecured.
///
/// ## What it checks
///
/// The document or architecture describes authentication (OAuth, JWT, API keys, an identity
/// provider, an auth component) while the submitted spec secures none of its operations.
///
/// ## Why it matters
///
/// Generated clients, gateways and security scanners follow the spec; if the spec says 'no
/// auth', the protection the design promises is either missing in the implementation or
/// invisible to every tool that checks it.
///
/// ## Example
///
/// ```text
/// All calls are authenticated with OAuth2 bearer tokens (spec has no securitySchemes).
/// ```
///
/// ## Fix
///
/// Declare the security schemes the design describes in the spec
/// (`components.securitySchemes` plus `security`) and apply them to the operations.
pub struct AuthClaimedSpecUnsecured;

static META: RuleMeta = RuleMeta {
    id: "FL-XA-004",
    title: "Document claims authentication, spec is unsecured",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "Generated clients, gateways and security scanners follow the spec; if the spec says 'no auth', the protection the design promises is either missing in the implementation or invisible to every tool that checks it.",
    remediation: "Declare the security schemes the design describes in the spec (`components.securitySchemes` plus `security`) and apply them to the operations.",
};

impl Rule<CrossInput<'_>> for AuthClaimedSpecUnsecured {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &CrossInput<'_>, sink: &mut Sink) {
        let component = doc
            .arch
            .and_then(|a| a.of_kind(ComponentKind::Auth).next().map(|(_, c)| c.line));
        let claim = component.or_else(|| doc.doc.mentions(AUTH));
        // Applicable only when there is a claim and a spec to hold it
        // against; a secured spec then passes.
        let comparable = claim.is_some() && !doc.endpoints.is_empty();
        sink.examined(&META, u32::from(comparable));
        if !comparable || doc.spec_secured {
            return;
        }
        if let Some(line) = claim {
            let loc = Location {
                line: Some(line),
                pointer: None,
            };
            sink.report(
                &META,
                loc,
                format!(
                    "Authentication described on line {line} but the spec secures no operation"
                ),
            );
        }
    }
}
