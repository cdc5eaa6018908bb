//! FL-OAS-066: Duplicate enum value.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// An `enum` lists the same value twice.
///
/// ## What it checks
/// Schemas whose `enum` contains a value more than once.
///
/// ## Why it matters
/// JSON Schema requires unique enum values; generators emit duplicate constants that fail to
/// compile or silently collapse.
///
/// ## Example
///
/// ```yaml
/// enum: [open, closed, open]
/// ```
///
/// ## Fix
/// Remove the duplicate (and check whether a different value was meant).
pub struct DuplicateEnumValue;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-066",
    title: "Duplicate enum value",
    category: Category::Compliance,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "JSON Schema requires unique enum values; generators emit duplicate constants that fail to compile or silently collapse.",
    remediation: "Remove the duplicate (and check whether a different value was meant).",
};

impl Rule<Spec> for DuplicateEnumValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for s in &spec.schemas {
            let Some(values) = &s.enum_values else {
                continue;
            };
            sink.examined(&META, 1);
            let mut seen = HashSet::new();
            if let Some(dup) = values.iter().find(|v| !seen.insert(v.as_str())) {
                sink.report(&META, s.loc.location(), format!("`{dup}` appears twice"));
            }
        }
    }
}
