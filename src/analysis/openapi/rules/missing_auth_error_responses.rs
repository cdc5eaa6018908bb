//! FL-OAS-012: Secured operation without 401/403 responses.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A secured operation does not document what happens when authentication or authorisation
/// fails.
///
/// ## What it checks
/// Operations with effective security and no 401 (or 4XX/default) response; those requiring
/// scopes also need 403.
///
/// ## Why it matters
/// Clients cannot tell an expired token from a server error, so they neither refresh tokens nor
/// stop retrying.
///
/// ## Example
///
/// ```yaml
/// post:
///   security: [{oauth: [orders:write]}]
///   responses: {'201': ...}   # no 401, no 403
/// ```
///
/// ## Fix
/// Document 401 (missing/invalid credentials) and 403 (insufficient scope) with the error
/// schema.
pub struct MissingAuthErrorResponses;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-012",
    title: "Secured operation without 401/403 responses",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.7,
    rationale: "Clients cannot tell an expired token from a server error, so they neither refresh tokens nor stop retrying.",
    remediation: "Document 401 (missing/invalid credentials) and 403 (insufficient scope) with the error schema.",
};

impl Rule<Spec> for MissingAuthErrorResponses {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let secured: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| spec.is_secured(o))
            .collect();
        sink.examined(&META, n(secured.len()));
        for op in secured {
            let covers = |code: &str| op.has_status(|s| s == code || s == "4XX" || s == "default");
            let scoped = spec
                .effective_security(op)
                .unwrap_or_default()
                .iter()
                .any(|r| r.schemes.iter().any(|(_, sc)| !sc.is_empty()));
            let missing: Vec<&str> = [("401", true), ("403", scoped)]
                .iter()
                .filter(|(c, need)| *need && !covers(c))
                .map(|(c, _)| *c)
                .collect();
            if !missing.is_empty() {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} lacks {}", op.label(), missing.join(" and ")),
                );
            }
        }
    }
}
