//! FL-ARC-016: No encryption in transit.

use super::support::{TRANSPORT, at, server_side};
use crate::analysis::architecture::{ArchModel, ComponentKind};
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// No encryption in transit.
///
/// ## What it checks
///
/// An architecture with clients, a gateway or external dependencies that never mentions
/// TLS, HTTPS, mTLS or certificates.
///
/// ## Why it matters
///
/// Traffic without TLS can be read and altered on the network; credentials and personal
/// data in transit are a compliance finding on their own.
///
/// ## Example
///
/// ~~~text
/// ```mermaid
/// graph LR
///   Browser --> GW[API Gateway]
///   GW --> Orders[Orders service]
/// ```
/// ~~~
///
/// ## Fix
///
/// Terminate TLS at the edge, use TLS (or mTLS via a service mesh) between services and to
/// data stores, and say where certificates come from.
pub struct NoTransportEncryption;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-016",
    title: "No encryption in transit",
    category: Category::Security,
    severity: Severity::Medium,
    confidence: 0.5,
    rationale: "Traffic without TLS can be read and altered on the network; credentials and personal data in transit are a compliance finding on their own.",
    remediation: "Terminate TLS at the edge, use TLS (or mTLS via a service mesh) between services and to data stores, and say where certificates come from.",
};

impl Rule<ArchModel> for NoTransportEncryption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        let exposed = doc.components.iter().find(|c| {
            matches!(
                c.kind,
                ComponentKind::Client | ComponentKind::Gateway | ComponentKind::External
            )
        });
        // Judged only where traffic crosses a network between several parts.
        let judged = exposed.is_some() && server_side(doc) >= 2;
        sink.examined(&META, u32::from(judged));
        if let Some(c) = exposed
            && judged
            && doc.doc.mentions(TRANSPORT).is_none()
        {
            sink.report(&META, at(c), "No TLS, HTTPS or mTLS described for traffic");
        }
    }
}
