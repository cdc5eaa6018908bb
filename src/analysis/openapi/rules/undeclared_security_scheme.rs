//! FL-OAS-004: Security requirement names an undeclared scheme.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A `security` entry refers to a scheme that is not declared.
///
/// ## What it checks
/// Every scheme name used in a top-level or operation `security` requirement must exist in
/// `components.securitySchemes` (2.0: `securityDefinitions`).
///
/// ## Why it matters
/// Tools and gateways cannot enforce a scheme they do not know; the operation is effectively
/// unprotected or rejected by generators.
///
/// ## Example
///
/// ```yaml
/// security:
///   - oauth: []          # but only `bearer` is declared
/// ```
///
/// ## Fix
/// Declare the scheme or correct the name in the requirement.
pub struct UndeclaredSecurityScheme;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-004",
    title: "Security requirement names an undeclared scheme",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.95,
    rationale: "Tools and gateways cannot enforce a scheme they do not know; the operation is effectively unprotected or rejected by generators.",
    remediation: "Declare the scheme or correct the name in the requirement.",
};

impl Rule<Spec> for UndeclaredSecurityScheme {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let all = spec
            .security
            .iter()
            .chain(spec.operations.iter().filter_map(|o| o.security.as_ref()))
            .flatten();
        let mut examined = 0;
        for req in all {
            for (name, _) in &req.schemes {
                examined += 1;
                if !spec.security_schemes.iter().any(|s| &s.name == name) {
                    sink.report(
                        &META,
                        req.loc.location(),
                        format!("scheme `{name}` is not declared"),
                    );
                }
            }
        }
        sink.examined(&META, n(examined));
    }
}
