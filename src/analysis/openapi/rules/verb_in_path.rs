//! FL-OAS-062: HTTP verb in path.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::openapi::query::static_segments;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A path segment is a verb such as get, create, update or delete.
///
/// ## What it checks
/// Static path segments that are, or start with, CRUD verbs (`get`, `create`, `update`,
/// `delete`, `remove`, `add`, `fetch`, `list`) followed by a separator or capital letter.
///
/// ## Why it matters
/// The HTTP method already says the action; verb paths lead to RPC-style duplicates
/// (`/getOrder`, `/fetchOrder`) that break caching and method semantics.
///
/// ## Example
///
/// ```yaml
/// /orders/getAll
/// ```
///
/// ## Fix
/// Use nouns for resources and let the HTTP method carry the action (`GET /orders`).
pub struct VerbInPath;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-062",
    title: "HTTP verb in path",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "The HTTP method already says the action; verb paths lead to RPC-style duplicates (`/getOrder`, `/fetchOrder`) that break caching and method semantics.",
    remediation: "Use nouns for resources and let the HTTP method carry the action (`GET /orders`).",
};

impl Rule<Spec> for VerbInPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        const VERBS: &[&str] = &[
            "get", "create", "update", "delete", "remove", "add", "fetch", "list",
        ];
        sink.examined(&META, n(spec.paths.len()));
        for item in &spec.paths {
            let verb = static_segments(&item.path).find(|seg| {
                VERBS.iter().any(|v| {
                    seg.strip_prefix(v).is_some_and(|rest| {
                        rest.is_empty()
                            || rest.starts_with(['-', '_'])
                            || rest.starts_with(|c: char| c.is_uppercase())
                    })
                })
            });
            if let Some(seg) = verb {
                sink.report(
                    &META,
                    item.loc.location(),
                    format!("`{seg}` in `{}` is a verb", item.path),
                );
            }
        }
    }
}
