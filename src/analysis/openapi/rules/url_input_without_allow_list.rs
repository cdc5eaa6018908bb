//! FL-OAS-022: URL input without format or pattern.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// A parameter or body field takes a URL the server may fetch, with no constraint.
///
/// ## What it checks
/// Parameters and top-level request-body properties named like URLs (url, uri, callback,
/// redirect, webhook, ...Url) whose string schema has neither `format: uri` nor a `pattern` nor
/// an `enum`.
///
/// ## Why it matters
/// Server-side fetching of client-supplied URLs is the SSRF entry point (OWASP API7); open
/// redirects come from unvalidated redirect targets.
///
/// ## Example
///
/// ```yaml
/// properties:
///   callbackUrl: {type: string}
/// ```
///
/// ## Fix
/// Declare `format: uri` plus a `pattern` restricting scheme and host, and enforce an
/// allow-list server-side.
pub struct UrlInputWithoutAllowList;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-022",
    title: "URL input without format or pattern",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "Server-side fetching of client-supplied URLs is the SSRF entry point (OWASP API7); open redirects come from unvalidated redirect targets.",
    remediation: "Declare `format: uri` plus a `pattern` restricting scheme and host, and enforce an allow-list server-side.",
};

impl Rule<Spec> for UrlInputWithoutAllowList {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let mut seen = HashSet::new();
        for op in &spec.operations {
            // Only URL-ish names matter: filtered before any pointer is spelled.
            let params = op
                .parameters
                .iter()
                .filter(|p| urlish(&p.name))
                .filter_map(|p| Some((p.name.as_str(), p.loc.clone(), p.schema?)));
            let props = spec.body_roots(op).into_iter().flat_map(|id| {
                let base = spec
                    .schema(id)
                    .map(|s| s.loc.pointer.clone())
                    .unwrap_or_default();
                let props = spec.all_properties(id).into_iter();
                props.filter(|p| urlish(&p.name)).map(move |p| {
                    let loc = crate::analysis::openapi::model::Loc::new(
                        p.line,
                        format!("{base}/properties/{}", p.name),
                    );
                    (p.name.as_str(), loc, p.schema)
                })
            });
            for (name, loc, id) in params.chain(props.collect::<Vec<_>>()) {
                let Some(schema) = spec.schema(id).filter(|sc| sc.has_type("string")) else {
                    continue;
                };
                if !seen.insert(loc.pointer.clone()) {
                    continue;
                }
                sink.examined(&META, 1);
                if schema.format.as_deref() != Some("uri")
                    && schema.pattern.is_none()
                    && schema.enum_values.is_none()
                {
                    sink.report(&META, loc.location(), format!("`{name}` takes any URL"));
                }
            }
        }
    }
}

/// A name that says it holds a URL (`callbackUrl`, `redirect_uri`, ...).
fn urlish(name: &str) -> bool {
    let s = squash(name);
    ["url", "uri", "callback", "redirect", "webhook", "returnto"]
        .iter()
        .any(|k| s.ends_with(k) || s.starts_with(k))
}
