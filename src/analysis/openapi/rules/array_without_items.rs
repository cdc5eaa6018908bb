//! FL-OAS-065: Array schema without items.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A `type: array` schema does not say what it contains.
///
/// ## What it checks
/// Schemas of type `array` with no `items`.
///
/// ## Why it matters
/// Generated clients fall back to untyped lists and validators accept anything inside, so bad
/// data passes silently.
///
/// ## Example
///
/// ```yaml
/// tags: {type: array}
/// ```
///
/// ## Fix
/// Declare `items` with the element schema.
pub struct ArrayWithoutItems;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-065",
    title: "Array schema without items",
    category: Category::Compliance,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "Generated clients fall back to untyped lists and validators accept anything inside, so bad data passes silently.",
    remediation: "Declare `items` with the element schema.",
};

impl Rule<Spec> for ArrayWithoutItems {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for s in spec.schemas.iter().filter(|s| s.has_type("array")) {
            sink.examined(&META, 1);
            if s.items.is_none() {
                sink.report(&META, s.loc.location(), "array without items");
            }
        }
    }
}
