//! FL-OAS-013: Sensitive input field not marked writeOnly.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::node::child;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// A password, secret, SSN or card field in a request body that could be echoed back.
///
/// ## What it checks
/// Properties of request-body schemas named like passwords, secrets, private keys, SSNs or card
/// numbers that are neither `writeOnly: true` nor `format: password`. Names of where a secret is
/// kept (`secretRef`, `secretFile`, `secretName`) and values that cannot be one (booleans,
/// objects, arrays of objects) are not counted; a field that a 2xx response also returns is
/// left to FL-OAS-014, so one field never gets both findings.
///
/// ## Why it matters
/// Without `writeOnly` the same schema is used for responses and generated clients/UIs display
/// or log the value; `format: password` makes tools mask it.
///
/// ## Example
///
/// ```yaml
/// properties:
///   password: {type: string}
/// ```
///
/// ## Fix
/// Mark the field `writeOnly: true` and `format: password`, and never return it.
pub struct SensitiveFieldNotWriteOnly;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-013",
    title: "Sensitive input field not marked writeOnly",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.7,
    rationale: "Without `writeOnly` the same schema is used for responses and generated clients/UIs display or log the value; `format: password` makes tools mask it.",
    remediation: "Mark the field `writeOnly: true` and `format: password`, and never return it.",
};

impl Rule<Spec> for SensitiveFieldNotWriteOnly {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let roots: Vec<_> = spec
            .operations
            .iter()
            .flat_map(|o| spec.body_roots(o))
            .collect();
        // Schemas a successful response returns: FL-OAS-014 judges their
        // readable sensitive fields.
        let mut returned = HashSet::new();
        spec.walk(
            spec.operations.iter().flat_map(|o| spec.success_roots(o)),
            |id, _| {
                returned.insert(id);
            },
        );
        let mut examined = 0;
        spec.walk(roots, |id, s| {
            for p in &s.properties {
                let Some(kind) = spec.secret_property(p) else {
                    continue;
                };
                let Some(ps) = spec.schema(p.schema) else {
                    examined += 1;
                    continue;
                };
                if returned.contains(&id) && !ps.write_only {
                    continue;
                }
                examined += 1;
                if !ps.write_only && ps.format.as_deref() != Some("password") {
                    let loc = crate::analysis::openapi::model::Loc::new(
                        p.line,
                        child(&child(&s.loc.pointer, "properties"), &p.name),
                    );
                    sink.report(
                        &META,
                        loc.location(),
                        format!("`{}` ({kind}) is readable", p.name),
                    );
                }
            }
        });
        sink.examined(&META, n(examined));
    }
}
