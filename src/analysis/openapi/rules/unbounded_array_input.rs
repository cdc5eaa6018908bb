//! FL-OAS-016: Unbounded array input.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An array accepted from clients with no `maxItems`.
///
/// ## What it checks
/// Array schemas reachable from parameters and request bodies without `maxItems`.
///
/// ## Why it matters
/// A client can send millions of items in one call, exhausting memory and time on the server
/// (OWASP API4).
///
/// ## Example
///
/// ```yaml
/// properties:
///   ids: {type: array, items: {type: string}}
/// ```
///
/// ## Fix
/// Add `maxItems` sized to what one request should carry.
pub struct UnboundedArrayInput;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-016",
    title: "Unbounded array input",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.8,
    rationale: "A client can send millions of items in one call, exhausting memory and time on the server (OWASP API4).",
    remediation: "Add `maxItems` sized to what one request should carry.",
};

impl Rule<Spec> for UnboundedArrayInput {
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
            if !(s.has_type("array")) || s.read_only || s.enum_values.is_some() {
                return;
            }
            examined += 1;
            if s.max_items.is_none() {
                sink.report(&META, s.loc.location(), "unbounded array input");
            }
        });
        sink.examined(&META, n(examined));
    }
}
