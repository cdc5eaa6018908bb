//! FL-OAS-060: Only placeholder servers.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Every server is example.com, localhost or a raw IP address.
///
/// ## What it checks
/// Documents whose servers all point at `example.com`/`example.org`, `localhost`, loopback or a
/// literal IP address.
///
/// ## Why it matters
/// Nobody can reach the real API from the document; the production address lives only in tribal
/// knowledge.
///
/// ## Example
///
/// ```yaml
/// servers:
///   - url: http://localhost:8080
/// ```
///
/// ## Fix
/// Add the real production (and staging) base URLs.
pub struct PlaceholderServer;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-060",
    title: "Only placeholder servers",
    category: Category::Operability,
    severity: Severity::Low,
    confidence: 0.8,
    rationale: "Nobody can reach the real API from the document; the production address lives only in tribal knowledge.",
    remediation: "Add the real production (and staging) base URLs.",
};

impl Rule<Spec> for PlaceholderServer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        // Relative URLs (`/v1`) mean "same origin as the docs": not a placeholder.
        let placeholder = |url: &str| {
            let Some((_, rest)) = url.split_once("://") else {
                return false;
            };
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            host == "localhost"
                || host.contains("example.")
                || host.parse::<std::net::Ipv4Addr>().is_ok()
        };
        sink.examined(&META, n(spec.servers.len()));
        if !spec.servers.is_empty() && spec.servers.iter().all(|s| placeholder(&s.url)) {
            for s in &spec.servers {
                sink.report(
                    &META,
                    s.loc.location(),
                    format!("`{}` is a placeholder", s.url),
                );
            }
        }
    }
}
