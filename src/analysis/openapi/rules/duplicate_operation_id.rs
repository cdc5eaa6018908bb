//! FL-OAS-048: Duplicate operationId.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashMap, HashMapExt};

/// Two operations share an `operationId`.
///
/// ## What it checks
/// `operationId` values used by more than one operation; every repeat after the first is
/// reported.
///
/// ## Why it matters
/// operationIds must be unique: generators emit clashing methods (one silently wins), and
/// links/metrics keyed by id point at the wrong operation.
///
/// ## Example
///
/// ```yaml
/// /a: {get: {operationId: list}}
/// /b: {get: {operationId: list}}
/// ```
///
/// ## Fix
/// Rename the duplicates so every operationId is unique.
pub struct DuplicateOperationId;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-048",
    title: "Duplicate operationId",
    category: Category::Maintainability,
    severity: Severity::High,
    confidence: 0.95,
    rationale: "operationIds must be unique: generators emit clashing methods (one silently wins), and links/metrics keyed by id point at the wrong operation.",
    remediation: "Rename the duplicates so every operationId is unique.",
};

impl Rule<Spec> for DuplicateOperationId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut first: HashMap<&str, String> = HashMap::new();
        for op in &spec.operations {
            let Some(id) = op.operation_id.as_deref().filter(|i| !i.is_empty()) else {
                continue;
            };
            sink.examined(&META, 1);
            match first.get(id) {
                Some(label) => sink.report(
                    &META,
                    op.loc.location(),
                    format!("`{id}` of {} is also used by {label}", op.label()),
                ),
                None => {
                    first.insert(id, op.label());
                }
            }
        }
    }
}
