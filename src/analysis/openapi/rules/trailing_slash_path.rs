//! FL-OAS-063: Path with a trailing slash.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A path ends with `/`.
///
/// ## What it checks
/// Paths other than `/` that end with a slash.
///
/// ## Why it matters
/// `/orders/` and `/orders` are different URLs: some frameworks redirect (breaking POST
/// bodies), others 404.
///
/// ## Example
///
/// ```yaml
/// /orders/:
/// ```
///
/// ## Fix
/// Remove the trailing slash and make the server redirect or reject consistently.
pub struct TrailingSlashPath;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-063",
    title: "Path with a trailing slash",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "`/orders/` and `/orders` are different URLs: some frameworks redirect (breaking POST bodies), others 404.",
    remediation: "Remove the trailing slash and make the server redirect or reject consistently.",
};

impl Rule<Spec> for TrailingSlashPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.paths.len()));
        for item in spec
            .paths
            .iter()
            .filter(|p| p.path.len() > 1 && p.path.ends_with('/'))
        {
            sink.report(
                &META,
                item.loc.location(),
                format!("`{}` ends with /", item.path),
            );
        }
    }
}
