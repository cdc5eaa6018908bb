//! FL-OAS-050: Parameter without description.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// A parameter has no description.
///
/// ## What it checks
/// Parameters (each declaration once) without a non-empty `description`.
///
/// ## Why it matters
/// Clients cannot know units, formats, defaults or interactions of an undocumented parameter
/// and misuse it.
///
/// ## Example
///
/// ```yaml
/// - {name: since, in: query, schema: {type: string}}
/// ```
///
/// ## Fix
/// Describe every parameter: meaning, format, default, limits.
pub struct UndocumentedParameter;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-050",
    title: "Parameter without description",
    category: Category::Documentation,
    severity: Severity::Low,
    confidence: 0.9,
    rationale: "Clients cannot know units, formats, defaults or interactions of an undocumented parameter and misuse it.",
    remediation: "Describe every parameter: meaning, format, default, limits.",
};

impl Rule<Spec> for UndocumentedParameter {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut seen = HashSet::new();
        for op in &spec.operations {
            for p in op
                .parameters
                .iter()
                .filter(|p| seen.insert(p.loc.pointer.clone()))
            {
                sink.examined(&META, 1);
                if p.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
                    sink.report(
                        &META,
                        p.loc.location(),
                        format!("`{}` of {} is undocumented", p.name, op.label()),
                    );
                }
            }
        }
    }
}
