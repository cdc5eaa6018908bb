//! FL-OAS-010: OAuth2 implicit or password flow.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::SchemeKind;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An OAuth2 scheme offers a flow that OAuth 2.1 removes.
///
/// ## What it checks
/// OAuth2 flows `implicit` and `password` (resource-owner password credentials).
///
/// ## Why it matters
/// Implicit exposes tokens in redirects; password hands user credentials to the client. Both
/// are deprecated by the OAuth 2.0 Security BCP and OAuth 2.1.
///
/// ## Example
///
/// ```yaml
/// flows:
///   implicit: {authorizationUrl: ..., scopes: {}}
/// ```
///
/// ## Fix
/// Use the authorization code flow with PKCE (or client credentials for machines).
pub struct DeprecatedOAuthFlow;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-010",
    title: "OAuth2 implicit or password flow",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Implicit exposes tokens in redirects; password hands user credentials to the client. Both are deprecated by the OAuth 2.0 Security BCP and OAuth 2.1.",
    remediation: "Use the authorization code flow with PKCE (or client credentials for machines).",
};

impl Rule<Spec> for DeprecatedOAuthFlow {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for s in &spec.security_schemes {
            let SchemeKind::OAuth2 { flows } = &s.kind else {
                continue;
            };
            sink.examined(&META, n(flows.len()));
            for f in flows
                .iter()
                .filter(|f| f.kind == "implicit" || f.kind == "password")
            {
                sink.report(
                    &META,
                    f.loc.location(),
                    format!("scheme `{}` offers the {} flow", s.name, f.kind),
                );
            }
        }
    }
}
