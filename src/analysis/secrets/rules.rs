//! The `FL-SEC` rules: one per kind of secret, each reporting one High
//! finding per secret (and FL-SEC-012, one Low finding per credential-like
//! sample value) with its line and masked evidence. They run on every
//! artifact kind, over the [`SecretScan`] of the submitted text.

use super::kind::SecretKind;
use super::mask::mask;
use super::scan::SecretHit;
use crate::analysis::model::{Category, Location, Severity};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// The secrets found in an analysis's texts: the artifact and, when one
/// came with it, the companion spec (`metadata.spec`).
#[derive(Debug, Default)]
pub struct SecretScan {
    /// (where, text, hits): `where` is `None` for the artifact itself.
    pub sources: Vec<(Option<&'static str>, String, Vec<SecretHit>)>,
}

impl SecretScan {
    /// Scans each `(where, text)`.
    pub fn of<'a>(texts: impl IntoIterator<Item = (Option<&'static str>, &'a str)>) -> Self {
        let sources = texts
            .into_iter()
            .map(|(at, text)| {
                let hits = super::scan(text);
                (at, text.to_string(), hits)
            })
            .collect();
        Self { sources }
    }

    /// Every hit with the text it was found in.
    pub fn hits(&self) -> impl Iterator<Item = (Option<&'static str>, &str, &SecretHit)> {
        self.sources
            .iter()
            .flat_map(|(at, text, hits)| hits.iter().map(move |h| (*at, text.as_str(), h)))
    }

    /// A redactor for everything found.
    pub fn redactor(&self) -> super::Redactor {
        super::Redactor::new(self.hits().map(|(_, text, h)| (text, h)))
    }
}

const REMEDIATION: &str = "Treat the secret as leaked: rotate it (revoke it and issue a new one) now. Remove it from the document and from the history of wherever the document is kept, and reference secrets from a secret manager (Vault, AWS Secrets Manager, GCP Secret Manager, Kubernetes Secrets) or an environment variable instead of writing them down.";

const fn meta(id: &'static str, title: &'static str, rationale: &'static str) -> RuleMeta {
    RuleMeta {
        id,
        title,
        category: Category::Security,
        severity: Severity::High,
        confidence: 0.9,
        rationale,
        remediation: REMEDIATION,
    }
}

static METAS: [RuleMeta; 11] = [
    meta(
        "FL-SEC-001",
        "Private key in the artifact",
        "Whoever reads the document can impersonate the key's owner: decrypt its traffic, sign as it, or log in with it.",
    ),
    meta(
        "FL-SEC-002",
        "AWS access key id in the artifact",
        "An access key id is half of an AWS credential and usually travels with its secret; scanners harvest both from public documents within minutes.",
    ),
    meta(
        "FL-SEC-003",
        "AWS secret access key in the artifact",
        "With the secret access key anyone can call AWS as its owner, up to the owner's permissions.",
    ),
    meta(
        "FL-SEC-004",
        "GCP service-account key in the artifact",
        "A service-account key file lets anyone act as that service account on Google Cloud until the key is deleted.",
    ),
    meta(
        "FL-SEC-005",
        "Google API key in the artifact",
        "A Google API key bills its project and opens whatever APIs it is not restricted from.",
    ),
    meta(
        "FL-SEC-006",
        "GitHub token in the artifact",
        "A GitHub token reads and often writes the owner's repositories, packages and workflows.",
    ),
    meta(
        "FL-SEC-007",
        "Slack token in the artifact",
        "A Slack token reads and posts messages as its bot or user, a common path to phishing inside the company.",
    ),
    meta(
        "FL-SEC-008",
        "Stripe live key in the artifact",
        "A live Stripe key moves real money: charges, refunds and payouts on the account.",
    ),
    meta(
        "FL-SEC-009",
        "JSON Web Token in the artifact",
        "A signed token is a bearer credential: until it expires, whoever holds it is its subject.",
    ),
    meta(
        "FL-SEC-010",
        "Password in a connection URL",
        "Connection strings are copied into configs, logs and tickets; the embedded password goes with them.",
    ),
    meta(
        "FL-SEC-011",
        "Password, secret or token in configuration",
        "Secrets written into design docs and sample configs get copied into real deployments and repositories, where scanners and attackers find them long before anyone rotates them.",
    ),
];

/// The rule for one kind of secret.
pub struct SecretRule(usize);

/// Every `FL-SEC` rule, sorted by id.
pub fn rules() -> Vec<Box<dyn Rule<SecretScan>>> {
    let mut rules: Vec<Box<dyn Rule<SecretScan>>> = (0..METAS.len())
        .map(|i| Box::new(SecretRule(i)) as Box<dyn Rule<SecretScan>>)
        .collect();
    rules.push(Box::new(SampleRule));
    rules
}

/// FL-SEC-012: a credential-looking value in an `example`/`examples`
/// value. Usually made up for the docs (obvious placeholders are not
/// reported at all), but one that looks random may have been pasted from
/// a live response, so it is worth a look, not a gate.
static SAMPLE_META: RuleMeta = RuleMeta {
    id: "FL-SEC-012",
    title: "Credential-like value in an example",
    category: Category::Security,
    severity: Severity::Low,
    confidence: 0.5,
    rationale: "Sample values are usually made up, but a random-looking one may have been pasted from a live response or config; published specs and docs are scraped like any other file.",
    remediation: "Check whether the value was ever a real credential and rotate it if so. Replace it with an obvious placeholder (`<client-secret>`, `sk_test_123`) so readers and scanners can tell it is a sample.",
};

pub struct SampleRule;

impl Rule<SecretScan> for SampleRule {
    fn meta(&self) -> &'static RuleMeta {
        &SAMPLE_META
    }

    fn check(&self, scan: &SecretScan, sink: &mut Sink) {
        report_hits(&SAMPLE_META, scan.hits().filter(|(_, _, h)| h.sample), sink);
    }
}

impl Rule<SecretScan> for SecretRule {
    fn meta(&self) -> &'static RuleMeta {
        &METAS[self.0]
    }

    fn check(&self, scan: &SecretScan, sink: &mut Sink) {
        let kind = SecretKind::ALL[self.0];
        // Samples are FL-SEC-012's.
        let hits = scan.hits().filter(|(_, _, h)| h.kind == kind && !h.sample);
        report_hits(self.meta(), hits, sink);
    }
}

/// One finding per hit, with masked evidence.
fn report_hits<'s>(
    meta: &'static RuleMeta,
    hits: impl Iterator<Item = (Option<&'static str>, &'s str, &'s SecretHit)>,
    sink: &mut Sink,
) {
    let mut found = 0;
    for (at, text, hit) in hits {
        found += 1;
        let evidence = match &hit.header {
            Some(header) => header.clone(),
            None => mask(hit.value(text)),
        };
        let place = at.map_or(String::new(), |a| format!(" of {a}"));
        sink.report_each(
            meta,
            Location {
                line: Some(hit.line),
                pointer: at.map(str::to_string),
            },
            format!(
                "{} `{evidence}` on line {}{place}",
                hit.kind.label(),
                hit.line
            ),
        );
    }
    // A rule with nothing to report does not apply: secrets lower the
    // score when present, their absence does not raise it.
    sink.examined(meta, found);
}
