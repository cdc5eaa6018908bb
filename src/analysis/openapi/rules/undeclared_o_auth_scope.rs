//! FL-OAS-005: OAuth2 scope used but not declared.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::SchemeKind;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A requirement asks for an OAuth2 scope that no flow of the scheme defines.
///
/// ## What it checks
/// Scopes listed in `security` requirements for an OAuth2 scheme must be declared in that
/// scheme's flows.
///
/// ## Why it matters
/// An undeclared scope cannot be granted by the authorization server, so either the operation
/// is unusable or the check is silently skipped.
///
/// ## Example
///
/// ```yaml
/// security:
///   - oauth: [orders:delete]   # flows declare only orders:read
/// ```
///
/// ## Fix
/// Declare the scope in the scheme's flows, or use the scope that is declared.
pub struct UndeclaredOAuthScope;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-005",
    title: "OAuth2 scope used but not declared",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "An undeclared scope cannot be granted by the authorization server, so either the operation is unusable or the check is silently skipped.",
    remediation: "Declare the scope in the scheme's flows, or use the scope that is declared.",
};

impl Rule<Spec> for UndeclaredOAuthScope {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let all = spec
            .security
            .iter()
            .chain(spec.operations.iter().filter_map(|o| o.security.as_ref()))
            .flatten();
        for req in all {
            for (name, scopes) in &req.schemes {
                let Some(SchemeKind::OAuth2 { flows }) = spec
                    .security_schemes
                    .iter()
                    .find(|s| &s.name == name)
                    .map(|s| &s.kind)
                else {
                    continue;
                };
                sink.examined(&META, n(scopes.len()));
                for scope in scopes
                    .iter()
                    .filter(|sc| !flows.iter().any(|f| f.scopes.contains(sc)))
                {
                    sink.report(
                        &META,
                        req.loc.location(),
                        format!("scope `{scope}` of `{name}` is not declared"),
                    );
                }
            }
        }
    }
}
