//! FL-OAS-046: No API versioning strategy.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Nothing in servers, paths, media types or headers carries an API version.
///
/// ## What it checks
/// No `/v1`-style or date version segment in server URLs or paths, no versioned media type
/// (`version=` / `vnd...v2`), and no version header or query parameter (`api-version`,
/// `X-API-Version`, `Accept-Version`).
///
/// ## Why it matters
/// Without a versioning scheme the first breaking change breaks every client at once; there is
/// no way to run old and new side by side.
///
/// ## Example
///
/// ```yaml
/// servers:
///   - url: https://api.acme.io
/// paths:
///   /orders: ...
/// ```
///
/// ## Fix
/// Pick one scheme (URL prefix `/v1`, a version header or media-type versioning) and apply it
/// consistently.
pub struct MissingApiVersioning;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-046",
    title: "No API versioning strategy",
    category: Category::Maintainability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Without a versioning scheme the first breaking change breaks every client at once; there is no way to run old and new side by side.",
    remediation: "Pick one scheme (URL prefix `/v1`, a version header or media-type versioning) and apply it consistently.",
};

impl Rule<Spec> for MissingApiVersioning {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        if spec.operations.is_empty() {
            return;
        }
        let in_url = || {
            let mut urls = spec
                .servers
                .iter()
                .map(|s| s.url.as_str())
                .chain(spec.paths.iter().map(|p| p.path.as_str()));
            urls.any(|u| u.split('/').any(is_version_segment))
        };
        let media = || {
            let mut all = spec.operations.iter().flat_map(|o| {
                o.responses
                    .iter()
                    .flat_map(|r| &r.content)
                    .chain(o.request_body.iter().flat_map(|b| &b.content))
            });
            all.any(|m| {
                ["version=", ".v1", ".v2", "-v1", "-v2"]
                    .iter()
                    .any(|v| m.name.contains(v))
            })
        };
        let param = || {
            spec.operations.iter().flat_map(|o| &o.parameters).any(|p| {
                matches!(
                    squash(&p.name).as_str(),
                    "apiversion" | "xapiversion" | "acceptversion" | "version"
                )
            })
        };
        if !(in_url() || media() || param()) {
            sink.report(
                &META,
                spec.root_loc().location(),
                "no version in URLs, media types or headers",
            );
        }
    }
}

/// `v1`, `v2beta1`, `2024-01-01`.
fn is_version_segment(seg: &str) -> bool {
    let digits_after_v = seg
        .strip_prefix('v')
        .or_else(|| seg.strip_prefix('V'))
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    let date = seg.len() == 10
        && seg.chars().filter(|c| *c == '-').count() == 2
        && seg.chars().all(|c| c.is_ascii_digit() || c == '-');
    digits_after_v || date
}
