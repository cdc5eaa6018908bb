//! FL-OAS-057: Path template and path parameters disagree.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::ParamIn;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{n, template_vars};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A `{variable}` in the path is not declared as a path parameter, or a declared path parameter
/// is not in the path.
///
/// ## What it checks
/// For every operation, each template variable must have a path parameter of the same name
/// (path-level or operation-level), and each path parameter must appear in the template.
///
/// ## Why it matters
/// Generators produce clients that cannot fill the URL, or send a parameter the server never
/// reads; validators reject valid calls.
///
/// ## Example
///
/// ```yaml
/// /orders/{orderId}:
///   get: {parameters: [{name: id, in: path}]}
/// ```
///
/// ## Fix
/// Declare `{name}` as `in: path, required: true` with the exact same name, and drop stray path
/// parameters.
pub struct PathParameterMismatch;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-057",
    title: "Path template and path parameters disagree",
    category: Category::Maintainability,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Generators produce clients that cannot fill the URL, or send a parameter the server never reads; validators reject valid calls.",
    remediation: "Declare `{name}` as `in: path, required: true` with the exact same name, and drop stray path parameters.",
};

impl Rule<Spec> for PathParameterMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        for op in &spec.operations {
            let vars = template_vars(&op.path);
            sink.examined(&META, n(vars.len() + op.params_in(ParamIn::Path).count()));
            for v in vars
                .iter()
                .filter(|v| !op.params_in(ParamIn::Path).any(|p| p.name == **v))
            {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("`{{{v}}}` of {} is not declared", op.label()),
                );
            }
            for p in op
                .params_in(ParamIn::Path)
                .filter(|p| !vars.contains(&p.name.as_str()))
            {
                sink.report(
                    &META,
                    p.loc.location(),
                    format!("path parameter `{}` is not in {}", p.name, op.path),
                );
            }
        }
    }
}
