//! FL-OAS-006: Server reachable over plain HTTP.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A server URL (or 2.0 scheme) uses `http://` for a non-local host.
///
/// ## What it checks
/// `servers[].url` starting with `http://`, or a Swagger 2.0 `schemes` list containing `http`,
/// for any host other than localhost/loopback.
///
/// ## Why it matters
/// Credentials and data cross the network in clear text and can be read or altered in transit.
///
/// ## Example
///
/// ```yaml
/// servers:
///   - url: http://api.acme.io/v1
/// ```
///
/// ## Fix
/// Serve the API over HTTPS only and list only `https://` servers.
pub struct PlainHttpServer;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-006",
    title: "Server reachable over plain HTTP",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Credentials and data cross the network in clear text and can be read or altered in transit.",
    remediation: "Serve the API over HTTPS only and list only `https://` servers.",
};

impl Rule<Spec> for PlainHttpServer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.servers.len()));
        for server in &spec.servers {
            let Some(rest) = server.url.strip_prefix("http://") else {
                continue;
            };
            let host = rest.split(['/', ':']).next().unwrap_or_default();
            if !matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[")
                && !host.ends_with(".local")
            {
                sink.report(
                    &META,
                    server.loc.location(),
                    format!("`{}` is not HTTPS", server.url),
                );
            }
        }
    }
}
