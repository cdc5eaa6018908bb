//! FL-OAS-051: Request or response body without example.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{is_success, n};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A JSON body has no example at the media type or schema level.
///
/// ## What it checks
/// Request bodies and 2xx responses with a schema where no media type has an
/// `example`/`examples`, neither on the media type, nor on the schema, nor on its direct
/// properties (reported once per body or response).
///
/// ## Why it matters
/// Examples are what developers copy; without them, mocks, docs and contract tests have nothing
/// realistic to show.
///
/// ## Example
///
/// ```yaml
/// content:
///   application/json:
///     schema: {$ref: '#/components/schemas/Order'}
/// ```
///
/// ## Fix
/// Add an `example` to the media type (or `examples` with named cases).
pub struct MissingExamples;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-051",
    title: "Request or response body without example",
    category: Category::Documentation,
    severity: Severity::Info,
    confidence: 0.9,
    rationale: "Examples are what developers copy; without them, mocks, docs and contract tests have nothing realistic to show.",
    remediation: "Add an `example` to the media type (or `examples` with named cases).",
};

impl Rule<Spec> for MissingExamples {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut examined = 0;
        for op in &spec.operations {
            let success = op
                .responses
                .iter()
                .filter(|r| is_success(&r.status))
                .map(|r| (&r.loc, &r.content));
            for (loc, content) in op
                .request_body
                .iter()
                .map(|b| (&b.loc, &b.content))
                .chain(success)
            {
                let typed: Vec<_> = content.iter().filter(|m| m.schema.is_some()).collect();
                if typed.is_empty() {
                    continue;
                }
                examined += 1;
                let exemplified = typed
                    .iter()
                    .any(|m| m.has_example || m.schema.is_some_and(|id| has_example(spec, id)));
                if !exemplified {
                    sink.report(
                        &META,
                        loc.location(),
                        format!("a body of {} has no example", op.label()),
                    );
                }
            }
        }
        sink.examined(&META, n(examined));
    }
}

/// An example on the schema or on one of its direct properties.
fn has_example(spec: &Spec, id: usize) -> bool {
    spec.schema(id).is_some_and(|s| s.has_example)
        || spec
            .all_properties(id)
            .iter()
            .any(|p| spec.schema(p.schema).is_some_and(|s| s.has_example))
}
