//! FL-OAS-002: Write operation without authentication.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// POST, PUT, PATCH or DELETE that anyone may call.
///
/// ## What it checks
/// A write operation whose effective security (its own `security`, else the top-level one) is
/// absent, empty (`security: []`) or has an empty alternative (`{}`), which allows anonymous
/// calls.
///
/// ## Why it matters
/// Anonymous writes let anyone create, change or delete data; `security: []` is an explicit
/// opt-out that is easy to miss in review.
///
/// ## Example
///
/// ```yaml
/// paths:
///   /orders:
///     post:
///       security: []
/// ```
///
/// ## Fix
/// Require a security scheme on every write operation; if one must be public, document why and
/// protect it another way (captcha, signed links).
pub struct UnauthenticatedWriteOperation;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-002",
    title: "Write operation without authentication",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Anonymous writes let anyone create, change or delete data; `security: []` is an explicit opt-out that is easy to miss in review.",
    remediation: "Require a security scheme on every write operation; if one must be public, document why and protect it another way (captcha, signed links).",
};

impl Rule<Spec> for UnauthenticatedWriteOperation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let writes: Vec<_> = spec
            .operations
            .iter()
            .filter(|o| o.method.is_write())
            .collect();
        sink.examined(&META, n(writes.len()));
        for op in writes.into_iter().filter(|o| !spec.is_secured(o)) {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} can be called anonymously", op.label()),
            );
        }
    }
}
