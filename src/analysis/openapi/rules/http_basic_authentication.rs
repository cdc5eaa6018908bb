//! FL-OAS-007: HTTP Basic authentication.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::SchemeKind;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A security scheme sends reusable credentials with every request.
///
/// ## What it checks
/// Security schemes of type `http` with scheme `basic` (2.0: `type: basic`).
///
/// ## Why it matters
/// Basic sends the long-lived password on every call, cannot be scoped or expired, and is one
/// proxy log away from a leak.
///
/// ## Example
///
/// ```yaml
/// securitySchemes:
///   basicAuth: {type: http, scheme: basic}
/// ```
///
/// ## Fix
/// Use short-lived tokens (OAuth2 / bearer JWT) or mTLS instead of Basic.
pub struct HttpBasicAuthentication;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-007",
    title: "HTTP Basic authentication",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "Basic sends the long-lived password on every call, cannot be scoped or expired, and is one proxy log away from a leak.",
    remediation: "Use short-lived tokens (OAuth2 / bearer JWT) or mTLS instead of Basic.",
};

impl Rule<Spec> for HttpBasicAuthentication {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.security_schemes.len()));
        for s in &spec.security_schemes {
            if matches!(&s.kind, SchemeKind::Http { scheme, .. } if scheme == "basic") {
                sink.report(
                    &META,
                    s.loc.location(),
                    format!("scheme `{}` is HTTP Basic", s.name),
                );
            }
        }
    }
}
