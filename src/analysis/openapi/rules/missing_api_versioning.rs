//! FL-OAS-046: No API versioning strategy.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Nothing in servers, paths, media types or headers carries an API version.
///
/// ## What it checks
/// No `/v1`-style or date version segment in server URLs or paths, no numeric version
/// (`/1`, `/2.0`) as the first segment of a server URL's path or of a path, no versioned media type
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
            let servers = spec
                .servers
                .iter()
                .map(|s| (s.url.as_str(), url_path(&s.url)));
            let mut urls = servers.chain(
                spec.paths
                    .iter()
                    .map(|p| (p.path.as_str(), p.path.as_str())),
            );
            urls.any(|(url, path)| {
                url.split('/').any(is_version_segment)
                    || path
                        .split('/')
                        .find(|s| !s.is_empty())
                        .is_some_and(is_numeric_version)
            })
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

/// The path of a server URL (`https://api.acme.io/2.0` → `/2.0`); a
/// relative URL is a path already. The host is left out, so `127.0.0.1`
/// is not read as a version.
fn url_path(url: &str) -> &str {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map_or("", |j| &rest[j..])
        }
        None => url,
    }
}

/// `1`, `2.0`, `1.2.3`: a bare version number, as in `/2.0/users/{username}`.
/// Only the first segment counts: deeper down a number is a resource.
fn is_numeric_version(seg: &str) -> bool {
    let parts: Vec<&str> = seg.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
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

#[cfg(test)]
mod tests {
    use super::{MissingApiVersioning, is_numeric_version, url_path};
    use crate::analysis::openapi::model::Format;
    use crate::analysis::openapi::parse;
    use crate::analysis::request::Limits;
    use crate::analysis::rule::{Rule, Sink};

    fn fires(yaml: &str) -> bool {
        let spec = parse(yaml, Format::Yaml, &Limits::default()).expect("parses");
        let mut sink = Sink::new();
        MissingApiVersioning.check(&spec, &mut sink);
        !sink.findings().is_empty()
    }

    fn spec(server: &str, path: &str) -> String {
        format!(
            "openapi: 3.0.3\ninfo: {{title: T, version: 1.0.0}}\nservers: [{{url: '{server}'}}]\npaths:\n  {path}:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"
        )
    }

    #[test]
    fn a_numeric_version_first_in_the_path_is_a_version() {
        assert!(!fires(&spec(
            "https://api.bitbucket.org",
            "/2.0/users/{username}"
        )));
        assert!(!fires(&spec("https://api.acme.io", "/1/orders")));
        assert!(!fires(&spec("https://api.bitbucket.org/2.0", "/users")));
        assert!(!fires(&spec("/1.2", "/users")));
    }

    #[test]
    fn numbers_elsewhere_are_not_versions() {
        assert!(fires(&spec("https://127.0.0.1:8080", "/users")));
        assert!(fires(&spec("https://api.acme.io", "/users/2/photos")));
        assert!(fires(&spec("https://api.acme.io", "/2024/report")));
        // A version in the host still counts, as before.
        assert!(!fires(&spec("https://v2.api.acme.io", "/users")));
        assert_eq!(url_path("https://api.acme.io"), "");
        assert!(
            !is_numeric_version("1.2.3.4") && !is_numeric_version("1.") && !is_numeric_version("")
        );
    }
}
