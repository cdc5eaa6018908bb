//! FL-OAS-009: Credential or token in a URL parameter.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::ParamIn;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::sensitive_kind;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// A query or path parameter carries a password, secret, API key or token.
///
/// ## What it checks
/// Query and path parameters whose names denote credentials (password, secret, api_key,
/// access_token, ...); pagination tokens are not counted.
///
/// ## Why it matters
/// Anything in a URL is logged by servers, proxies and browsers, so the credential leaks.
///
/// ## Example
///
/// ```yaml
/// parameters:
///   - {name: access_token, in: query}
/// ```
///
/// ## Fix
/// Move the credential to the Authorization header or the request body, and declare a security
/// scheme.
pub struct CredentialInUrl;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-009",
    title: "Credential or token in a URL parameter",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "Anything in a URL is logged by servers, proxies and browsers, so the credential leaks.",
    remediation: "Move the credential to the Authorization header or the request body, and declare a security scheme.",
};

impl Rule<Spec> for CredentialInUrl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut seen = HashSet::new();
        for op in &spec.operations {
            for p in op
                .parameters
                .iter()
                .filter(|p| matches!(p.location, ParamIn::Query | ParamIn::Path))
            {
                if !seen.insert(&p.loc.pointer) {
                    continue;
                }
                sink.examined(&META, 1);
                if sensitive_kind(&p.name).is_some() {
                    sink.report(
                        &META,
                        p.loc.location(),
                        format!("`{}` of {} is in the URL", p.name, op.label()),
                    );
                }
            }
        }
    }
}
