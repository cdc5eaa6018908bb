//! FL-OAS-014: Sensitive field returned in a response.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Loc;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::node::child;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A successful response schema exposes passwords, secrets, SSNs or card numbers.
///
/// ## What it checks
/// Properties of 2xx response schemas named like passwords, secrets, private keys, SSNs or card
/// numbers that are not `writeOnly`. Names of where a secret is kept (`secretRef`, `secretFile`,
/// `secretName`) and values that cannot be one (booleans, objects, arrays of objects) are not
/// counted.
///
/// ## Why it matters
/// Excessive data exposure (OWASP API3): the client receives data it should never see, and it
/// ends up in logs and caches.
///
/// ## Example
///
/// ```yaml
/// User:
///   properties:
///     passwordHash: {type: string}
/// ```
///
/// ## Fix
/// Remove the field from response schemas (or mark it `writeOnly`), and mask card numbers (last
/// four digits only).
pub struct SensitiveFieldInResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-014",
    title: "Sensitive field returned in a response",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.6,
    rationale: "Excessive data exposure (OWASP API3): the client receives data it should never see, and it ends up in logs and caches.",
    remediation: "Remove the field from response schemas (or mark it `writeOnly`), and mask card numbers (last four digits only).",
};

impl Rule<Spec> for SensitiveFieldInResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let roots: Vec<_> = spec
            .operations
            .iter()
            .flat_map(|o| spec.success_roots(o))
            .collect();
        let mut examined = 0;
        spec.walk(roots, |_, s| {
            for p in &s.properties {
                let Some(kind) = spec.secret_property(p) else {
                    continue;
                };
                examined += 1;
                if spec.schema(p.schema).is_some_and(|ps| !ps.write_only) {
                    let loc =
                        Loc::new(p.line, child(&child(&s.loc.pointer, "properties"), &p.name));
                    sink.report(
                        &META,
                        loc.location(),
                        format!("responses expose `{}` ({kind})", p.name),
                    );
                }
            }
        });
        sink.examined(&META, n(examined));
    }
}
