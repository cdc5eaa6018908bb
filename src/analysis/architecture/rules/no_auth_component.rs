//! FL-ARC-004: No authentication or authorisation component.

use super::support::{AUTH, doc_at, server_side};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No authentication or authorisation component.
///
/// ## What it checks
///
/// An architecture with two or more server-side components that has no identity/auth
/// component and never mentions authentication, authorisation, OAuth, JWT, API keys or an
/// identity provider.
///
/// ## Why it matters
///
/// Without a designed trust boundary, each service invents its own checks or none;
/// unauthenticated access to internal APIs is the most common serious finding in API
/// security reviews.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Client --> API[Orders API]
///   API --> DB[(Postgres)]
/// ```
/// ~~~
///
/// ## Fix
///
/// Add the identity provider (Keycloak, Cognito, Auth0...) or auth service, where tokens
/// are validated (gateway or each service), and how services authenticate to each other.
pub struct NoAuthComponent;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-004",
    title: "No authentication or authorisation component",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.7,
    rationale: "Without a designed trust boundary, each service invents its own checks or none; unauthenticated access to internal APIs is the most common serious finding in API security reviews.",
    remediation: "Add the identity provider (Keycloak, Cognito, Auth0...) or auth service, where tokens are validated (gateway or each service), and how services authenticate to each other.",
};

impl Rule<ArchModel> for NoAuthComponent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        // One component alone gives nothing to say about who may call whom.
        let judged = server_side(doc) >= 2;
        sink.examined(&META, u32::from(judged));
        if judged && !doc.has_kind(ComponentKind::Auth) && doc.doc.mentions(AUTH).is_none() {
            sink.report(
                &META,
                doc_at(doc),
                "No identity provider, auth service or authentication mechanism",
            );
        }
    }
}
