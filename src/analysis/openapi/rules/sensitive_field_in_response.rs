//! FL-OAS-014: Sensitive field returned in a response.

use crate::analysis::model::{Category, Severity};
use foldhash::{HashSet, HashSetExt};

use crate::analysis::openapi::model::{Loc, Method, Operation, Spec};
use crate::analysis::openapi::node::child;
use crate::analysis::openapi::query::{n, static_segments};
use crate::analysis::rule::{Rule, RuleMeta, Sink};

/// A successful response schema exposes passwords, secrets, SSNs or card numbers.
///
/// ## What it checks
/// Properties of 2xx response schemas named like passwords, secrets, private keys, SSNs or card
/// numbers that are not `writeOnly`. Names of where a secret is kept (`secretRef`, `secretFile`,
/// `secretName`) and values that cannot be one (booleans, objects, arrays of objects) are not
/// counted. A secret in the answer of the POST that creates it (an API key, a client secret or a
/// session, judged by the name of the collection the path creates in) is how it is handed out
/// once, and is not counted there; the same field in any other answer is.
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
/// Remove the field from response schemas (or mark it `writeOnly`); hand a secret out once, in the
/// answer of the call that creates it; mask card numbers (last four digits only).
pub struct SensitiveFieldInResponse;

static META: RuleMeta = RuleMeta {
    id: "FL-OAS-014",
    title: "Sensitive field returned in a response",
    category: Category::Security,
    severity: Severity::High,
    confidence: 0.6,
    rationale: "Excessive data exposure (OWASP API3): the client receives data it should never see, and it ends up in logs and caches.",
    remediation: "Remove the field from response schemas (or mark it `writeOnly`); hand a secret out once, in the answer of the call that creates it; mask card numbers (last four digits only).",
};

impl Rule<Spec> for SensitiveFieldInResponse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, spec: &Spec, sink: &mut Sink) {
        let (issuing, others): (Vec<&Operation>, Vec<&Operation>) =
            spec.operations.iter().partition(|o| issues_credentials(o));
        let roots = |ops: &[&Operation]| -> Vec<_> {
            ops.iter().flat_map(|o| spec.success_roots(o)).collect()
        };
        // Each field once, whichever answers reach it.
        let mut seen = HashSet::new();
        let mut examined = 0;
        for (ops, handing_out) in [(others, false), (issuing, true)] {
            spec.walk(roots(&ops), |id, s| {
                for p in &s.properties {
                    let Some(kind) = spec.secret_property(p) else {
                        continue;
                    };
                    if (handing_out && kind == "secret") || !seen.insert((id, p.name.clone())) {
                        continue;
                    }
                    examined += 1;
                    if spec.schema(p.schema).is_none_or(|ps| ps.write_only) {
                        continue;
                    }
                    let loc =
                        Loc::new(p.line, child(&child(&s.loc.pointer, "properties"), &p.name));
                    sink.report(
                        &META,
                        loc.location(),
                        format!("responses expose `{}` ({kind})", p.name),
                    );
                }
            });
        }
        sink.examined(&META, n(examined));
    }
}

/// A POST that creates a credential, whose answer is where its secret is
/// handed out once: the collection it creates in (the last static path
/// segment, past a verb such as `rotate` or `:create`) is API keys, tokens,
/// secrets, credentials, OAuth clients or sessions (`/Keys.json`,
/// `/apikeys`, `/oauth/token`, `/realtime/client_secrets`,
/// `/keys/{id}/rotate`; not `/monkeys`, nor `/orders` whatever its
/// operationId says).
fn issues_credentials(op: &Operation) -> bool {
    const WORDS: &[&str] = &[
        "key",
        "apikey",
        "token",
        "secret",
        "credential",
        "client",
        "session",
    ];
    const VERBS: &[&str] = &[
        "create",
        "issue",
        "rotate",
        "regenerate",
        "renew",
        "refresh",
        "reset",
        "generate",
        "new",
    ];
    if op.method != Method::Post {
        return false;
    }
    let mut names: Vec<String> = static_segments(&op.path)
        .flat_map(|s| {
            let s = s
                .strip_suffix(".json")
                .or_else(|| s.strip_suffix(".xml"))
                .unwrap_or(s);
            words(s)
        })
        .collect();
    while names.last().is_some_and(|w| VERBS.contains(&w.as_str())) {
        names.pop();
    }
    names.last().is_some_and(|w| {
        let singular = w.strip_suffix('s').unwrap_or(w);
        WORDS.contains(&singular)
    })
}

/// The words of a path segment or an identifier, lowercase: split at
/// anything not a letter or digit and where camelCase turns upper.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if (!c.is_alphanumeric() || (c.is_uppercase() && prev_lower)) && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::analysis::openapi::tests::{findings_of, pointers};

    /// The fields FL-OAS-014 flags in `yaml`, as JSON pointers.
    fn flagged(yaml: &str) -> Vec<String> {
        pointers(&findings_of("FL-OAS-014", yaml))
    }

    #[test]
    fn a_secret_handed_out_by_the_call_that_creates_it_is_not_flagged_there() {
        let spec = "openapi: 3.0.3
info: {title: T, version: 1.0.0}
paths:
  /Accounts/{sid}/Keys.json:
    post:
      operationId: CreateNewKey
      parameters: [{name: sid, in: path, required: true, schema: {type: string}}]
      responses:
        '201':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/NewKey'}}}
  /users:
    post:
      responses:
        '201':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}
components:
  schemas:
    NewKey:
      type: object
      properties: {sid: {type: string}, secret: {type: string}, password: {type: string}}
    User:
      type: object
      properties: {name: {type: string}, client_secret: {type: string}}
";
        // The key's secret is how the key is handed out; a password never
        // is, and a user is no credential.
        assert_eq!(
            flagged(spec),
            [
                "/components/schemas/NewKey/properties/password",
                "/components/schemas/User/properties/client_secret"
            ]
        );
        // A collection of something else is no credential, whatever its
        // operationId says.
        for path in ["/monkeys", "/orders"] {
            let other = spec
                .replace(
                    "/Accounts/{sid}/Keys.json",
                    &format!("/Accounts/{{sid}}{path}"),
                )
                .replace("CreateNewKey", "createOrderForClient");
            assert!(
                flagged(&other)
                    .contains(&"/components/schemas/NewKey/properties/secret".to_string()),
                "{path}: {:?}",
                flagged(&other)
            );
        }
        // Read back later, the same secret is flagged.
        let read = spec.replace(
            "  /users:\n",
            "  /Accounts/{sid}/Keys/{key}.json:\n    get:\n      parameters:\n        - {name: sid, in: path, required: true, schema: {type: string}}\n        - {name: key, in: path, required: true, schema: {type: string}}\n      responses:\n        '200':\n          description: ok\n          content: {application/json: {schema: {$ref: '#/components/schemas/NewKey'}}}\n  /users:\n",
        );
        assert!(
            flagged(&read).contains(&"/components/schemas/NewKey/properties/secret".to_string()),
            "{:?}",
            flagged(&read)
        );
    }
}
