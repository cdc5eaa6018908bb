//! FL-OAS-018: Request body schema accepts undeclared properties.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Additional;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use crate::analysis::wording::count;

/// An object in a request body that silently accepts any extra property.
///
/// ## What it checks
/// Object schemas with declared `properties`, reachable from request bodies, whose
/// `additionalProperties` is unspecified (open by default) or `true`.
///
/// ## Why it matters
/// Open objects accept fields the server never meant to take (mass assignment, OWASP API3) and
/// hide client typos that should fail validation.
///
/// ## Example
///
/// ```yaml
/// schema:
///   type: object
///   properties: {name: {type: string}}   # additionalProperties not set
/// ```
///
/// ## Fix
/// Set `additionalProperties: false` on request objects (or `unevaluatedProperties: false` with
/// composition).
pub struct OpenRequestBodySchema;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-018",
    title: "Request body schema accepts undeclared properties",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "Open objects accept fields the server never meant to take (mass assignment, OWASP API3) and hide client typos that should fail validation.",
    remediation: "Set `additionalProperties: false` on request objects (or `unevaluatedProperties: false` with composition).",
};

impl Rule<Spec> for OpenRequestBodySchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let roots: Vec<_> = spec
            .operations
            .iter()
            .flat_map(|o| spec.body_roots(o))
            .collect();
        let mut examined = 0;
        spec.walk(roots, |_, s| {
            if s.properties.is_empty() || s.read_only {
                return;
            }
            examined += 1;
            if matches!(s.additional, Additional::Unspecified | Additional::Allowed) {
                sink.report(
                    &META,
                    s.loc.location(),
                    format!(
                        "object with {} accepts any other",
                        count(s.properties.len(), "property", "properties")
                    ),
                );
            }
        });
        sink.examined(&META, n(examined));
    }
}
