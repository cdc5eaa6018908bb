//! FL-ARC-012: Secret in plain configuration.

use super::secrets::secret_lines;
use crate::analysis::architecture::ArchModel;
use crate::analysis::model::Location;
use crate::analysis::model::{Category, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// Secret in plain configuration.
///
/// ## What it checks
///
/// Configuration in the document (code blocks, tables, text) that assigns a literal value
/// to a password, secret, token or API key, contains a private key, an AWS access key id,
/// or a connection string with an embedded password. Placeholders (`${VAR}`, `<password>`,
/// `***`, `changeme-in-prod` style references) are ignored.
///
/// ## Why it matters
///
/// Secrets written into design docs and sample configs get copied into real deployments and
/// repositories, where they are found by scanners and attackers long before anyone rotates
/// them.
///
/// ## Example
///
/// ~~~text
/// ```yaml
/// database:
///   password: s3cr3t-Pa55
/// ```
/// ~~~
///
/// ## Fix
///
/// Reference secrets from a secret store (Vault, AWS Secrets Manager, Kubernetes Secrets
/// via `secretKeyRef`) or environment variables, and rotate any value that was ever written
/// down.
pub struct SecretInPlainConfig;

static META: RuleMeta = RuleMeta {
    id: "FL-ARC-012",
    title: "Secret in plain configuration",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.8,
    rationale: "Secrets written into design docs and sample configs get copied into real deployments and repositories, where they are found by scanners and attackers long before anyone rotates them.",
    remediation: "Reference secrets from a secret store (Vault, AWS Secrets Manager, Kubernetes Secrets via `secretKeyRef`) or environment variables, and rotate any value that was ever written down.",
};

impl Rule<ArchModel> for SecretInPlainConfig {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, doc: &ArchModel, sink: &mut Sink) {
        for (line, what) in secret_lines(&doc.doc) {
            let loc = Location {
                line: Some(line),
                pointer: None,
            };
            sink.report(&META, loc, format!("{what} on line {line}"));
        }
    }
}
