//! FL-OAS-017: Unbounded numeric input.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An integer or number accepted from clients with no `maximum`.
///
/// ## What it checks
/// Integer and number schemas reachable from parameters and request bodies without `maximum`
/// (or `exclusiveMaximum`).
///
/// ## Why it matters
/// Unbounded numbers drive loop counts, allocation sizes and quantities; without a maximum,
/// overflow and resource exhaustion bugs follow.
///
/// ## Example
///
/// ```yaml
/// properties:
///   quantity: {type: integer}
/// ```
///
/// ## Fix
/// Declare `minimum` and `maximum` for every numeric input.
pub struct UnboundedNumericInput;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-017",
    title: "Unbounded numeric input",
    category: Category::Security,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Unbounded numbers drive loop counts, allocation sizes and quantities; without a maximum, overflow and resource exhaustion bugs follow.",
    remediation: "Declare `minimum` and `maximum` for every numeric input.",
};

impl Rule<Spec> for UnboundedNumericInput {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let roots: Vec<_> = spec
            .operations
            .iter()
            .flat_map(|o| spec.input_roots(o))
            .collect();
        let mut examined = 0;
        spec.walk(roots, |_, s| {
            if !(s.has_type("integer") || s.has_type("number"))
                || s.read_only
                || s.enum_values.is_some()
            {
                return;
            }
            examined += 1;
            if s.maximum.is_none() {
                sink.report(&META, s.loc.location(), "unbounded numeric input");
            }
        });
        sink.examined(&META, n(examined));
    }
}
