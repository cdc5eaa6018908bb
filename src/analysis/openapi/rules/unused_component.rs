//! FL-OAS-052: Unused component.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A reusable component that nothing references.
///
/// ## What it checks
/// Schemas, parameters, responses, request bodies, headers and examples under `components`
/// (2.0: `definitions`, `parameters`, `responses`) that no `$ref` (nor a
/// `discriminator.mapping`) points at.
///
/// ## Why it matters
/// Dead definitions drift from reality, bloat generated SDKs and mislead readers about what the
/// API accepts.
///
/// ## Example
///
/// ```yaml
/// components:
///   schemas:
///     LegacyOrder: {...}   # never referenced
/// ```
///
/// ## Fix
/// Delete the component, or reference it where it was meant to be used.
pub struct UnusedComponent;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-052",
    title: "Unused component",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.8,
    rationale: "Dead definitions drift from reality, bloat generated SDKs and mislead readers about what the API accepts.",
    remediation: "Delete the component, or reference it where it was meant to be used.",
};

impl Rule<Spec> for UnusedComponent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.components.len()));
        for c in spec
            .components
            .iter()
            .filter(|c| !spec.referenced.contains(&c.loc.pointer))
        {
            sink.report(
                &META,
                c.loc.location(),
                format!("`{}` is never referenced", c.name),
            );
        }
    }
}
