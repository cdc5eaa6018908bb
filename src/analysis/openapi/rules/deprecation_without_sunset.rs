//! FL-OAS-035: Deprecated operation without sunset or replacement.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An operation is marked deprecated but says neither when it goes away nor what replaces it.
///
/// ## What it checks
/// Operations with `deprecated: true` that document no `Sunset`/`Deprecation` response header
/// and whose description names no replacement or date (use, instead, replaced, sunset,
/// removed).
///
/// ## Why it matters
/// Clients cannot plan a migration they do not know about; the removal then breaks them in
/// production.
///
/// ## Example
///
/// ```yaml
/// get:
///   deprecated: true
/// ```
///
/// ## Fix
/// Send `Deprecation` and `Sunset` headers (RFC 8594/9745) and name the replacement in the
/// description.
pub struct DeprecationWithoutSunset;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-035",
    title: "Deprecated operation without sunset or replacement",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.8,
    rationale: "Clients cannot plan a migration they do not know about; the removal then breaks them in production.",
    remediation: "Send `Deprecation` and `Sunset` headers (RFC 8594/9745) and name the replacement in the description.",
};

impl Rule<Spec> for DeprecationWithoutSunset {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let deprecated: Vec<_> = spec.operations.iter().filter(|o| o.deprecated).collect();
        sink.examined(&META, n(deprecated.len()));
        for op in deprecated {
            let header = op.responses.iter().flat_map(|r| &r.headers).any(|h| {
                h.name.eq_ignore_ascii_case("sunset") || h.name.eq_ignore_ascii_case("deprecation")
            });
            let text = format!(
                "{} {}",
                op.summary.as_deref().unwrap_or_default(),
                op.description.as_deref().unwrap_or_default()
            )
            .to_ascii_lowercase();
            let named = [
                "use ",
                "instead",
                "replaced",
                "sunset",
                "removed",
                "superseded",
            ]
            .iter()
            .any(|w| text.contains(w));
            if !header && !named {
                sink.report(
                    &META,
                    op.loc.location(),
                    format!("{} is deprecated without sunset or replacement", op.label()),
                );
            }
        }
    }
}
