//! FL-OAS-001: API declares no authentication.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An API with operations but no security scheme and no effective `security` anywhere.
///
/// ## What it checks
/// The document has operations, declares no security scheme (`components.securitySchemes` or
/// 2.0 `securityDefinitions`) and no operation is secured.
///
/// ## Why it matters
/// Without any declared authentication every endpoint is public by contract: clients, gateways
/// and SDKs will call it anonymously.
///
/// ## Example
///
/// ```yaml
/// openapi: 3.0.3
/// paths:
///   /orders:
///     get: ...   # no securitySchemes anywhere
/// ```
///
/// ## Fix
/// Declare the scheme the API really uses (OAuth2, bearer JWT, mTLS) and require it with a
/// top-level `security`.
pub struct MissingSecuritySchemes;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-001",
    title: "API declares no authentication",
    category: Category::Security,
    severity: Severity::Critical,
    confidence: 0.9,
    rationale: "Without any declared authentication every endpoint is public by contract: clients, gateways and SDKs will call it anonymously.",
    remediation: "Declare the scheme the API really uses (OAuth2, bearer JWT, mTLS) and require it with a top-level `security`.",
};

impl Rule<Spec> for MissingSecuritySchemes {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        if spec.operations.is_empty() {
            return;
        }
        if spec.security_schemes.is_empty() && !spec.operations.iter().any(|o| spec.is_secured(o)) {
            let detail = format!(
                "{} operations and no security scheme",
                spec.operations.len()
            );
            sink.report(&META, spec.root_loc().location(), detail);
        }
    }
}
