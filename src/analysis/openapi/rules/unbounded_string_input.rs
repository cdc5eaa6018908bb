//! FL-OAS-015: Unbounded string input.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A string accepted from clients with no length, pattern, format or enum.
///
/// ## What it checks
/// String schemas reachable from parameters and request bodies that have no `maxLength`,
/// `pattern`, `enum` or (non-binary) `format`.
///
/// ## Why it matters
/// Unbounded strings invite oversized payloads and injection; servers must guess a limit that
/// clients never learn (OWASP API4).
///
/// ## Example
///
/// ```yaml
/// properties:
///   note: {type: string}
/// ```
///
/// ## Fix
/// Add `maxLength` (and a `pattern` or `format` where the value has a shape).
pub struct UnboundedStringInput;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-015",
    title: "Unbounded string input",
    category: Category::Security,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "Unbounded strings invite oversized payloads and injection; servers must guess a limit that clients never learn (OWASP API4).",
    remediation: "Add `maxLength` (and a `pattern` or `format` where the value has a shape).",
};

impl Rule<Spec> for UnboundedStringInput {
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
            if !(s.has_type("string")) || s.read_only || s.enum_values.is_some() {
                return;
            }
            examined += 1;
            if s.max_length.is_none()
                && s.pattern.is_none()
                && s.format
                    .as_deref()
                    .is_none_or(|f| f == "binary" || f == "byte")
            {
                sink.report(&META, s.loc.location(), "unbounded string input");
            }
        });
        sink.examined(&META, n(examined));
    }
}
