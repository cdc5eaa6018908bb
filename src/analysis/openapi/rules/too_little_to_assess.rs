//! FL-OAS-068: Too little to assess as an API description.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Too little to assess as an API description.
///
/// ## What it checks
///
/// An OpenAPI document without a single operation: `paths` is empty or missing and there are
/// no `webhooks` (a stub, a components-only library, a first draft). The other rules then see
/// no endpoint; the ones that stay silent are not counted as passing, so the score rests only
/// on what was found.
///
/// ## Why it matters
///
/// The OpenAPI rules judge operations (who may call them, what they return, how they fail);
/// with none they have nothing to look at, and a clean result would vouch for nothing, so the
/// document gets no readiness score worth trusting.
///
/// ## Example
///
/// ```yaml
/// openapi: 3.0.3
/// info: {title: Orders, version: 1.0.0}
/// paths: {}
/// ```
///
/// ## Fix
///
/// Describe the API's operations under `paths` (or `webhooks`) before asking whether it is
/// ready; if the file holds several YAML documents, submit the spec on its own.
pub struct TooLittleToAssess;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-068",
    title: "Too little to assess as an API description",
    category: Category::Documentation,
    // Info: a stub is not a production risk in itself, and the score already
    // says how little could be vouched for.
    severity: Severity::Info,
    confidence: 1.0,
    rationale: "The OpenAPI rules judge operations (who may call them, what they return, how they fail); with none they have nothing to look at, and a clean result would vouch for nothing, so the document gets no readiness score worth trusting.",
    remediation: "Describe the API's operations under `paths` (or `webhooks`) before asking whether it is ready; if the file holds several YAML documents, submit the spec on its own.",
};

impl Rule<Spec> for TooLittleToAssess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        // It judges the document as a whole.
        sink.examined(&META, 1);
        if spec.is_assessable() {
            return;
        }
        let paths = spec.paths.len();
        let noun = if paths == 1 { "path" } else { "paths" };
        sink.report(
            &META,
            spec.paths_loc.location(),
            format!(
                "Found {paths} {noun}, no operations and no webhooks; the OpenAPI rules need at least one operation to judge the API"
            ),
        );
    }
}
