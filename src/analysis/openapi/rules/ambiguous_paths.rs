//! FL-OAS-056: Duplicate or ambiguous paths.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashMap, HashMapExt};

/// Two paths are identical once template names are ignored.
///
/// ## What it checks
/// Paths equal after replacing every `{name}` with a placeholder and ignoring a trailing slash
/// (`/a/{id}` vs `/a/{key}`), including literal duplicates.
///
/// ## Why it matters
/// The router can only match one of them; which one wins depends on the framework, so requests
/// reach the wrong handler.
///
/// ## Example
///
/// ```yaml
/// /orders/{id}
/// /orders/{orderId}
/// ```
///
/// ## Fix
/// Merge the paths or make them differ by a static segment.
pub struct AmbiguousPaths;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-056",
    title: "Duplicate or ambiguous paths",
    category: Category::Maintainability,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "The router can only match one of them; which one wins depends on the framework, so requests reach the wrong handler.",
    remediation: "Merge the paths or make them differ by a static segment.",
};

impl Rule<Spec> for AmbiguousPaths {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut first: HashMap<String, &str> = HashMap::new();
        sink.examined(&META, n(spec.paths.len()));
        for item in &spec.paths {
            let key = normalise(&item.path);
            match first.get(&key) {
                Some(other) => sink.report(
                    &META,
                    item.loc.location(),
                    format!("`{}` clashes with `{other}`", item.path),
                ),
                None => {
                    first.insert(key, &item.path);
                }
            }
        }
    }
}

/// `/a/{id}/` → `/a/{}`.
fn normalise(path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                "{}"
            } else {
                s
            }
        })
        .collect();
    segments.join("/")
}
