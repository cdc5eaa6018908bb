//! FL-OAS-064: Required property not defined.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Additional;
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// `required` lists a property that the schema does not define.
///
/// ## What it checks
/// Object schemas with `properties` (or `allOf`) whose `required` names a property found
/// neither in its properties nor in its `allOf` members; schemas open to any property via
/// `additionalProperties` are skipped.
///
/// ## Why it matters
/// Validators then require a field clients do not know about, or generators emit a model that
/// can never be valid.
///
/// ## Example
///
/// ```yaml
/// required: [id, name]
/// properties: {id: {type: string}}
/// ```
///
/// ## Fix
/// Define the property or remove it from `required` (check spelling).
pub struct RequiredPropertyUndefined;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-064",
    title: "Required property not defined",
    category: Category::Compliance,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "Validators then require a field clients do not know about, or generators emit a model that can never be valid.",
    remediation: "Define the property or remove it from `required` (check spelling).",
};

impl Rule<Spec> for RequiredPropertyUndefined {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for (id, s) in spec.schemas.iter().enumerate() {
            if s.required.is_empty()
                || (s.properties.is_empty() && s.all_of.is_empty())
                || !s.any_of.is_empty()
                || !s.one_of.is_empty()
            {
                continue;
            }
            if matches!(s.additional, Additional::Schema(_)) {
                continue;
            }
            sink.examined(&META, 1);
            let props = spec.all_properties(id);
            let missing: Vec<String> = s
                .required
                .iter()
                .filter(|r| !props.iter().any(|p| &&p.name == r))
                .map(|r| format!("`{r}`"))
                .collect();
            if !missing.is_empty() {
                sink.report(
                    &META,
                    s.loc.location(),
                    format!("{} required but not defined", missing.join(", ")),
                );
            }
        }
    }
}
