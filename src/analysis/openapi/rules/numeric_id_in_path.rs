//! FL-OAS-023: Guessable numeric identifier in a writable resource path.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::ParamIn;
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// An integer `{id}` path parameter on a resource that also accepts writes.
///
/// ## What it checks
/// Path parameters named `id` or `...Id` with an integer schema, on paths that have PUT, PATCH
/// or DELETE operations.
///
/// ## Why it matters
/// Sequential ids make it trivial to enumerate other users' objects; combined with a missing
/// ownership check this is BOLA, OWASP API1.
///
/// ## Example
///
/// ```yaml
/// /orders/{orderId}:
///   delete:
///     parameters: [{name: orderId, in: path, schema: {type: integer}}]
/// ```
///
/// ## Fix
/// Use opaque identifiers (UUIDs) and check object ownership on every access.
pub struct NumericIdInPath;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-023",
    title: "Guessable numeric identifier in a writable resource path",
    category: Category::Security,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "Sequential ids make it trivial to enumerate other users' objects; combined with a missing ownership check this is BOLA, OWASP API1.",
    remediation: "Use opaque identifiers (UUIDs) and check object ownership on every access.",
};

impl Rule<Spec> for NumericIdInPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut seen = HashSet::new();
        for op in spec.operations.iter().filter(|o| o.method.is_write()) {
            for p in op
                .parameters
                .iter()
                .filter(|p| p.location == ParamIn::Path && seen.insert(p.loc.pointer.clone()))
            {
                sink.examined(&META, 1);
                let idish = p.name.eq_ignore_ascii_case("id")
                    || p.name.ends_with("Id")
                    || p.name.ends_with("_id");
                let integer = p
                    .schema
                    .and_then(|id| spec.schema(id))
                    .is_some_and(|s| s.has_type("integer"));
                if idish && integer {
                    sink.report(
                        &META,
                        p.loc.location(),
                        format!("`{}` of {} is a sequential integer", p.name, op.label()),
                    );
                }
            }
        }
    }
}
