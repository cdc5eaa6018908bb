//! FL-OAS-003: Read operation without authentication.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Method;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{n, squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A GET or HEAD left anonymous in an API that otherwise uses authentication.
///
/// ## What it checks
/// In a document that declares security schemes, GET/HEAD operations with no effective
/// security, except paths that are public by nature (health, docs, login, token, public,
/// .well-known).
///
/// ## Why it matters
/// Reads leak data (OWASP API1/API3); an endpoint forgotten when security was added is the
/// classic way that happens.
///
/// ## Example
///
/// ```yaml
/// paths:
///   /customers:
///     get:
///       security: []
/// ```
///
/// ## Fix
/// Require the API's scheme on the operation, or move genuinely public resources under a
/// clearly public path.
pub struct UnauthenticatedReadOperation;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-003",
    title: "Read operation without authentication",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Reads leak data (OWASP API1/API3); an endpoint forgotten when security was added is the classic way that happens.",
    remediation: "Require the API's scheme on the operation, or move genuinely public resources under a clearly public path.",
};

impl Rule<Spec> for UnauthenticatedReadOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        if spec.security_schemes.is_empty() {
            return;
        }
        let reads: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| matches!(o.method, Method::Get | Method::Head) && !is_public(&o.path))
            .collect();
        sink.examined(&META, n(reads.len()));
        for op in reads.into_iter().filter(|o| !spec.is_secured(o)) {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} can be read anonymously", op.label()),
            );
        }
    }
}

/// Paths that are meant to be reachable without credentials.
fn is_public(path: &str) -> bool {
    const PUBLIC: &[&str] = &[
        "health",
        "healthz",
        "livez",
        "readyz",
        "ping",
        "status",
        "version",
        "docs",
        "openapi",
        "swagger",
        "login",
        "signin",
        "signup",
        "register",
        "token",
        "oauth",
        "public",
        "wellknown",
        "metrics",
        "jwks",
    ];
    static_segments(path)
        .map(squash)
        .any(|s| PUBLIC.iter().any(|p| s.starts_with(p)))
}
