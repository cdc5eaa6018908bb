//! FL-OAS-032: Error bodies are not problem details.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{is_error, n};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Error responses use neither `application/problem+json` nor an RFC 9457-shaped schema.
///
/// ## What it checks
/// Error responses (4xx, 5xx, default) with a body whose media type is not
/// `application/problem+json` and whose schema lacks most of `type`, `title`, `status`,
/// `detail`, `instance`.
///
/// ## Why it matters
/// Problem details is the standard error shape that gateways, client libraries and log
/// pipelines understand; custom shapes need custom code everywhere.
///
/// ## Example
///
/// ```yaml
/// '400':
///   content: {application/json: {schema: {properties: {msg: {type: string}}}}}
/// ```
///
/// ## Fix
/// Return `application/problem+json` with `type`, `title`, `status`, `detail` (extend it with
/// your own fields).
pub struct NonProblemDetailsError;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-032",
    title: "Error bodies are not problem details",
    category: Category::Operability,
    severity: Severity::Info,
    confidence: 0.6,
    rationale: "Problem details is the standard error shape that gateways, client libraries and log pipelines understand; custom shapes need custom code everywhere.",
    remediation: "Return `application/problem+json` with `type`, `title`, `status`, `detail` (extend it with your own fields).",
};

impl Rule<Spec> for NonProblemDetailsError {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        const FIELDS: &[&str] = &["type", "title", "status", "detail", "instance"];
        let mut examined = 0;
        for op in &spec.operations {
            for r in op
                .responses
                .iter()
                .filter(|r| is_error(&r.status) && !r.content.is_empty())
            {
                examined += 1;
                let problem = r.content.iter().any(|m| {
                    m.name.contains("problem+")
                        || m.schema.is_some_and(|id| {
                            spec.all_properties(id)
                                .iter()
                                .filter(|p| FIELDS.contains(&p.name.as_str()))
                                .count()
                                >= 3
                        })
                });
                if !problem {
                    sink.report(
                        &META,
                        r.loc.location(),
                        format!("{} of {} is not problem+json", r.status, op.label()),
                    );
                }
            }
        }
        sink.examined(&META, n(examined));
    }
}
