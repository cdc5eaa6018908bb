//! FL-OAS-047: Operation without operationId.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation has no `operationId`.
///
/// ## What it checks
/// Operations with no (or an empty) `operationId`.
///
/// ## Why it matters
/// SDK generators invent method names from paths, which change whenever a path does, breaking
/// every client build; docs links and metrics lose a stable key.
///
/// ## Example
///
/// ```yaml
/// get:
///   summary: List orders
/// ```
///
/// ## Fix
/// Give every operation a unique, stable `operationId` such as `listOrders`.
pub struct MissingOperationId;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-047",
    title: "Operation without operationId",
    category: Category::Maintainability,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "SDK generators invent method names from paths, which change whenever a path does, breaking every client build; docs links and metrics lose a stable key.",
    remediation: "Give every operation a unique, stable `operationId` such as `listOrders`.",
};

impl Rule<Spec> for MissingOperationId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.operations.len()));
        for op in spec
            .operations
            .iter()
            .filter(|o| o.operation_id.as_deref().is_none_or(str::is_empty))
        {
            sink.report(
                &META,
                op.loc.location(),
                format!("{} has no operationId", op.label()),
            );
        }
    }
}
