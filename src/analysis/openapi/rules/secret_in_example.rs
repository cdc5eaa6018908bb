//! FL-OAS-020: Real-looking credential in an example or description.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::analysis::model::{Category, Severity};
use crate::analysis::openapi::model::Spec;
use crate::analysis::openapi::model::TextKind;
use crate::analysis::openapi::query::n;
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// An example, default or description contains what looks like a live credential.
///
/// ## What it checks
/// Examples, defaults and descriptions matching credential shapes: AWS access keys (`AKIA...`),
/// Stripe live keys (`sk_live_...`), GitHub tokens (`ghp_...`), Slack tokens (`xoxb-...`),
/// Google API keys (`AIza...`), PEM private keys and JWTs.
///
/// ## Why it matters
/// Specs are published to portals and repositories; a real key in an example is a leaked key.
///
/// ## Example
///
/// ```yaml
/// example: sk_live_51H8xKLMn0pQrStUvWxYz
/// ```
///
/// ## Fix
/// Revoke the credential, then replace it with an obvious placeholder such as `sk_test_XXXX`.
pub struct SecretInExample;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-020",
    title: "Real-looking credential in an example or description",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.9,
    rationale: "Specs are published to portals and repositories; a real key in an example is a leaked key.",
    remediation: "Revoke the credential, then replace it with an obvious placeholder such as `sk_test_XXXX`.",
};

impl Rule<Spec> for SecretInExample {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        sink.examined(&META, n(spec.texts.len()));
        for t in &spec.texts {
            if let Some(kind) = credential(&t.text) {
                let what = if t.kind == TextKind::Description {
                    "description"
                } else {
                    "example"
                };
                sink.report(&META, t.loc.location(), format!("{what} contains a {kind}"));
            }
        }
    }
}

/// The kind of credential `text` contains, if any.
/// Credential prefixes, the length of the run that must follow, and the kind.
const PREFIXES: &[(&str, usize, &str)] = &[
    ("AKIA", 16, "AWS access key"),
    ("sk_live_", 16, "Stripe live secret key"),
    ("rk_live_", 16, "Stripe restricted key"),
    ("ghp_", 30, "GitHub token"),
    ("github_pat_", 30, "GitHub token"),
    ("xoxb-", 20, "Slack token"),
    ("xoxp-", 20, "Slack token"),
    ("AIza", 35, "Google API key"),
];

/// Searchers built once: `str::contains` sets one up on every call, which
/// cost more than the search itself over a large spec's ~100,000 texts.
struct Markers {
    pem: Finder<'static>,
    jwt: Finder<'static>,
    prefixes: Vec<Finder<'static>>,
}

static MARKERS: LazyLock<Markers> = LazyLock::new(|| Markers {
    pem: Finder::new("PRIVATE KEY-----"),
    jwt: Finder::new("eyJ"),
    prefixes: PREFIXES.iter().map(|(p, _, _)| Finder::new(p)).collect(),
});

fn credential(text: &str) -> Option<&'static str> {
    let markers = &*MARKERS;
    let has = |finder: &Finder<'_>| finder.find(text.as_bytes()).is_some();
    if has(&markers.pem) {
        return Some("PEM private key");
    }
    let present = PREFIXES
        .iter()
        .zip(&markers.prefixes)
        .filter(|(_, f)| has(f));
    for ((prefix, len, kind), _) in present {
        for (i, _) in text.match_indices(prefix) {
            let rest = &text[i + prefix.len()..];
            let run: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if run.len() >= *len && !run.chars().all(|c| c == 'X' || c == 'x' || c == '0') {
                return Some(kind);
            }
        }
    }
    if !has(&markers.jwt) {
        return None;
    }
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .find(|w| is_jwt(w))
        .map(|_| "JWT")
}

fn is_jwt(word: &str) -> bool {
    // jwt.io's sample token is a well-known placeholder, not a secret.
    if !word.starts_with("eyJ") || word.contains("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c") {
        return false;
    }
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            p.len() >= 10
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}
