//! FL-OAS-068: Too little to assess as an API description.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use crate::analysis::wording::count;

/// Too little to assess as an API description.
///
/// ## What it checks
///
/// An OpenAPI document without a single operation under `paths` (a stub, a components-only
/// library, a first draft, a 3.1 document of `webhooks` only, which no rule judges). The other
/// rules then see
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
/// Describe the API's operations under `paths` before asking whether it is ready; if the file
/// holds several YAML documents, submit the spec on its own.
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
    remediation: "Describe the API's operations under `paths` before asking whether it is ready; if the file holds several YAML documents, submit the spec on its own.",
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
        let paths = count(spec.paths.len(), "path", "paths");
        let webhooks = match spec.webhooks {
            0 => String::new(),
            n => format!(
                " ({} under `webhooks`, which these rules do not judge: they are calls this API makes, not endpoints it serves)",
                count(n as usize, "webhook operation", "webhook operations")
            ),
        };
        sink.report(
            &META,
            spec.paths_loc.location(),
            format!(
                "Found {paths} and no operations{webhooks}; the OpenAPI rules need at least one operation under `paths` to judge the API"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::openapi::model::Format;
    use crate::analysis::openapi::parse;
    use crate::analysis::request::Limits;

    #[test]
    fn webhooks_alone_give_the_rules_nothing_to_judge() {
        let spec = "openapi: 3.1.0
info: {title: Order events, version: 1.0.0}
webhooks:
  orderShipped:
    post:
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {'200': {description: received}}
";
        let spec = parse(spec, Format::Yaml, &Limits::default()).expect("parses");
        assert!(!spec.is_assessable());
        let mut sink = crate::analysis::rule::Sink::new();
        crate::analysis::rule::Rule::check(&super::TooLittleToAssess, &spec, &mut sink);
        let detail = &sink.findings()[0].description;
        assert!(
            detail.contains("1 webhook operation under `webhooks`"),
            "{detail}"
        );
    }
}
