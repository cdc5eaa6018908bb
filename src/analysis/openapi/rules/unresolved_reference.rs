//! FL-OAS-055: Unresolved $ref.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A local `$ref` points at nothing (or at itself in a loop).
///
/// ## What it checks
/// Local `$ref`s (`#/...`) whose target does not exist, is a malformed pointer, or forms a pure
/// reference cycle, and chains of more than 32 `$ref` hops, which are not followed further
/// (reported as such, not as a cycle). References to other files are not judged.
///
/// ## Why it matters
/// Tools fail or silently drop the referencing part: generated clients miss types, validators
/// accept anything, docs show holes.
///
/// ## Example
///
/// ```yaml
/// schema: {$ref: '#/components/schemas/Ordr'}
/// ```
///
/// ## Fix
/// Point the reference at an existing definition (check spelling and `~1` escaping of `/`).
pub struct UnresolvedReference;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-055",
    title: "Unresolved $ref",
    category: Category::Maintainability,
    severity: Severity::High,
    confidence: 0.95,
    rationale: "Tools fail or silently drop the referencing part: generated clients miss types, validators accept anything, docs show holes.",
    remediation: "Point the reference at an existing definition (check spelling and `~1` escaping of `/`).",
};

impl Rule<Spec> for UnresolvedReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, spec.local_refs);
        for u in &spec.unresolved_refs {
            sink.report(
                &META,
                u.loc.location(),
                format!("`{}`: {}", u.target, u.reason),
            );
        }
    }
}
