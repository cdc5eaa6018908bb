//! FL-OAS-019: Write schema accepts server-owned fields.

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Loc;
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::node::child;
use crate::analysis::openapi::query::squash;
use crate::analysis::rule::{Rule, RuleMeta, Sink};
use foldhash::{HashSet, HashSetExt};

/// A create/update body lets the client set fields the server should own (id, role, admin,
/// owner, timestamps).
///
/// ## What it checks
/// Top-level request-body objects of POST/PUT/PATCH operations with writable (not `readOnly`)
/// properties such as `id`, `role`, `roles`, `isAdmin`, `owner`, `permissions`, `createdAt`.
///
/// ## Why it matters
/// If the server binds the body to its model, a client can promote itself to admin or take over
/// another owner's record (mass assignment, OWASP API3).
///
/// ## Example
///
/// ```yaml
/// UserUpdate:
///   properties:
///     role: {type: string}
/// ```
///
/// ## Fix
/// Mark server-owned fields `readOnly: true`, or use a separate input schema without them.
pub struct MassAssignmentProneSchema;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-019",
    title: "Write schema accepts server-owned fields",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.6,
    rationale: "If the server binds the body to its model, a client can promote itself to admin or take over another owner's record (mass assignment, OWASP API3).",
    remediation: "Mark server-owned fields `readOnly: true`, or use a separate input schema without them.",
};

impl Rule<Spec> for MassAssignmentProneSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        const OWNED: &[&str] = &[
            "id",
            "role",
            "roles",
            "admin",
            "isadmin",
            "owner",
            "ownerid",
            "permissions",
            "createdat",
            "updatedat",
            "createdby",
            "isverified",
            "verified",
            "accountbalance",
            "balance",
        ];
        let mut seen = HashSet::new();
        let writes = spec.operations.iter().filter(|o| o.method.is_write());
        for id in writes.flat_map(|o| spec.body_roots(o)) {
            let Some(s) = spec.schema(id).filter(|_| seen.insert(id)) else {
                continue;
            };
            sink.examined(&META, 1);
            let owned = spec
                .all_properties(id)
                .into_iter()
                .filter(|p| OWNED.contains(&squash(&p.name).as_str()));
            let writable: Vec<_> = owned
                .filter(|p| spec.schema(p.schema).is_some_and(|ps| !ps.read_only))
                .collect();
            // One finding per schema (at its first such field): a schema counts once against its examination.
            if let Some(first) = writable.first() {
                let names: Vec<String> = writable.iter().map(|p| format!("`{}`", p.name)).collect();
                let loc = Loc::new(
                    first.line,
                    child(&child(&s.loc.pointer, "properties"), &first.name),
                );
                sink.report(
                    &META,
                    loc.location(),
                    format!("clients can set {}", names.join(", ")),
                );
            }
        }
    }
}
