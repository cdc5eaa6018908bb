//! FL-OAS-011: OAuth2 flow without scopes.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::SchemeKind;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An OAuth2 flow declares no scopes at all.
///
/// ## What it checks
/// OAuth2 flows whose `scopes` map is empty or missing.
///
/// ## Why it matters
/// Without scopes every token grants everything: least privilege is impossible and a leaked
/// token is a full compromise.
///
/// ## Example
///
/// ```yaml
/// flows:
///   clientCredentials: {tokenUrl: ..., scopes: {}}
/// ```
///
/// ## Fix
/// Declare fine-grained scopes (e.g. `orders:read`, `orders:write`) and require them per
/// operation.
pub struct OAuthFlowWithoutScopes;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-011",
    title: "OAuth2 flow without scopes",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Without scopes every token grants everything: least privilege is impossible and a leaked token is a full compromise.",
    remediation: "Declare fine-grained scopes (e.g. `orders:read`, `orders:write`) and require them per operation.",
};

impl Rule<Spec> for OAuthFlowWithoutScopes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for s in &spec.security_schemes {
            let SchemeKind::OAuth2 { flows } = &s.kind else {
                continue;
            };
            sink.examined(&META, n(flows.len()));
            for f in flows.iter().filter(|f| f.scopes.is_empty()) {
                sink.report(
                    &META,
                    f.loc.location(),
                    format!("{} flow of `{}` has no scopes", f.kind, s.name),
                );
            }
        }
    }
}
