//! FL-OAS-033: No health or readiness endpoint.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::query::{PROBE_SEGMENTS, squash, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// The API exposes no health, liveness or readiness path.
///
/// ## What it checks
/// No path has a segment like `health`, `healthz`, `livez`, `readyz`, `ready`, `live`, `ping`,
/// `status` or `heartbeat`.
///
/// ## Why it matters
/// Load balancers and orchestrators need a cheap probe to route around unhealthy instances;
/// without one, traffic keeps flowing to broken pods.
///
/// ## Example
///
/// ```yaml
/// paths:
///   /orders: ...   # no /health
/// ```
///
/// ## Fix
/// Add `/healthz` (liveness) and `/readyz` (readiness, checking dependencies) and document
/// them.
pub struct MissingHealthEndpoint;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-033",
    title: "No health or readiness endpoint",
    category: Category::Operability,
    severity: Severity::Low,
    confidence: 0.6,
    rationale: "Load balancers and orchestrators need a cheap probe to route around unhealthy instances; without one, traffic keeps flowing to broken pods.",
    remediation: "Add `/healthz` (liveness) and `/readyz` (readiness, checking dependencies) and document them.",
};

impl Rule<Spec> for MissingHealthEndpoint {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        // A `/status` path often reports a probe's answer too.
        let probe = |s: &str| PROBE_SEGMENTS.contains(&s) || s == "status";
        if spec.operations.is_empty() {
            return;
        }
        let has = spec
            .paths
            .iter()
            .any(|p| static_segments(&p.path).any(|s| probe(&squash(s))));
        if !has {
            sink.report(&META, spec.paths_loc.location(), "no health/readiness path");
        }
    }
}
