//! FL-OAS-031: Error responses use different schemas.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{is_error, n};
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use std::collections::BTreeMap;

/// 4xx/5xx bodies do not share one error shape.
///
/// ## What it checks
/// Error responses (4xx, 5xx, default) with a body: their schemas are grouped by shape
/// (property names, or type for non-objects); responses outside the most common shape are
/// reported.
///
/// ## Why it matters
/// Clients need one error parser; with several shapes, error handling code misses fields and
/// shows users raw payloads.
///
/// ## Example
///
/// ```yaml
/// '400': {schema: {$ref: '#/components/schemas/Error'}}
/// '404': {schema: {type: string}}
/// ```
///
/// ## Fix
/// Define one error schema (ideally RFC 9457 problem details) and reference it from every error
/// response.
pub struct InconsistentErrorSchema;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-031",
    title: "Error responses use different schemas",
    category: Category::Reliability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Clients need one error parser; with several shapes, error handling code misses fields and shows users raw payloads.",
    remediation: "Define one error schema (ideally RFC 9457 problem details) and reference it from every error response.",
};

impl Rule<Spec> for InconsistentErrorSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut shapes: Vec<(String, crate::analysis::openapi::model::Loc)> = Vec::new();
        for op in &spec.operations {
            for r in op.responses.iter().filter(|r| is_error(&r.status)) {
                if let Some(id) = r.content.iter().find_map(|m| m.schema) {
                    shapes.push((shape(spec, id), r.loc.clone()));
                }
            }
        }
        sink.examined(&META, n(shapes.len()));
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (s, _) in &shapes {
            *counts.entry(s.as_str()).or_default() += 1;
        }
        let Some(common) = counts
            .iter()
            .max_by_key(|(_, c)| **c)
            .map(|(s, _)| s.to_string())
        else {
            return;
        };
        for (s, loc) in shapes.iter().filter(|(s, _)| *s != common) {
            sink.report(
                &META,
                loc.location(),
                format!("error body `{s}` differs from the usual `{common}`"),
            );
        }
    }
}

/// A schema's shape: its sorted property names, else its type.
fn shape(spec: &Spec, id: usize) -> String {
    let mut names: Vec<&str> = spec
        .all_properties(id)
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        spec.schema(id)
            .map(|s| s.types.join("|"))
            .unwrap_or_default()
    } else {
        format!("{{{}}}", names.join(","))
    }
}
