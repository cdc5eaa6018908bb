//! FL-OAS-001: API requires no authentication.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use crate::analysis::wording::count;

/// An API with operations none of which requires authentication.
///
/// ## What it checks
/// The document has operations and no operation is secured: there is no effective `security`
/// naming a scheme anywhere. A scheme declared in `components.securitySchemes` (2.0
/// `securityDefinitions`) but never required does not count: declaring it secures nothing.
///
/// ## Why it matters
/// Without any required authentication every endpoint is public by contract: clients, gateways
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
    title: "API requires no authentication",
    category: Category::Security,
    severity: Severity::Critical,
    confidence: 0.9,
    rationale: "Without any required authentication every endpoint is public by contract: clients, gateways and SDKs will call it anonymously.",
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
        if spec.operations.iter().any(|o| spec.is_secured(o)) {
            return;
        }
        let operations = count(spec.operations.len(), "operation", "operations");
        let detail = match spec.security_schemes.as_slice() {
            [] => format!("{operations} and no security scheme"),
            declared => {
                let names: Vec<&str> = declared.iter().map(|s| s.name.as_str()).collect();
                format!(
                    "{operations}, none secured: {} declared but never required",
                    names.join(", ")
                )
            }
        };
        sink.report(&META, spec.root_loc().location(), detail);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::openapi::tests::findings_of;

    /// FL-OAS-001's detail for `yaml`, if it fires.
    fn detail(yaml: &str) -> Option<String> {
        findings_of("FL-OAS-001", yaml)
            .first()
            .map(|f| f.description.clone())
    }

    const OPERATION: &str = "paths:
  /orders:
    post: {responses: {'201': {description: ok}}}
";

    #[test]
    fn a_scheme_declared_but_never_required_secures_nothing() {
        let spec = format!(
            "openapi: 3.0.3\ninfo: {{title: T, version: 1.0.0}}\n{OPERATION}components:
  securitySchemes:
    bearer: {{type: http, scheme: bearer}}
"
        );
        let d = detail(&spec).expect("fires");
        assert!(
            d.contains("1 operation, none secured: bearer declared but never required"),
            "{d}"
        );
        // Required at the top level, the same scheme secures the API.
        let secured = spec.replace("paths:", "security: [{bearer: []}]\npaths:");
        assert_eq!(detail(&secured), None);
    }

    #[test]
    fn swagger_2_definitions_left_unused_count_too() {
        let spec = format!(
            "swagger: '2.0'\ninfo: {{title: T, version: 1.0.0}}\n{OPERATION}securityDefinitions:
  ApiKeyAuth: {{type: apiKey, in: header, name: X-Key}}
"
        );
        let d = detail(&spec).expect("fires");
        assert!(d.contains("ApiKeyAuth declared but never required"), "{d}");
    }
}
