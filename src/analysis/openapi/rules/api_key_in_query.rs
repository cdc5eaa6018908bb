//! FL-OAS-008: API key passed in the URL.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::SchemeKind;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An apiKey security scheme reads the key from the query string.
///
/// ## What it checks
/// Security schemes of type `apiKey` with `in: query`.
///
/// ## Why it matters
/// URLs end up in access logs, browser history, proxies and Referer headers, so the key leaks.
///
/// ## Example
///
/// ```yaml
/// securitySchemes:
///   key: {type: apiKey, in: query, name: api_key}
/// ```
///
/// ## Fix
/// Send the key in a header (`in: header`) or move to OAuth2/bearer tokens.
pub struct ApiKeyInQuery;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-008",
    title: "API key passed in the URL",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "URLs end up in access logs, browser history, proxies and Referer headers, so the key leaks.",
    remediation: "Send the key in a header (`in: header`) or move to OAuth2/bearer tokens.",
};

impl Rule<Spec> for ApiKeyInQuery {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.security_schemes.len()));
        for s in &spec.security_schemes {
            if let SchemeKind::ApiKey { location, param } = &s.kind
                && location == "query"
            {
                sink.report(
                    &META,
                    s.loc.location(),
                    format!("scheme `{}` reads `{param}` from the query", s.name),
                );
            }
        }
    }
}
