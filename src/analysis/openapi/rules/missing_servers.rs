//! FL-OAS-059: No servers declared.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// The document does not say where the API lives.
///
/// ## What it checks
/// No `servers` (3.x) or no `host` (2.0).
///
/// ## Why it matters
/// Clients, mocks and try-it consoles fall back to the document's own origin, which is rarely
/// the API; environments are undocumented.
///
/// ## Example
///
/// ```yaml
/// openapi: 3.0.3
/// paths: ...   # no servers
/// ```
///
/// ## Fix
/// List each environment's base URL under `servers` with a description.
pub struct MissingServers;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-059",
    title: "No servers declared",
    category: Category::Operability,
    severity: Severity::Medium,
    confidence: 0.9,
    rationale: "Clients, mocks and try-it consoles fall back to the document's own origin, which is rarely the API; environments are undocumented.",
    remediation: "List each environment's base URL under `servers` with a description.",
};

impl Rule<Spec> for MissingServers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        if spec.servers.is_empty() {
            sink.report(&META, spec.root_loc().location(), "no servers");
        }
    }
}
